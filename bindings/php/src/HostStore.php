<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A token store written in PHP, given as a client's `store` option instead of the built-in
 * file or Redis stores: `new OfficialAccount(['app_id' => …, 'secret' => …, 'store' => $store])`.
 * {@see Psr16Store} makes one from any PSR-16 cache.
 *
 * The library calls these five methods on this PHP thread, inside the client call that needs
 * them (`accessToken()`, `get()`, `handleCallback()`, …), never from anywhere else. Anything an
 * implementation throws, or a value of the wrong type, becomes a {@see StoreException} (-50010)
 * for that call; the library never answers with a stale or invented token.
 *
 * Keys follow the one schema every language shares, `{prefix}:{kind}:{owner}:{subject}` (e.g.
 * `weixinkit:access_token:wx123:wx123`); refresh locks are `{prefix}:lock:{kind}:{owner}:{subject}`.
 * Values are JSON text (`{"value":"…","expires_at":1700007200,"issued_at":1700000000}`): store
 * them verbatim. Values under durable kinds (`component_verify_ticket`,
 * `authorizer_refresh_token`) come with no TTL and must not be evicted.
 *
 * One refresh per token across every process sharing the store needs `tryLock()` to be atomic
 * where the data lives (Redis `SET NX PX`, Memcached `add`, an `INSERT` on a unique key).
 */
interface HostStore
{
    /** The value stored under `$key`, or null when absent or past its TTL. */
    public function get(string $key): ?string;

    /** Store `$value` under `$key`, replacing any previous one; with `$ttlMs`, it expires then. */
    public function set(string $key, #[\SensitiveParameter] string $value, ?int $ttlMs): void;

    /** Remove `$key` (nothing happens when it is absent). */
    public function delete(string $key): void;

    /**
     * Take the lock `$lockKey` for `$ttlMs` only if nobody holds it: a fresh, unguessable
     * fence value when taken, null when someone else holds it.
     */
    public function tryLock(string $lockKey, int $ttlMs): ?string;

    /** Release `$lockKey` only if it still holds `$fence` (a lock that expired and was taken by
     * someone else stays theirs). */
    public function unlock(string $lockKey, string $fence): void;
}
