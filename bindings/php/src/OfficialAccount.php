<?php

declare(strict_types=1);

namespace Weixinkit;

use FFI\CData;

/**
 * An Official Account (or mini program) calling WeChat with its own AppSecret: the access
 * token, the JS-SDK ticket and `wx.config` signature, and any API endpoint through `get` /
 * `postJson`.
 *
 * Tokens are cached in a store shared by every PHP worker (and every Python or Kotlin process)
 * pointed at it; when one is missing or due, exactly one of them fetches it while the others
 * wait and re-read. The default store is the file store in `$WEIXINKIT_STORE_DIR`, else
 * `<temp dir>/weixinkit`, so PHP-FPM workers of one machine share tokens with no set-up:
 *
 * ```php
 * $account = new OfficialAccount(['app_id' => 'wx…', 'secret' => getenv('WX_SECRET')]);
 * $token = $account->accessToken();                       // Token; ->value is the string
 * $ips = $account->get('/cgi-bin/get_api_domain_ip');     // access_token added for you
 *
 * // A fleet shares one Redis instead:
 * $account = new OfficialAccount(['app_id' => 'wx…', 'secret' => $secret,
 *     'store' => ['type' => 'redis', 'url' => 'redis://127.0.0.1:6379/0']]);
 * ```
 *
 * The configuration goes to the library once, at construction, and is kept only there: it is
 * never a PHP property, never in `var_dump` / `print_r` output, exception messages or traces.
 * Every failure throws a WeixinkitException subclass (ApiException, TransportException,
 * StoreException, …). The handle is released when the object is destroyed.
 */
final class OfficialAccount
{
    /** @var CData|Ext\Client|null `WxkClient *` (FFI, released in __destruct) or the extension's client */
    private $handle;

    /** @var \FFI|null the library (FFI backend), kept so the handle can be released even during shutdown */
    private $ffi;

    /** @var string */
    private $appId;

    /** Options that are strings even when a number is given (a numeric secret stays a string). */
    private const STRINGS = ['app_id', 'secret', 'token', 'encoding_aes_key'];

    /**
     * `$config` mirrors the configuration record every weixinkit binding uses:
     *
     * ```php
     * [
     *     'app_id' => 'wx…', 'secret' => '…',                     // required
     *     'token' => null, 'encoding_aes_key' => null,            // for pushes, if used
     *     'token_endpoint' => 'token',                            // or 'stable'
     *     'http' => ['timeout_ms' => 5000, 'api_base_uri' => 'https://api.weixin.qq.com',
     *         'retry' => ['max_retries' => 2, 'delay_ms' => 200, 'multiplier' => 2.0,
     *             'jitter' => 0.0, 'statuses' => [429, 500, 502, 503, 504], 'deadline_ms' => 15000]],
     *     'tokens' => ['refresh_margin_secs' => 300, 'read_only' => false,
     *         'lock_ttl_ms' => 30000, 'lock_wait_ms' => 20000, 'key_prefix' => 'weixinkit',
     *         'local_max_age_ms' => 30000],
     *     'store' => ['type' => 'file', 'dir' => '/var/lib/weixinkit'],  // the default: $WEIXINKIT_STORE_DIR or <tmp>/weixinkit
     *              // ['type' => 'redis', 'url' => 'redis://[:password@]host:port[/db]'] | ['type' => 'memory']
     * ]
     * ```
     *
     * Every option but `app_id` and `secret` may be left out; unknown options are refused.
     *
     * @param array<string, mixed> $config
     * @throws ConfigException (-50020) when the configuration cannot be used
     */
    public function __construct(#[\SensitiveParameter] array $config)
    {
        if ($this->handle !== null) {
            throw new \LogicException('an OfficialAccount is constructed once');
        }
        [$this->handle, $this->ffi] = Native::newClient('official_account', self::configJson($config));
        $this->appId = json_decode($this->call('app_id', '{}'), false, 2, JSON_THROW_ON_ERROR);
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            // An extension handle (no $ffi) releases itself.
            $this->ffi?->wxk_client_free($this->handle);
            $this->handle = null;
        }
    }

