<?php

declare(strict_types=1);

namespace Weixinkit;

use FFI;
use FFI\CData;

/**
 * The way to the Rust core, one of two backends:
 *
 * - `ext`: the `weixinkit` PHP extension (bindings/php/ext), used whenever it is loaded: no FFI,
 *   results built as PHP strings and arrays in C;
 * - `ffi`: the C library (bindings/php/weixinkit.h over libweixinkit.so) through PHP's FFI,
 *   loaded once per process. The library is found through `WEIXINKIT_LIB` (a path to the .so),
 *   else the one the Composer package bundles (`<package>/lib/libweixinkit.so`, e.g.
 *   `vendor/weixinkit/weixinkit/lib/`), else, in a repository checkout,
 *   `<repo>/target/release/libweixinkit.so`, else `<repo>/target/debug/libweixinkit.so`.
 *   When PHP preloaded the header from `ffi-preload-header.php` (`ffi.preload`), the preloaded
 *   `WEIXINKIT` scope is used instead.
 *
 * `WEIXINKIT_BACKEND=ffi` (or `ext`) in the environment forces one. Both behave the same: the
 * same results, the same exception classes and codes.
 *
 * @internal Use MessageCrypto, OfficialAccount, Component and Weixinkit; this class may change
 * without notice.
 */
final class Native
{
    /** The FFI scope name of the preloaded header (see ffi-preload-header.php). */
    public const SCOPE = 'WEIXINKIT';

    /** @var FFI|null */
    public static $ffi = null;

    /** @var CData `char *[1]`, the result/error out-parameter, reused by every call. */
    public static $out;

    /** @var CData `size_t[1]`, the result length out-parameter. */
    public static $outLen;

    /** Exception class per error kind; anything else is a plain WeixinkitException. */
    private const EXCEPTIONS = [
        'invalid_aes_key' => InvalidAesKeyException::class,
        'invalid_signature' => InvalidSignatureException::class,
        'stale_timestamp' => StaleTimestampException::class,
        'invalid_base64' => InvalidBase64Exception::class,
        'invalid_ciphertext' => InvalidCiphertextException::class,
        'invalid_padding' => InvalidPaddingException::class,
        'invalid_buffer' => InvalidBufferException::class,
        'receiver_id_mismatch' => ReceiverIdMismatchException::class,
        'parse' => ParseException::class,
        'invalid_input' => InvalidInputException::class,
        'api' => ApiException::class,
        'transport' => TransportException::class,
        'timeout' => TimeoutException::class,
        'http_status' => HttpStatusException::class,
        'decode' => DecodeException::class,
        'store' => StoreException::class,
        'config' => ConfigException::class,
        'token_unavailable' => TokenUnavailableException::class,
        'ticket' => TicketException::class,
        'reauthorization_needed' => ReauthorizationNeededException::class,
        'oauth_code' => OauthCodeException::class,
        'internal' => InternalException::class,
    ];

    /** Code (and status) of a failure inside the library itself (kind `internal`). */
    public const INTERNAL = -50099;

    /** Code of a library that cannot be found or loaded (kind `library`; PHP side only). */
    public const LIBRARY = -1;

    /**
     * @var array<int, Ext\HostStore|CData> host store registrations made by configJson(),
     * released by newClient() once the client holds the store
     */
    private static $pendingStores = [];

    /** @var string|null `ext` or `ffi`, decided on first use */
    private static $backend = null;

    private function __construct()
    {
    }

    /** The backend objects built from now on use: `ext` (the extension) or `ffi`. */
    public static function backend(): string
    {
        if (self::$backend === null) {
            $forced = getenv('WEIXINKIT_BACKEND');
            self::useBackend(
                $forced === 'ext' || $forced === 'ffi' ? $forced : (extension_loaded('weixinkit') ? 'ext' : 'ffi')
            );
        }
        return self::$backend;
    }

    /** Whether the extension is the backend. */
    public static function ext(): bool
    {
        return (self::$backend ?? self::backend()) === 'ext';
    }

