<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50030 (kind `token_unavailable`): no token could be had in time: another process held the refresh lock longer than `tokens.lock_wait_ms`, or `tokens.read_only` is set and no fresh token is stored.
 */
final class TokenUnavailableException extends WeixinkitException
{
}