    /** A handle has one owner: cloning would free it twice. */
    private function __clone()
    {
    }

    /** A client lives in this process only. */
    public function __serialize(): array
    {
        throw new \LogicException('a Weixinkit\OfficialAccount cannot be serialized; build it from its configuration');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a Weixinkit\OfficialAccount cannot be unserialized; build it from its configuration');
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the configuration) */
    public function __debugInfo(): array
    {
        return ['appId' => $this->appId];
    }

    /** The AppID. */
    public function appId(): string
    {
        return $this->appId;
    }

    /**
     * A fresh access token: the stored one while it expires more than
     * `tokens.refresh_margin_secs` from now, else one fetched once for every process sharing
     * the store.
     *
     * @throws WeixinkitException ApiException (e.g. 40001 for a wrong secret, 40164 for an IP
     *         not allow-listed), TransportException, StoreException, TokenUnavailableException, …
     */
    public function accessToken(): Token
    {
        return Token::fromJson($this->call('access_token', '{}'));
    }

    /**
     * Replace the stored access token now (e.g. after it leaked), unless another process just
     * did. With `token_endpoint` `stable` this forces a refresh (limited by WeChat per day).
     *
     * @throws WeixinkitException
     */
    public function refreshAccessToken(): Token
    {
        return Token::fromJson($this->call('refresh_access_token', '{}'));
    }

    /**
     * The JS-SDK `jsapi_ticket` (`cgi-bin/ticket/getticket`), cached in the store like a token.
     *
     * @throws WeixinkitException
     */
    public function jsapiTicket(): Token
    {
        return Token::fromJson($this->call('jsapi_ticket', '{}'));
    }

    /**
     * What `wx.config` needs for the page at `$url` (its `#` fragment is dropped):
     * `['app_id' => …, 'timestamp' => int, 'nonce_str' => …, 'signature' => sha1 hex, 'url' => …]`,
     * signed with the cached `jsapi_ticket`.
     *
     * @return array{app_id: string, timestamp: int, nonce_str: string, signature: string, url: string}
     * @throws WeixinkitException
     */
    public function jssdkConfig(string $url): array
    {
        return $this->decode($this->call('jssdk_config', Native::json(['url' => $url], -50005)));
    }

    /**
     * `GET $path?$query&access_token=…` on the API host: WeChat's JSON answer as an array. A
     * token error (40001, 40014, 42001) refreshes the token (only if the store still holds the
     * one that failed) and retries once.
     *
     * ```php
     * $user = $account->get('/cgi-bin/user/info', ['openid' => $openid, 'lang' => 'zh_CN']);
     * ```
     *
     * @param array<string, string|int|float|bool> $query without `access_token` (it is added)
     * @return array<string, mixed>
     * @throws ApiException with WeChat's errcode when the answer carries a non-zero one
     * @throws WeixinkitException
     */
    public function get(string $path, array $query = []): array
    {
        $args = Native::json(['path' => $path, 'query' => Native::queryStrings($query)], -50005);
        return $this->decode($this->call('get', $args));
    }

    /**
     * `POST $path?access_token=…` with `$body` as JSON (an empty array is sent as `{}`):
     * WeChat's JSON answer as an array, with the same token handling as get().
     *
     * @param array<mixed> $body
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function postJson(string $path, array $body): array
    {
        $args = Native::json(['path' => $path, 'body' => $body === [] ? new \stdClass() : $body], -50005);
        return $this->decode($this->call('post_json', $args));
    }

    /** Call `$method` with its JSON arguments; the JSON result. */
    private function call(string $method, string $args): string
    {
        return Native::clientCall($this->ffi, $this->handle, $method, $args);
    }

    /** @return array<mixed> */
    private function decode(string $json): array
    {
        $value = json_decode($json, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        if (!is_array($value)) {
            throw new DecodeException('the answer is not a JSON object', -50004, 'decode');
        }
        return $value;
    }

    /**
     * The configuration as the library's JSON record.
     *
     * @param array<string, mixed> $config
     */
    private static function configJson(#[\SensitiveParameter] array $config): string
    {
        return Native::configJson($config, self::STRINGS);
    }
}
