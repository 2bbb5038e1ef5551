<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -40002 (ParseXmlError): the envelope or message is not well-formed XML/JSON, or lacks a required element.
 */
final class ParseException extends WeixinkitException
{
}
