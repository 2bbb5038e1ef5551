<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * How the receiver id found after a decrypted message is checked (for
 * MessageCrypto::withOptions).
 *
 * ```php
 * ReceiverIdPolicy::exact('wx5823bf96d3bd56c7');   // appid, corpid or suite id; '' for WeCom bots
 * ReceiverIdPolicy::anyOf('ww-suite', 'ww-corp');  // a WeCom suite callback gets both
 * ReceiverIdPolicy::unchecked();                   // not checked; replies cannot be encrypted
 * ```
 */
final class ReceiverIdPolicy
{
    /** @var array<string, mixed>|string the C ABI's JSON form */
    private $json;

    /** @param array<string, mixed>|string $json */
    private function __construct($json)
    {
        $this->json = $json;
    }

    /** Exactly this id; an empty string expects an empty id. */
    public static function exact(string $id): self
    {
        return new self(['exact' => $id]);
    }

    /** Any one of these ids (at least one); the first is used when encrypting replies. */
    public static function anyOf(string ...$ids): self
    {
        return new self(['any_of' => array_values($ids)]);
    }

    /** Not checked (say so explicitly). Replies cannot be encrypted under this policy. */
    public static function unchecked(): self
    {
        return new self('unchecked');
    }

    /**
     * @internal The value of `receiver_id` in the options JSON.
     * @return array<string, mixed>|string
     */
    public function toJsonValue()
    {
        return $this->json;
    }
}
