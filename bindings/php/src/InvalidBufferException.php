<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40008 (IllegalBuffer): the decrypted buffer is too short, its length field does not fit, or it is not UTF-8.
 */
final class InvalidBufferException extends WeixinkitException
{
}
