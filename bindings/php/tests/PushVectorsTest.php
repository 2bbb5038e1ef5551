<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\InvalidSignatureException;
use Weixinkit\MessageCrypto;
use Weixinkit\ParseException;
use Weixinkit\WeixinkitException;
use Weixinkit\Weixinkit;

/**
 * Every push in ../shared/vectors/pushes.json: well-formed ones parse to their kind with each
 * expected field; the malformed documentation samples throw ParseException.
 */
final class PushVectorsTest extends TestCase
{
    /** Vector kind → Message::$type. */
    private const TYPES = [
        'component_verify_ticket' => 'component_verify_ticket',
        'authorized' => 'authorized',
        'updateauthorized' => 'update_authorized',
        'unauthorized' => 'unauthorized',
        'suite_ticket' => 'suite_ticket',
        'create_auth' => 'create_auth',
        'reset_permanent_code' => 'reset_permanent_code',
        'event_subscribe' => 'subscribe',
        'text' => 'text',
        'envelope_mp_compatible' => 'text',
    ];

    /** @return array<string, array{array<string, mixed>}> */
    public function pushes(): array
    {
        $cases = [];
        foreach (weixinkit_vectors('pushes.json') as $v) {
            $cases[$v['id']] = [$v];
        }
        return $cases;
    }

    /**
     * @dataProvider pushes
     * @param array<string, mixed> $v
     */
    public function testPushParsesToItsExpectedFields(array $v): void
    {
        $doc = $v['xml'] ?? $v['json'];
        if ($v['well_formed'] === false) {
            try {
                Weixinkit::parseMessage($doc);
                $this->fail("{$v['id']} parsed");
            } catch (ParseException $e) {
                $this->assertSame(-40002, $e->getCode());
                $this->assertSame('parse', $e->getKind());
            }
            return;
        }

        $isEnvelope = strncmp($v['kind'], 'envelope', 8) === 0;
        try {
            $message = Weixinkit::parseMessage($doc);
            $this->assertSame(self::TYPES[$v['kind']] ?? null, $message->type, "{$v['id']} kind");
            $this->assertSame($message->type, $message->event['type']);
            $fields = $message->fields;
        } catch (ParseException $e) {
            // A pure envelope is not a message (no InfoType/MsgType), but its fields read.
            $this->assertTrue($isEnvelope, "{$v['id']}: {$e->getMessage()}");
            $this->assertStringContainsString('InfoType', $e->getMessage());
            $this->assertEnvelopeEncryptIsFound($v, $doc);
            $fields = Weixinkit::parseFields($doc);
        }

        $this->assertNotEmpty($v['expected']);
        foreach ($v['expected'] as $path => $want) {
            $this->assertArrayHasKey($path, $fields, "{$v['id']}: no field {$path}");
            if (is_array($want)) {
                $this->assertSame($want, $fields[$path], "{$v['id']}: {$path}");
            } else {
                $this->assertSame($want, $fields[$path][0], "{$v['id']}: {$path}");
            }
        }
    }

    /**
     * The envelope's Encrypt is what decryptBody reads: signed over the expected value, the
     * signature check passes and decryption proceeds (and fails: the key is not the sender's).
     *
     * @param array<string, mixed> $v
     */
    private function assertEnvelopeEncryptIsFound(array $v, string $doc): void
    {
        $encrypt = $v['expected']['Encrypt'] ?? $v['expected']['encrypt'] ?? null;
        if ($encrypt === null) {
            return;
        }
        $crypto = new MessageCrypto('t', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'x');
        $signature = Weixinkit::msgSignature('t', '1', 'n', $encrypt);
        try {
            $crypto->decryptBody($signature, '1', 'n', $doc);
            $this->fail("{$v['id']}: decrypted with a foreign key");
        } catch (WeixinkitException $e) {
            $this->assertNotInstanceOf(ParseException::class, $e, $e->getMessage());
            $this->assertNotInstanceOf(InvalidSignatureException::class, $e, $e->getMessage());
        }
    }

    public function testMalformedPushesAreAmongTheVectors(): void
    {
        $malformed = array_filter(weixinkit_vectors('pushes.json'), static function (array $v): bool {
            return $v['well_formed'] === false;
        });
        $this->assertGreaterThanOrEqual(2, count($malformed));
    }
}
