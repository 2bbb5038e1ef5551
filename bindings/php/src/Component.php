<?php

declare(strict_types=1);

namespace Weixinkit;

use FFI\CData;

/**
 * An Open Platform third-party platform (开放平台第三方平台, a "component"): the pushed
 * `component_verify_ticket`, the component access token, pre-auth codes and authorization
 * links, the authorization code exchange, the authorizers' tokens from their durably stored
 * refresh tokens, the authorization event URL, and calls on an authorizer's behalf.
 *
 * ```php
 * $platform = new Component([
 *     'component_app_id' => 'wx…', 'component_secret' => getenv('COMPONENT_SECRET'),
 *     'token' => getenv('COMPONENT_TOKEN'), 'encoding_aes_key' => getenv('COMPONENT_AES_KEY'),
 * ]);
 *
 * // The authorization event URL: verify, decrypt, store the ticket, exchange the code on
 * // `authorized`, forget the authorizer on `unauthorized`; then your handler.
 * $platform->handleCallback($_SERVER['REQUEST_METHOD'], $_GET, file_get_contents('php://input'),
 *     function (Message $m): void { if ($m->type === 'authorized') { … } })->send();
 * // The same in a PSR-7 framework:
 * return $platform->handleServerRequest($request, $handler)->toResponse($responseFactory);
 *
 * $url = $platform->createAuthorizationUrl('https://you.example/back');
 * $info = $platform->authorizer('wx_authorizer_appid')->get('/cgi-bin/user/info', ['openid' => $openid]);
 * ```
 *
 * Tickets, tokens and refresh tokens live in the store named by the configuration (the file
 * store at `$WEIXINKIT_STORE_DIR` or `<temp dir>/weixinkit` by default), shared by every PHP
 * worker and every Python or Kotlin process pointed at it. The configuration goes to the library
 * once and is kept only there (never a property, never dumped or in an exception). Every failure
 * throws a WeixinkitException subclass: TicketException, ReauthorizationNeededException,
 * ApiException, TransportException, StoreException, … The handle is released when the object
 * (and every Authorizer from it) is gone.
 */
final class Component
{
    /** @var CData|Ext\Client|null `WxkClient *` (FFI, released in __destruct) or the extension's client */
    private $handle;

    /** @var \FFI|null the library (FFI backend), kept so the handle can be released even during shutdown */
    private $ffi;

    /** @var string */
    private $appId;

    /** Options that are strings even when a number is given. */
    private const STRINGS = ['component_app_id', 'component_secret', 'token', 'encoding_aes_key'];

