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
     *     'callback' => ['replay_window_seconds' => 0],           // handleMessage's replay window (0: off)
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

    /**
     * The web authorization page for a page opened inside WeChat
     * (`open.weixin.qq.com/connect/oauth2/authorize`): `$scope` `snsapi_base` (silent, openid
     * only) or `snsapi_userinfo` (consent, profile); `$state` (letters and digits, at most
     * 128: see OAuthState) comes back on the redirect. Parameters in WeChat's order, with
     * `#wechat_redirect`.
     *
     * @throws InvalidInputException for a relative redirect URI, another scope or a bad state
     */
    public function oauthUrl(string $redirectUri, string $scope = 'snsapi_base', string $state = ''): string
    {
        $args = ['redirect_uri' => $redirectUri, 'scope' => $scope, 'state' => $state];
        return (string) json_decode($this->call('oauth_url', Native::json($args, -50005)), false, 2, JSON_THROW_ON_ERROR);
    }

    /**
     * `sns/oauth2/access_token`: the redirect's `code` for the user's token:
     * `['access_token', 'expires_in', 'refresh_token', 'openid', 'scope', 'unionid' => ?string,
     * 'is_snapshotuser' => bool]`.
     *
     * @return array<string, mixed>
     * @throws OauthCodeException when the code was already used (40163), expired (42003) or is
     *     unknown (40029): send the user through the authorization again
     * @throws WeixinkitException
     */
    public function oauthAccessToken(#[\SensitiveParameter] string $code): array
    {
        return $this->decode($this->call('oauth_access_token', Native::json(['code' => $code], -50005)));
    }

    /**
     * `sns/oauth2/refresh_token`: a new user access token (same fields as oauthAccessToken()).
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function oauthRefreshToken(#[\SensitiveParameter] string $refreshToken): array
    {
        return $this->decode($this->call('oauth_refresh_token', Native::json(['refresh_token' => $refreshToken], -50005)));
    }

    /**
     * `sns/auth`: whether a user access token is still valid for `$openid`.
     *
     * @throws WeixinkitException
     */
    public function oauthCheck(#[\SensitiveParameter] string $accessToken, string $openid): bool
    {
        $args = Native::json(['access_token' => $accessToken, 'openid' => $openid], -50005);
        return json_decode($this->call('oauth_check', $args), false, 2, JSON_THROW_ON_ERROR) === true;
    }

    /**
     * `sns/userinfo`: the user's profile (`openid`, `nickname`, `sex`, `province`, `city`,
     * `country`, `headimgurl`, `privilege`, `unionid`); needs `snsapi_userinfo`.
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function oauthUserInfo(#[\SensitiveParameter] string $accessToken, string $openid, string $lang = 'zh_CN'): array
    {
        $args = Native::json(['access_token' => $accessToken, 'openid' => $openid, 'lang' => $lang], -50005);
        return $this->decode($this->call('oauth_user_info', $args));
    }

    /**
     * `cgi-bin/user/info`: a user's follower record; `subscribe` is false when the user does
     * not follow the account (then only `openid` is filled).
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function userInfo(string $openid): array
    {
        return $this->decode($this->call('user_info', Native::json(['openid' => $openid], -50005)));
    }

    /**
     * The subscribe check in one call: the redirect's `code`, then userInfo() for its openid.
     *
     * @return array<string, mixed>
     * @throws OauthCodeException for a used, expired or unknown code
     * @throws WeixinkitException
     */
    public function userInfoByCode(#[\SensitiveParameter] string $code): array
    {
        return $this->decode($this->call('user_info_by_code', Native::json(['code' => $code], -50005)));
    }

    /**
     * `sns/jscode2session` with this app's own AppSecret (a mini program): `['openid',
     * 'session_key', 'unionid' => ?string]`. Keep the session key on the server.
     *
     * @return array<string, mixed>
     * @throws OauthCodeException for a used or unknown js_code
     * @throws WeixinkitException
     */
    public function jscode2session(#[\SensitiveParameter] string $jsCode): array
    {
        return $this->decode($this->call('jscode2session', Native::json(['js_code' => $jsCode], -50005)));
    }

    /**
     * Handle a request to the account's server URL, in plain PHP: GET checks `signature` and
     * answers `echostr`; POST checks the signature, decrypts when `encrypt_type=aes` and
     * parses the message, then — on success only — calls `$handler` with the typed Message.
     * When the handler returns a reply (`['type' => 'text', 'content' => …]`, or `image`,
     * `voice`, `video`, `music`, `news`, `transfer_customer_service`) it becomes the body,
     * encrypted when the request was; otherwise the body is `success`. A forged request
     * answers 403 and never reaches the handler. With `callback.replay_window_seconds` set, a
     * POST whose timestamp is further than the window from now answers 403 and one already
     * received within it 409 (every worker sharing the store agrees); neither reaches the
     * handler. URL verification (GET) is never recorded. When the handler throws, or its reply
     * cannot be built, the message is forgotten before the exception propagates, so that
     * WeChat's retry is handled rather than refused.
     *
     * @param array<string, mixed> $query the URL's query parameters (`$_GET`)
     * @param callable(Message): (array<string, mixed>|null)|null $handler
     * @throws WeixinkitException for a reply that cannot be built, or a library failure
     */
    public function handleMessage(string $method, array $query, string $body, ?callable $handler = null): CallbackResult
    {
        $strings = Native::callbackQuery($query);
        $args = Native::json(
            ['method' => $method, 'query' => (object) $strings, 'body' => preg_match('//u', $body) === 1 ? $body : null],
            -50005
        );
        $answer = $this->decode($this->call('handle_message', $args));
        $parsed = $answer['message'] ?? null;
        $message = is_array($parsed) ? new Message((array) $parsed['event'], (array) $parsed['fields']) : null;
        $result = new CallbackResult((int) $answer['status'], (string) $answer['body'], $message);
        if ($handler === null || $message === null || !$result->isSuccess()) {
            return $result;
        }
        // The reply is built inside too: one that cannot be built forgets the push as well.
        $body = Native::handlePush(function (Message $message) use ($handler, $strings, $answer): ?string {
            $reply = $handler($message);
            return $reply === null ? null : $this->replyBody($strings, (string) $answer['plaintext'], $reply);
        }, $message, fn () => $this->forgetPush($strings));
        return $body === null ? $result : new CallbackResult(200, $body, $message);
    }

    /**
     * Forget a push that handleMessage() answered 200 when your own handling of it then failed, so
     * that WeChat's retry is handled rather than refused as a replay (409). The handler form
     * does this itself before its exception propagates; call it when you handle the message
     * after the call returned. `$query` is the request's query (`$_GET`). Does nothing with
     * `callback.replay_window_seconds` off.
     *
     * @param array<string, mixed> $query
     * @throws WeixinkitException when the store fails
     */
    public function forgetPush(array $query): void
    {
        $args = Native::json(['query' => (object) Native::callbackQuery($query)], -50005);
        $this->call('forget_push', $args);
    }

    /**
     * The body answering the message whose XML is `$plaintext` (as handleMessage() parsed
     * it) with `$reply`, encrypted when `$query` says the request was (`encrypt_type=aes`).
     *
     * @param array<string, string> $query
     * @param array<string, mixed> $reply
     * @throws WeixinkitException
     */
    public function replyBody(array $query, string $plaintext, array $reply): string
    {
        $args = Native::json(['query' => (object) $query, 'plaintext' => $plaintext, 'reply' => $reply], -50005);
        return (string) json_decode($this->call('reply_body', $args), false, 2, JSON_THROW_ON_ERROR);
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
