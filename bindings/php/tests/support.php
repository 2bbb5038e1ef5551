<?php

declare(strict_types=1);

// Helpers for the token engine tests: the local WeChat server (wechat-sim), Redis, temporary
// stores and child PHP processes.

namespace Weixinkit\Tests;

use PHPUnit\Framework\Assert;
use PHPUnit\Framework\TestCase;

/** Whether tests needing Redis / the sim must fail (not skip) without them (services.sh sets it). */
function services_required(): bool
{
    return getenv('WEIXINKIT_REQUIRE_SERVICES') === '1';
}

/**
 * Fail (WEIXINKIT_REQUIRE_SERVICES=1) or skip with `$why`.
 *
 * @return never
 */
function service_missing(string $why): void
{
    if (services_required()) {
        Assert::fail("{$why} (WEIXINKIT_REQUIRE_SERVICES=1: required; run bindings/php/test.sh, which sources scripts/services.sh)");
    }
    TestCase::markTestSkipped("{$why}; source scripts/services.sh to run this test");
}

/** `WEIXINKIT_REDIS_URL`, reachable, or fail/skip. */
function redis_url(): string
{
    $url = getenv('WEIXINKIT_REDIS_URL');
    if ($url === false || $url === '') {
        service_missing('WEIXINKIT_REDIS_URL is not set');
    }
    try {
        Assert::assertSame('PONG', Redis::at($url)->command('PING'));
    } catch (\RuntimeException $e) {
        service_missing("Redis at {$url} is not reachable: {$e->getMessage()}");
    }
    return $url;
}

/** A fresh, unique store key prefix (key parts allow letters, digits, '_', '-', '.'). */
function unique_prefix(string $what): string
{
    return 'php-' . $what . '-' . getmypid() . '-' . bin2hex(random_bytes(4));
}

/** A new empty directory under the system temp dir, removed by remove_tree(). */
function temp_dir(string $what): string
{
    $dir = sys_get_temp_dir() . '/wxk-php-' . $what . '-' . getmypid() . '-' . bin2hex(random_bytes(4));
    if (!mkdir($dir, 0700)) {
        throw new \RuntimeException("cannot create {$dir}");
    }
    return $dir;
}

function remove_tree(string $dir): void
{
    if (!is_dir($dir) || is_link($dir)) {
        @unlink($dir);
        return;
    }
    foreach (scandir($dir) ?: [] as $entry) {
        if ($entry !== '.' && $entry !== '..') {
            remove_tree("{$dir}/{$entry}");
        }
    }
    @rmdir($dir);
}

/**
 * Write a token into a file store exactly as the library does (`<dir>/<key>` holding
 * `<expires_at_ms or 0>\n<value JSON>`), e.g. to plant an expired one.
 */
function plant_file_token(string $dir, string $key, string $value, int $expiresAt, int $issuedAt): void
{
    $json = json_encode(['value' => $value, 'expires_at' => $expiresAt, 'issued_at' => $issuedAt]);
    Assert::assertNotFalse(file_put_contents("{$dir}/{$key}", "0\n{$json}"));
}

/** The store key of an Official Account's access token (README: key schema). */
function access_token_key(string $prefix, string $appId): string
{
    return "{$prefix}:access_token:{$appId}:{$appId}";
}

/** The environment for a child `php` process that loads the library like this one. */
function child_env(array $extra = []): array
{
    $env = ['PATH' => (string) getenv('PATH')];
    foreach (['WEIXINKIT_LIB', 'WEIXINKIT_EXT', 'WEIXINKIT_EXPECT_BACKEND', 'WEIXINKIT_STORE_DIR', 'TMPDIR'] as $name) {
        $value = getenv($name);
        if ($value !== false) {
            $env[$name] = $value;
        }
    }
    return array_merge($env, $extra);
}

/**
 * The command line of a child PHP process on this run's backend: with the extension loaded
 * and FFI disabled when this process runs on the extension (WEIXINKIT_EXT is its path, set by
 * test.sh), else with FFI enabled.
 *
 * @return list<string>
 */
