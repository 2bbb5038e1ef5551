<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50001 (kind `transport`): WeChat could not be reached (connection refused or reset, DNS, TLS), after the configured retries.
 */
final class TransportException extends WeixinkitException
{
}
