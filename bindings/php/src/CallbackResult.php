<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * What Component::handleCallback() made of a request to the authorization event URL (or
 * Suite::handleCallback() and OfficialAccount::handleMessage() of one to theirs): the HTTP
 * answer to give WeChat, and the push that arrived.
 *
 * | `$status` | `$body` | when |
 * |---|---|---|
 * | 200 | `success` | verified, decrypted, and the lifecycle step done (ticket stored, code exchanged, authorizer forgotten) |
 * | 400 | a reason | `msg_signature` / `timestamp` / `nonce` missing, or a malformed push |
 * | 403 | a reason | the signature (or receiver id) check failed, or the timestamp is outside `callback.replay_window_seconds`: nothing was stored |
 * | 405 | a reason | not a POST |
 * | 409 | a reason | a push already received within `callback.replay_window_seconds` (a replay): nothing was done |
 * | 500 | a reason | the lifecycle step failed (e.g. the code exchange): WeChat will push again |
 *
 * `$message` is the verified, decrypted push (on 200 and 500), else null. Answer with
 * send() in plain PHP, toResponse() for a PSR-7 framework, or give `$status` and `$body` to
 * your framework's response. A 405 also carries `Allow: POST`.
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
            if ($this->status === 405) {
                header('Allow: POST');
            }
        }
        echo $this->body;
    }

    /**
     * The answer as a PSR-7 response, built with your framework's PSR-17 factories: the status,
     * `Content-Type: text/plain; charset=utf-8` (and `Allow: POST` on 405), the body. Without a
     * stream factory the body is written into the new response's own body stream.
     *
     * ```php
     * $psr17 = new \Nyholm\Psr7\Factory\Psr17Factory();   // or Laminas', Slim's, Guzzle's…
     * return $platform->handleServerRequest($request, $handler)->toResponse($psr17, $psr17);
     * ```
     *
     * Needs `psr/http-message` and `psr/http-factory` only when called: the package loads
     * without them.
     */
    public function toResponse(
        \Psr\Http\Message\ResponseFactoryInterface $responses,
        ?\Psr\Http\Message\StreamFactoryInterface $streams = null
    ): \Psr\Http\Message\ResponseInterface {
        $response = $responses->createResponse($this->status)
            ->withHeader('Content-Type', 'text/plain; charset=utf-8');
        if ($this->status === 405) {
            $response = $response->withHeader('Allow', 'POST');
        }
        if ($streams !== null) {
            return $response->withBody($streams->createStream($this->body));
        }
        $response->getBody()->write($this->body);
        return $response;
    }
}
