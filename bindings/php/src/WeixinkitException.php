<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * Every failure weixinkit reports. `getCode()` is the failure's code, `getKind()` its stable
 * name, the same in every language:
 *
 * - message crypto: the WXBizMsgCrypt code (-40001 … -40011) known from Tencent's sample
 *   libraries (`invalid_signature`, `parse`, …);
 * - a WeChat API call refused: WeChat's `errcode` (kind `api`, ApiException);
 * - weixinkit's own -500xx: `transport` (-50001), `timeout` (-50002), `http_status` (-50003),
 *   `decode` (-50004), `invalid_input` (-50005, an argument of an API method), `store`
 *   (-50010), `config` (-50020), `token_unavailable` (-50030);
 * - the Open Platform: `ticket` (-50040, or WeChat's 61005 / 61006) and
 *   `reauthorization_needed` (-50041, or WeChat's 61003 / 61023).
 *
 * Each kind the library reports has its own subclass (the list is the core's `ERROR_KINDS`,
 * checked by the Rust suite); this base class itself is thrown only when the library cannot
 * be loaded (kind `library`). Messages never contain secrets, tokens or keys.
 */
class WeixinkitException extends \RuntimeException
{
    /** @var string */
    private $kind;

    /** @var string|null */
    private $errmsg;

    /** @var string|null */
    private $endpoint;

    public function __construct(
        string $message,
        int $code,
        string $kind,
        ?\Throwable $previous = null,
        ?string $errmsg = null,
        ?string $endpoint = null
    ) {
        parent::__construct($message, $code, $previous);
        $this->kind = $kind;
        $this->errmsg = $errmsg;
        $this->endpoint = $endpoint;
    }

    /** WeChat's `errmsg` (with its `rid`) when WeChat refused the call, else null. */
    public function getErrmsg(): ?string
    {
        return $this->errmsg;
    }

    /**
     * The endpoint path an HTTP failure concerns (`/cgi-bin/token`; never its query, which
     * holds secrets), else null.
     */
    public function getEndpoint(): ?string
    {
        return $this->endpoint;
    }

    /** The failed check: `invalid_signature`, `api`, `store`, … (the C ABI's error kind). */
    public function getKind(): string
    {
        return $this->kind;
    }
}
