<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40010 (DecodeBase64Error): the ciphertext is not valid base64.
 */
final class InvalidBase64Exception extends WeixinkitException
{
}
