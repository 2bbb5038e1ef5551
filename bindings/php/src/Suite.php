<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A WeCom third-party app (第三方应用, a "suite"): the pushed `suite_ticket` kept durably, the
 * suite access token, the install flow (pre-auth code, session info, install link), permanent
 * codes stored durably per corp, suite OAuth, the callback URL's handler, and corp($corpId) to
 * act for a corp that installed it.
 *
 * ```php
 * $suite = new Suite([
 *     'suite_id' => 'ww…', 'suite_secret' => getenv('SUITE_SECRET'),
 *     'token' => getenv('SUITE_TOKEN'), 'encoding_aes_key' => getenv('SUITE_AES_KEY'),
 * ]);
 * // The data/command callback URL: GET verifies the URL; POST stores the suite_ticket, exchanges
 * // create_auth's code for the permanent code, forgets the corp on cancel_auth; then your handler.
 * $suite->handleCallback($_SERVER['REQUEST_METHOD'], $_GET, file_get_contents('php://input'),
 *     function (Message $m): void { if ($m->type === 'change_auth') { … } })->send();
 *
 * $url = $suite->createInstallUrl('https://you.example/installed', 'state1');
 * $users = $suite->corp('ww_corp_id')->get('/cgi-bin/user/list', ['department_id' => 1]);
 * ```
 *
 * Every failure throws a WeixinkitException subclass: TicketException (no suite_ticket, or
 * 40085), ReauthorizationNeededException (the corp must install again), ApiException, …
 */
final class Suite
{
    use WeComClient;

    /** @var string */
    private $suiteId;

    /** Options that are strings even when a number is given. */
    private const STRINGS = ['suite_id', 'suite_secret', 'token', 'encoding_aes_key', 'provider_corp_id'];