    /**
     * Choose the backend of the objects built (and static calls made) from now on; objects
     * keep the backend they were built with. For benchmarks and tests comparing the two.
     */
    public static function useBackend(string $backend): void
    {
        if ($backend === 'ext' && !extension_loaded('weixinkit')) {
            throw new WeixinkitException(
                'the weixinkit extension is not loaded (build bindings/php/ext and load it with extension=weixinkit.so)',
                self::LIBRARY,
                'library'
            );
        }
        if ($backend !== 'ext' && $backend !== 'ffi') {
            throw new \InvalidArgumentException("unknown backend {$backend}: ext or ffi");
        }
        self::$backend = $backend;
    }

    /** The library, loaded on first use. */
    public static function ffi(): FFI
    {
        if (self::$ffi === null) {
            $ffi = self::load();
            self::$out = $ffi->new('char *[1]');
            self::$outLen = $ffi->new('size_t[1]');
            self::$ffi = $ffi;
        }
        return self::$ffi;
    }

    /** The shared library that will be (or was) loaded. */
    public static function libraryPath(): string
    {
        $fromEnv = getenv('WEIXINKIT_LIB');
        if ($fromEnv !== false && $fromEnv !== '') {
            if (!is_file($fromEnv)) {
                throw new WeixinkitException(
                    "WEIXINKIT_LIB points to {$fromEnv}, which does not exist",
                    self::LIBRARY,
                    'library'
                );
            }
            return $fromEnv;
        }
        // The package's own copy: `make dist` puts the release library in lib/.
        $bundled = dirname(__DIR__) . '/lib/libweixinkit.so';
        if (is_file($bundled)) {
            return $bundled;
        }
        $repo = dirname(__DIR__, 3);
        foreach (['release', 'debug'] as $profile) {
            $candidate = "{$repo}/target/{$profile}/libweixinkit.so";
            if (is_file($candidate)) {
                return $candidate;
            }
        }
        throw new WeixinkitException(
            "libweixinkit.so not found in {$bundled}: set WEIXINKIT_LIB to its path, install the "
            . "Composer package built by `make dist`, or build it with `cargo build --release` in {$repo}",
            self::LIBRARY,
            'library'
        );
    }

    /** The C declarations PHP binds to. */
    public static function headerPath(): string
    {
        return dirname(__DIR__) . '/weixinkit.h';
    }

    /**
     * The header as FFI::cdef takes it: without its C++ linkage wrapper (`#ifdef __cplusplus`
     * blocks), whose `extern "C"` FFI rejects; FFI skips the other `#` lines (include guard,
     * standard includes).
     */
    public static function cdefHeader(): string
    {
        $header = file_get_contents(self::headerPath());
        if ($header === false) {
            throw new WeixinkitException('cannot read ' . self::headerPath(), self::LIBRARY, 'library');
        }
        return (string) preg_replace('/^#ifdef __cplusplus\R.*?^#endif[^\r\n]*\R?/ms', '', $header);
    }

    private static function load(): FFI
    {
        if (!extension_loaded('ffi')) {
            throw new WeixinkitException(
                'the PHP FFI extension is not loaded (Debian: php-cli ships it; enable ffi)',
                self::LIBRARY,
                'library'
            );
        }
        if (ini_get('ffi.preload')) {
            try {
                return FFI::scope(self::SCOPE);
            } catch (\Throwable $notPreloaded) {
                // Another library was preloaded: load this one here.
            }
        }
        $header = self::cdefHeader();
        $path = self::libraryPath();
        try {
            return FFI::cdef($header, $path);
        } catch (\Throwable $e) {
            throw new WeixinkitException(
                "cannot load {$path}: {$e->getMessage()} (a build with the `python` feature "
                . 'is a Python module: rebuild with `cargo build`; under PHP-FPM set '
                . 'ffi.enable=true, or preload the header from ffi-preload-header.php)',
                self::LIBRARY,
                'library',
                $e
            );
        }
    }

