<?php

declare(strict_types=1);

namespace Weixinkit;

use FFI\CData;

/**
 * WXBizMsgCrypt for one account: signature check, AES-256-CBC with PKCS#7-to-32 padding and
 * the receiver id check, done strictly by the Rust core (through the weixinkit extension when
 * it is loaded, else through FFI; see Native).
 *
 * Build it once per account (it is immutable) and reuse it. Every failure throws a
 * WeixinkitException subclass whose getCode() is the WXBizMsgCrypt code.
 *
 * ```php
 * $crypto = new MessageCrypto($token, $encodingAesKey, $appId);
 * $message = $crypto->decryptMessage($_GET['msg_signature'], $_GET['timestamp'], $_GET['nonce'], $body);
 * ```
 */
final class MessageCrypto
{
    /** @var Ext\Crypto|null the extension's handle (backend `ext`), which releases itself */
    private $ext;

    /** @var CData|null `WxkCrypto *` (backend `ffi`), released in __destruct */
    private $handle;

    /** @var \FFI|null the library (backend `ffi`), kept so the handle can be released even during shutdown */
    private $ffi;

    /**
     * `$receiverId` is checked exactly: the appid (Official Account, Open Platform component),
     * the corpid or suite id (WeCom), or '' (WeCom bots).
     *
     * @throws InvalidAesKeyException when the EncodingAESKey is not 43 base64 characters
     */
    public function __construct(string $token, string $encodingAesKey, string $receiverId)
    {
        if (Native::ext()) {
            $this->ext = Ext\Crypto::create($token, $encodingAesKey, $receiverId);
            return;
        }
        $ffi = Native::ffi();
        $cell = Native::cell('WxkCrypto *');
        $status = $ffi->wxk_crypto_new(
            $token,
            strlen($token),
            $encodingAesKey,
            strlen($encodingAesKey),
            $receiverId,
            strlen($receiverId),
            $cell,
            Native::$out
        );
        Native::check($status);
        $this->handle = $cell[0];
        $this->ffi = $ffi;
    }

