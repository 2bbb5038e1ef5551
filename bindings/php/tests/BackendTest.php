<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\MessageCrypto;
use Weixinkit\Native;
use Weixinkit\OfficialAccount;
use Weixinkit\Weixinkit;

/**
 * The run really uses the backend it claims (test.sh sets WEIXINKIT_EXPECT_BACKEND), and the
 * push path keeps memory flat on it.
 */
final class BackendTest extends TestCase
{
    private static function perf(): array
    {
        return weixinkit_vectors('perf-push.json');
    }

    public function testTheRunUsesTheExpectedBackend(): void
    {
        $expected = getenv('WEIXINKIT_EXPECT_BACKEND');
        if ($expected === false || $expected === '') {
            $expected = extension_loaded('weixinkit') ? 'ext' : 'ffi';
        }
        $this->assertSame($expected, Native::backend());
        $p = self::perf();
        $crypto = new MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']);
        $message = $crypto->decryptMessage($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml']);
        $this->assertSame($p['ticket'], $message->event['ticket']);
        $account = new OfficialAccount(['app_id' => 'wx1', 'secret' => 's', 'store' => ['type' => 'memory']]);
        $this->assertSame('wx1', $account->appId());
        $handle = (fn () => $this->handle)->call($account);
        $cryptoExt = (fn () => $this->ext)->call($crypto);
        if ($expected === 'ext') {
            // FFI is disabled for this run, and was never loaded: nothing went through it.
            $this->assertSame('0', ini_get('ffi.enable'));
            $this->assertNull(Native::$ffi, 'the FFI library was loaded during an extension run');
            $this->assertInstanceOf(\Weixinkit\Ext\Crypto::class, $cryptoExt);
            $this->assertInstanceOf(\Weixinkit\Ext\Client::class, $handle);
        } else {
            $this->assertFalse(extension_loaded('weixinkit'), 'the extension is loaded in the FFI run');
            $this->assertNull($cryptoExt);
            $this->assertInstanceOf(\FFI\CData::class, $handle);
            $this->assertInstanceOf(\FFI::class, Native::$ffi);
        }
    }

    public function testThePushPathKeepsMemoryFlatOver100kCallsAnd10kObjects(): void
    {
        $p = self::perf();
        $crypto = new MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']);
        $calls = static function (int $n) use ($crypto, $p): void {
            for ($i = 0; $i < $n; $i++) {
                $m = $crypto->decryptMessage($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml']);
                if ($m->event['ticket'] !== $p['ticket']) {
                    throw new \RuntimeException('wrong ticket');
                }
                $crypto->encryptReply($p['plain_xml'], $p['timestamp'], $p['nonce']);
                if (!Weixinkit::checkSignature($p['token'], 'x', $p['timestamp'], $p['nonce']) && $i % 1000 === 0) {
                    try {
                        $crypto->decryptMessage('bad', $p['timestamp'], $p['nonce'], $p['push_xml']);
                    } catch (\Weixinkit\InvalidSignatureException $e) {
                    }
                }
            }
        };
        $objects = static function (int $n) use ($p): void {
            for ($i = 0; $i < $n; $i++) {
                (new MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']))->encryptReply('x', '1', 'n');
            }
        };
        $calls(5000);
        $objects(1000);
        gc_collect_cycles();
        [$heap, $rss] = [memory_get_usage(), rss_kib()];
        $calls(100000);
        $objects(10000);
        gc_collect_cycles();
        // Both measured before asserting: the first assertion may load PHPUnit classes (onto
        // PHP's heap), depending on which tests ran before.
        [$heapGrowth, $rssGrowth] = [memory_get_usage() - $heap, rss_kib() - $rss];
        // A leaked result or message is ~100 bytes of native memory per call (~10 MiB here); a
        // leaked handle ~1 KiB per object; a leaked zval or CData as much on PHP's heap.
        $this->assertLessThan(4096, $rssGrowth, 'native memory grew');
        $this->assertLessThan(16 * 1024, $heapGrowth, 'PHP heap grew');
    }

    public function testAHandleHeldUntilShutdownIsReleasedQuietly(): void
    {
        $out = run_php(<<<'PHP'
            require getenv('WEIXINKIT_PHP_SRC') . '/autoload.php';
            final class Holder { public static $crypto; public static $account; }
            Holder::$crypto = new Weixinkit\MessageCrypto('t', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1');
            Holder::$account = new Weixinkit\OfficialAccount(['app_id' => 'wx1', 'secret' => 's', 'store' => ['type' => 'memory']]);
            $GLOBALS['also'] = Weixinkit\MessageCrypto::withOptions('t', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', Weixinkit\ReceiverIdPolicy::unchecked());
            echo Weixinkit\Native::backend();
            PHP);
        $this->assertSame(extension_loaded('weixinkit') ? 'ext' : 'ffi', $out);
    }
}