    /**
     * Take the string a call left in `$out` (freeing it) and return it, or throw the error it
     * describes when `$status` is not 0.
     */
    public static function take(int $status): string
    {
        $ptr = self::$out[0];
        if ($ptr === null) {
            if ($status === 0) {
                return '';
            }
            throw new InternalException("weixinkit call failed with status {$status}", $status, 'internal');
        }
        $text = FFI::string($ptr, self::$outLen[0]);
        self::$ffi->wxk_string_free($ptr);
        if ($status !== 0) {
            throw self::exception($text, $status);
        }
        return $text;
    }

    /** Throw the error in `$out` unless `$status` is 0 (for calls whose result is elsewhere). */
    public static function check(int $status): void
    {
        $ptr = self::$out[0];
        if ($ptr !== null) {
            $text = FFI::string($ptr);
            self::$ffi->wxk_string_free($ptr);
        } else {
            $text = '';
        }
        if ($status !== 0) {
            throw self::exception($text, $status);
        }
    }

    /**
     * The exception for an error JSON `{"kind","code","message"}` (plus `errcode`, `errmsg`
     * and `endpoint` where the failure has them).
     */
    public static function exception(string $json, int $status): WeixinkitException
    {
        $error = json_decode($json, true);
        if (!is_array($error)) {
            return new InternalException("weixinkit call failed with status {$status}", $status, 'internal');
        }
        $kind = (string) ($error['kind'] ?? 'internal');
        $class = self::EXCEPTIONS[$kind] ?? InternalException::class;
        return new $class(
            (string) ($error['message'] ?? ''),
            (int) ($error['code'] ?? $status),
            $kind,
            null,
            isset($error['errmsg']) ? (string) $error['errmsg'] : null,
            isset($error['endpoint']) ? (string) $error['endpoint'] : null
        );
    }

    /** @var array<string, \FFI\CType> parsed types of handle out-parameters */
    private static $cellTypes = [];

    /**
     * A one-element array for a handle out-parameter (`'WxkClient *'` → `WxkClient *[1]`).
     *
     * The type is parsed once: PHP's FFI keeps a little memory per `new()` from a type string
     * when a pointer element is read back, which a long-running worker would accumulate.
     */
    public static function cell(string $pointerType): CData
    {
        $ffi = self::ffi();
        $type = self::$cellTypes[$pointerType] ??= $ffi->type($pointerType . '[1]');
        return $ffi->new($type);
    }

