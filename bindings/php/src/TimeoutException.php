<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50002 (kind `timeout`): a request to WeChat took longer than `http.timeout_ms`, after the configured retries.
 */
final class TimeoutException extends WeixinkitException
{
}