    /**
     * Full control over the receiver id policy and an optional freshness window: pushes whose
     * `timestamp` is more than `$maxClockSkewSecs` seconds from now throw
     * StaleTimestampException.
     *
     * @throws InvalidAesKeyException
     * @throws InvalidInputException for an empty any-of list or a negative window
     */
    public static function withOptions(
        string $token,
        string $encodingAesKey,
        ReceiverIdPolicy $receiverId,
        ?int $maxClockSkewSecs = null
    ): self {
        $options = ['receiver_id' => $receiverId->toJsonValue()];
        if ($maxClockSkewSecs !== null) {
            $options['max_clock_skew_secs'] = $maxClockSkewSecs;
        }
        $json = Native::json($options, -40002);
        $crypto = (new \ReflectionClass(self::class))->newInstanceWithoutConstructor();
        if (Native::ext()) {
            $crypto->ext = Ext\Crypto::withOptions($token, $encodingAesKey, $json);
            return $crypto;
        }
        $ffi = Native::ffi();
        $cell = Native::cell('WxkCrypto *');
        $status = $ffi->wxk_crypto_new_with_options(
            $token,
            strlen($token),
            $encodingAesKey,
            strlen($encodingAesKey),
            $json,
            strlen($json),
            $cell,
            Native::$out
        );
        Native::check($status);
        $crypto->handle = $cell[0];
        $crypto->ffi = $ffi;
        return $crypto;
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            $this->ffi->wxk_crypto_free($this->handle);
            $this->handle = null;
        }
    }

    /** A handle has one owner: cloning would free it twice. */
    private function __clone()
    {
    }

    /**
     * Check `$msgSignature` over `$encrypt` (the push's `Encrypt` value), decrypt it and return
     * the message.
     *
     * @throws WeixinkitException
     */
    public function decrypt(string $msgSignature, string $timestamp, string $nonce, string $encrypt): string
    {
        if ($this->ext !== null) {
            return $this->ext->decrypt($msgSignature, $timestamp, $nonce, $encrypt);
        }
        return Native::take($this->ffi->wxk_crypto_decrypt(
            $this->handle,
            $msgSignature,
            strlen($msgSignature),
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
     * Decrypt a whole POST body: the XML envelope (`<Encrypt>`, also in "compatible mode") or
     * the JSON one (`"encrypt"`). The receiver id is never read from the envelope.
     *
     * @throws WeixinkitException
     */
    public function decryptBody(string $msgSignature, string $timestamp, string $nonce, string $body): string
    {
        if ($this->ext !== null) {
            return $this->ext->decryptBody($msgSignature, $timestamp, $nonce, $body);
        }
        return Native::take($this->ffi->wxk_crypto_decrypt_body(
            $this->handle,
            $msgSignature,
            strlen($msgSignature),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            $body,
            strlen($body),
            Native::$out,
            Native::$outLen
        ));
    }

    /**
     * decryptBody and Weixinkit::parseMessage in one call.
     *
     * @throws WeixinkitException
     */
    public function decryptMessage(string $msgSignature, string $timestamp, string $nonce, string $body): Message
    {
        if ($this->ext !== null) {
            return $this->ext->decryptMessageObject($msgSignature, $timestamp, $nonce, $body);
        }
        $json = Native::take($this->ffi->wxk_crypto_decrypt_message(
            $this->handle,
            $msgSignature,
            strlen($msgSignature),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            $body,
            strlen($body),
            Native::$out,
            Native::$outLen
        ));
        return Message::fromJson($json);
    }

    /**
     * WeCom URL verification: check `$msgSignature` over `$echostr` (already URL-decoded, as
     * in `$_GET`), decrypt it and return the plaintext to answer the GET with.
     *
     * @throws WeixinkitException
     */
    public function verifyUrl(string $msgSignature, string $timestamp, string $nonce, string $echostr): string
    {
        if ($this->ext !== null) {
            return $this->ext->verifyUrl($msgSignature, $timestamp, $nonce, $echostr);
        }
        return Native::take($this->ffi->wxk_crypto_verify_url(
            $this->handle,
            $msgSignature,
            strlen($msgSignature),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            $echostr,
            strlen($echostr),
            Native::$out,
            Native::$outLen
        ));
    }

    /**
     * Encrypt a passive reply into the XML envelope
     * (`<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`).
     *
     * @throws InvalidInputException (-40006) under the unchecked receiver id policy
     */
    public function encryptReply(string $plaintext, string $timestamp, string $nonce): string
    {
        if ($this->ext !== null) {
            return $this->ext->encryptReply($plaintext, $timestamp, $nonce);
        }
        return Native::take($this->ffi->wxk_crypto_encrypt_reply(
            $this->handle,
            $plaintext,
            strlen($plaintext),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            Native::$out,
            Native::$outLen
        ));
    }

    /**
     * Encrypt a passive reply into the JSON envelope
     * (`{"encrypt","msgsignature","timestamp","nonce"}`).
     *
     * @throws InvalidInputException (-40006) under the unchecked receiver id policy
     */
    public function encryptReplyJson(string $plaintext, string $timestamp, string $nonce): string
    {
        if ($this->ext !== null) {
            return $this->ext->encryptReplyJson($plaintext, $timestamp, $nonce);
        }
        return Native::take($this->ffi->wxk_crypto_encrypt_reply_json(
            $this->handle,
            $plaintext,
            strlen($plaintext),
            $timestamp,
            strlen($timestamp),
            $nonce,
            strlen($nonce),
            Native::$out,
            Native::$outLen
        ));
    }

    /**
     * The plain Official Account server check (no encryption): true when `$signature` is the
     * SHA-1 of the sorted [token, timestamp, nonce], compared in constant time. Answer the GET
     * with `echostr` unchanged only when this is true.
     */
    public static function checkSignature(string $token, string $signature, string $timestamp, string $nonce): bool
    {
        return Weixinkit::checkSignature($token, $signature, $timestamp, $nonce);
    }
}
