<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * -50020 (kind `config`): the configuration cannot be used (unknown or mistyped option, empty app_id or secret, a bad base URI or Redis URL). The message never contains a secret.
 */
final class ConfigException extends WeixinkitException
{
}