    /**
     * `$config` is the platform's configuration record, the same in every weixinkit binding:
     *
     * ```php
     * [
     *     'component_app_id' => 'wx…', 'component_secret' => '…',        // required
     *     'token' => '…', 'encoding_aes_key' => '…',   // the authorization event URL's, required
     *     'http' => ['timeout_ms' => 5000, 'api_base_uri' => 'https://api.weixin.qq.com', 'retry' => [...]],
     *     'tokens' => ['refresh_margin_secs' => 300, 'key_prefix' => 'weixinkit', ...],
     *     'store' => ['type' => 'file', 'dir' => '/var/lib/weixinkit'],  // default: $WEIXINKIT_STORE_DIR or <tmp>/weixinkit
     *     'callback' => ['replay_window_seconds' => 300],  // default 0: off
     * ]
     * ```
     *
     * `http`, `tokens` and `store` are the records OfficialAccount takes; unknown options are
     * refused. With `callback.replay_window_seconds` on, handleCallback refuses a push whose
     * timestamp is further than the window from now (403) or whose timestamp, nonce and
     * signature were already accepted within it (409), in every process sharing the store.
     *
     * @param array<string, mixed> $config
     * @throws ConfigException (-50020) when the configuration cannot be used
     * @throws InvalidAesKeyException (-40004) when the EncodingAESKey is not 43 base64 characters
     * @throws StoreException when the file store's directory cannot be created
     */
    public function __construct(#[\SensitiveParameter] array $config)
    {
        if ($this->handle !== null) {
            throw new \LogicException('a Component is constructed once');
        }
        [$this->handle, $this->ffi] = Native::newClient('component', Native::configJson($config, self::STRINGS));
        $this->appId = (string) $this->invoke('app_id', []);
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
        throw new \LogicException('a Weixinkit\Component cannot be serialized; build it from its configuration');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a Weixinkit\Component cannot be unserialized; build it from its configuration');
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the configuration) */
    public function __debugInfo(): array
    {
        return ['appId' => $this->appId];
    }

    /** The platform's AppID (component_appid). */
    public function appId(): string
    {
        return $this->appId;
    }

    // --- ticket ------------------------------------------------------------------------------

    /**
     * Store a pushed `component_verify_ticket` durably (handleCallback() does this for you).
     *
     * @throws InvalidInputException for an empty ticket
     * @throws StoreException
     */
    public function storeVerifyTicket(#[\SensitiveParameter] string $ticket): void
    {
        $this->invoke('store_verify_ticket', ['ticket' => $ticket]);
    }

    /**
     * The stored ticket, or null if none was ever pushed.
     *
     * @throws StoreException
     */
    public function verifyTicket(): ?string
    {
        return $this->invoke('verify_ticket', []);
    }

    /**
     * `api_start_push_ticket`: ask WeChat to (re)start pushing tickets to the authorization
     * event URL.
     *
     * @throws WeixinkitException
     */
    public function startPushTicket(): void
    {
        $this->invoke('start_push_ticket', []);
    }

    // --- component token ---------------------------------------------------------------------

    /**
     * The `component_access_token`: the stored one while fresh, else fetched once (for every
     * process sharing the store) with the stored ticket.
     *
     * @throws TicketException -50040 when no ticket was ever stored, 61005/61006 when WeChat
     *         refused it
     * @throws WeixinkitException
     */
    public function componentAccessToken(): Token
    {
        return self::token($this->invoke('component_access_token', []));
    }

    /**
     * Call any component endpoint with `component_access_token` added: `GET` when `$body` is
     * null, else `POST` with `$body` as JSON. A token error refreshes the component token and
     * retries once.
     *
     * @param array<string, string|int|float|bool> $query
     * @param array<mixed>|null $body
     * @return array<string, mixed> WeChat's answer
     * @throws WeixinkitException
     */
    public function call(string $path, array $query = [], ?array $body = null): array
    {
        $args = ['path' => $path, 'query' => Native::queryStrings($query)];
        if ($body !== null) {
            $args['body'] = $body === [] ? new \stdClass() : $body;
        }
        return Native::answer($this->invoke('call', $args));
    }

    // --- authorization -----------------------------------------------------------------------

    /**
     * `api_create_preauthcode`: `['pre_auth_code' => 'preauthcode@@@…', 'expires_in' => 600]`.
     * One code per authorization link.
     *
     * @return array{pre_auth_code: string, expires_in: int}
     * @throws WeixinkitException
     */
    public function createPreAuthCode(): array
    {
        return Native::answer($this->invoke('create_pre_auth_code', []));
    }

    /**
     * The authorization link for a pre-auth code: the PC QR page (`componentloginpage`), or with
     * `'mobile' => true` the page opened inside WeChat (`bindcomponent`).
     *
     * `$options`: `auth_type` (1 Official Accounts, 2 mini programs, 3 both), `biz_appid` (only
     * this account may authorize), `category_id_list` (permission-set ids, e.g. `[1, 2]`),
     * `mobile` (bool).
     *
     * @param array{auth_type?: int, biz_appid?: string, category_id_list?: list<int>, mobile?: bool} $options
     * @throws InvalidInputException for an unknown or mistyped option
     */
    public function authorizationUrl(string $preAuthCode, string $redirectUri, array $options = []): string
    {
        $args = ['pre_auth_code' => $preAuthCode, 'redirect_uri' => $redirectUri];
        return (string) $this->invoke('authorization_url', self::withOptions($args, $options));
    }

    /**
     * A new pre-auth code and its authorization link in one call (see authorizationUrl() for
     * `$options`). The administrator comes back to `$redirectUri?auth_code=…&expires_in=…`; the
     * `authorized` push to the authorization event URL carries the same code.
     *
     * @param array{auth_type?: int, biz_appid?: string, category_id_list?: list<int>, mobile?: bool} $options
     * @throws WeixinkitException
     */
    public function createAuthorizationUrl(string $redirectUri, array $options = []): string
    {
        return (string) $this->invoke('create_authorization_url', self::withOptions(['redirect_uri' => $redirectUri], $options));
    }

    /**
     * `api_query_auth`: exchange an authorization code; the refresh token is stored durably and
     * the access token cached before this returns (handleCallback() does this on
     * `authorized` / `updateauthorized`).
     *
     * @return array{authorizer_appid: string, authorizer_access_token: ?string, expires_in: int,
     *         authorizer_refresh_token: ?string, func_info: list<int>}
     * @throws ApiException 61009 (invalid or used code), 61010 (expired)
     * @throws WeixinkitException
     */
    public function queryAuth(#[\SensitiveParameter] string $authorizationCode): array
    {
        return Native::answer($this->invoke('query_auth', ['authorization_code' => $authorizationCode]));
    }

    /**
     * The stored refresh token of an authorizer, or null.
     *
     * @throws StoreException
     */
    public function refreshToken(string $authorizerAppid): ?string
    {
        return $this->invoke('refresh_token', ['authorizer_appid' => $authorizerAppid]);
    }

    /**
     * Store an authorizer's refresh token durably (e.g. one kept from before weixinkit).
     *
     * @throws WeixinkitException
     */
    public function storeRefreshToken(string $authorizerAppid, #[\SensitiveParameter] string $refreshToken): void
    {
        $this->invoke('store_refresh_token', ['authorizer_appid' => $authorizerAppid, 'refresh_token' => $refreshToken]);
    }

    /**
     * Remove an authorizer's refresh token and access token (handleCallback() does this on
     * `unauthorized`).
     *
     * @throws StoreException
     */
    public function forgetAuthorizer(string $authorizerAppid): void
    {
        $this->invoke('forget_authorizer', ['authorizer_appid' => $authorizerAppid]);
    }

    /**
     * An authorizer's access token (the same as `authorizer($appid)->accessToken()`).
     *
     * @throws ReauthorizationNeededException
     * @throws WeixinkitException
     */
    public function authorizerAccessToken(string $authorizerAppid): Token
    {
        return self::token($this->invoke('authorizer_access_token', ['authorizer_appid' => $authorizerAppid]));
    }

    /**
     * `api_get_authorizer_info`: `['authorizer_info' => [...], 'authorization_info' => [...]]`.
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function authorizerInfo(string $authorizerAppid): array
    {
        return Native::answer($this->invoke('authorizer_info', ['authorizer_appid' => $authorizerAppid]));
    }

    /**
     * One page of `api_get_authorizer_list`: `['total_count' => n, 'list' => [['authorizer_appid',
     * 'refresh_token', 'auth_time'], …]]` (`$count` at most 500).
     *
     * @return array{total_count: int, list: list<array<string, mixed>>}
     * @throws WeixinkitException
     */
    public function authorizerList(int $offset = 0, int $count = 500): array
    {
        return Native::answer($this->invoke('authorizer_list', ['offset' => $offset, 'count' => $count]));
    }

    /**
     * Every authorizer WeChat lists, through all pages of `api_get_authorizer_list`:
     * `[['authorizer_appid' => …, 'refresh_token' => …, 'auth_time' => …], …]`.
     *
     * @return list<array<string, mixed>>
     * @throws WeixinkitException
     */
    public function allAuthorizers(): array
    {
        return Native::answer($this->invoke('all_authorizers', []));
    }

    /**
     * After losing the store: page through `api_get_authorizer_list` and store every refresh
     * token; how many were stored.
     *
     * @throws WeixinkitException
     */
    public function reseedRefreshTokens(): int
    {
        return (int) $this->invoke('reseed_refresh_tokens', []);
    }

    /**
     * `api_get_authorizer_option` (component token): the option's value (`'0'`, `'1'`, …).
     *
     * @throws WeixinkitException
     */
    public function authorizerOption(string $authorizerAppid, string $optionName): string
    {
        return (string) $this->invoke('authorizer_option', ['authorizer_appid' => $authorizerAppid, 'option_name' => $optionName]);
    }

    /**
     * `api_set_authorizer_option` (component token).
     *
     * @throws ApiException e.g. 40097 for a value the option does not take
     * @throws WeixinkitException
     */
    public function setAuthorizerOption(string $authorizerAppid, string $optionName, string $optionValue): void
    {
        $this->invoke('set_authorizer_option', [
            'authorizer_appid' => $authorizerAppid,
            'option_name' => $optionName,
            'option_value' => $optionValue,
        ]);
    }

    /**
     * `component/clear_quota` (component token): reset the platform's own API counters.
     *
     * @throws WeixinkitException
     */
    public function clearQuota(): void
    {
        $this->invoke('clear_quota', []);
    }

    /**
     * `component/clear_quota/v2` (AppSecret, no token: works when the token quota itself is
     * used up); with `$appid`, resets that authorizer on its behalf.
     *
     * @throws WeixinkitException
     */
    public function clearQuotaV2(?string $appid = null): void
    {
        $this->invoke('clear_quota_v2', $appid === null ? [] : ['appid' => $appid]);
    }

    // --- web OAuth and mini program login on behalf ------------------------------------------

    /**
     * The web OAuth link for an authorizer Official Account (`snsapi_base` or
     * `snsapi_userinfo`), with `component_appid` and `#wechat_redirect`.
     *
     * @throws WeixinkitException
     */
    public function oauthAuthorizeUrl(string $appid, string $redirectUri, string $scope, string $state = ''): string
    {
        return (string) $this->invoke('oauth_authorize_url', [
            'appid' => $appid,
            'redirect_uri' => $redirectUri,
            'scope' => $scope,
            'state' => $state,
        ]);
    }

    /**
     * `sns/oauth2/component/access_token`: a user's OAuth code → `['access_token', 'expires_in',
     * 'refresh_token', 'openid', 'scope', …]`.
     *
     * @return array<string, mixed>
     * @throws ApiException 40029 (invalid code), 40163 (used), 61003 (not authorized)
     * @throws WeixinkitException
     */
    public function oauthAccessToken(string $appid, #[\SensitiveParameter] string $code): array
    {
        return Native::answer($this->invoke('oauth_access_token', ['appid' => $appid, 'code' => $code]));
    }

    /**
     * `sns/oauth2/component/refresh_token`: the same fields as oauthAccessToken().
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function oauthRefreshToken(string $appid, #[\SensitiveParameter] string $refreshToken): array
    {
        return Native::answer($this->invoke('oauth_refresh_token', ['appid' => $appid, 'refresh_token' => $refreshToken]));
    }

    /**
     * `sns/userinfo` with a user token from oauthAccessToken().
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function oauthUserInfo(#[\SensitiveParameter] string $accessToken, string $openid): array
    {
        return Native::answer($this->invoke('oauth_user_info', ['access_token' => $accessToken, 'openid' => $openid]));
    }

    /**
     * `sns/component/jscode2session`: a mini program's `wx.login` code → `['openid',
     * 'session_key', 'unionid'?]` (keep the session_key on the server).
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function jscode2session(string $appid, #[\SensitiveParameter] string $jsCode): array
    {
        return Native::answer($this->invoke('jscode2session', ['appid' => $appid, 'js_code' => $jsCode]));
    }

    // --- acting on behalf --------------------------------------------------------------------

    /**
     * The authorizer `$authorizerAppid`, whose refresh token is stored (by the `authorized`
     * push, queryAuth() or storeRefreshToken()): its token is refreshed automatically. Nothing
     * is called until it is used.
     *
     * @throws InvalidInputException (-50005) when the AppID is not letters, digits, '_', '-' or '.'
     */
    public function authorizer(string $authorizerAppid): Authorizer
    {
        self::checkAppId($authorizerAppid);
        return new Authorizer($authorizerAppid, null, \Closure::fromCallable([$this, 'invoke']));
    }

    /**
     * The authorizer, from a refresh token kept elsewhere: it is stored durably first.
     *
     * @throws WeixinkitException
     */
    public function authorizerWithRefreshToken(string $authorizerAppid, #[\SensitiveParameter] string $refreshToken): Authorizer
    {
        self::checkAppId($authorizerAppid);
        $this->storeRefreshToken($authorizerAppid, $refreshToken);
        return $this->authorizer($authorizerAppid);
    }

    /**
     * The authorizer with an access token used as is: never refreshed, token errors are thrown.
     *
     * @throws InvalidInputException (-50005) when the AppID is not letters, digits, '_', '-' or '.'
     */
    public function authorizerWithAccessToken(string $authorizerAppid, #[\SensitiveParameter] string $accessToken): Authorizer
    {
        self::checkAppId($authorizerAppid);
        return new Authorizer($authorizerAppid, $accessToken, \Closure::fromCallable([$this, 'invoke']));
    }

    // --- the authorization event URL ---------------------------------------------------------

    /**
     * Handle a request to the authorization event URL (授权事件接收URL), from any framework or
     * plain PHP: verify the signature, decrypt, parse, do the lifecycle step (store the ticket;
     * on `authorized` / `updateauthorized` exchange the code and store the refresh token; on
     * `unauthorized` forget the authorizer), then — on success only — call `$handler` with the
     * typed Message. Answer with the result's status and body (send() does it in plain PHP).
     *
     * ```php
     * $result = $platform->handleCallback($_SERVER['REQUEST_METHOD'], $_GET,
     *     (string) file_get_contents('php://input'), function (Message $message): void {
     *         if ($message->type === 'authorized') {
     *             $appid = $message->event['notice']['authorizer_appid'];   // already stored
     *         }
     *     });
     * $result->send();   // 200 "success", or 400/403/405/500 with a reason
     * ```
     *
     * A bad signature answers 403, stores nothing and never calls the handler. A failed
     * lifecycle step answers 500 (WeChat pushes again) without calling the handler. Query
     * values that are not scalars (`?nonce[]=…`) are ignored. An exception from the handler
     * reaches the caller (PHP then answers 500 and WeChat pushes again); with the replay window
     * on, the push is forgotten first, so that the retry is handled rather than refused (409).
     *
     * @param array<string, mixed> $query the URL's query parameters, decoded (`$_GET`)
     * @param callable(Message): mixed|null $handler
     * @throws WeixinkitException only for a library failure; every bad request is a status
     */
    public function handleCallback(string $method, array $query, string $body, ?callable $handler = null): CallbackResult
    {
        $strings = Native::callbackQuery($query);
        // A body that is not UTF-8 (no WeChat push is) goes as null: the library answers it
        // as it does in every language.
        $args = Native::json(
            ['method' => $method, 'query' => (object) $strings, 'body' => preg_match('//u', $body) === 1 ? $body : null],
            -50005
        );
        $answer = Native::answer(self::decode(Native::clientCall($this->ffi, $this->handle, 'handle_callback', $args)));
        // The push as the library parsed it (once): no second parse here.
        $parsed = $answer['message'] ?? null;
        $message = is_array($parsed) ? new Message((array) $parsed['event'], (array) $parsed['fields']) : null;
        $result = new CallbackResult((int) $answer['status'], (string) $answer['body'], $message);
        if ($handler !== null && $message !== null && $result->isSuccess()) {
            Native::handlePush($handler, $message, fn () => $this->forgetPush($strings));
        }
        return $result;
    }

    /**
     * Forget a push that handleCallback() answered 200 when your own handling of it then failed, so
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
        Native::clientCall($this->ffi, $this->handle, 'forget_push', $args);
    }

    /**
     * handleCallback() for a PSR-7 request (Slim, Laminas / Mezzio, any PSR-15 middleware):
     * the method from getMethod(), the query from getQueryParams() (or, when a request was
     * built without them, parsed from the URI's query), the raw body from getBody() (read
     * whole from its start). Answer with the result's toResponse().
     *
     * ```php
     * $app->post('/wechat/component', function (ServerRequestInterface $request) use ($platform, $psr17) {
     *     return $platform->handleServerRequest($request, function (Message $message): void { … })
     *         ->toResponse($psr17);
     * });
     * ```
     *
     * Needs `psr/http-message` only when called: the package loads without it.
     *
     * @param callable(Message): mixed|null $handler
     * @throws WeixinkitException only for a library failure; every bad request is a status
     */
    public function handleServerRequest(\Psr\Http\Message\ServerRequestInterface $request, ?callable $handler = null): CallbackResult
    {
        $query = $request->getQueryParams();
        if ($query === []) {
            parse_str($request->getUri()->getQuery(), $query);
        }
        return $this->handleCallback($request->getMethod(), $query, (string) $request->getBody(), $handler);
    }

    // --- internals ---------------------------------------------------------------------------

    /**
     * Call a native method with named arguments; the decoded JSON result.
     *
     * @param array<string, mixed> $args
     * @return mixed
     */
    private function invoke(string $method, array $args)
    {
        $json = $args === [] ? '{}' : Native::json($args, -50005);
        return self::decode(Native::clientCall($this->ffi, $this->handle, $method, $json));
    }

    /** @return mixed the library's JSON result */
    private static function decode(string $json)
    {
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /**
     * @param array<string, mixed> $args
     * @param array<string, mixed> $options
     * @return array<string, mixed>
     */
    private static function withOptions(array $args, array $options): array
    {
        if ($options !== []) {
            $args['options'] = $options;
        }
        return $args;
    }

    /** @param mixed $data */
    private static function token($data): Token
    {
        $data = Native::answer($data);
        return new Token((string) $data['value'], (int) $data['expires_at'], (int) ($data['issued_at'] ?? 0));
    }

    /**
     * The rule the library applies to every AppID used in a store key, checked here too so
     * that authorizer() refuses a bad one at once, as in every binding (the same error).
     */
    private static function checkAppId(string $appId): void
    {
        if (preg_match('/^[A-Za-z0-9_.\-]+$/D', $appId) !== 1) {
            $shown = json_encode($appId, JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
            throw new InvalidInputException(
                "invalid input: authorizer_appid {$shown} must be non-empty ASCII letters, digits, '_', '-' or '.'",
                -50005,
                'invalid_input'
            );
        }
    }
}