function php_command(): array
{
    if (extension_loaded('weixinkit')) {
        $ext = getenv('WEIXINKIT_EXT');
        Assert::assertIsString($ext, 'WEIXINKIT_EXT must name the extension loaded here (test.sh sets it)');
        return [PHP_BINARY, '-d', "extension={$ext}", '-d', 'ffi.enable=0'];
    }
    return [PHP_BINARY, '-d', 'ffi.enable=1'];
}

/** A free TCP port on 127.0.0.1 with nothing listening (for "server down" tests). */
function dead_port(): int
{
    $server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
    if ($server === false) {
        throw new \RuntimeException("cannot bind: {$errstr}");
    }
    $name = stream_socket_get_name($server, false);
    fclose($server);
    return (int) substr((string) $name, strrpos((string) $name, ':') + 1);
}

/** The resident set size of this process in KiB (Linux). */
function rss_kib(): int
{
    $status = (string) file_get_contents('/proc/self/status');
    Assert::assertSame(1, preg_match('/^VmRSS:\s+(\d+) kB/m', $status, $m), 'no VmRSS in /proc/self/status');
    return (int) $m[1];
}

/**
 * One wechat-sim process (started from WEIXINKIT_SIM_BIN with `--port 0`), stopped by stop().
 */
final class WechatSim
{
    /** @var resource */
    private $process;

    /** `http://127.0.0.1:PORT` */
    public readonly string $baseUrl;

    /** @param resource $process */
    private function __construct($process, string $baseUrl)
    {
        $this->process = $process;
        $this->baseUrl = $baseUrl;
    }

