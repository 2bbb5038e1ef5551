<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\ApiException;
use Weixinkit\ConfigException;
use Weixinkit\HttpStatusException;
use Weixinkit\InvalidInputException;
use Weixinkit\OfficialAccount;
use Weixinkit\TimeoutException;
use Weixinkit\Token;
use Weixinkit\TransportException;

/** The token engine through OfficialAccount, against one local WeChat server (wechat-sim). */
final class OfficialAccountTest extends TestCase
{
    private const APP_ID = 'wxoa00000000000001';
    private const SECRET = 'oa-secret';

    /** @var WechatSim|null */
    private static $sim;

    /** @var list<string> temp dirs to remove */
    private $dirs = [];

    public static function setUpBeforeClass(): void
    {
        self::$sim = WechatSim::start();
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$sim !== null) {
            self::$sim->stop();
            self::$sim = null;
        }
    }

    protected function setUp(): void
    {
        self::$sim->reset();
    }

    protected function tearDown(): void
    {
        foreach ($this->dirs as $dir) {
            remove_tree($dir);
        }
    }

    /**
     * A config on the sim, with a unique key prefix, a memory store and fast retries;
     * `$overrides` are merged in.
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    private function config(array $overrides = []): array
    {
        return array_replace_recursive([
            'app_id' => self::APP_ID,
            'secret' => self::SECRET,
            'http' => [
                'api_base_uri' => self::$sim->baseUrl,
                'timeout_ms' => 3000,
                'retry' => ['max_retries' => 2, 'delay_ms' => 1],
            ],
            'tokens' => ['key_prefix' => unique_prefix('oa')],
            'store' => ['type' => 'memory'],
        ], $overrides);
    }

    private function fileStore(): array
    {
        $dir = temp_dir('store');
        $this->dirs[] = $dir;
        return ['type' => 'file', 'dir' => $dir];
    }

    public function testTheAccessTokenIsFetchedOnceAndServedFromTheStore(): void
    {
        $store = $this->fileStore();
        $prefix = unique_prefix('cache');
        $account = new OfficialAccount($this->config(['store' => $store, 'tokens' => ['key_prefix' => $prefix]]));
        $first = $account->accessToken();
        $second = $account->accessToken();
        $this->assertInstanceOf(Token::class, $first);
        $this->assertStringStartsWith('ACCESS_', $first->value);
        $this->assertSame($first->value, $second->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));
        // WeChat said expires_in 7200.
        $this->assertSame(7200, $first->expiresAt - $first->issuedAt);
        $this->assertEqualsWithDelta(time(), $first->issuedAt, 60);

        // Another client (another PHP request) on the same store reads it: no fetch.
        $other = new OfficialAccount($this->config(['store' => $store, 'tokens' => ['key_prefix' => $prefix]]));
        $this->assertSame($first->value, $other->accessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));

        // Stored under the documented key, in the file store's format.
        $entry = (string) file_get_contents($store['dir'] . '/' . access_token_key($prefix, self::APP_ID));
        [$header, $json] = explode("\n", $entry, 2);
        $this->assertEqualsWithDelta($first->expiresAt, intdiv((int) $header, 1000), 1);
        $this->assertSame(
            ['value' => $first->value, 'expires_at' => $first->expiresAt, 'issued_at' => $first->issuedAt],
            json_decode($json, true)
        );

        // A client with its own (memory) store does not see it and fetches its own.
        $isolated = new OfficialAccount($this->config());
        $this->assertNotSame($first->value, $isolated->accessToken()->value);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
    }

    public function testAStoredTokenIsUsedWhileFreshAndReplacedOnceExpired(): void
    {
        $store = $this->fileStore();
        $prefix = unique_prefix('planted');
        $key = access_token_key($prefix, self::APP_ID);
        $config = $this->config(['store' => $store, 'tokens' => ['key_prefix' => $prefix]]);

        // A fresh token written by someone else (another language, another machine) is used as is.
        plant_file_token($store['dir'], $key, 'PLANTED_FRESH', time() + 3600, time() - 60);
        $this->assertSame('PLANTED_FRESH', (new OfficialAccount($config))->accessToken()->value);
        $this->assertSame(0, self::$sim->calls('/cgi-bin/token'));

        // Within the refresh margin (300 s by default) it counts as due.
        plant_file_token($store['dir'], $key, 'PLANTED_DUE', time() + 100, time() - 7000);
        $renewed = (new OfficialAccount($config))->accessToken();
        $this->assertStringStartsWith('ACCESS_', $renewed->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));

        // Expired: fetched again, and the store now holds the new one.
        plant_file_token($store['dir'], $key, 'PLANTED_EXPIRED', time() - 10, time() - 7210);
        $account = new OfficialAccount($config);
        $fetched = $account->accessToken();
        $this->assertStringStartsWith('ACCESS_', $fetched->value);
        $this->assertNotSame($renewed->value, $fetched->value);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
        $this->assertSame($fetched->value, $account->accessToken()->value);
        $this->assertSame($fetched->value, json_decode(explode("\n", (string) file_get_contents("{$store['dir']}/{$key}"), 2)[1], true)['value']);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
    }

    public function testATokenWeChatExpiredIsRefreshedOnceAndTheCallRetried(): void
    {
        $account = new OfficialAccount($this->config());
        $old = $account->accessToken()->value;
        $this->assertGreaterThan(0, self::$sim->expire(self::APP_ID));

        // 42001 on the call: drop the stored token, fetch one, retry once.
        $answer = $account->get('/cgi-bin/get_api_domain_ip');
        $this->assertSame(['127.0.0.1'], $answer['ip_list']);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/get_api_domain_ip'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
        $new = $account->accessToken()->value;
        $this->assertNotSame($old, $new);

        // The next call uses the new token directly.
        $account->get('/cgi-bin/get_api_domain_ip');
        $this->assertSame(3, self::$sim->calls('/cgi-bin/get_api_domain_ip'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
    }

    public function testInvalidCredentialOnACallRefreshesOnceAndRetriesOnce(): void
    {
        $account = new OfficialAccount($this->config());
        $old = $account->accessToken()->value;

        // The token was revoked upstream (40001 "not latest").
        $this->assertGreaterThan(0, self::$sim->revoke(self::APP_ID));
        $answer = $account->postJson('/cgi-bin/menu/create', ['button' => [['name' => 'a']]]);
        $this->assertSame(0, $answer['errcode']);
        $this->assertSame(['button' => [['name' => 'a']]], $answer['echo']['body']);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/menu/create'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
        $this->assertNotSame($old, $answer['echo']['query']['access_token']);
        $this->assertSame($account->accessToken()->value, $answer['echo']['query']['access_token']);

        // An injected 40001 on one call: one refresh, one retry, success.
        self::$sim->fault(['path' => '/cgi-bin/user/get', 'times' => 1, 'errcode' => 40001]);
        $answer = $account->get('/cgi-bin/user/get', ['next_openid' => '']);
        $this->assertSame(0, $answer['errcode']);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/user/get'));
        $this->assertSame(3, self::$sim->calls('/cgi-bin/token'));
    }

    public function testASecondTokenErrorSurfacesAfterExactlyOneRefresh(): void
    {
        $account = new OfficialAccount($this->config());
        $account->accessToken();
        self::$sim->fault(['path' => '/cgi-bin/user/get', 'times' => 2, 'errcode' => 40001]);
        try {
            $account->get('/cgi-bin/user/get');
            $this->fail('a second 40001 was swallowed');
        } catch (ApiException $e) {
            $this->assertSame(40001, $e->getCode());
            $this->assertSame(40001, $e->getErrcode());
            $this->assertSame('api', $e->getKind());
            $this->assertStringContainsString('/cgi-bin/user/get', $e->getMessage());
        }
        $this->assertSame(2, self::$sim->calls('/cgi-bin/user/get'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
    }

    public function testQuotaErrorsAreNeverRetried(): void
    {
        $account = new OfficialAccount($this->config());
        $token = $account->accessToken()->value;
        self::$sim->fault(['path' => '/cgi-bin/message/custom/send', 'times' => 5, 'errcode' => 45009, 'errmsg' => 'reach max api daily quota limit']);
        try {
            $account->postJson('/cgi-bin/message/custom/send', ['touser' => 'o1']);
            $this->fail('45009 was not thrown');
        } catch (ApiException $e) {
            $this->assertSame(45009, $e->getCode());
            $this->assertSame(45009, $e->getErrcode());
            $this->assertSame('api', $e->getKind());
            $this->assertStringContainsString('/cgi-bin/message/custom/send', $e->getMessage());
            $this->assertStringContainsString('reach max api daily quota limit', $e->getMessage());
            $this->assertStringNotContainsString($token, (string) $e);
        }
        $this->assertSame(1, self::$sim->calls('/cgi-bin/message/custom/send'));
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));
    }

    public function testSystemBusyIsRetriedWithinTheBound(): void
    {
        $account = new OfficialAccount($this->config());
        $account->accessToken();

        // Two -1s then success: max_retries 2 covers them.
        self::$sim->fault(['path' => '/cgi-bin/get_api_domain_ip', 'times' => 2, 'errcode' => -1]);
        $this->assertSame(['127.0.0.1'], $account->get('/cgi-bin/get_api_domain_ip')['ip_list']);
        $this->assertSame(3, self::$sim->calls('/cgi-bin/get_api_domain_ip'));

        // Busy for longer: 1 attempt + 2 retries, then -1 surfaces.
        self::$sim->reset();
        $account = new OfficialAccount($this->config());
        $account->accessToken();
        self::$sim->fault(['path' => '/cgi-bin/get_api_domain_ip', 'times' => 10, 'errcode' => -1]);
        try {
            $account->get('/cgi-bin/get_api_domain_ip');
            $this->fail('-1 was not thrown');
        } catch (ApiException $e) {
            $this->assertSame(-1, $e->getCode());
            $this->assertSame('api', $e->getKind());
        }
        $this->assertSame(3, self::$sim->calls('/cgi-bin/get_api_domain_ip'));

        // The token endpoint itself is retried the same way.
        self::$sim->reset();
        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 2, 'errcode' => -1]);
        $this->assertStringStartsWith('ACCESS_', (new OfficialAccount($this->config()))->accessToken()->value);
        $this->assertSame(3, self::$sim->calls('/cgi-bin/token'));
    }

    public function testHttpStatusTimeoutAndTransportFailuresHaveTheirOwnExceptions(): void
    {
        $account = new OfficialAccount($this->config());
        $account->accessToken();

        self::$sim->fault(['path' => '/cgi-bin/get_api_domain_ip', 'times' => 10, 'status' => 503]);
        try {
            $account->get('/cgi-bin/get_api_domain_ip');
            $this->fail('503 was not thrown');
        } catch (HttpStatusException $e) {
            $this->assertSame(-50003, $e->getCode());
            $this->assertSame('http_status', $e->getKind());
            $this->assertStringContainsString('503', $e->getMessage());
        }
        $this->assertSame(3, self::$sim->calls('/cgi-bin/get_api_domain_ip'));

        // A status not in retry.statuses is not retried.
        self::$sim->reset();
        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 1, 'status' => 403]);
        try {
            (new OfficialAccount($this->config()))->accessToken();
            $this->fail('403 was not thrown');
        } catch (HttpStatusException $e) {
            $this->assertSame(-50003, $e->getCode());
        }
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));

        self::$sim->reset();
        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 1, 'delay_ms' => 2000]);
        $slow = new OfficialAccount($this->config(['http' => ['timeout_ms' => 200, 'retry' => ['max_retries' => 0]]]));
        try {
            $slow->accessToken();
            $this->fail('the timeout was not thrown');
        } catch (TimeoutException $e) {
            $this->assertSame(-50002, $e->getCode());
            $this->assertSame('timeout', $e->getKind());
            $this->assertStringNotContainsString(self::SECRET, (string) $e);
        }

        self::$sim->reset();
        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 10, 'drop' => true]);
        try {
            (new OfficialAccount($this->config()))->accessToken();
            $this->fail('the dropped connection was not thrown');
        } catch (TransportException $e) {
            $this->assertSame(-50001, $e->getCode());
            $this->assertSame('transport', $e->getKind());
            $this->assertStringNotContainsString(self::SECRET, (string) $e);
        }
        $this->assertSame(3, self::$sim->calls('/cgi-bin/token'));

        // Nothing listening: a transport error whose text has no query (it holds the secret).
        $down = new OfficialAccount($this->config(['http' => ['api_base_uri' => 'http://127.0.0.1:' . dead_port(), 'retry' => ['max_retries' => 0]]]));
        try {
            $down->accessToken();
            $this->fail('connection refused was not thrown');
        } catch (TransportException $e) {
            $this->assertStringContainsString('/cgi-bin/token', $e->getMessage());
            $this->assertStringNotContainsString(self::SECRET, (string) $e);
            $this->assertStringNotContainsString('secret=', (string) $e);
        }
    }

    public function testAWrongSecretIsAnApiErrorFromTheTokenEndpointWithoutTheSecret(): void
    {
        $secret = 'wrong-secret-value-9f3k';
        $account = new OfficialAccount($this->config(['secret' => $secret]));
        try {
            $account->accessToken();
            $this->fail('a wrong secret got a token');
        } catch (ApiException $e) {
            $this->assertSame(40001, $e->getCode());
            $this->assertStringContainsString('/cgi-bin/token', $e->getMessage());
            $this->assertStringNotContainsString($secret, (string) $e);
        }
        // A token endpoint's 40001 is not a stale token: no refresh loop.
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));
    }

    public function testRefreshAccessTokenReplacesTheStoredToken(): void
    {
        $account = new OfficialAccount($this->config());
        $old = $account->accessToken();
        $new = $account->refreshAccessToken();
        $this->assertNotSame($old->value, $new->value);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
        $this->assertSame($new->value, $account->accessToken()->value);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
        // The new token works upstream.
        $this->assertSame($new->value, $account->get('/cgi-bin/x')['echo']['query']['access_token']);
    }

    public function testStableTokenEndpointUsesItsOwnKey(): void
    {
        $store = $this->fileStore();
        $prefix = unique_prefix('stable');
        $account = new OfficialAccount($this->config(['token_endpoint' => 'stable', 'store' => $store, 'tokens' => ['key_prefix' => $prefix]]));
        $token = $account->accessToken();
        $this->assertStringStartsWith('STABLE_', $token->value);
        $this->assertSame($token->value, $account->accessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/stable_token'));
        $this->assertSame(0, self::$sim->calls('/cgi-bin/token'));
        $this->assertFileExists("{$store['dir']}/{$prefix}:stable_access_token:" . self::APP_ID . ':' . self::APP_ID);
    }

    public function testTheJsapiTicketIsCachedAndTheJssdkConfigIsSignedWithIt(): void
    {
        // The formula checked here against WeChat's documented vector.
        $this->assertSame('0f9de62fce790f9a083d5c99e95740ceb90c27ed', self::jssdkSignature(
            'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
            'Wm3WZYTPz0wzccnW',
            1414587457,
            'http://mp.weixin.qq.com?params=value'
        ));

        $account = new OfficialAccount($this->config());
        $ticket = $account->jsapiTicket();
        $this->assertStringStartsWith('JSAPI_', $ticket->value);
        $this->assertSame($ticket->value, $account->jsapiTicket()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/ticket/getticket'));

        $config = $account->jssdkConfig('http://mp.weixin.qq.com?params=value#section');
        $this->assertSame(['app_id', 'nonce_str', 'signature', 'timestamp', 'url'], self::sortedKeys($config));
        $this->assertSame(self::APP_ID, $config['app_id']);
        $this->assertSame('http://mp.weixin.qq.com?params=value', $config['url']);
        $this->assertIsInt($config['timestamp']);
        $this->assertEqualsWithDelta(time(), $config['timestamp'], 60);
        $this->assertMatchesRegularExpression('/^[A-Za-z0-9]{16}$/', $config['nonce_str']);
        $this->assertSame(
            self::jssdkSignature($ticket->value, $config['nonce_str'], $config['timestamp'], $config['url']),
            $config['signature']
        );
        // Signed with the cached ticket: no new getticket call; fresh nonces each time.
        $again = $account->jssdkConfig('http://example.com/page');
        $this->assertNotSame($config['nonce_str'], $again['nonce_str']);
        $this->assertSame(self::jssdkSignature($ticket->value, $again['nonce_str'], $again['timestamp'], 'http://example.com/page'), $again['signature']);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/ticket/getticket'));
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));
    }

    public function testGenericGetAndPostJsonReachTheEndpointWithTheToken(): void
    {
        $account = new OfficialAccount($this->config());
        $token = $account->accessToken()->value;

        $answer = $account->get('/cgi-bin/user/info', ['openid' => 'o-1', 'lang' => 'zh_CN', 'count' => 10, 'flag' => true]);
        $this->assertSame(1, $answer['subscribe']);
        $this->assertSame('o-1', $answer['openid']);

        $echo = $account->get('/cgi-bin/custom/thing', ['openid' => 'o-1', 'count' => 10, 'flag' => true, 'name' => '中文 &=?'])['echo'];
        $this->assertSame('GET', $echo['method']);
        $this->assertSame('/cgi-bin/custom/thing', $echo['path']);
        $query = $echo['query'];
        ksort($query);
        $this->assertSame(['access_token' => $token, 'count' => '10', 'flag' => '1', 'name' => '中文 &=?', 'openid' => 'o-1'], $query);
        $this->assertNull($echo['body']);

        $body = ['touser' => 'o-1', 'msgtype' => 'text', 'text' => ['content' => "你好 \"/\\\n"], 'list' => [1, 2.5, null, true], 'nested' => ['a' => []]];
        $echo = $account->postJson('/cgi-bin/message/custom/send', $body)['echo'];
        $this->assertSame('POST', $echo['method']);
        $this->assertSame(['access_token' => $token], $echo['query']);
        // The library sends the same JSON (its object keys sorted).
        $this->assertSame(self::sortedDeep($body), self::sortedDeep($echo['body']));

        // An empty body is the JSON object {} (the sim answers 47001 to anything else).
        $this->assertSame(0, $account->postJson('/cgi-bin/empty', [])['errcode']);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));

        // An unknown route is an HTTP 404 (not retried).
        try {
            $account->get('/no/such/route');
            $this->fail('no error for a 404 route');
        } catch (HttpStatusException $e) {
            $this->assertSame(-50003, $e->getCode());
            $this->assertStringContainsString('404', $e->getMessage());
        }
        $this->assertSame(1, self::$sim->calls('/no/such/route'));
    }

    public function testBadCallArgumentsAreRefusedBeforeAnyRequest(): void
    {
        $account = new OfficialAccount($this->config());
        $cases = [
            'empty url' => static fn () => $account->jssdkConfig(''),
            'relative path' => static fn () => $account->get('cgi-bin/x'),
            'query in path' => static fn () => $account->get('/cgi-bin/x?a=b'),
            'fragment in path' => static fn () => $account->postJson('/cgi-bin/x#f', ['a' => 1]),
            'own access_token' => static fn () => $account->get('/cgi-bin/x', ['access_token' => 'mine']),
            'array in query' => static fn () => $account->get('/cgi-bin/x', ['a' => ['b']]),
            'bad UTF-8' => static fn () => $account->get('/cgi-bin/x', ['a' => "\xff"]),
        ];
        foreach ($cases as $name => $call) {
            try {
                $call();
                $this->fail("{$name} was accepted");
            } catch (InvalidInputException $e) {
                $this->assertSame('invalid_input', $e->getKind(), $name);
            }
        }
        $this->assertSame([], self::$sim->request('GET', '/_sim/stats')['calls'] ?? []);
    }

    public function testConfigurationErrorsAreConfigExceptionsWithoutTheSecret(): void
    {
        $secret = 'cfg-secret-4d1f8a';
        $base = ['app_id' => self::APP_ID, 'secret' => $secret, 'store' => ['type' => 'memory']];
        $bad = [
            'unknown option' => $base + ['colour' => 'blue'],
            'unknown nested option' => array_replace_recursive($base, ['http' => ['retries' => 3]]),
            'missing secret' => ['app_id' => self::APP_ID],
            'missing app_id' => ['secret' => $secret],
            'empty app_id' => ['app_id' => '', 'secret' => $secret],
            'empty secret' => ['app_id' => self::APP_ID, 'secret' => ''],
            'app_id outside the key alphabet' => ['app_id' => 'wx:1/2', 'secret' => $secret],
            'key_prefix outside the key alphabet' => $base + ['tokens' => ['key_prefix' => 'a:b']],
            'unknown store type' => ['app_id' => self::APP_ID, 'secret' => $secret, 'store' => ['type' => 'memcached']],
            'file store without dir' => ['app_id' => self::APP_ID, 'secret' => $secret, 'store' => ['type' => 'file']],
            'ftp base URI' => $base + ['http' => ['api_base_uri' => 'ftp://example.com']],
            'zero timeout' => $base + ['http' => ['timeout_ms' => 0]],
            'unknown token endpoint' => $base + ['token_endpoint' => 'fastest'],
            'mistyped option' => $base + ['tokens' => ['read_only' => 'yes']],
            'not a Redis URL' => ['app_id' => self::APP_ID, 'secret' => $secret, 'store' => ['type' => 'redis', 'url' => 'http://:pw-77@x']],
            'bad UTF-8' => ['app_id' => self::APP_ID, 'secret' => "\xff{$secret}"],
            'empty config' => [],
        ];
        foreach ($bad as $name => $config) {
            try {
                new OfficialAccount($config);
                $this->fail("{$name}: accepted");
            } catch (ConfigException $e) {
                $this->assertSame(-50020, $e->getCode(), $name);
                $this->assertSame('config', $e->getKind(), $name);
                $this->assertStringNotContainsString($secret, (string) $e, $name);
                $this->assertStringNotContainsString('pw-77', (string) $e, $name);
            }
        }
        // Empty option groups and a numeric secret are fine.
        $ok = new OfficialAccount(['app_id' => self::APP_ID, 'secret' => 12345, 'http' => ['retry' => []], 'tokens' => [], 'store' => ['type' => 'memory']]);
        $this->assertSame(self::APP_ID, $ok->appId());
    }

    public function testNeitherTheSecretNorTokensShowInDumpsOrTraces(): void
    {
        $secret = self::SECRET;   // the sim checks it
        $account = new OfficialAccount($this->config(['token' => 'push-token-5a', 'encoding_aes_key' => 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG']));
        $this->assertSame(self::APP_ID, $account->appId());
        $token = $account->accessToken();
        $this->assertStringStartsWith('ACCESS_', $token->value);

        $shown = print_r($account, true) . var_export($account, true) . json_encode($account) . print_r($token, true);
        ob_start();
        var_dump($account, $token);
        debug_zval_refcount_safe($account);
        $shown .= ob_get_clean();
        $this->assertStringContainsString(self::APP_ID, $shown);
        $this->assertStringContainsString((string) $token->expiresAt, $shown);
        foreach ([$secret, 'push-token-5a', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', $token->value] as $hidden) {
            $this->assertStringNotContainsString($hidden, $shown);
        }
        try {
            serialize($account);
            $this->fail('an OfficialAccount was serialized');
        } catch (\LogicException $e) {
            $this->assertStringNotContainsString($secret, (string) $e);
        }

        // A failing constructor's trace keeps its arguments when exception_ignore_args is off:
        // the config is a #[SensitiveParameter].
        $previous = ini_set('zend.exception_ignore_args', '0');
        try {
            new OfficialAccount(['app_id' => self::APP_ID, 'secret' => $secret, 'http' => ['timeout_ms' => 0]]);
            $this->fail('timeout_ms 0 was accepted');
        } catch (ConfigException $e) {
            $text = (string) $e . print_r($e->getTrace(), true) . var_export($e->getTrace(), true);
            $this->assertStringNotContainsString($secret, $text);
            if (PHP_VERSION_ID >= 80200) {
                $this->assertStringContainsString('SensitiveParameterValue', $text);
            }
        } finally {
            ini_set('zend.exception_ignore_args', (string) $previous);
        }
    }

    public function testManyCallsAndClientsLeakNothing(): void
    {
        $config = $this->config();
        $account = new OfficialAccount($config);
        $value = $account->accessToken()->value;
        $calls = static function (int $n) use ($account, $value): void {
            for ($i = 0; $i < $n; $i++) {
                if ($account->accessToken()->value !== $value) {
                    throw new \RuntimeException('the cached token changed');
                }
            }
        };
        $clients = static function (int $n) use ($config): void {
            for ($i = 0; $i < $n; $i++) {
                $client = new OfficialAccount($config);
                $client->appId();
            }
        };
        // Warm up (allocator pools, PHP's caches), then measure the same work again.
        $calls(2000);
        $clients(500);
        gc_collect_cycles();
        [$heap, $rss] = [memory_get_usage(), rss_kib()];
        $calls(5000);
        $clients(1000);
        gc_collect_cycles();
        // A leaked handle costs ~20 KiB of native memory (1000 → ~20 MiB); a leaked result
        // string ~100 bytes of native memory per call; a leaked CData ~100 bytes of PHP heap.
        $this->assertLessThan(4096, rss_kib() - $rss, 'native memory grew');
        $this->assertLessThan(16 * 1024, memory_get_usage() - $heap, 'PHP heap grew');
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));
    }

    /** @return list<string> */
    private static function sortedKeys(array $a): array
    {
        $keys = array_keys($a);
        sort($keys);
        return $keys;
    }

    /** `$a` with the keys of every associative array sorted (lists keep their order). */
    private static function sortedDeep(array $a): array
    {
        foreach ($a as $k => $v) {
            if (is_array($v)) {
                $a[$k] = self::sortedDeep($v);
            }
        }
        if (!array_is_list($a)) {
            ksort($a);
        }
        return $a;
    }

    private static function jssdkSignature(string $ticket, string $nonce, int $timestamp, string $url): string
    {
        return sha1("jsapi_ticket={$ticket}&noncestr={$nonce}&timestamp={$timestamp}&url={$url}");
    }
}

/** debug_zval_dump of an object, which prints its properties (not __debugInfo). */
function debug_zval_refcount_safe(object $o): void
{
    debug_zval_dump($o);
}
