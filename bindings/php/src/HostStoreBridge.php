<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * What the library calls back: one {@see HostStore} operation per call, answered as
 * `[status, text]` (0 done with the value or fence, 1 absent / not acquired, -1 failed with
 * the reason). It never throws: an exception thrown into a native callback would end the
 * process.
 *
 * @internal Give a HostStore as the `store` option; this class may change without notice.
 */
final class HostStoreBridge
{
    /** The operations, as the C header's `WxkStoreOp` numbers them. */
    public const GET = 0;
    public const SET = 1;
    public const DELETE = 2;
    public const TRY_LOCK = 3;
    public const UNLOCK = 4;

    /** @var HostStore */
    private $store;

    public function __construct(HostStore $store)
    {
        $this->store = $store;
    }

    /** @return array{0: int, 1: string|null} */
    public function call(int $op, string $key, #[\SensitiveParameter] string $value, int $ttlMs): array
    {
        try {
            switch ($op) {
                case self::GET:
                    $found = $this->store->get($key);
                    return $found === null ? [1, null] : [0, $found];
                case self::SET:
                    $this->store->set($key, $value, $ttlMs < 0 ? null : $ttlMs);
                    return [0, null];
                case self::DELETE:
                    $this->store->delete($key);
                    return [0, null];
                case self::TRY_LOCK:
                    $fence = $this->store->tryLock($key, $ttlMs);
                    return $fence === null ? [1, null] : [0, $fence];
                case self::UNLOCK:
                    $this->store->unlock($key, $value);
                    return [0, null];
                default:
                    return [-1, "unknown operation {$op}"];
            }
        } catch (\Throwable $e) {
            // The class and message say what failed; values never appear in them.
            return [-1, get_class($e) . ': ' . $e->getMessage()];
        }
    }

    /** @return array<string, mixed> */
    public function __debugInfo(): array
    {
        return ['store' => get_class($this->store)];
    }
}
