<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40005 (ValidateAppidError / ValidateCorpidError): the receiver id after the message is not the configured one.
 */
final class ReceiverIdMismatchException extends WeixinkitException
{
}
