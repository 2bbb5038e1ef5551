<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40007 (DecryptAESError): the ciphertext is empty or not a multiple of the 32-byte block.
 */
final class InvalidCiphertextException extends WeixinkitException
{
}
