<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * The library's functions: message parsing, signatures and passive replies.
 *
 * ```php
 * $message = Weixinkit::parseMessage($decryptedXml);
 * $xml = Weixinkit::textReply($message->field('FromUserName'), $message->field('ToUserName'), time(), 'Hello');
 * ```
 */
final class Weixinkit
{
    /**
     * This package's version, the same as the Rust crate's and the Python and Kotlin
     * packages' (one number for all; tests/integration/host_drift.rs checks it).
     */
    public const VERSION = '0.1.0';

    private function __construct()
    {
    }

    /**
     * Send the library's records (token refreshes, refresh-lock waits, retries, lifecycle
     * steps; never a secret or token) to a PSR-3 logger, at `$level` (`error`, `warn`, `info`,
     * `debug`, `trace`) or above. Off until called.
     *
     * The library's own threads never call PHP: it keeps the records (the last 10 000) and
     * they reach the logger on this thread after every client call, or on {@see flushLogs()}.
     * Context: the record's fields (`key`, `kind`, `authorizer_appid`, `errcode`, …) and
     * `target` (e.g. `weixinkit::token`).
     *
     * @throws InvalidInputException (-50005) for an unknown level
     */
    public static function enableLogging(\Psr\Log\LoggerInterface $logger, string $level = 'debug'): void
    {
        Native::logEnable($level);
        Native::flushLogs();
        Native::$logger = $logger;
    }

    /** Stop sending the library's records to the logger (what was kept is delivered first). */
    public static function disableLogging(): void
    {
        Native::logDisable();
        Native::flushLogs();
        Native::$logger = null;
    }

    /** Deliver the records kept since the last client call to the logger now. */
    public static function flushLogs(): void
    {
        Native::flushLogs();
    }

    /** The loaded library's version, e.g. `0.1.0`: equal to VERSION when the two match. */
    public static function version(): string
    {
        if (Native::ext()) {
            return Ext\version();
        }
        return Native::ffi()->wxk_version();
    }

    /**
     * Parse a decrypted push (XML, or the JSON some WeCom and mini program callbacks use) into
     * its typed event and every element's text.
     *
     * @throws ParseException (-40002) when it is not well-formed or lacks a required element
     */
    public static function parseMessage(string $xmlOrJson): Message
    {
        if (Native::ext()) {
            return Ext\parse_message_object($xmlOrJson);
        }
        $ffi = Native::ffi();
        $json = Native::take($ffi->wxk_parse_message($xmlOrJson, strlen($xmlOrJson), Native::$out, Native::$outLen));
        return Message::fromJson($json);
    }

    /**
     * Every leaf field of any XML or JSON document (an envelope, say) by path, without
     * classifying it: `['ToUserName' => ['wx…'], 'Encrypt' => ['…']]`.
     *
     * @return array<string, list<string>>
     * @throws ParseException (-40002) when it is not well-formed
     */
    public static function parseFields(string $xmlOrJson): array
    {
        if (Native::ext()) {
            return Ext\parse_fields($xmlOrJson);
        }
        $ffi = Native::ffi();
        $json = Native::take($ffi->wxk_parse_fields($xmlOrJson, strlen($xmlOrJson), Native::$out, Native::$outLen));
        return json_decode($json, true, 8, JSON_THROW_ON_ERROR);
    }

    /**
     * The plain Official Account server check; see MessageCrypto::checkSignature.
     */
    public static function checkSignature(string $token, string $signature, string $timestamp, string $nonce): bool
    {
        if (Native::ext()) {
            return Ext\check_signature($token, $signature, $timestamp, $nonce);
        }
        $ffi = Native::ffi();
        $valid = $ffi->new('bool[1]');
        Native::check($ffi->wxk_check_signature(
            $token,
            strlen($token),
            $signature,
            strlen($signature),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            $valid,
            Native::$out
        ));
        return $valid[0];
    }

    /** `msg_signature` for an encrypted message: SHA-1 hex of the sorted [token, timestamp, nonce, encrypt]. */
    public static function msgSignature(string $token, string $timestamp, string $nonce, string $encrypt): string
    {
        if (Native::ext()) {
            return Ext\msg_signature($token, $timestamp, $nonce, $encrypt);
        }
        return Native::take(Native::ffi()->wxk_msg_signature(
            $token,
            strlen($token),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            $encrypt,
            strlen($encrypt),
            Native::$out,
            Native::$outLen
        ));
    }

    /**
     * The 32-byte AES key (raw bytes; bin2hex for display) an EncodingAESKey decodes to.
     *
     * @throws InvalidAesKeyException (-40004)
     */
    public static function decodeAesKey(string $encodingAesKey): string
    {
        if (Native::ext()) {
            return Ext\decode_aes_key($encodingAesKey);
        }
        $ffi = Native::ffi();
        $key = $ffi->new('uint8_t[32]');
        Native::check($ffi->wxk_decode_aes_key($encodingAesKey, strlen($encodingAesKey), $key, 32, Native::$out));
        return \FFI::string($key, 32);
    }

    /**
     * Passive text reply. `$toUserName` is the push's FromUserName, `$fromUserName` its
     * ToUserName.
     */
    public static function textReply(string $toUserName, string $fromUserName, int $createTime, string $content): string
    {
        if (Native::ext()) {
            return Ext\text_reply($toUserName, $fromUserName, $createTime, $content);
        }
        return Native::take(Native::ffi()->wxk_text_reply(
            $toUserName,
            strlen($toUserName),
            $fromUserName,
            strlen($fromUserName),
            $createTime,
            $content,
            strlen($content),
            Native::$out,
            Native::$outLen
        ));
    }

    /** Passive image reply with a media id from the media upload API. */
    public static function imageReply(string $toUserName, string $fromUserName, int $createTime, string $mediaId): string
    {
        if (Native::ext()) {
            return Ext\image_reply($toUserName, $fromUserName, $createTime, $mediaId);
        }
        return Native::take(Native::ffi()->wxk_image_reply(
            $toUserName,
            strlen($toUserName),
            $fromUserName,
            strlen($fromUserName),
            $createTime,
            $mediaId,
            strlen($mediaId),
            Native::$out,
            Native::$outLen
        ));
    }

    /**
     * Passive news reply with 1 to 8 articles, each an array with any of the keys `title`,
     * `description`, `pic_url`, `url`.
     *
     * @param list<array{title?: string, description?: string, pic_url?: string, url?: string}> $articles
     * @throws InvalidInputException (-40011) without 1 to 8 articles
     */
    public static function newsReply(string $toUserName, string $fromUserName, int $createTime, array $articles): string
    {
        $json = Native::json(array_values($articles), -40011);
        if (Native::ext()) {
            return Ext\news_reply($toUserName, $fromUserName, $createTime, $json);
        }
        return Native::take(Native::ffi()->wxk_news_reply(
            $toUserName,
            strlen($toUserName),
            $fromUserName,
            strlen($fromUserName),
            $createTime,
            $json,
            strlen($json),
            Native::$out,
            Native::$outLen
        ));
    }
}
