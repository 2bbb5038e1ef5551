<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * An Official Account or mini program a third-party platform acts for (an authorizer). Get one
 * from Component::authorizer() (its token comes from the stored refresh token and is refreshed
 * when due), Component::authorizerWithRefreshToken() (stores the given refresh token first) or
 * Component::authorizerWithAccessToken() (uses the given token as is, never refreshed).
 *
 * ```php
 * $authorizer = $component->authorizer('wx_authorizer_appid');
 * $user = $authorizer->get('/cgi-bin/user/info', ['openid' => $openid]);
 * $authorizer->postJson('/cgi-bin/message/custom/send', ['touser' => $openid, 'msgtype' => 'text',
 *     'text' => ['content' => 'Hello']]);
 * ```
 *
 * A token error (40001, 40014, 42001) refreshes the authorizer's token from its refresh token
 * and retries once. When the authorizer cancelled, or no refresh token is stored, calls throw
 * ReauthorizationNeededException. The object is cheap: it holds the AppID and its platform.
 */
final class Authorizer
{
    /** @var string */
    private $appId;

    /** @var string|null the access token given to authorizerWithAccessToken() */
    private $accessToken;

    /** @var \Closure(string, array<string, mixed>): mixed the platform's native call */
    private $call;

    /**
     * @internal Use Component::authorizer(), authorizerWithRefreshToken() or
     * authorizerWithAccessToken().
     *
     * @param \Closure(string, array<string, mixed>): mixed $call
     */
    public function __construct(string $appId, #[\SensitiveParameter] ?string $accessToken, \Closure $call)
    {
        $this->appId = $appId;
        $this->accessToken = $accessToken;
        $this->call = $call;
    }

    /** The authorizer's AppID. */
    public function appId(): string
    {
        return $this->appId;
    }

    /**
     * Its access token: the cached one while fresh, else one fetched with its refresh token
     * (once for every process sharing the store). For an authorizer built with an access token,
     * that token (expiresAt 0: unknown).
     *
     * @throws ReauthorizationNeededException when it cancelled or no refresh token is stored
     * @throws WeixinkitException
     */
    public function accessToken(): Token
    {
        $data = Native::answer($this->invoke('access_token', []));
        return new Token((string) $data['value'], (int) $data['expires_at'], (int) ($data['issued_at'] ?? 0));
    }

    /**
     * `GET $path?$query&access_token=…` as the authorizer: WeChat's JSON answer.
     *
     * @param array<string, string|int|float|bool> $query without `access_token` (it is added)
     * @return array<string, mixed>
     * @throws ApiException with WeChat's errcode
     * @throws ReauthorizationNeededException
     * @throws WeixinkitException
     */
    public function get(string $path, array $query = []): array
    {
        return Native::answer($this->invoke('get', ['path' => $path, 'query' => Native::queryStrings($query)]));
    }

    /**
     * `POST $path?access_token=…` with `$body` as JSON (`[]` is sent as `{}`), as the
     * authorizer: WeChat's JSON answer.
     *
     * @param array<mixed> $body
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function postJson(string $path, array $body): array
    {
        return Native::answer($this->invoke('post_json', [
            'path' => $path,
            'body' => $body === [] ? new \stdClass() : $body,
        ]));
    }

    /**
     * An authorizer option (`location_report`, `voice_recognize`, `customer_service`) through
     * the new-form `component/get_authorizer_option` with the authorizer's token: WeChat's
     * answer, `['option_name' => …, 'option_value' => '0', …]`.
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function option(string $optionName): array
    {
        return Native::answer($this->invoke('option', ['option_name' => $optionName]));
    }

    /**
     * Set an authorizer option through the new-form `component/set_authorizer_option`.
     *
     * @throws ApiException e.g. 40097 for a value the option does not take
     * @throws WeixinkitException
     */
    public function setOption(string $optionName, string $optionValue): void
    {
        $this->invoke('set_option', ['option_name' => $optionName, 'option_value' => $optionValue]);
    }

    /**
     * `cgi-bin/clear_quota` for this authorizer with its own token (10 resets a month).
     *
     * @throws ApiException 48006 when this month's resets are used up
     * @throws WeixinkitException
     */
    public function clearQuota(): void
    {
        $this->invoke('clear_quota', []);
    }

    /**
     * `cgi-bin/get_api_domain_ip`: the IP addresses WeChat's API servers use.
     *
     * @return list<string>
     * @throws WeixinkitException
     */
    public function apiDomainIp(): array
    {
        return Native::answer($this->invoke('api_domain_ip', []));
    }

    /**
     * The authorizer's JS-SDK `jsapi_ticket`, cached in the store like an Official Account's
     * (fetched once for every process sharing it).
     *
     * @throws WeixinkitException
     */
    public function jsapiTicket(): Token
    {
        $data = Native::answer($this->invoke('jsapi_ticket', []));
        return new Token((string) $data['value'], (int) $data['expires_at'], (int) ($data['issued_at'] ?? 0));
    }

    /**
     * What `wx.config` needs on the authorizer's page at `$url` (its `#` fragment dropped):
     * `['app_id', 'timestamp' => int, 'nonce_str', 'signature', 'url']`, signed with the cached
     * `jsapi_ticket`.
     *
     * @return array{app_id: string, timestamp: int, nonce_str: string, signature: string, url: string}
     * @throws WeixinkitException
     */
    public function jssdkConfig(string $url): array
    {
        /** @var array{app_id: string, timestamp: int, nonce_str: string, signature: string, url: string} */
        return Native::answer($this->invoke('jssdk_config', ['url' => $url]));
    }

    /**
     * `cgi-bin/user/info` as the authorizer: a follower's profile (`subscribe` 0 when the user
     * does not follow it).
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function userInfo(string $openid): array
    {
        return Native::answer($this->invoke('user_info', ['openid' => $openid]));
    }

    /** @return array<string, mixed> what var_dump and print_r show (never a token) */
    public function __debugInfo(): array
    {
        return ['appId' => $this->appId, 'fixedAccessToken' => $this->accessToken !== null];
    }

    /** An authorizer belongs to one platform object in this process. */
    public function __serialize(): array
    {
        throw new \LogicException('a Weixinkit\Authorizer cannot be serialized; get it from its Component');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a Weixinkit\Authorizer cannot be unserialized; get it from its Component');
    }

    /**
     * @param array<string, mixed> $args
     * @return mixed
     */
    private function invoke(string $method, array $args)
    {
        $method = 'authorizer.' . $method;
        $args['authorizer_appid'] = $this->appId;
        if ($this->accessToken !== null) {
            $args['access_token'] = $this->accessToken;
        }
        return ($this->call)($method, $args);
    }
}
