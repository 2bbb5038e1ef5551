<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * WeChat refused a call (kind `api`): `getCode()` and `getErrcode()` are WeChat's `errcode`
 * (40001, 45009, -1, 61023, …), the message names the endpoint and carries WeChat's `errmsg`
 * with its `rid`, e.g. `/cgi-bin/user/info failed: errcode 45009: reach max api daily quota
 * limit rid: …`; getErrmsg() is WeChat's errmsg alone, getEndpoint() the path. Never the query or the body: no token or secret appears in it.
 *
 * Token errors (40001, 40014, 42001) on an API call were already answered by one refresh and
 * one retry before this is thrown; -1 (system busy) was retried per `http.retry`; quota
 * (45009) and permission errors are never retried.
 */
final class ApiException extends WeixinkitException
{
    /** WeChat's `errcode` (the same as getCode()). */
    public function getErrcode(): int
    {
        return $this->getCode();
    }
}
