<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * An access token or a ticket, as the store keeps it: `$value`, and `$expiresAt` / `$issuedAt`
 * in Unix seconds. `var_dump` and `print_r` show `***` instead of the value (it is a bearer
 * credential); read `$value` when you need it.
 */
final class Token
{
    public readonly string $value;

    /** When it expires (Unix seconds). */
    public readonly int $expiresAt;

    /** When it was fetched (Unix seconds). */
    public readonly int $issuedAt;

    public function __construct(#[\SensitiveParameter] string $value, int $expiresAt, int $issuedAt)
    {
        $this->value = $value;
        $this->expiresAt = $expiresAt;
        $this->issuedAt = $issuedAt;
    }

    /**
     * @internal From the library's `{"value":"…","expires_at":…,"issued_at":…}`.
     */
    public static function fromJson(#[\SensitiveParameter] string $json): self
    {
        $data = json_decode($json, true, 4, JSON_THROW_ON_ERROR);
        return new self((string) $data['value'], (int) $data['expires_at'], (int) ($data['issued_at'] ?? 0));
    }

    /** Seconds left until it expires (negative once expired), from `$now` or the clock. */
    public function expiresIn(?int $now = null): int
    {
        return $this->expiresAt - ($now ?? time());
    }

    /** @return array<string, mixed> what var_dump and print_r show */
    public function __debugInfo(): array
    {
        return ['value' => '***', 'expiresAt' => $this->expiresAt, 'issuedAt' => $this->issuedAt];
    }
}
