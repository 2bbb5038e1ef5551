<?php

/**
 * The PHP API of ext-weixinkit, for IDEs and readers (the argument information itself is
 * written out in weixinkit.c). Use the classes of the PHP package (Weixinkit\MessageCrypto,
 * Weixinkit\Weixinkit, Weixinkit\OfficialAccount, Weixinkit\Component): they choose this
 * extension when it is loaded. Failures throw the package's exception classes
 * (Weixinkit\InvalidSignatureException, ...) with the library's code; without the package,
 * a RuntimeException with the code.
 *
 * @generate-function-entries
 */

namespace Weixinkit\Ext;

/** The library version. */
function version(): string {}

/** @return array{0: array<string, mixed>, 1: array<string, list<string>>} [event, fields] */
function parse_message(string $xmlOrJson): array {}

/** parse_message as the package's `Weixinkit\Message` (which must be loadable); `$fields` stays native until first read. */
function parse_message_object(string $xmlOrJson): \Weixinkit\Message {}

/** @return array<string, list<string>> */
function parse_fields(string $xmlOrJson): array {}

function check_signature(string $token, string $signature, string $timestamp, string $nonce): bool {}

function msg_signature(string $token, string $timestamp, string $nonce, string $encrypt): string {}

/** The 32 raw key bytes. */
function decode_aes_key(string $encodingAesKey): string {}

function text_reply(string $toUserName, string $fromUserName, int $createTime, string $text): string {}

function image_reply(string $toUserName, string $fromUserName, int $createTime, string $text): string {}

/** `$text`: the articles as JSON, `[{"title","description","pic_url","url"}, ...]`. */
function news_reply(string $toUserName, string $fromUserName, int $createTime, string $text): string {}

/**
 * Keep the library's records at `$level` (error, warn, info, debug, trace) or above, the last
 * 10 000, until log_drain(). The library's threads never call PHP.
 */
function log_enable(string $level): void {}

function log_disable(): void {}

/** @return array{records: list<array{level: string, target: string, message: string, fields: array<string, string>}>, dropped: int} */
function log_drain(): array {}

/** One account's WXBizMsgCrypt (a WxkCrypto handle, released with the object). */
final class Crypto
{
    public static function create(string $token, string $encodingAesKey, string $receiverId): Crypto {}

    /** `$optionsJson` as wxk_crypto_new_with_options reads it: `{"receiver_id":{"exact":"wx1"},"max_clock_skew_secs":300}`. */
    public static function withOptions(string $token, string $encodingAesKey, string $optionsJson): Crypto {}

    public function decrypt(string $msgSignature, string $timestamp, string $nonce, string $text): string {}

    public function decryptBody(string $msgSignature, string $timestamp, string $nonce, string $text): string {}

    /** @return array{0: array<string, mixed>, 1: array<string, list<string>>} [event, fields] */
    public function decryptMessage(string $msgSignature, string $timestamp, string $nonce, string $body): array {}

    /**
     * The same as decryptMessage, as the package's `Weixinkit\Message` (which must be loadable):
     * `$fields` stays native until first read.
     */
    public function decryptMessageObject(string $msgSignature, string $timestamp, string $nonce, string $body): \Weixinkit\Message {}

    public function verifyUrl(string $msgSignature, string $timestamp, string $nonce, string $text): string {}

    public function encryptReply(string $plaintext, string $timestamp, string $nonce): string {}

    public function encryptReplyJson(string $plaintext, string $timestamp, string $nonce): string {}
}

/** An Official Account, Open Platform or WeCom client (a WxkClient handle, released with the object). */
final class Client
{
    public static function officialAccount(string $configJson): Client {}

    public static function component(string $configJson): Client {}

    public static function provider(string $configJson): Client {}

    public static function suite(string $configJson): Client {}

    public static function workAccount(string $configJson): Client {}

    public static function websiteApp(string $configJson): Client {}

    public static function oauthState(string $configJson): Client {}

    /** `wxk_client_call`: the method's arguments and its result as JSON. */
    public function call(string $method, string $argsJson): string {}
}

/**
 * A parsed message's fields, kept native (no PHP values built) until `Weixinkit\Message` first
 * reads `$fields`. Made by decryptMessageObject and parse_message_object only.
 */
final class Fields
{
    private function __construct() {}

    /** @return array<string, list<string>> by path, in order of first appearance */
    public function toArray(): array {}
}

/**
 * A token store written in PHP, registered with the library: `$bridge->call(int $op, string
 * $key, string $value, int $ttlMs): array{0: int, 1: ?string}` answers it (the package's
 * Weixinkit\HostStoreBridge), on this thread only, inside client calls made here.
 */
final class HostStore
{
    public static function register(object $bridge): HostStore {}

    /** The number a client configuration names it by: `{"store":{"type":"host","id":N}}`. */
    public function id(): int {}
}
