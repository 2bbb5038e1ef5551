<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50004 (kind `decode`): WeChat's answer was not the JSON expected (not JSON, no token in a token answer, a non-numeric errcode).
 */
final class DecodeException extends WeixinkitException
{
}