    /** Start a sim, or fail/skip when WEIXINKIT_SIM_BIN is not set. */
    public static function start(): self
    {
        $bin = getenv('WEIXINKIT_SIM_BIN');
        if ($bin === false || $bin === '') {
            service_missing('WEIXINKIT_SIM_BIN is not set');
        }
        if (!is_executable($bin)) {
            service_missing("WEIXINKIT_SIM_BIN={$bin} is not an executable (cargo build -p weixinkit-sim)");
        }
        $process = proc_open(
            [$bin, '--port', '0'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', '/dev/null', 'w']],
            $pipes
        );
        if ($process === false) {
            throw new \RuntimeException("cannot start {$bin}");
        }
        $read = [$pipes[1]];
        $none = [];
        $line = '';
        if (stream_select($read, $none, $none, 20) === 1) {
            $line = (string) fgets($pipes[1]);
        }
        if (preg_match('#^listening on (http://127\.0\.0\.1:\d+)\s*$#', $line, $m) !== 1) {
            proc_terminate($process, 9);
            proc_close($process);
            throw new \RuntimeException("{$bin} did not print its address (first line: " . var_export($line, true) . ')');
        }
        // Nothing else goes to stdout; closing our end is harmless.
        fclose($pipes[1]);
        return new self($process, $m[1]);
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process, 15);
            proc_close($this->process);
        }
    }

    /**
     * A request to the sim; the decoded JSON answer.
     *
     * @param array<mixed>|null $body
     * @return array<mixed>
     */
    public function request(string $method, string $path, ?array $body = null): array
    {
        $headers = "Connection: close\r\n";
        $content = '';
        if ($body !== null) {
            $content = json_encode($body === [] ? new \stdClass() : $body, JSON_THROW_ON_ERROR);
            $headers .= "Content-Type: application/json\r\n";
        }
        $context = stream_context_create(['http' => [
            'method' => $method,
            'header' => $headers,
            'content' => $content,
            'ignore_errors' => true,
            'timeout' => 10,
        ]]);
        $answer = file_get_contents($this->baseUrl . $path, false, $context);
        if ($answer === false) {
            throw new \RuntimeException("sim {$method} {$path} failed");
        }
        return json_decode($answer, true, 64, JSON_THROW_ON_ERROR);
    }

    /** Back to start-up state: counters, tokens, faults, options. */
    public function reset(): void
    {
        Assert::assertTrue($this->request('POST', '/_sim/reset', [])['ok'] ?? false);
    }

    /** How many requests `$path` received since the last reset. */
    public function calls(string $path): int
    {
        return (int) ($this->request('GET', '/_sim/stats')['calls'][$path] ?? 0);
    }

    /** @param array<string, mixed> $fault `{"path","times","errcode"|"status"|"delay_ms"|"drop"}` */
    public function fault(array $fault): void
    {
        Assert::assertSame(1, $this->request('POST', '/_sim/faults', $fault)['queued'] ?? null);
    }

    /** Every issued token of `$appId` now answers 42001. */
    public function expire(string $appId): int
    {
        return (int) $this->request('POST', '/_sim/expire', ['appid' => $appId])['affected'];
    }

    /** Every issued token of `$appId` now answers 40001. */
    public function revoke(string $appId): int
    {
        return (int) $this->request('POST', '/_sim/revoke', ['appid' => $appId])['affected'];
    }

    /** Every issued token (every account's) now answers 42001. */
    public function expireAll(): int
    {
        return (int) $this->request('POST', '/_sim/expire', [])['affected'];
    }

    /**
     * Issue a `component_verify_ticket` and its push (delivered to the component's
     * callback_url when one is registered).
     *
     * @return array<string, mixed> `{"ticket","push":{"url","query","body","plaintext"},"delivered",…}`
     */
    public function componentTicket(string $component): array
    {
        $answer = $this->request('POST', '/_sim/component/ticket', ['component_appid' => $component]);
        Assert::assertArrayHasKey('push', $answer, json_encode($answer));
        return $answer;
    }

    /**
     * An administrator of `$authorizer` authorizes `$component`: the authorization code and the
     * `authorized` push.
     *
     * @return array<string, mixed> `{"authorization_code","authorizer_appid","push","delivered",…}`
     */
    public function authorize(string $component, string $authorizer): array
    {
        $answer = $this->request('POST', '/_sim/authorize', ['component_appid' => $component, 'authorizer_appid' => $authorizer]);
        Assert::assertArrayHasKey('push', $answer, json_encode($answer));
        return $answer;
    }

    /**
     * `$authorizer` cancels the authorization: the `unauthorized` push.
     *
     * @return array<string, mixed> `{"push","delivered",…}`
     */
    public function unauthorize(string $component, string $authorizer): array
    {
        $answer = $this->request('POST', '/_sim/unauthorize', ['component_appid' => $component, 'authorizer_appid' => $authorizer]);
        Assert::assertArrayHasKey('push', $answer, json_encode($answer));
        return $answer;
    }

    /** The owner (account) of an issued token value, or null if the sim never issued it. */
    public function tokenOwner(string $value): ?string
    {
        foreach ($this->request('GET', '/_sim/tokens')['tokens'] as $token) {
            if ($token['value'] === $value) {
                return $token['owner'];
            }
        }
        return null;
    }
}

/** A minimal RESP client, enough to plant and read values (no PHP extension needed). */
final class Redis
{
    /** @var resource */
    private $socket;

    private function __construct($socket)
    {
        $this->socket = $socket;
    }

    public static function at(string $url): self
    {
        $parts = parse_url($url);
        if ($parts === false || !isset($parts['host'], $parts['port'])) {
            throw new \RuntimeException("not a redis://host:port URL: {$url}");
        }
        $socket = @stream_socket_client("tcp://{$parts['host']}:{$parts['port']}", $errno, $errstr, 2);
        if ($socket === false) {
            throw new \RuntimeException($errstr);
        }
        stream_set_timeout($socket, 5);
        $redis = new self($socket);
        $db = trim($parts['path'] ?? '', '/');
        if ($db !== '' && $db !== '0') {
            $redis->command('SELECT', $db);
        }
        return $redis;
    }

