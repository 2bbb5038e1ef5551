<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * The platform can no longer act for an authorizer (kind `reauthorization_needed`): the
 * account's administrator must authorize it again (send them a new authorization link):
 *
 * - code -50041: no refresh token is stored for it (never authorized here, or it cancelled
 *   and the `unauthorized` push removed it);
 * - code 61003: it cancelled the authorization;
 * - code 61023: its refresh token is invalid and WeChat's authorizer list has no other.
 *
 * The message names the authorizer's AppID, never a token.
 */
final class ReauthorizationNeededException extends WeixinkitException
{
    /** WeChat's errcode (61003, 61023), or null when no refresh token is stored (-50041). */
    public function getErrcode(): ?int
    {
        return $this->getCode() > 0 ? $this->getCode() : null;
    }
}
