<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A user's one-time code cannot be exchanged (kind `oauth_code`): the web authorization
 * `code`, the website login `code` or a mini program's `js_code` was already used (40163),
 * has expired (42003) or is unknown (40029). Never retried: send the user through the
 * authorization (or `wx.login`) again. `getCode()` is WeChat's errcode; `getErrmsg()` and
 * `getEndpoint()` say where.
 */
final class OauthCodeException extends WeixinkitException
{
    /** WeChat's `errcode`: 40029, 40163 or 42003 (the same as getCode()). */
    public function getErrcode(): int
    {
        return $this->getCode();
    }
}