    /** @return mixed the reply: string, int, null or list */
    public function command(string ...$args)
    {
        $request = '*' . count($args) . "\r\n";
        foreach ($args as $arg) {
            $request .= '$' . strlen($arg) . "\r\n{$arg}\r\n";
        }
        fwrite($this->socket, $request);
        return $this->reply();
    }

    /** @return mixed */
    private function reply()
    {
        $line = fgets($this->socket);
        if ($line === false) {
            throw new \RuntimeException('Redis closed the connection');
        }
        $line = rtrim($line, "\r\n");
        $rest = substr($line, 1);
        switch ($line[0]) {
            case '+':
                return $rest;
            case '-':
                throw new \RuntimeException("Redis error: {$rest}");
            case ':':
                return (int) $rest;
            case '$':
                if ((int) $rest < 0) {
                    return null;
                }
                $data = '';
                while (strlen($data) < (int) $rest + 2) {
                    $data .= fread($this->socket, (int) $rest + 2 - strlen($data));
                }
                return substr($data, 0, -2);
            case '*':
                $items = [];
                for ($i = 0; $i < (int) $rest; $i++) {
                    $items[] = $this->reply();
                }
                return $items;
        }
        throw new \RuntimeException("unexpected Redis reply {$line}");
    }
}

/**
 * A store written in PHP the way the HostStore documentation recommends for a fleet: Redis
 * with an atomic `SET NX PX` lock (over the tests' small Redis client), counting its calls.
 */
final class RedisHostStore implements \Weixinkit\HostStore
{
    /** @var Redis */
    private $redis;

    /** @var array<string, int> calls per method */
    public $calls = [];

    public function __construct(string $url)
    {
        $this->redis = Redis::at($url);
    }

    public function get(string $key): ?string
    {
        $this->calls['get'] = ($this->calls['get'] ?? 0) + 1;
        return $this->redis->command('GET', $key);
    }

    public function set(string $key, #[\SensitiveParameter] string $value, ?int $ttlMs): void
    {
        $this->calls['set'] = ($this->calls['set'] ?? 0) + 1;
        $ttlMs === null
            ? $this->redis->command('SET', $key, $value)
            : $this->redis->command('SET', $key, $value, 'PX', (string) $ttlMs);
    }

    public function delete(string $key): void
    {
        $this->calls['delete'] = ($this->calls['delete'] ?? 0) + 1;
        $this->redis->command('DEL', $key);
    }

    public function tryLock(string $lockKey, int $ttlMs): ?string
    {
        $this->calls['tryLock'] = ($this->calls['tryLock'] ?? 0) + 1;
        $fence = bin2hex(random_bytes(16));
        return $this->redis->command('SET', $lockKey, $fence, 'NX', 'PX', (string) $ttlMs) === 'OK' ? $fence : null;
    }

    public function unlock(string $lockKey, string $fence): void
    {
        $this->calls['unlock'] = ($this->calls['unlock'] ?? 0) + 1;
        if ($this->redis->command('GET', $lockKey) === $fence) {
            $this->redis->command('DEL', $lockKey);
        }
    }
}

/**
 * Several `php` processes that each build an OfficialAccount from the same config, wait at a
 * barrier, then all call accessToken() at once and print the value (or the exception).
 */
final class Workers
{
    private const SCRIPT = <<<'PHP'
        <?php
        require getenv('WEIXINKIT_PHP_SRC') . '/autoload.php';
        $config = json_decode(getenv('WEIXINKIT_TEST_CONFIG'), true);
        if (($redis = getenv('WEIXINKIT_TEST_REDIS_HOST_STORE')) !== false) {
            // A store written in PHP (Weixinkit\HostStore) instead of a built-in one.
            require getenv('WEIXINKIT_PHP_TESTS') . '/support.php';
            $config['store'] = new Weixinkit\Tests\RedisHostStore($redis);
        }
        $account = new Weixinkit\OfficialAccount($config);
        echo "ready\n";
        fgets(STDIN);   // the barrier: the parent releases every worker at once
        $start = microtime(true);
        try {
            $result = 'token ' . $account->accessToken()->value;
        } catch (Weixinkit\WeixinkitException $e) {
            $result = 'error ' . get_class($e) . ' ' . $e->getCode() . ' ' . $e->getMessage();
        }
        printf("%.6f %.6f\n%s\n", $start, microtime(true), $result);
        PHP;

