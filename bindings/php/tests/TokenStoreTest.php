<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\OfficialAccount;
use Weixinkit\StoreException;

/**
 * Sharing tokens between PHP processes (as PHP-FPM workers do) through the file store and
 * Redis: one upstream fetch however many workers miss at once; store failures.
 */
final class TokenStoreTest extends TestCase
{
    private const APP_ID = 'wxoa00000000000001';
    private const SECRET = 'oa-secret';
    private const WORKERS = 4;

    /** How long the token endpoint takes to answer, so that every worker arrives during the fetch. */
    private const SLOW_MS = 800;

    /** @var WechatSim|null */
    private static $sim;

    /** @var list<string> */
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
     * @param array<string, string> $store
     * @return array<string, mixed>
     */
    private static function config(array $store, string $prefix): array
    {
        return [
            'app_id' => self::APP_ID,
            'secret' => self::SECRET,
            'http' => ['api_base_uri' => self::$sim->baseUrl, 'retry' => ['delay_ms' => 1]],
            'tokens' => ['key_prefix' => $prefix, 'lock_wait_ms' => 10000],
            'store' => $store,
        ];
    }

    /**
     * The test is only meaningful if the workers really raced: every call started before the
     * first one ended (each had to wait for the one fetch instead of finding a stored token).
     *
     * @param list<array{float, float}> $spans
     */
    private function assertOverlapping(array $spans): void
    {
        $this->assertCount(self::WORKERS, $spans);
        $lastStart = max(array_column($spans, 0));
        $firstEnd = min(array_column($spans, 1));
        $this->assertLessThan($firstEnd, $lastStart, 'the workers did not overlap: the barrier did not release them together');
    }

