<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40008 (IllegalBuffer): the PKCS#7 padding is not 1..=32 equal bytes.
 */
final class InvalidPaddingException extends WeixinkitException
{
}
