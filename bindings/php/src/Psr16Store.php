<?php

declare(strict_types=1);

namespace Weixinkit;

use Psr\SimpleCache\CacheInterface;

/**
 * A PSR-16 cache as the token store: `'store' => new Psr16Store($cache)` for the cache your
 * framework already configured (Symfony's `Psr16Cache`, Laravel's cache repository, …).
 *
 * Keys: the shared schema with `:` written as `.` (PSR-16 reserves `{}()/\@:`), e.g.
 * `weixinkit.access_token.wx123.wx123`; other reserved characters, if a prefix has them, as
 * `_` and two hex digits. Values: the library's JSON text, verbatim. TTLs are rounded up to
 * whole seconds; durable credentials are written without a TTL, so the cache must not evict
 * them (a pool with an eviction policy, such as an LRU in-memory cache, can lose the verify
 * ticket or a refresh token: give those a persistent pool).
 *
 * Weaker than the built-in stores: PSR-16 has no atomic "set if absent", so the refresh lock
 * here is `has()`, `set()`, then a read-back of the fence. Two processes racing within that
 * window may both refresh a token: each gets a valid one (WeChat keeps the previous token
 * valid for five minutes) and the later write wins, but the "one refresh per token" promise
 * holds only outside that window. Where that matters, implement {@see HostStore::tryLock()}
 * with your cache's atomic primitive, or use the built-in Redis store, which every language
 * shares.
 */
final class Psr16Store implements HostStore
{
    /** @var CacheInterface */
    private $cache;

    public function __construct(CacheInterface $cache)
    {
        $this->cache = $cache;
    }

    /** The PSR-16 key for a key of the shared schema. */
    public static function cacheKey(string $key): string
    {
        return (string) preg_replace_callback(
            '/[^A-Za-z0-9_.\-]/',
            static fn (array $m): string => $m[0] === ':' ? '.' : '_' . bin2hex($m[0]),
            $key
        );
    }

    public function get(string $key): ?string
    {
        $value = $this->cache->get(self::cacheKey($key));
        if ($value !== null && !is_string($value)) {
            throw new StoreException("the cache holds a " . get_debug_type($value) . " under {$key}, not the library's text", -50010, 'store');
        }
        return $value;
    }

    public function set(string $key, #[\SensitiveParameter] string $value, ?int $ttlMs): void
    {
        if (!$this->cache->set(self::cacheKey($key), $value, self::seconds($ttlMs))) {
            throw new StoreException("the cache did not store {$key}", -50010, 'store');
        }
    }

    public function delete(string $key): void
    {
        $this->cache->delete(self::cacheKey($key));
    }

    public function tryLock(string $lockKey, int $ttlMs): ?string
    {
        $key = self::cacheKey($lockKey);
        if ($this->cache->has($key)) {
            return null;
        }
        $fence = bin2hex(random_bytes(16));
        if (!$this->cache->set($key, $fence, self::seconds($ttlMs))) {
            throw new StoreException("the cache did not store the lock {$lockKey}", -50010, 'store');
        }
        // Another process that set its fence in between owns the lock.
        return $this->cache->get($key) === $fence ? $fence : null;
    }

    public function unlock(string $lockKey, string $fence): void
    {
        $key = self::cacheKey($lockKey);
        if ($this->cache->get($key) === $fence) {
            $this->cache->delete($key);
        }
    }

    private static function seconds(?int $ttlMs): ?int
    {
        return $ttlMs === null ? null : max(1, intdiv($ttlMs + 999, 1000));
    }

    /** @return array<string, mixed> what var_dump and print_r show (never a cached value) */
    public function __debugInfo(): array
    {
        return ['cache' => get_class($this->cache)];
    }
}
