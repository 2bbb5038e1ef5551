<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * Every failure weixinkit reports. `getCode()` is the WXBizMsgCrypt code (-40001 … -40011)
 * known from Tencent's sample libraries, `getKind()` the name of the failed check
 * (`invalid_signature`, …). Each kind has its own subclass; this base class itself is thrown
 * only when the library cannot be loaded (kind `library`, code -1) or fails internally
 * (kind `internal`, code -1). Messages never contain tokens or keys.
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

    /** The failed check: `invalid_signature`, `parse`, … (the C ABI's error kind). */
    public function getKind(): string
    {
        return $this->kind;
    }
}
