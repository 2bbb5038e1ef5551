<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\OfficialAccount;
use Weixinkit\WeixinkitException;

/**
 * One key schema for every language: the Python suite stored an access token in a file store
 * and in Redis (test_cross_language_seed) and wrote what it stored to
 * `$WEIXINKIT_XLANG_DIR/expected.json`; PHP must read exactly those tokens. WeChat is out of
 * reach (`http://127.0.0.1:9`, no retries): a fetch would fail, so a token can only come from
 * the store.
 */
final class CrossLanguageTest extends TestCase
{
    /** @return array<string, string> */
    private static function expected(): array
    {
        $dir = getenv('WEIXINKIT_XLANG_DIR');
        if ($dir === false || $dir === '') {
            $dir = dirname(__DIR__, 3) . '/target/xlang';
        }
        $path = "{$dir}/expected.json";
        if (!is_file($path)) {
            service_missing("{$path} is missing (the Python suite's test_cross_language_seed writes it; run it first)");
        }
        $expected = json_decode((string) file_get_contents($path), true, 8, JSON_THROW_ON_ERROR);
        foreach (['app_id', 'secret', 'file_dir', 'redis_url', 'key_prefix', 'file_token', 'redis_token'] as $field) {
            self::assertIsString($expected[$field] ?? null, "expected.json has no {$field}");
            self::assertNotSame('', $expected[$field], "expected.json has an empty {$field}");
        }
        return $expected;
    }

    /**
     * @param array<string, string> $expected
     * @param array<string, string> $store
     */
    private static function account(array $expected, array $store): OfficialAccount
    {
        return new OfficialAccount([
            'app_id' => $expected['app_id'],
            'secret' => $expected['secret'],
            'http' => ['api_base_uri' => 'http://127.0.0.1:9', 'timeout_ms' => 1000, 'retry' => ['max_retries' => 0]],
            'tokens' => ['key_prefix' => $expected['key_prefix'], 'lock_wait_ms' => 1000],
            'store' => $store,
        ]);
    }

    /** The stored token, or a failure that says why the seed could not be read. */
    private function storedToken(OfficialAccount $account, string $where): string
    {
        try {
            return $account->accessToken()->value;
        } catch (WeixinkitException $e) {
            $this->fail(
                "cannot read the token the Python suite stored in {$where}: " . get_class($e) . ": {$e->getMessage()}\n"
                . '(the seed must come from the same run: scripts/test.sh sources scripts/services.sh once so '
                . 'that both suites share one Redis, and the Python suite runs first; a seed older than '
                . 'about 2 hours has expired)'
            );
        }
    }

    public function testPhpReadsTheTokenPythonStoredInTheFileStore(): void
    {
        $expected = self::expected();
        $account = self::account($expected, ['type' => 'file', 'dir' => $expected['file_dir']]);
        $this->assertSame($expected['file_token'], $this->storedToken($account, $expected['file_dir']));
    }

    public function testPhpReadsTheTokenPythonStoredInRedis(): void
    {
        $expected = self::expected();
        $account = self::account($expected, ['type' => 'redis', 'url' => $expected['redis_url']]);
        $this->assertSame($expected['redis_token'], $this->storedToken($account, $expected['redis_url']));
    }
}