    /** JSON for the library's inputs (options, articles). */
    public static function json($value, int $code): string
    {
        try {
            return json_encode($value, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        } catch (\JsonException $e) {
            throw new InvalidInputException("cannot encode as JSON: {$e->getMessage()}", $code, 'invalid_input');
        }
    }

    /** Options of a client configuration whose value is a JSON object even when given as `[]`. */
    private const CONFIG_OBJECTS = ['http', 'tokens', 'store'];

    /**
     * A new API client (`official_account`, `component`, `provider`, `suite`,
     * `work_account`, `website_app`, or the `oauth_state` helper) from its configuration
     * JSON, with
     * the backend: `[Ext\Client, null]`, or `[CData WxkClient *, FFI]` (release it with
     * `$ffi->wxk_client_free`; an `Ext\Client` releases itself).
     *
     * @return array{0: object, 1: FFI|null}
     */
    public static function newClient(string $kind, #[\SensitiveParameter] string $json): array
    {
        $kinds = [
            'official_account' => 'officialAccount',
            'component' => 'component',
            'provider' => 'provider',
            'suite' => 'suite',
            'work_account' => 'workAccount',
            'website_app' => 'websiteApp',
            'oauth_state' => 'oauthState',
        ];
        if (!isset($kinds[$kind])) {
            throw new \LogicException("unknown client kind {$kind}");
        }
        try {
            if (self::ext()) {
                $ctor = $kinds[$kind];
                return [Ext\Client::$ctor($json), null];
            }
            $ffi = self::ffi();
            $cell = self::cell('WxkClient *');
            $new = "wxk_{$kind}_new";
            self::check($ffi->$new($json, strlen($json), $cell, self::$out));
            return [$cell[0], $ffi];
        } finally {
            // The client holds its host store now (or was never built): the registration goes.
            foreach (self::$pendingStores as $handle) {
                if ($handle instanceof CData) {
                    self::$ffi?->wxk_host_store_free($handle);
                }
            }
            self::$pendingStores = [];
        }
    }

    /**
     * Call `$method` of a client handle (`wxk_client_call`) with its JSON arguments; the JSON
     * result, or the exception the library reported (a failure is never status 0). `$ffi` is
     * null for a handle of the extension.
     *
     * @param CData|Ext\Client $handle
     */
    public static function clientCall(?FFI $ffi, $handle, string $method, string $args): string
    {
        try {
            if ($ffi === null) {
                return $handle->call($method, $args);
            }
            return self::take($ffi->wxk_client_call(
                $handle,
                $method,
                strlen($method),
                $args,
                strlen($args),
                self::$out,
                self::$outLen
            ));
        } finally {
            if (self::$logger !== null) {
                self::flushLogs();
            }
        }
    }

    /** @var \Psr\Log\LoggerInterface|null where the library's records go (Weixinkit::enableLogging) */
    public static $logger = null;

    /** PSR-3 level of each of the library's levels (PSR-3 has no trace: debug). */
    private const LOG_LEVELS = [
        'error' => 'error',
        'warn' => 'warning',
        'info' => 'info',
        'debug' => 'debug',
        'trace' => 'debug',
    ];

    /** Keep the library's records at `$level` or above for flushLogs() (both backends). */
    public static function logEnable(string $level): void
    {
        if (self::ext()) {
            Ext\log_enable($level);
            return;
        }
        self::check(self::ffi()->wxk_log_enable($level, strlen($level), self::$out, self::$outLen));
    }

    /** Stop keeping the library's records. */
    public static function logDisable(): void
    {
        if (self::ext()) {
            Ext\log_disable();
        } elseif (self::$ffi !== null) {
            self::$ffi->wxk_log_disable();
        }
    }

    /**
     * Hand the records the library kept since the last flush to the logger, on this (the PHP)
     * thread: message as the library wrote it, context = its fields plus `target` (and
     * `level` when it was `trace`).
     */
    public static function flushLogs(): void
    {
        $logger = self::$logger;
        if ($logger === null) {
            return;
        }
        if (self::ext()) {
            $drained = Ext\log_drain();
        } else {
            $drained = json_decode(self::take(self::ffi()->wxk_log_drain(self::$out, self::$outLen)), true, 16, JSON_THROW_ON_ERROR);
        }
        foreach ($drained['records'] as $record) {
            $context = $record['fields'];
            $context['target'] = $record['target'];
            if ($record['level'] === 'trace') {
                $context['level'] = 'trace';
            }
            $logger->log(self::LOG_LEVELS[$record['level']] ?? 'debug', $record['message'], $context);
        }
        if ($drained['dropped'] > 0) {
            $logger->warning('weixinkit dropped log records: more were emitted between two flushes than it keeps', [
                'dropped' => $drained['dropped'],
                'target' => 'weixinkit',
            ]);
        }
    }

    /**
     * A client configuration as the library's JSON record: the options named in `$strings`
     * stay strings when given as numbers (a numeric secret), `http` / `tokens` / `store` /
     * `http.retry` given as `[]` are objects.
     *
     * @param array<string, mixed> $config
     * @param list<string> $strings
     * @throws ConfigException (-50020) when it cannot be encoded (never quoting a value)
     */
    public static function configJson(#[\SensitiveParameter] array $config, array $strings): string
    {
        if (isset($config['store']) && $config['store'] instanceof HostStore) {
            $config['store'] = ['type' => 'host', 'id' => self::registerHostStore($config['store'])];
        }
        foreach ($strings as $name) {
            if (isset($config[$name]) && (is_int($config[$name]) || is_float($config[$name]))) {
                $config[$name] = (string) $config[$name];
            }
        }
        foreach (self::CONFIG_OBJECTS as $name) {
            if (isset($config[$name]) && $config[$name] === []) {
                $config[$name] = new \stdClass();
            }
        }
        if (isset($config['http']['retry']) && $config['http']['retry'] === []) {
            $config['http']['retry'] = new \stdClass();
        }
        try {
            return json_encode(
                $config === [] ? new \stdClass() : $config,
                JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION
            );
        } catch (\JsonException $e) {
            // The message says what (e.g. malformed UTF-8), never the value.
            throw new ConfigException("the configuration cannot be encoded as JSON: {$e->getMessage()}", -50020, 'config');
        }
    }

    /**
     * Register a store written in PHP with the library for the next newClient(): its number.
     * The library calls it back on this thread only, inside the client's calls.
     */
    private static function registerHostStore(HostStore $store): int
    {
        $bridge = new HostStoreBridge($store);
        if (self::ext()) {
            $handle = Ext\HostStore::register($bridge);
            $id = $handle->id();
        } else {
            $ffi = self::ffi();
            // Throwing out of an FFI callback ends the process: nothing here may throw.
            $call = static function ($ctx, $op, $key, $keyLen, $value, $valueLen, $ttlMs, $reply) use ($bridge, $ffi): int {
                try {
                    [$status, $text] = $bridge->call(
                        (int) $op,
                        FFI::string($key, $keyLen),
                        $valueLen > 0 ? FFI::string($value, $valueLen) : '',
                        (int) $ttlMs
                    );
                } catch (\Throwable $e) {
                    [$status, $text] = [-1, get_class($e) . ': ' . $e->getMessage()];
                }
                if ($text !== null) {
                    $ffi->wxk_store_reply($reply, $text, strlen($text));
                }
                return $status;
            };
            $cell = self::cell('WxkHostStore *');
            self::check($ffi->wxk_host_store_new($call, null, null, $cell, self::$out));
            $handle = $cell[0];
            $id = (int) $ffi->wxk_host_store_id($handle);
        }
        self::$pendingStores[$id] = $handle;
        return $id;
    }

    /**
     * Query parameters as strings (`true`/`false` as `1`/`0`), for the library's `{"k":"v"}`.
     *
     * @param array<string|int, mixed> $query
     * @throws InvalidInputException (-50005) for a value that is not a scalar
     */
    public static function queryStrings(array $query): \stdClass
    {
        $strings = [];
        foreach ($query as $name => $value) {
            if (is_bool($value)) {
                $value = $value ? '1' : '0';
            } elseif (!is_scalar($value)) {
                throw new InvalidInputException("query parameter {$name} must be a scalar", -50005, 'invalid_input');
            }
            $strings[(string) $name] = (string) $value;
        }
        return (object) $strings;
    }

    /**
     * A callback request's query as the library takes it: scalars as strings (`true`/`false`
     * as `1`/`0`); values that are not scalars (`?nonce[]=…`) or not UTF-8 are left out, and the
     * library then answers the request as missing them.
     *
     * @param array<string|int, mixed> $query
     * @return array<string, string>
     */
    public static function callbackQuery(array $query): array
    {
        $strings = [];
        foreach ($query as $name => $value) {
            if (is_scalar($value)) {
                $text = is_bool($value) ? ($value ? '1' : '0') : (string) $value;
                if (preg_match('//u', (string) $name) === 1 && preg_match('//u', $text) === 1) {
                    $strings[(string) $name] = $text;
                }
            }
        }
        return $strings;
    }

    /**
     * `$handler($message)` for a push answered 200; what it returns. Whatever it throws is
     * thrown on after `$forget()` forgot the push in the replay window, so that WeChat's retry
     * is handled rather than refused as a replay (409).
     *
     * @param callable(Message): mixed $handler
     * @param callable(): void $forget
     * @return mixed
     */
    public static function handlePush(callable $handler, Message $message, callable $forget)
    {
        try {
            return $handler($message);
        } catch (\Throwable $e) {
            try {
                $forget();
            } catch (\Throwable $ignored) {
                // The handler's failure is the one to report; the retry is then refused until
                // the replay window ends.
            }
            throw $e;
        }
    }

    /**
     * A WeChat answer (a JSON object) decoded by a client call, as an array.
     *
     * @param mixed $value
     * @return array<string, mixed>
     * @throws DecodeException (-50004) when it is not an object
     */
    public static function answer($value): array
    {
        if (!is_array($value)) {
            throw new DecodeException('the answer is not a JSON object', -50004, 'decode');
        }
        return $value;
    }
}
