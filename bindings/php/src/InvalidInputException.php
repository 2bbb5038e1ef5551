<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * An argument cannot be used as given. Crypto calls say which step: -40006 (EncryptAESError,
 * e.g. encrypting a reply under the unchecked receiver id policy), -40011 (GenReturnXmlError,
 * e.g. a news reply without 1 to 8 articles), -40005 (an empty any-of list) or -40002 (a string
 * that is not UTF-8, options that do not read). OfficialAccount, Component and Authorizer
 * calls refuse every bad argument with one code, -50005: an empty URL, a path without a
 * leading '/' or with a query, the token parameter in the query, an unknown authorization link
 * option, an empty ticket, an AppID that cannot be a store key, a string that is not UTF-8.
 */
final class InvalidInputException extends WeixinkitException
{
}
