<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\InvalidAesKeyException;
use Weixinkit\InvalidCiphertextException;
use Weixinkit\InvalidPaddingException;
use Weixinkit\InvalidSignatureException;
use Weixinkit\MessageCrypto;
use Weixinkit\ReceiverIdMismatchException;
use Weixinkit\WeixinkitException;
use Weixinkit\Weixinkit;

/**
 * Every vector in ../shared/vectors/crypto.json: accepted ones give their plaintext, rejected
 * ones throw the exception class and code their reject_reason names.
 */
final class CryptoVectorsTest extends TestCase
{
    private const REJECTIONS = [
        'signature_mismatch' => InvalidSignatureException::class,
        'receiver_id_mismatch' => ReceiverIdMismatchException::class,
        'bad_padding' => InvalidPaddingException::class,
        'bad_length' => InvalidCiphertextException::class,
        'bad_key' => InvalidAesKeyException::class,
    ];

    /** @return array<string, array{array<string, mixed>}> */
    public function acceptVectors(): array
    {
        return self::vectors('accept');
    }

    /** @return array<string, array{array<string, mixed>}> */
    public function rejectVectors(): array
    {
        return self::vectors('reject');
    }

    /** @return array<string, array{array<string, mixed>}> */
    private static function vectors(string $outcome): array
    {
        $cases = [];
        foreach (weixinkit_vectors('crypto.json') as $v) {
            if ($v['expected_outcome'] === $outcome) {
                $cases[$v['id']] = [$v];
            }
        }
        return $cases;
    }

    public function testTheVectorFileHoldsEveryKindAndBothOutcomes(): void
    {
        $all = weixinkit_vectors('crypto.json');
        $this->assertGreaterThanOrEqual(25, count($all), 'crypto.json looks truncated');
        $kinds = array_unique(array_column($all, 'kind'));
        sort($kinds);
        $this->assertSame(['decrypt', 'encrypt', 'key_decode', 'url_verify_mp', 'url_verify_wecom'], $kinds);
        $this->assertSame(
            count($all),
            count($this->acceptVectors()) + count($this->rejectVectors()),
            'every vector is either accepted or rejected'
        );
    }

    /**
     * @dataProvider acceptVectors
     * @param array<string, mixed> $v
     */
    public function testAcceptedVectorGivesItsPlaintext(array $v): void
    {
        switch ($v['kind']) {
            case 'key_decode':
                $key = Weixinkit::decodeAesKey($v['encoding_aes_key']);
                $this->assertSame($v['aes_key_hex'], bin2hex($key));
                $this->assertSame($v['iv_hex'], bin2hex(substr($key, 0, 16)));
                return;

            case 'url_verify_mp':
                $this->assertTrue(MessageCrypto::checkSignature($v['token'], $v['signature'], $v['timestamp'], $v['nonce']));
                $this->assertTrue(Weixinkit::checkSignature($v['token'], $v['signature'], $v['timestamp'], $v['nonce']));
                $this->assertSame($v['plaintext'], $v['echostr'], 'the answer is echostr unchanged');
                return;

            case 'url_verify_wecom':
                $crypto = new MessageCrypto($v['token'], $v['encoding_aes_key'], $v['receiver_id']);
                $this->assertSame(
                    $v['msg_signature'],
                    Weixinkit::msgSignature($v['token'], $v['timestamp'], $v['nonce'], $v['echostr'])
                );
                $this->assertSame(
                    $v['plaintext'],
                    $crypto->verifyUrl($v['msg_signature'], $v['timestamp'], $v['nonce'], $v['echostr'])
                );
                return;

            case 'decrypt':
                $crypto = new MessageCrypto($v['token'], $v['encoding_aes_key'], $v['receiver_id']);
                $this->assertSame(
                    $v['msg_signature'],
                    Weixinkit::msgSignature($v['token'], $v['timestamp'], $v['nonce'], $v['encrypt'])
                );
                $this->assertSame(
                    $v['plaintext'],
                    $crypto->decrypt($v['msg_signature'], $v['timestamp'], $v['nonce'], $v['encrypt'])
                );
                if (isset($v['post_body'])) {
                    $this->assertSame(
                        $v['plaintext'],
                        $crypto->decryptBody($v['msg_signature'], $v['timestamp'], $v['nonce'], $v['post_body'])
                    );
                }
                return;

            case 'encrypt':
                $crypto = new MessageCrypto($v['token'], $v['encoding_aes_key'], $v['receiver_id']);
                $this->assertSame(
                    $v['derived_msg_signature'],
                    Weixinkit::msgSignature($v['token'], $v['timestamp'], $v['nonce'], $v['encrypt'])
                );
                $this->assertSame(
                    $v['plaintext'],
                    $crypto->decrypt($v['derived_msg_signature'], $v['timestamp'], $v['nonce'], $v['encrypt'])
                );
                $reply = $crypto->encryptReply($v['plaintext'], $v['timestamp'], $v['nonce']);
                $fields = Weixinkit::parseFields($reply);
                $this->assertSame([$v['timestamp']], $fields['TimeStamp']);
                $this->assertSame([$v['nonce']], $fields['Nonce']);
                $this->assertSame(
                    $v['plaintext'],
                    $crypto->decryptBody($fields['MsgSignature'][0], $v['timestamp'], $v['nonce'], $reply)
                );
                return;
        }
        $this->fail("unknown vector kind {$v['kind']}");
    }

    /**
     * @dataProvider rejectVectors
     * @param array<string, mixed> $v
     */
    public function testRejectedVectorThrowsTheExceptionOfItsReason(array $v): void
    {
        if ($v['kind'] === 'url_verify_mp') {
            $this->assertFalse(MessageCrypto::checkSignature($v['token'], $v['signature'], $v['timestamp'], $v['nonce']));
            return;
        }
        $this->assertArrayHasKey($v['reject_reason'], self::REJECTIONS, 'known reject_reason');
        preg_match_all('/-400\d\d/', $v['expected_error'], $m);
        $codes = array_map('intval', $m[0]);
        $this->assertNotEmpty($codes, 'expected_error names a code');
        try {
            $crypto = new MessageCrypto($v['token'], $v['encoding_aes_key'], $v['receiver_id']);
            $crypto->decrypt($v['msg_signature'], $v['timestamp'], $v['nonce'], $v['encrypt']);
            $this->fail("{$v['id']} was accepted");
        } catch (WeixinkitException $e) {
            $this->assertInstanceOf(self::REJECTIONS[$v['reject_reason']], $e, $e->getMessage());
            $this->assertContains($e->getCode(), $codes, "{$v['id']}: {$e->getMessage()}");
            $this->assertStringNotContainsString($v['token'], $e->getMessage());
            $this->assertStringNotContainsString($v['encoding_aes_key'], $e->getMessage());
        }
    }
}
