<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50010 (kind `store`): the token store failed (Redis unreachable, the file store's directory unwritable); never answered with a stale or invented token.
 */
final class StoreException extends WeixinkitException
{
}