    /**
     * `$config`: `['suite_id' => 'ww…', 'suite_secret' => '…', 'token' => '…',
     * 'encoding_aes_key' => '…', 'provider_corp_id' => null, 'http' => [...], 'tokens' => [...],
     * 'store' => [...], 'callback' => ['replay_window_seconds' => 300]]`. `provider_corp_id`,
     * when given, is also accepted as the receiver id of URL verification. With
     * `callback.replay_window_seconds` on (default 0: off), handleCallback refuses a push
     * whose timestamp is further than the window from now (403) or whose timestamp, nonce and
     * signature were already accepted within it (409), in every process sharing the store.
     *
     * @param array<string, mixed> $config
     * @throws ConfigException (-50020) when the configuration cannot be used
     * @throws InvalidAesKeyException (-40004) when the EncodingAESKey is not 43 base64 characters
     */
    public function __construct(#[\SensitiveParameter] array $config)
    {
        $this->open('suite', $config, self::STRINGS);
        $this->suiteId = (string) $this->invoke('suite_id', []);
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the configuration) */
    public function __debugInfo(): array
    {
        return ['suiteId' => $this->suiteId];
    }

    /** The suite id. */
    public function suiteId(): string
    {
        return $this->suiteId;
    }

    /**
     * A corp that installed the suite: its token comes from the stored permanent code.
     *
     * @throws InvalidInputException (-50005) for a corp id that is not letters, digits, '_', '-' or '.'
     */
    public function corp(string $corpId): Corp
    {
        if (preg_match('/^[A-Za-z0-9_.\-]+$/D', $corpId) !== 1) {
            $shown = json_encode($corpId, JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
            throw new InvalidInputException(
                "invalid input: corp_id {$shown} must be non-empty ASCII letters, digits, '_', '-' or '.'",
                -50005,
                'invalid_input'
            );
        }
        return new Corp($corpId, \Closure::fromCallable([$this, 'invoke']));
    }

    // --- ticket and token --------------------------------------------------------------------

    /** Store a pushed `suite_ticket` durably (handleCallback() does this for you). */
    public function storeSuiteTicket(#[\SensitiveParameter] string $ticket): void
    {
        $this->invoke('store_suite_ticket', ['ticket' => $ticket]);
    }

    /** The stored `suite_ticket`, or null if none was ever pushed. */
    public function suiteTicket(): ?string
    {
        return $this->invoke('suite_ticket', []);
    }

    /**
     * The `suite_access_token`: the stored one while fresh, else fetched once with the stored
     * ticket.
     *
     * @throws TicketException -50040 when no ticket was ever stored, 40085 when WeCom refused it
     */
    public function suiteAccessToken(): Token
    {
        return self::token($this->invoke('suite_access_token', []));
    }

    /**
     * Any suite endpoint with `suite_access_token` added: `GET` when `$body` is null, else `POST`.
     * 42009/40082 refresh the suite token and retry once.
     *
     * @param array<string, string|int|float|bool> $query
     * @param array<mixed>|null $body
     * @return array<string, mixed>
     */
    public function call(string $path, array $query = [], ?array $body = null): array
    {
        $args = ['path' => $path, 'query' => Native::queryStrings($query)];
        if ($body !== null) {
            $args['body'] = $body === [] ? new \stdClass() : $body;
        }
        return Native::answer($this->invoke('call', $args));
    }

    // --- install flow ------------------------------------------------------------------------

    /**
     * `service/get_pre_auth_code`: `['pre_auth_code' => …, 'expires_in' => 1200]`.
     *
     * @return array{pre_auth_code: string, expires_in: int}
     */
    public function preAuthCode(): array
    {
        return Native::answer($this->invoke('pre_auth_code', []));
    }

    /** `service/set_session_info`: `$authType` 0 (formal) or 1 (test install). */
    public function setSessionInfo(string $preAuthCode, int $authType = 0): void
    {
        $this->invoke('set_session_info', ['pre_auth_code' => $preAuthCode, 'auth_type' => $authType]);
    }

    /** The install link for a pre-auth code (`open.work.weixin.qq.com/3rdapp/install?…`). */
    public function installUrl(string $preAuthCode, string $redirectUri, string $state = ''): string
    {
        return $this->invoke('install_url', ['pre_auth_code' => $preAuthCode, 'redirect_uri' => $redirectUri, 'state' => $state]);
    }

    /** A pre-auth code, its session info (when `$authType` is given) and its install link. */
    public function createInstallUrl(string $redirectUri, string $state = '', ?int $authType = null): string
    {
        return $this->invoke('create_install_url', ['redirect_uri' => $redirectUri, 'state' => $state, 'auth_type' => $authType]);
    }

    /**
     * `service/get_permanent_code`: exchange an install's auth code; the permanent code is
     * stored durably (and the corp token cached) before this returns.
     *
     * @return array<string, mixed> `corp_id`, `corp_name`, `permanent_code`, `access_token`,
     *         `expires_in`, `state`, `auth_user_id`, `auth_user_open_userid`, `agent_ids`
     */
    public function permanentCode(#[\SensitiveParameter] string $authCode): array
    {
        return Native::answer($this->invoke('permanent_code', ['auth_code' => $authCode]));
    }

    /**
     * `service/v2/get_permanent_code` (no corp token); the permanent code is stored first.
     *
     * @return array<string, mixed>
     */
    public function permanentCodeV2(#[\SensitiveParameter] string $authCode): array
    {
        return Native::answer($this->invoke('permanent_code_v2', ['auth_code' => $authCode]));
    }

    /** The stored permanent code of a corp, or null. */
    public function storedPermanentCode(string $corpId): ?string
    {
        return $this->invoke('stored_permanent_code', ['corp_id' => $corpId]);
    }

    /** Store a corp's permanent code durably. */
    public function storePermanentCode(string $corpId, #[\SensitiveParameter] string $permanentCode): void
    {
        $this->invoke('store_permanent_code', ['corp_id' => $corpId, 'permanent_code' => $permanentCode]);
    }

    /** Remove a corp's permanent code and token (after `cancel_auth`). */
    public function forgetCorp(string $corpId): void
    {
        $this->invoke('forget_corp', ['corp_id' => $corpId]);
    }

    /** A corp's access token (the same as `corp($corpId)->accessToken()`). */
    public function corpAccessToken(string $corpId): Token
    {
        return self::token($this->invoke('corp_access_token', ['corp_id' => $corpId]));
    }

    /** @return array<string, mixed> `service/get_auth_info`: WeCom's answer */
    public function authInfo(string $corpId): array
    {
        return Native::answer($this->invoke('auth_info', ['corp_id' => $corpId]));
    }

    /** @return array<string, mixed> `service/v2/get_auth_info`: WeCom's answer */
    public function authInfoV2(string $corpId): array
    {
        return Native::answer($this->invoke('auth_info_v2', ['corp_id' => $corpId]));
    }

    /** @return array<string, mixed> `service/get_admin_list`: the app's admins in a corp */
    public function adminList(string $corpId, int $agentId): array
    {
        return Native::answer($this->invoke('admin_list', ['corp_id' => $corpId, 'agent_id' => $agentId]));
    }

    // --- suite OAuth -------------------------------------------------------------------------

    /** The suite's OAuth link (`snsapi_base` or `snsapi_privateinfo`), `#wechat_redirect`. */
    public function oauthUrl(string $redirectUri, string $scope, string $state = ''): string
    {
        return $this->invoke('oauth_url', ['redirect_uri' => $redirectUri, 'scope' => $scope, 'state' => $state]);
    }

    /** @return array<string, mixed> `service/auth/getuserinfo3rd`: who opened the OAuth link */
    public function getuserinfo3rd(string $code): array
    {
        return Native::answer($this->invoke('getuserinfo3rd', ['code' => $code]));
    }

    /** @return array<string, mixed> `service/auth/getuserdetail3rd`: a member's details */
    public function getuserdetail3rd(#[\SensitiveParameter] string $userTicket): array
    {
        return Native::answer($this->invoke('getuserdetail3rd', ['user_ticket' => $userTicket]));
    }

    // --- callback ----------------------------------------------------------------------------

    /**
     * The suite's callback URL from any framework: `GET` verifies the URL (answer the result's
     * body, the decrypted echostr); `POST` verifies, decrypts and parses the push and runs its
     * lifecycle step (store the suite_ticket; exchange `create_auth` / `reset_permanent_code`
     * codes and store the permanent code; forget the corp on `cancel_auth`). Then, for a push
     * answered 200, `$handler($message)`. A forged request is a 403 and stores nothing; a
     * failed lifecycle step a 500 (WeCom pushes again). An exception from the handler reaches
     * the caller; with the replay window on, the push is forgotten first, so that WeCom's retry
     * is handled rather than refused (409).
     *
     * @param array<string, mixed> $query the URL's query ($_GET)
     * @param callable(Message): mixed|null $handler
     */
    public function handleCallback(string $method, array $query, string $body, ?callable $handler = null): CallbackResult
    {
        $strings = Native::callbackQuery($query);
        $args = Native::json(
            ['method' => $method, 'query' => (object) $strings, 'body' => preg_match('//u', $body) === 1 ? $body : null],
            -50005
        );
        $answer = Native::answer(self::decode(Native::clientCall($this->ffi, $this->handle, 'handle_callback', $args)));
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
}
