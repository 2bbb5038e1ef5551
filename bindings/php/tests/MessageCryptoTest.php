<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\InvalidAesKeyException;
use Weixinkit\InvalidInputException;
use Weixinkit\InvalidSignatureException;
use Weixinkit\Message;
use Weixinkit\MessageCrypto;
use Weixinkit\ReceiverIdMismatchException;
use Weixinkit\ReceiverIdPolicy;
use Weixinkit\StaleTimestampException;
use Weixinkit\Weixinkit;

final class MessageCryptoTest extends TestCase
{
    private const TOKEN = 'QDG6eK';
    private const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

    /** @return array{string, string} the encrypted envelope for `$plaintext`, and its signature */
    private static function push(MessageCrypto $sender, string $plaintext, string $timestamp = '1409659813'): array
    {
        $envelope = $sender->encryptReply($plaintext, $timestamp, 'nonce');
        return [$envelope, Weixinkit::parseFields($envelope)['MsgSignature'][0]];
    }

    public function testDecryptMessageVerifiesDecryptsAndParsesThePerfPush(): void
    {
        $p = weixinkit_vectors('perf-push.json');
        $crypto = new MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']);
        $message = $crypto->decryptMessage($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml']);
        $this->assertInstanceOf(Message::class, $message);
        $this->assertSame('component_verify_ticket', $message->type);
        $this->assertSame(
            ['type' => 'component_verify_ticket', 'app_id' => $p['app_id'], 'create_time' => 1713424800, 'ticket' => $p['ticket']],
            $message->event
        );
        $this->assertSame($p['ticket'], $message->field('ComponentVerifyTicket'));
        $this->assertSame(['component_verify_ticket'], $message->values('InfoType'));
        $this->assertNull($message->field('Missing'));
        $this->assertSame([], $message->values('Missing'));
        $this->assertSame(['event' => $message->event, 'fields' => $message->fields], $message->toArray());
        $this->assertSame(
            $p['plain_xml'],
            $crypto->decryptBody($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml'])
        );
    }

    public function testATamperedSignatureThrowsInvalidSignatureWithItsCode(): void
    {
        $p = weixinkit_vectors('perf-push.json');
        $crypto = new MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']);
        $tampered = substr($p['msg_signature'], 0, -1) . ($p['msg_signature'][39] === '0' ? '1' : '0');
        try {
            $crypto->decryptMessage($tampered, $p['timestamp'], $p['nonce'], $p['push_xml']);
            $this->fail('accepted a tampered signature');
        } catch (InvalidSignatureException $e) {
            $this->assertSame(-40001, $e->getCode());
            $this->assertSame('invalid_signature', $e->getKind());
            $this->assertInstanceOf(\RuntimeException::class, $e);
        }
    }

    public function testABadKeyFailsConstructionWithoutShowingTheKey(): void
    {
        $key = 'not-a-real-encoding-aes-key';
        try {
            new MessageCrypto('secret-token', $key, 'wx1');
            $this->fail('accepted a bad key');
        } catch (InvalidAesKeyException $e) {
            $this->assertSame(-40004, $e->getCode());
            $this->assertStringNotContainsString($key, $e->getMessage());
            $this->assertStringNotContainsString('secret-token', $e->getMessage());
        }
        $this->expectException(InvalidAesKeyException::class);
        MessageCrypto::withOptions('t', substr(self::KEY, 0, 42), ReceiverIdPolicy::unchecked());
    }

    public function testReplyEnvelopesRoundTripInXmlAndJson(): void
    {
        $crypto = new MessageCrypto(self::TOKEN, self::KEY, 'wx5823bf96d3bd56c7');
        $reply = Weixinkit::textReply('openid', 'gh_1', 1700000000, '你好 ]]> there');

        $xml = $crypto->encryptReply($reply, '1700000000', 'n1');
        $this->assertStringStartsWith('<xml><Encrypt><![CDATA[', $xml);
        $fields = Weixinkit::parseFields($xml);
        $this->assertSame(
            $fields['MsgSignature'][0],
            Weixinkit::msgSignature(self::TOKEN, '1700000000', 'n1', $fields['Encrypt'][0])
        );
        $this->assertSame($reply, $crypto->decryptBody($fields['MsgSignature'][0], '1700000000', 'n1', $xml));

        $json = $crypto->encryptReplyJson($reply, '1700000000', 'n2');
        $envelope = json_decode($json, true, 4, JSON_THROW_ON_ERROR);
        $this->assertSame(['encrypt', 'msgsignature', 'timestamp', 'nonce'], array_keys($envelope));
        $this->assertSame('1700000000', $envelope['timestamp']);
        $this->assertSame('n2', $envelope['nonce']);
        $this->assertSame(
            $envelope['msgsignature'],
            Weixinkit::msgSignature(self::TOKEN, '1700000000', 'n2', $envelope['encrypt'])
        );
        $this->assertSame($reply, $crypto->decryptBody($envelope['msgsignature'], '1700000000', 'n2', $json));
        $message = $crypto->decryptMessage($envelope['msgsignature'], '1700000000', 'n2', $json);
        $this->assertSame('text', $message->type);
        $this->assertSame('你好 ]]> there', $message->event['content']);

        // A fresh random prefix each time.
        $this->assertNotSame($xml, $crypto->encryptReply($reply, '1700000000', 'n1'));
    }

    public function testTheReceiverIdIsCheckedExactly(): void
    {
        [$body, $sig] = self::push(new MessageCrypto(self::TOKEN, self::KEY, 'wx-a'), 'hello');
        $this->assertSame('hello', (new MessageCrypto(self::TOKEN, self::KEY, 'wx-a'))->decryptBody($sig, '1409659813', 'nonce', $body));
        try {
            (new MessageCrypto(self::TOKEN, self::KEY, 'wx-b'))->decryptBody($sig, '1409659813', 'nonce', $body);
            $this->fail('accepted another receiver id');
        } catch (ReceiverIdMismatchException $e) {
            $this->assertSame(-40005, $e->getCode());
            $this->assertStringContainsString('wx-a', $e->getMessage());
        }
    }

    public function testAnyOfAcceptsEachListedIdAndRepliesWithTheFirst(): void
    {
        $suite = MessageCrypto::withOptions(self::TOKEN, self::KEY, ReceiverIdPolicy::anyOf('ww-suite', 'ww-corp'));
        foreach (['ww-suite', 'ww-corp'] as $id) {
            [$body, $sig] = self::push(new MessageCrypto(self::TOKEN, self::KEY, $id), "for {$id}");
            $this->assertSame("for {$id}", $suite->decryptBody($sig, '1409659813', 'nonce', $body));
        }
        [$body, $sig] = self::push(new MessageCrypto(self::TOKEN, self::KEY, 'ww-other'), 'x');
        $this->expectException(ReceiverIdMismatchException::class);
        try {
            $suite->decryptBody($sig, '1409659813', 'nonce', $body);
        } finally {
            [$reply, $replySig] = self::push($suite, 'reply');
            $onlySuite = new MessageCrypto(self::TOKEN, self::KEY, 'ww-suite');
            $this->assertSame('reply', $onlySuite->decryptBody($replySig, '1409659813', 'nonce', $reply));
        }
    }

    public function testAnEmptyAnyOfListIsRefused(): void
    {
        try {
            MessageCrypto::withOptions(self::TOKEN, self::KEY, ReceiverIdPolicy::anyOf());
            $this->fail('accepted an empty list');
        } catch (InvalidInputException $e) {
            $this->assertSame(-40005, $e->getCode());
            $this->assertSame('invalid_input', $e->getKind());
        }
    }

    public function testUncheckedAcceptsAnyIdButCannotEncryptReplies(): void
    {
        $any = MessageCrypto::withOptions(self::TOKEN, self::KEY, ReceiverIdPolicy::unchecked());
        [$body, $sig] = self::push(new MessageCrypto(self::TOKEN, self::KEY, 'whoever'), 'm');
        $this->assertSame('m', $any->decryptBody($sig, '1409659813', 'nonce', $body));
        try {
            $any->encryptReply('x', '1', 'n');
            $this->fail('encrypted under the unchecked policy');
        } catch (InvalidInputException $e) {
            $this->assertSame(-40006, $e->getCode());
        }
        $this->expectException(InvalidInputException::class);
        $any->encryptReplyJson('x', '1', 'n');
    }

    public function testExactPolicyWithAnEmptyIdExpectsAnEmptyId(): void
    {
        $bot = MessageCrypto::withOptions(self::TOKEN, self::KEY, ReceiverIdPolicy::exact(''));
        [$body, $sig] = self::push($bot, 'bot');
        $this->assertSame('bot', (new MessageCrypto(self::TOKEN, self::KEY, ''))->decryptBody($sig, '1409659813', 'nonce', $body));
        $this->expectException(ReceiverIdMismatchException::class);
        (new MessageCrypto(self::TOKEN, self::KEY, 'wx1'))->decryptBody($sig, '1409659813', 'nonce', $body);
    }

    public function testTheClockSkewWindowRejectsOldFutureAndNonNumericTimestamps(): void
    {
        $windowed = MessageCrypto::withOptions(self::TOKEN, self::KEY, ReceiverIdPolicy::exact('wx1'), 300);
        $now = time();
        foreach ([(string) $now, (string) ($now - 250), (string) ($now + 250)] as $ts) {
            [$body, $sig] = self::push($windowed, "at {$ts}", $ts);
            $this->assertSame("at {$ts}", $windowed->decryptBody($sig, $ts, 'nonce', $body));
        }
        foreach ([(string) ($now - 3600), (string) ($now + 3600), 'soon'] as $ts) {
            [$body, $sig] = self::push($windowed, 'late', $ts);
            try {
                $windowed->decryptBody($sig, $ts, 'nonce', $body);
                $this->fail("accepted timestamp {$ts}");
            } catch (StaleTimestampException $e) {
                $this->assertSame(-40001, $e->getCode());
                $this->assertSame('stale_timestamp', $e->getKind());
            }
        }
        // Without a window the same old push is fine.
        [$body, $sig] = self::push($windowed, 'old', '1000');
        $this->assertSame('old', (new MessageCrypto(self::TOKEN, self::KEY, 'wx1'))->decryptBody($sig, '1000', 'nonce', $body));
    }

    public function testANegativeClockSkewIsInvalidInput(): void
    {
        $this->expectException(InvalidInputException::class);
        $this->expectExceptionCode(-40002);
        MessageCrypto::withOptions(self::TOKEN, self::KEY, ReceiverIdPolicy::exact('wx1'), -1);
    }

    public function testInputThatIsNotUtf8IsInvalidInput(): void
    {
        $crypto = new MessageCrypto(self::TOKEN, self::KEY, 'wx1');
        try {
            $crypto->decryptBody('sig', '1', 'n', "<xml><Encrypt>\xff</Encrypt></xml>");
            $this->fail('accepted invalid UTF-8');
        } catch (InvalidInputException $e) {
            $this->assertSame(-40002, $e->getCode());
            $this->assertStringContainsString('UTF-8', $e->getMessage());
        }
        $this->expectException(InvalidInputException::class);
        new MessageCrypto("tok\xc3", self::KEY, 'wx1');
    }

    public function testEmbeddedNulBytesSurviveTheRoundTrip(): void
    {
        $crypto = new MessageCrypto(self::TOKEN, self::KEY, 'wx1');
        [$body, $sig] = self::push($crypto, "a\0b");
        $this->assertSame("a\0b", $crypto->decryptBody($sig, '1409659813', 'nonce', $body));
    }

    public function testAHandleCannotBeCloned(): void
    {
        $crypto = new MessageCrypto(self::TOKEN, self::KEY, 'wx1');
        $this->expectException(\Error::class);
        $copy = clone $crypto;
    }

    public function testHandlesAndResultStringsAreFreed(): void
    {
        // 16 KiB kept per handle and per result string: leaking either would grow RSS by
        // about 300 MiB over these cycles.
        $token = str_repeat('t', 16384);
        $content = str_repeat('c', 16384);
        $cycles = 20000;
        Weixinkit::textReply('o', 'g', 1, $content);
        $before = self::rssBytes();
        $made = 0;
        for ($i = 0; $i < $cycles; $i++) {
            $crypto = new MessageCrypto($token, self::KEY, 'wx1');
            $made += strlen(Weixinkit::textReply('o', 'g', $i, $content));
        }
        unset($crypto);
        $grown = self::rssBytes() - $before;
        $this->assertGreaterThan($cycles * 16384, $made);
        $this->assertLessThan(32 * 1024 * 1024, $grown, "RSS grew by {$grown} bytes over {$cycles} cycles");
    }

    public function testErrorStringsAreFreed(): void
    {
        // The error quotes the offending article, so each error string is 16 KiB: leaking them
        // would grow RSS by 16 MiB over these cycles.
        $article = str_repeat('x', 16384);
        $cycles = 1000;
        $before = self::rssBytes();
        $failed = 0;
        for ($i = 0; $i < $cycles; $i++) {
            try {
                Weixinkit::newsReply('o', 'g', 1, [$article]);
            } catch (InvalidInputException $e) {
                $failed += strlen($e->getMessage()) > 16384 ? 1 : 0;
            }
        }
        $grown = self::rssBytes() - $before;
        $this->assertSame($cycles, $failed);
        $this->assertLessThan(8 * 1024 * 1024, $grown, "RSS grew by {$grown} bytes over {$cycles} cycles");
    }

    private static function rssBytes(): int
    {
        $statm = file_get_contents('/proc/self/statm');
        $pages = (int) explode(' ', (string) $statm)[1];
        return $pages * 4096;
    }
}
