<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A WeCom service provider (服务商): the provider access token (cached in the store, fetched
 * once for every process sharing it), provider web login, and any provider API.
 *
 * ```php
 * $provider = new Provider(['corp_id' => 'ww…', 'provider_secret' => getenv('PROVIDER_SECRET')]);
 * $login = $provider->getLoginInfo($_GET['auth_code']);
 * ```
 */
final class Provider
{
    use WeComClient;

    /** @var string */
    private $corpId;

    /** Options that are strings even when a number is given. */
    private const STRINGS = ['corp_id', 'provider_secret'];

    /**
     * `$config`: `['corp_id' => 'ww…', 'provider_secret' => '…', 'http' => [...], 'tokens' =>
     * [...], 'store' => [...]]` (`http.work_base_uri` defaults to https://qyapi.weixin.qq.com).
     *
     * @param array<string, mixed> $config
     * @throws ConfigException (-50020) when the configuration cannot be used
     */
    public function __construct(#[\SensitiveParameter] array $config)
    {
        $this->open('provider', $config, self::STRINGS);
        $this->corpId = (string) $this->invoke('corp_id', []);
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the configuration) */
    public function __debugInfo(): array
    {
        return ['corpId' => $this->corpId];
    }

    /** The provider's corp id. */
    public function corpId(): string
    {
        return $this->corpId;
    }

    /**
     * The `provider_access_token`: the stored one while fresh, else fetched once.
     *
     * @throws WeixinkitException
     */
    public function providerAccessToken(): Token
    {
        return self::token($this->invoke('provider_access_token', []));
    }

    /**
     * `service/get_login_info`: who logged in to the provider's website with WeCom.
     *
     * @return array<string, mixed> WeCom's answer (`usertype`, `user_info`, `corp_info`, …)
     * @throws ApiException 40029 for a used or unknown auth code
     */
    public function getLoginInfo(#[\SensitiveParameter] string $authCode): array
    {
        return Native::answer($this->invoke('get_login_info', ['auth_code' => $authCode]));
    }

    /**
     * `GET $path?$query&provider_access_token=…`: WeCom's JSON answer.
     *
     * @param array<string, string|int|float|bool> $query
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function get(string $path, array $query = []): array
    {
        return Native::answer($this->invoke('get', self::getArgs($path, $query)));
    }

    /**
     * `POST $path?provider_access_token=…` with `$body` as JSON: WeCom's JSON answer.
     *
     * @param array<mixed> $body
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function postJson(string $path, array $body): array
    {
        return Native::answer($this->invoke('post_json', self::postArgs($path, $body)));
    }
}
