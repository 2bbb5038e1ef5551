<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40001: the timestamp is not a number or lies outside the configured clock skew window.
 */
final class StaleTimestampException extends WeixinkitException
{
}