    /**
     * @param array<string, mixed> $config
     * @return array{list<string>, list<array{float, float}>} each worker's result line
     *         (`token …` or `error …`), and when its accessToken() call started and ended
     */
    public static function accessTokens(array $config, int $count, ?string $redisHostStore = null): array
    {
        $script = tempnam(sys_get_temp_dir(), 'wxk-worker');
        file_put_contents($script, self::SCRIPT);
        $env = child_env([
            'WEIXINKIT_PHP_SRC' => dirname(__DIR__) . '/src',
            'WEIXINKIT_PHP_TESTS' => __DIR__,
            'WEIXINKIT_TEST_CONFIG' => json_encode($config, JSON_THROW_ON_ERROR),
        ] + ($redisHostStore === null ? [] : ['WEIXINKIT_TEST_REDIS_HOST_STORE' => $redisHostStore]));
        $workers = [];
        try {
            for ($i = 0; $i < $count; $i++) {
                $proc = proc_open(
                    [...php_command(), '-d', 'display_errors=stderr', $script],
                    [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
                    $pipes,
                    null,
                    $env
                );
                Assert::assertNotFalse($proc);
                $workers[] = [$proc, $pipes];
            }
            foreach ($workers as [$proc, $pipes]) {
                $ready = fgets($pipes[1]);
                if ($ready !== "ready\n") {
                    // The worker exited (or printed something else): its stderr says why.
                    Assert::fail('a worker did not start: ' . var_export($ready, true) . ' ' . stream_get_contents($pipes[2]));
                }
            }
            foreach ($workers as [$proc, $pipes]) {
                fwrite($pipes[0], "go\n");
                fflush($pipes[0]);
            }
            $lines = [];
            $spans = [];
            foreach ($workers as [$proc, $pipes]) {
                $out = trim((string) stream_get_contents($pipes[1]));
                $err = trim((string) stream_get_contents($pipes[2]));
                Assert::assertSame('', $err, 'a worker wrote to stderr');
                Assert::assertSame(1, preg_match('/^(\d+\.\d+) (\d+\.\d+)\n(.*)$/s', $out, $m), "unexpected worker output: {$out}");
                $spans[] = [(float) $m[1], (float) $m[2]];
                $lines[] = $m[3];
            }
            return [$lines, $spans];
        } finally {
            foreach ($workers as [$proc, $pipes]) {
                foreach ($pipes as $pipe) {
                    if (is_resource($pipe)) {
                        fclose($pipe);
                    }
                }
                proc_close($proc);
            }
            unlink($script);
        }
    }
}

/**
 * Run `$code` (PHP without the opening tag) in a new `php` process with the library's
 * environment plus `$env`; its stdout. The process must exit 0 with nothing on stderr.
 *
 * @param array<string, string> $env
 */
function run_php(string $code, array $env = []): string
{
    $script = tempnam(sys_get_temp_dir(), 'wxk-child');
    file_put_contents($script, "<?php\n" . $code);
    try {
        $proc = proc_open(
            [...php_command(), '-d', 'display_errors=stderr', $script],
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
            null,
            child_env(array_merge(['WEIXINKIT_PHP_SRC' => dirname(__DIR__) . '/src'], $env))
        );
        Assert::assertNotFalse($proc);
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $status = proc_close($proc);
    } finally {
        unlink($script);
    }
    Assert::assertSame([0, ''], [$status, $err], "the child php process failed; stdout: {$out}");
    return $out;
}
