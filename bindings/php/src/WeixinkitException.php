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
 * Each kind has its own subclass; this base class itself is thrown only when the library
 * cannot be loaded (kind `library`, code -1) or fails internally (kind `internal`, code
 * -50099). Messages never contain secrets, tokens or keys.
 */
class WeixinkitException extends \RuntimeException
{
    /** @var string */
    private $kind;

    public function __construct(string $message, int $code, string $kind, ?\Throwable $previous = null)
    {
        parent::__construct($message, $code, $previous);
        $this->kind = $kind;
    }

    /** The failed check: `invalid_signature`, `api`, `store`, … (the C ABI's error kind). */
    public function getKind(): string
    {
        return $this->kind;
    }
}
