<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40001 (ValidateSignatureError): msg_signature does not match.
 */
final class InvalidSignatureException extends WeixinkitException
{
}
