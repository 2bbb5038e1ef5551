<?php

declare(strict_types=1);

namespace Weixinkit;

use FFI\CData;

/**
 * @internal The native handle of a client (Provider, Suite, WorkAccount, WebsiteApp,
 * OAuthState): created from the configuration record, released with the object, never cloned
 * or serialized, and the named call every method goes through.
 */
trait WeComClient
{
    /** @var CData|Ext\Client|null `WxkClient *` (FFI, released in __destruct) or the extension's client */
    private $handle;

    /** @var \FFI|null the library (FFI backend), kept so the handle can be released during shutdown */
    private $ffi;

    /** @param array<string, mixed> $config */
    private function open(string $kind, #[\SensitiveParameter] array $config, array $strings): void
    {
        if ($this->handle !== null) {
            throw new \LogicException('a Weixinkit client is constructed once');
        }
        [$this->handle, $this->ffi] = Native::newClient($kind, Native::configJson($config, $strings));
    }

    public function __destruct()
    {
        if ($this->handle !== null) {
            // An extension handle (no $ffi) releases itself.
            $this->ffi?->wxk_client_free($this->handle);
            $this->handle = null;
        }
    }

    /** A handle has one owner: cloning would free it twice. */
    private function __clone()
    {
    }

    /** A client lives in this process only. */
    public function __serialize(): array
    {
        throw new \LogicException('a Weixinkit client cannot be serialized; build it from its configuration');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('a Weixinkit client cannot be unserialized; build it from its configuration');
    }

    /**
     * Call a native method with named arguments; the decoded JSON result.
     *
     * @param array<string, mixed> $args
     * @return mixed
     */
    private function invoke(string $method, array $args)
    {
        $json = $args === [] ? '{}' : Native::json($args, -50005);
        return self::decode(Native::clientCall($this->ffi, $this->handle, $method, $json));
    }

    /** @return mixed the library's JSON result */
    private static function decode(string $json)
    {
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /** @param mixed $data */
    private static function token($data): Token
    {
        $data = Native::answer($data);
        return new Token((string) $data['value'], (int) $data['expires_at'], (int) ($data['issued_at'] ?? 0));
    }

    /** @param array<string, string|int|float|bool> $query */
    private static function getArgs(string $path, array $query): array
    {
        return ['path' => $path, 'query' => Native::queryStrings($query)];
    }

    /** @param array<mixed> $body */
    private static function postArgs(string $path, array $body): array
    {
        return ['path' => $path, 'body' => $body === [] ? new \stdClass() : $body];
    }
}
