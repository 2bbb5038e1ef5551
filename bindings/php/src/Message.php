<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A parsed push: the typed event and every leaf field, so nothing is lost.
 *
 * - `$type`: the kind, in snake_case (`component_verify_ticket`, `authorized`, `suite_ticket`,
 *   `text`, `subscribe`, …, `ai_bot_message` for WeCom intelligent-bot JSON callbacks;
 *   unknown kinds are `other_info`, `other_message`, `other_event`);
 * - `$event`: the typed fields of that kind, as the Rust `Event` has them (`type` included),
 *   e.g. `['type' => 'component_verify_ticket', 'app_id' => 'wx…', 'create_time' => 1713424800,
 *   'ticket' => 'ticket@@@…']`; user messages carry
 *   `'header' => ['to_user_name' => …, 'from_user_name' => …, 'create_time' => …]`;
 * - `$fields`: every leaf element's trimmed text by its path below the root, repeated elements
 *   in document order: `['InfoType' => ['component_verify_ticket'],
 *   'ExtraInfo/AuthOpenKfIdList/OpenKfId' => ['wk1', 'wk2']]`.
 *
 * Messages from the library build `$fields` on first use (most handlers only need `$type` and
 * `$event`): from the library's JSON through FFI, from the items the extension keeps native
 * otherwise. This is invisible apart from the time saved.
 */
final class Message
{
    public readonly string $type;

    /** @var array<string, mixed> */
    public readonly array $event;

    /** @var array<string, list<string>> */
    public readonly array $fields;

    /**
     * `$fields` until it is first read: its JSON (FFI), or the extension's native copy (an
     * `Ext\Fields`, filled in by the extension, which sets this property by name).
     *
     * @var string|Ext\Fields|null
     */
    private $pending;

    /** @var Message|null an uninitialized instance to clone (see fromJson) */
    private static $blank;

    /**
     * @param array<string, mixed> $event
     * @param array<string, list<string>> $fields
     */
    public function __construct(array $event, array $fields)
    {
        $this->type = (string) ($event['type'] ?? '');
        $this->event = $event;
        $this->fields = $fields;
    }

    /**
     * @internal Build from the library's JSON, `{"event":{…},"fields":{…}}` (serde writes the
     * two members in this order), leaving `fields` encoded until it is used.
     */
    public static function fromJson(string $json): self
    {
        // The first `,"fields":` is where `event` ends: inside it, a quote after a comma could
        // only start a key, and events have no key of that name. A wrong cut could not decode
        // (the event's braces would not balance), so a decoded event proves the cut.
        $cut = strpos($json, ',"fields":');
        if ($cut !== false && strncmp($json, '{"event":', 9) === 0) {
            $event = json_decode(substr($json, 9, $cut - 9), true);
            if (is_array($event)) {
                $message = clone (self::$blank ??= (new \ReflectionClass(self::class))->newInstanceWithoutConstructor());
                $message->type = (string) ($event['type'] ?? '');
                $message->event = $event;
                $message->pending = substr($json, $cut + 10, -1);
                unset($message->fields);
                return $message;
            }
        }
        $data = json_decode($json, true, 64, JSON_THROW_ON_ERROR);
        return new self($data['event'], $data['fields']);
    }

    /** Builds `$fields` on first use. */
    public function __get(string $name)
    {
        if ($name === 'fields' && $this->pending !== null) {
            $pending = $this->pending;
            $this->fields = is_string($pending)
                ? json_decode($pending, true, 8, JSON_THROW_ON_ERROR)
                : $pending->toArray();
            $this->pending = null;
            return $this->fields;
        }
        throw new \Error('Undefined property: ' . self::class . '::$' . $name);
    }

    public function __isset(string $name): bool
    {
        return $name === 'fields' && $this->pending !== null;
    }

    /** The first text at `$path` (`'InfoType'`, `'ExtraInfo/AuthOpenKfIdList/OpenKfId'`), or null. */
    public function field(string $path): ?string
    {
        return $this->fields[$path][0] ?? null;
    }

    /**
     * Every text at `$path`, in document order (empty when absent).
     *
     * @return list<string>
     */
    public function values(string $path): array
    {
        return $this->fields[$path] ?? [];
    }

    /**
     * `['event' => …, 'fields' => …]`, the shape the C ABI returns.
     *
     * @return array{event: array<string, mixed>, fields: array<string, list<string>>}
     */
    public function toArray(): array
    {
        return ['event' => $this->event, 'fields' => $this->fields];
    }

    /**
     * Names of the fields holding credentials (tickets, authorization and auth codes, pre-auth
     * and permanent codes), wire and typed spellings: the same list as the library's
     * `message::is_credential_field`, so every language prints them alike.
     */
    private const CREDENTIALS = [
        'ComponentVerifyTicket', 'SuiteTicket', 'AuthorizationCode', 'PreAuthCode', 'AuthCode',
        'PermanentCode', 'ticket', 'authorization_code', 'pre_auth_code', 'auth_code', 'permanent_code',
    ];

    /**
     * What var_dump and print_r show: credentials as `***` (the properties themselves are
     * intact).
     *
     * @return array<string, mixed>
     */
    public function __debugInfo(): array
    {
        $fields = [];
        foreach ($this->fields as $path => $texts) {
            $name = substr((string) strrchr('/' . $path, '/'), 1);
            $fields[$path] = in_array($name, self::CREDENTIALS, true) ? ['***'] : $texts;
        }
        return ['type' => $this->type, 'event' => self::redact($this->event), 'fields' => $fields];
    }

    /**
     * @param array<mixed> $value
     * @return array<mixed>
     */
    private static function redact(array $value): array
    {
        foreach ($value as $key => $item) {
            if (is_string($key) && in_array($key, self::CREDENTIALS, true) && $item !== null) {
                $value[$key] = '***';
            } elseif (is_array($item)) {
                $value[$key] = self::redact($item);
            }
        }
        return $value;
    }
}
