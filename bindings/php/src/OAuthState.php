<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * The `state` of an authorization redirect, bound to the caller's session: it proves the
 * redirect comes back to the browser session that started it (CSRF) and is fresh.
 *
 * A state is 56 letters and digits: an expiry, a random nonce and an HMAC-SHA256 with the key
 * over both and the session value, checked in constant time.
 *
 * ```php
 * $states = new OAuthState(getenv('STATE_KEY'));      // at least 16 bytes
 * $url = $account->oauthUrl($redirect, 'snsapi_base', $states->issue(session_id()));
 * // on the redirect (throws InvalidInputException saying why when it is refused):
 * $states->verify($_GET['state'] ?? '', session_id());
 * ```
 */
final class OAuthState
{
    use WeComClient;

    /** @var int */
    private $ttlSecs;

    /**
     * @param string $key the HMAC key, at least 16 bytes (keep it secret, share it between
     *     the processes that issue and verify)
     * @param int|null $ttlSecs how long a state stays valid, 1 to 86400 seconds (600 when null)
     * @throws InvalidInputException (-50005) for a short key or a lifetime out of range
     */
    public function __construct(#[\SensitiveParameter] string $key, ?int $ttlSecs = null)
    {
        $config = ['key' => $key];
        if ($ttlSecs !== null) {
            $config['ttl_secs'] = $ttlSecs;
        }
        $this->open('oauth_state', $config, []);
        $this->ttlSecs = (int) $this->invoke('ttl_secs', []);
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the key) */
    public function __debugInfo(): array
    {
        return ['ttlSecs' => $this->ttlSecs];
    }

    /** How long an issued state stays valid, in seconds. */
    public function ttlSecs(): int
    {
        return $this->ttlSecs;
    }

    /**
     * A new state for the session whose value (a session id, or a hash of it) is given.
     *
     * @throws InvalidInputException for an empty session value
     */
    public function issue(#[\SensitiveParameter] string $sessionValue): string
    {
        return (string) $this->invoke('issue', ['session_value' => $sessionValue]);
    }

    /**
     * Check a state that came back on the redirect against the session's value.
     *
     * @throws InvalidInputException (-50005) saying why when it is malformed, forged, for
     *     another session, or expired
     */
    public function verify(string $state, #[\SensitiveParameter] string $sessionValue): void
    {
        $this->invoke('verify', ['state' => $state, 'session_value' => $sessionValue]);
    }
}
