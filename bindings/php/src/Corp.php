<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A corp that installed a suite, acted for by the suite: get one from Suite::corp(). Its token
 * comes from the stored permanent code (cached, refreshed once on 40014/42001). When the corp
 * cancelled the install or its permanent code was revoked, calls throw
 * ReauthorizationNeededException without asking WeCom again. The object is cheap: it holds the
 * corp id and its suite.
 */
final class Corp
{
    /** @var string */
    private $corpId;

    /** @var \Closure(string, array<string, mixed>): mixed the suite's native call */
    private $call;

    /**
     * @internal Use Suite::corp().
     *
     * @param \Closure(string, array<string, mixed>): mixed $call
     */
    public function __construct(string $corpId, \Closure $call)
    {
        $this->corpId = $corpId;
        $this->call = $call;
    }

    /** The corp id. */
    public function corpId(): string
    {
        return $this->corpId;
    }

    /**
     * Its access token (minted from the stored permanent code when due).
     *
     * @throws ReauthorizationNeededException when the corp must install the app again
     * @throws WeixinkitException
     */
    public function accessToken(): Token
    {
        $data = Native::answer($this->invoke('access_token', []));
        return new Token((string) $data['value'], (int) $data['expires_at'], (int) ($data['issued_at'] ?? 0));
    }

    /**
     * `GET $path?$query&access_token=…` as the corp: WeCom's JSON answer.
     *
     * @param array<string, string|int|float|bool> $query
     * @return array<string, mixed>
     * @throws ReauthorizationNeededException
     * @throws WeixinkitException
     */
    public function get(string $path, array $query = []): array
    {
        return Native::answer($this->invoke('get', ['path' => $path, 'query' => Native::queryStrings($query)]));
    }

    /**
     * `POST $path?access_token=…` with `$body` as JSON, as the corp: WeCom's JSON answer.
     *
     * @param array<mixed> $body
     * @return array<string, mixed>
     * @throws ReauthorizationNeededException
     * @throws WeixinkitException
     */
    public function postJson(string $path, array $body): array
    {
        return Native::answer($this->invoke('post_json', [
            'path' => $path,
            'body' => $body === [] ? new \stdClass() : $body,
        ]));
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['corpId' => $this->corpId];
    }

    /**
     * @param array<string, mixed> $args
     * @return mixed
     */
    private function invoke(string $method, array $args)
    {
        $args['corp_id'] = $this->corpId;
        return ($this->call)('corp.' . $method, $args);
    }
}
