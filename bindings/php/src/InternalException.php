<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * weixinkit itself failed (kind `internal`, code -50099): a bug to report, never a problem
 * with the arguments or WeChat's answer (a caught panic, a result that would not encode, a
 * status the binding does not know).
 */
final class InternalException extends WeixinkitException
{
}
