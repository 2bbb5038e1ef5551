<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50003 (kind `http_status`): WeChat answered with an HTTP error status (retried first when it is in `http.retry.statuses`).
 */
final class HttpStatusException extends WeixinkitException
{
}
