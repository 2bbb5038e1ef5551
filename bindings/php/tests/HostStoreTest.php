<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Symfony\Component\Cache\Adapter\ArrayAdapter;
use Symfony\Component\Cache\Psr16Cache;
use Weixinkit\Component;
use Weixinkit\HostStore;
use Weixinkit\OfficialAccount;
use Weixinkit\Psr16Store;
use Weixinkit\Suite;
use Weixinkit\StoreException;

/**
 * Stores written in PHP (Weixinkit\HostStore): a PSR-16 cache through Psr16Store, and a
 * user's own store; on whichever backend this run uses.
 */
final class HostStoreTest extends TestCase
{
    private const APP_ID = 'wxoa00000000000001';
    private const SECRET = 'oa-secret';
    private const COMPONENT = 'wxcomponent0000001';

    /** @var WechatSim|null */
    private static $sim;

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
        if (!class_exists(Psr16Cache::class)) {
            $this->fail('Symfony Cache is not installed (test.sh installs php-symfony-cache)');
        }
        self::$sim->reset();
    }

    /** @return array<string, mixed> */
    private static function config(HostStore $store, string $prefix): array
    {
        return [
            'app_id' => self::APP_ID,
            'secret' => self::SECRET,
            'http' => ['api_base_uri' => self::$sim->baseUrl, 'retry' => ['delay_ms' => 1]],
            'tokens' => ['key_prefix' => $prefix],
            'store' => $store,
        ];
    }

    public function testAPsr16CacheHoldsTokensUnderTheSharedSchemaAndServesEveryClient(): void
    {
        $cache = new Psr16Cache(new ArrayAdapter());
        $prefix = unique_prefix('psr16');
        $account = new OfficialAccount(self::config(new Psr16Store($cache), $prefix));

        $token = $account->accessToken();
        $this->assertSame($token->value, $account->accessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));

        // The shared key schema, `:` written as `.` (PSR-16 reserves `:`), the library's JSON.
        $key = Psr16Store::cacheKey(access_token_key($prefix, self::APP_ID));
        $this->assertSame(str_replace(':', '.', access_token_key($prefix, self::APP_ID)), $key);
        $stored = json_decode((string) $cache->get($key), true);
        $this->assertSame($token->value, $stored['value']);
        $this->assertSame($token->expiresAt, $stored['expires_at']);
        $this->assertFalse($cache->has(Psr16Store::cacheKey("{$prefix}:lock:access_token:" . self::APP_ID . ':' . self::APP_ID)), 'the refresh lock was released');

        // Another client (another worker) on the same cache: no fetch.
        $other = new OfficialAccount(self::config(new Psr16Store($cache), $prefix));
        $this->assertSame($token->value, $other->accessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));

        // A token WeChat revoked: refreshed once through the cache, the call retried once.
        self::$sim->revoke(self::APP_ID);
        $this->assertArrayHasKey('ip_list', $other->get('/cgi-bin/get_api_domain_ip'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
        $this->assertNotSame($token->value, json_decode((string) $cache->get($key), true)['value']);
    }

    public function testAComponentKeepsItsDurableTicketInTheCache(): void
    {
        $cache = new Psr16Cache(new ArrayAdapter());
        $config = [
            'component_app_id' => self::COMPONENT,
            'component_secret' => 'component-secret',
            'token' => 'component-token',
            'encoding_aes_key' => 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
            'http' => ['api_base_uri' => self::$sim->baseUrl],
            'store' => new Psr16Store($cache),
        ];
        $component = new Component($config);
        $this->assertNull($component->verifyTicket());
        $component->storeVerifyTicket('ticket@@@psr16');
        $this->assertSame('ticket@@@psr16', (new Component($config))->verifyTicket());
        $stored = $cache->get('weixinkit.component_verify_ticket.' . self::COMPONENT . '.' . self::COMPONENT);
        $this->assertSame('ticket@@@psr16', json_decode((string) $stored, true)['value']);
    }

    public function testAWeComSuiteKeepsItsTicketAndPermanentCodesInTheCache(): void
    {
        $cache = new Psr16Cache(new ArrayAdapter());
        $config = [
            'suite_id' => 'wwsuite00000000001',
            'suite_secret' => 'suite-secret',
            'token' => 'suite-token',
            'encoding_aes_key' => 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
            'http' => ['work_base_uri' => self::$sim->baseUrl],
            'store' => new Psr16Store($cache),
        ];
        $suite = new Suite($config);
        $suite->storeSuiteTicket('suite-ticket-psr16');
        $suite->storePermanentCode('wwcorp000000000001', 'permanent-psr16');
        $again = new Suite($config);
        $this->assertSame('suite-ticket-psr16', $again->suiteTicket());
        $this->assertSame('permanent-psr16', $again->storedPermanentCode('wwcorp000000000001'));
        $stored = $cache->get('weixinkit.permanent_code.wwsuite00000000001.wwcorp000000000001');
        $this->assertSame('permanent-psr16', json_decode((string) $stored, true)['value']);
    }

    public function testAFailingStoreIsAStoreExceptionAndNothingIsFetched(): void
    {
        $down = new class () implements HostStore {
            public function get(string $key): ?string
            {
                throw new \RuntimeException('cache cluster unreachable');
            }

            public function set(string $key, #[\SensitiveParameter] string $value, ?int $ttlMs): void
            {
            }

            public function delete(string $key): void
            {
            }

            public function tryLock(string $lockKey, int $ttlMs): ?string
            {
                return null;
            }

            public function unlock(string $lockKey, string $fence): void
            {
            }
        };
        $account = new OfficialAccount(self::config($down, unique_prefix('down')));
        try {
            $account->accessToken();
            $this->fail('a token was answered without the store');
        } catch (StoreException $e) {
            $this->assertSame(-50010, $e->getCode());
            $this->assertStringContainsString('host store get: RuntimeException: cache cluster unreachable', $e->getMessage());
        }
        $this->assertSame(0, self::$sim->calls('/cgi-bin/token'));
    }

    public function testAStoreAnsweringTheWrongTypeIsAStoreException(): void
    {
        $cache = new Psr16Cache(new ArrayAdapter());
        $prefix = unique_prefix('typed');
        $cache->set(Psr16Store::cacheKey(access_token_key($prefix, self::APP_ID)), ['not' => 'text']);
        try {
            (new OfficialAccount(self::config(new Psr16Store($cache), $prefix)))->accessToken();
            $this->fail('an array in the cache was taken for a token');
        } catch (StoreException $e) {
            $this->assertStringContainsString('holds a array', $e->getMessage());
        }
    }

    public function testWorkersSharingAnAtomicHostStoreFetchTheTokenOnce(): void
    {
        $url = redis_url();
        $prefix = unique_prefix('hostredis');
        $config = self::config(new RedisHostStore($url), $prefix);
        unset($config['store']);   // each worker builds its own RedisHostStore
        $config['tokens']['lock_wait_ms'] = 10000;
        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 1, 'delay_ms' => 800]);
        [$lines] = Workers::accessTokens($config, 4, $url);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'), implode("\n", $lines));
        $this->assertMatchesRegularExpression('/^token ACCESS_\w+$/', $lines[0]);
        $this->assertSame(array_fill(0, 4, $lines[0]), $lines);

        // Here, through the same Redis: the token the workers stored, and the calls it took.
        $store = new RedisHostStore($url);
        $this->assertSame(substr($lines[0], 6), (new OfficialAccount(self::config($store, $prefix)))->accessToken()->value);
        $this->assertSame(['get' => 1], $store->calls);
        Redis::at($url)->command('DEL', access_token_key($prefix, self::APP_ID));
    }

    public function testTheStoreIsReleasedWithTheLastClient(): void
    {
        $store = new Psr16Store(new Psr16Cache(new ArrayAdapter()));
        $weak = \WeakReference::create($store);
        $account = new OfficialAccount(self::config($store, unique_prefix('release')));
        $account->accessToken();
        unset($store);
        $this->assertNotNull($weak->get(), 'the client holds its store');
        unset($account);
        if (extension_loaded('weixinkit')) {
            $this->assertNull($weak->get(), 'the extension released the store with the client');
        } else {
            // PHP's FFI keeps a callback (and what it holds) until the end of the request.
            $this->assertNotNull($weak->get());
        }
    }
}
