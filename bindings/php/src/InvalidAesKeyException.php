<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40004 (IllegalAesKey): the EncodingAESKey is not 43 base64 characters decoding to 32 bytes.
 */
final class InvalidAesKeyException extends WeixinkitException
{
}