    /**
     * Release WORKERS processes together on a missing token, then on an expired one: each time
     * exactly one fetch, and every worker prints that token. The token endpoint answers slowly
     * (an injected delay) so that every worker really arrives while the fetch is in flight.
     *
     * @param array<string, string> $store
     * @param callable(string $key, string $value, int $expiresAt): void $plant
     * @param callable(string $key): ?string $read the stored value JSON
     */
    private function assertOneFetchForAllWorkers(array $store, string $prefix, callable $plant, callable $read): void
    {
        $config = self::config($store, $prefix);
        $key = access_token_key($prefix, self::APP_ID);

        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 1, 'delay_ms' => self::SLOW_MS]);
        [$lines, $spans] = Workers::accessTokens($config, self::WORKERS);
        $this->assertOverlapping($spans);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'), implode("\n", $lines));
        $this->assertCount(self::WORKERS, $lines);
        $first = $lines[0];
        $this->assertMatchesRegularExpression('/^token ACCESS_\w+$/', $first);
        $this->assertSame(array_fill(0, self::WORKERS, $first), $lines);
        $value = substr($first, strlen('token '));
        $this->assertSame($value, json_decode((string) $read($key), true)['value'], 'stored under the documented key');

        // The stored token is expired: again one fetch for all, a different token.
        $plant($key, $value, time() - 5);
        self::$sim->fault(['path' => '/cgi-bin/token', 'times' => 1, 'delay_ms' => self::SLOW_MS]);
        [$lines, $spans] = Workers::accessTokens($config, self::WORKERS);
        $this->assertOverlapping($spans);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'), implode("\n", $lines));
        $this->assertMatchesRegularExpression('/^token ACCESS_\w+$/', $lines[0]);
        $this->assertNotSame($first, $lines[0]);
        $this->assertSame(array_fill(0, self::WORKERS, $lines[0]), $lines);

        // And this process reads the same one without fetching.
        $this->assertSame(substr($lines[0], strlen('token ')), (new OfficialAccount($config))->accessToken()->value);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/token'));
    }

    public function testWorkersSharingAFileStoreFetchTheTokenOnce(): void
    {
        $dir = temp_dir('shared');
        $this->dirs[] = $dir;
        $this->assertOneFetchForAllWorkers(
            ['type' => 'file', 'dir' => $dir],
            unique_prefix('file'),
            static function (string $key, string $value, int $expiresAt) use ($dir): void {
                plant_file_token($dir, $key, $value, $expiresAt, $expiresAt - 7200);
            },
            static function (string $key) use ($dir): ?string {
                $entry = @file_get_contents("{$dir}/{$key}");
                return $entry === false ? null : explode("\n", $entry, 2)[1];
            }
        );
        // Locks are flock()s on files under locks/, left for reuse.
        $this->assertDirectoryExists("{$dir}/locks");
    }

    public function testWorkersSharingRedisFetchTheTokenOnce(): void
    {
        $url = redis_url();
        $redis = Redis::at($url);
        $prefix = unique_prefix('redis');
        $this->assertOneFetchForAllWorkers(
            ['type' => 'redis', 'url' => $url],
            $prefix,
            static function (string $key, string $value, int $expiresAt) use ($redis): void {
                $json = json_encode(['value' => $value, 'expires_at' => $expiresAt, 'issued_at' => $expiresAt - 7200]);
                $redis->command('SET', $key, $json);
            },
            static function (string $key) use ($redis): ?string {
                return $redis->command('GET', $key);
            }
        );
        // A plain string with a TTL (PX), and no lock left behind.
        $key = access_token_key($prefix, self::APP_ID);
        $ttl = $redis->command('PTTL', $key);
        $this->assertGreaterThan(7000 * 1000, $ttl);
        $this->assertLessThanOrEqual(7200 * 1000, $ttl);
        $this->assertSame(0, $redis->command('EXISTS', "{$prefix}:lock:access_token:" . self::APP_ID . ':' . self::APP_ID));
        $redis->command('DEL', $key);
    }

    public function testRedisDownIsAStoreErrorAndNoTokenIsFetched(): void
    {
        $port = dead_port();
        $account = new OfficialAccount(self::config(['type' => 'redis', 'url' => "redis://:store-pw-31@127.0.0.1:{$port}/0"], unique_prefix('down')));
        foreach (['accessToken', 'jsapiTicket'] as $method) {
            try {
                $account->{$method}();
                $this->fail("{$method} worked without Redis");
            } catch (StoreException $e) {
                $this->assertSame(-50010, $e->getCode());
                $this->assertSame('store', $e->getKind());
                $this->assertStringContainsString("127.0.0.1:{$port}", $e->getMessage());
                $this->assertStringNotContainsString('store-pw-31', (string) $e);
            }
        }
        try {
            $account->get('/cgi-bin/get_api_domain_ip');
            $this->fail('get worked without Redis');
        } catch (StoreException $e) {
            $this->assertSame(-50010, $e->getCode());
        }
        // Without the store there is no single flight: nothing was fetched.
        $this->assertSame([], self::$sim->request('GET', '/_sim/stats')['calls'] ?? []);
    }

    public function testAnUnusableFileStoreDirectoryIsAStoreError(): void
    {
        $dir = temp_dir('blocked');
        $this->dirs[] = $dir;
        file_put_contents("{$dir}/file", 'not a directory');
        try {
            new OfficialAccount(self::config(['type' => 'file', 'dir' => "{$dir}/file/store"], unique_prefix('blocked')));
            $this->fail('a store under a regular file was accepted');
        } catch (StoreException $e) {
            $this->assertSame(-50010, $e->getCode());
            $this->assertStringContainsString("{$dir}/file/store", $e->getMessage());
        }
        $this->assertSame(0, self::$sim->calls('/cgi-bin/token'));
    }

    public function testTheDefaultStoreIsTheFileStoreInWeixinkitStoreDir(): void
    {
        // In a child process, so that WEIXINKIT_STORE_DIR is read fresh by the library.
        $dir = temp_dir('default');
        $this->dirs[] = $dir;
        $prefix = unique_prefix('default');
        $config = self::config(['type' => 'memory'], $prefix);
        unset($config['store']);
        $script = tempnam(sys_get_temp_dir(), 'wxk-default');
        file_put_contents($script, '<?php require getenv("WEIXINKIT_PHP_SRC") . "/autoload.php";'
            . ' echo (new Weixinkit\OfficialAccount(json_decode(getenv("WEIXINKIT_TEST_CONFIG"), true)))->accessToken()->value;');
        try {
            $env = child_env([
                'WEIXINKIT_PHP_SRC' => dirname(__DIR__) . '/src',
                'WEIXINKIT_TEST_CONFIG' => json_encode($config),
                'WEIXINKIT_STORE_DIR' => $dir,
            ]);
            $values = [];
            for ($i = 0; $i < 2; $i++) {
                $proc = proc_open([...php_command(), $script], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
                $values[] = stream_get_contents($pipes[1]);
                $this->assertSame('', stream_get_contents($pipes[2]));
                fclose($pipes[1]);
                fclose($pipes[2]);
                $this->assertSame(0, proc_close($proc));
            }
        } finally {
            unlink($script);
        }
        $this->assertStringStartsWith('ACCESS_', $values[0]);
        $this->assertSame($values[0], $values[1], 'the second process read the first one\'s token');
        $this->assertSame(1, self::$sim->calls('/cgi-bin/token'));
        $entry = (string) file_get_contents("{$dir}/" . access_token_key($prefix, self::APP_ID));
        $this->assertSame($values[0], json_decode(explode("\n", $entry, 2)[1], true)['value']);
    }
}
