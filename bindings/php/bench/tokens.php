<?php

declare(strict_types=1);

// Times a token cache hit from PHP: OfficialAccount::accessToken() when the store already holds
// a fresh token, the call every request of a PHP-FPM worker makes before talking to WeChat.
//
//   file store   a token in a fresh temp dir (the default store kind)
//   redis store  the same in Redis, when WEIXINKIT_REDIS_URL is set
//
// The token is written straight into the store in the documented format (README: key schema)
// and WeChat is pointed at a closed port, so every timed call is a pure cache hit: a fetch
// would throw. Prints the median microseconds per call over several rounds.
//
//   cargo build --release && php bindings/php/bench/tokens.php [rounds]
//
// Uses target/release/libweixinkit.so (or WEIXINKIT_LIB); refuses a debug build.

require dirname(__DIR__) . '/src/autoload.php';
require __DIR__ . '/measure.php';

use Weixinkit\Native;
use Weixinkit\OfficialAccount;

$rounds = max(3, (int) ($argv[1] ?? 9));

$library = Native::libraryPath();
if (getenv('WEIXINKIT_LIB') === false && strpos($library, '/target/release/') === false) {
    fwrite(STDERR, "bench: only a debug build found ({$library}); run `cargo build --release` first\n");
    exit(2);
}

const APP_ID = 'wxbench000000000001';
const PREFIX = 'bench';
const VALUE = 'ACCESS_benchmark_token_0123456789abcdef';

$key = PREFIX . ':access_token:' . APP_ID . ':' . APP_ID;
$token = json_encode(['value' => VALUE, 'expires_at' => time() + 7200, 'issued_at' => time()]);

/** @param array<string, string> $store */
function account(array $store): OfficialAccount
{
    return new OfficialAccount([
        'app_id' => APP_ID,
        'secret' => 'bench-secret',
        'http' => ['api_base_uri' => 'http://127.0.0.1:9', 'timeout_ms' => 500, 'retry' => ['max_retries' => 0]],
        'tokens' => ['key_prefix' => PREFIX],
        'store' => $store,
    ]);
}

/** A Redis command over a raw socket (RESP), enough to plant the token. */
function redis(string $url, string ...$args): string
{
    $parts = parse_url($url);
    $socket = stream_socket_client("tcp://{$parts['host']}:{$parts['port']}", $errno, $errstr, 2);
    if ($socket === false) {
        throw new RuntimeException("Redis {$url}: {$errstr}");
    }
    $db = trim($parts['path'] ?? '', '/');
    $commands = $db !== '' && $db !== '0' ? [['SELECT', $db], $args] : [$args];
    $reply = '';
    foreach ($commands as $command) {
        $request = '*' . count($command) . "\r\n";
        foreach ($command as $arg) {
            $request .= '$' . strlen($arg) . "\r\n{$arg}\r\n";
        }
        fwrite($socket, $request);
        $reply = (string) fgets($socket);
    }
    fclose($socket);
    return trim($reply);
}

$dir = sys_get_temp_dir() . '/wxk-bench-' . getmypid();
mkdir($dir, 0700);
$redisUrl = getenv('WEIXINKIT_REDIS_URL');
$redisUrl = $redisUrl === false || $redisUrl === '' ? null : $redisUrl;
// Clean up however the script ends (exit included).
register_shutdown_function(static function () use ($dir, $key, &$redisUrl): void {
    foreach (glob("{$dir}/{,.}*", GLOB_BRACE) ?: [] as $file) {
        if (is_file($file)) {
            unlink($file);
        }
    }
    @rmdir("{$dir}/locks");
    @rmdir($dir);
    if ($redisUrl !== null) {
        redis($redisUrl, 'DEL', $key);
    }
});
file_put_contents("{$dir}/{$key}", "0\n{$token}");

$cases = ['file store ' => account(['type' => 'file', 'dir' => $dir])];
if ($redisUrl !== null) {
    if (redis($redisUrl, 'SET', $key, $token, 'PX', '600000') !== '+OK') {
        fwrite(STDERR, "bench: cannot write to Redis {$redisUrl}\n");
        exit(1);
    }
    $cases['redis store'] = account(['type' => 'redis', 'url' => $redisUrl]);
}

printf("weixinkit PHP token bench: PHP %s, %s\n", PHP_VERSION, $library);
printf("OfficialAccount::accessToken() on a stored fresh token, %d rounds\n", $rounds);
foreach ($cases as $name => $account) {
    // Check the work before timing it: the planted token, no fetch.
    if ($account->accessToken()->value !== VALUE) {
        fwrite(STDERR, "bench: {$name} did not return the stored token\n");
        exit(1);
    }
    [[$median, $iterations]] = array_values(measure([static fn () => $account->accessToken()], $rounds));
    printf("accessToken() %s  median %7.2f us/call  (%d rounds x %d iterations)\n", $name, $median, $rounds, $iterations);
}
