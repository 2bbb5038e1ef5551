--TEST--
Memory stays flat over 100k calls and 10k objects
--EXTENSIONS--
weixinkit
--SKIPIF--
<?php if (getenv('USE_ZEND_ALLOC') === '0') echo 'skip under valgrind (the heap is the system allocator)'; ?>
--FILE--
<?php
require __DIR__ . '/package.inc';
use Weixinkit\Ext;

function rss_kib(): int
{
    preg_match('/^VmRSS:\s+(\d+) kB/m', (string) file_get_contents('/proc/self/status'), $m);
    return (int) $m[1];
}

$c = Ext\Crypto::create(WXK_TOKEN, WXK_KEY, WXK_APPID);
[$sig, $ts, $nonce, $body] = wxk_push($c, '<xml><AppId>wx1</AppId><CreateTime>1</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t</ComponentVerifyTicket></xml>');
$calls = function (int $n) use ($c, $sig, $ts, $nonce, $body): void {
    for ($i = 0; $i < $n; $i++) {
        [$event] = $c->decryptMessage($sig, $ts, $nonce, $body);
        $c->decryptMessageObject($sig, $ts, $nonce, $body)->fields;
        $c->decryptMessageObject($sig, $ts, $nonce, $body);
        $c->encryptReply('<xml/>', $ts, $nonce);
        try {
            $c->decryptMessage('bad', $ts, $nonce, $body);
        } catch (Weixinkit\InvalidSignatureException $e) {
        }
    }
};
$objects = function (int $n): void {
    for ($i = 0; $i < $n; $i++) {
        Ext\Crypto::create(WXK_TOKEN, WXK_KEY, WXK_APPID)->encryptReply('x', '1', 'n');
        try {
            Ext\Crypto::create(WXK_TOKEN, 'short', WXK_APPID);
        } catch (Weixinkit\InvalidAesKeyException $e) {
        }
    }
};
$calls(5000);
$objects(1000);
gc_collect_cycles();
[$heap, $rss] = [memory_get_usage(), rss_kib()];
$calls(100000);
$objects(10000);
gc_collect_cycles();
// A leaked result string or message is ~100 bytes of native memory per call (~10 MiB here), a
// leaked handle ~1 KiB per object, a leaked zval or array the same on PHP's heap.
$grew = rss_kib() - $rss;
echo $grew < 4096 ? "native flat\n" : "native grew {$grew} KiB\n";
$heapGrew = memory_get_usage() - $heap;
echo $heapGrew < 16384 ? "heap flat\n" : "heap grew {$heapGrew} bytes\n";
?>
--EXPECT--
native flat
heap flat
