<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * What Component::handleCallback() made of a request to the authorization event URL: the
 * HTTP answer to give WeChat, and the push that arrived.
 *
 * | `$status` | `$body` | when |
 * |---|---|---|
 * | 200 | `success` | verified, decrypted, and the lifecycle step done (ticket stored, code exchanged, authorizer forgotten) |
 * | 400 | a reason | `msg_signature` / `timestamp` / `nonce` missing, or a malformed push |
 * | 403 | a reason | the signature (or receiver id) check failed: nothing was stored |
 * | 405 | a reason | not a POST |
 * | 500 | a reason | the lifecycle step failed (e.g. the code exchange): WeChat will push again |
 *
 * `$message` is the verified, decrypted push (on 200 and 500), else null. Answer with
 * send(), or give `$status` and `$body` to your framework's response.
 */
final class CallbackResult
{
    /** The HTTP status to answer with. */
    public readonly int $status;

    /** The body to answer with: `success` on 200, a short reason otherwise (no secrets). */
    public readonly string $body;

    /** The push that arrived, when it was verified and decrypted. */
    public readonly ?Message $message;

    public function __construct(int $status, string $body, ?Message $message)
    {
        $this->status = $status;
        $this->body = $body;
        $this->message = $message;
    }

    /** Whether the push was handled (status 200): WeChat gets `success`. */
    public function isSuccess(): bool
    {
        return $this->status === 200;
    }

    /**
     * Answer the current PHP request with it (status, `text/plain`, body): for plain PHP
     * scripts and PHP's built-in server.
     */
    public function send(): void
    {
        if (!headers_sent()) {
            http_response_code($this->status);
            header('Content-Type: text/plain; charset=utf-8');
        }
        echo $this->body;
    }
}
