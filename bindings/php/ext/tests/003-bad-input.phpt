--TEST--
Bad input (NUL bytes, non-UTF-8, huge bodies, wrong keys) raises the documented exceptions
--EXTENSIONS--
weixinkit
--INI--
memory_limit=512M
--FILE--
<?php
require __DIR__ . '/package.inc';
use Weixinkit\Ext;

wxk_expect_throw('short key', fn() => Ext\Crypto::create(WXK_TOKEN, 'short', WXK_APPID));
wxk_expect_throw('key with NUL', fn() => Ext\Crypto::create(WXK_TOKEN, substr(WXK_KEY, 0, 42) . "\0", WXK_APPID));
wxk_expect_throw('options not JSON', fn() => Ext\Crypto::withOptions(WXK_TOKEN, WXK_KEY, '{'));
wxk_expect_throw('empty any_of', fn() => Ext\Crypto::withOptions(WXK_TOKEN, WXK_KEY, '{"receiver_id":{"any_of":[]}}'));
$c = Ext\Crypto::create(WXK_TOKEN, WXK_KEY, WXK_APPID);
[$sig, $ts, $nonce, $body] = wxk_push($c, '<xml><InfoType>x</InfoType></xml>');

wxk_expect_throw('wrong signature', fn() => $c->decryptMessage(str_repeat('0', 40), $ts, $nonce, $body));
wxk_expect_throw('NUL in signature', fn() => $c->decryptMessage("$sig\0", $ts, $nonce, $body));
wxk_expect_throw('NUL in the ciphertext', fn() => $c->decryptMessage($sig, $ts, $nonce, str_replace('<Encrypt><![CDATA[', "<Encrypt><![CDATA[\0", $body)));
// After the envelope's root element, a NUL is ignored like any trailing text.
echo 'NUL after the envelope: ', $c->decryptMessage($sig, $ts, $nonce, "$body\0")[0]['type'], "\n";
wxk_expect_throw('non-UTF-8 body', fn() => $c->decryptMessage($sig, $ts, $nonce, "\xff$body"));
wxk_expect_throw('non-UTF-8 nonce', fn() => $c->decryptBody($sig, $ts, "\xc3\x28", $body));
wxk_expect_throw('huge body', fn() => $c->decryptMessage($sig, $ts, $nonce, '<xml><Encrypt>' . str_repeat('A', 64 << 20) . '</Encrypt></xml>'));
wxk_expect_throw('bad base64', fn() => $c->decrypt(Ext\msg_signature(WXK_TOKEN, $ts, $nonce, '!!!!'), $ts, $nonce, '!!!!'));
wxk_expect_throw('short ciphertext', fn() => $c->decrypt(Ext\msg_signature(WXK_TOKEN, $ts, $nonce, 'AAAA'), $ts, $nonce, 'AAAA'));
wxk_expect_throw('foreign receiver', fn() => Ext\Crypto::create(WXK_TOKEN, WXK_KEY, 'wx_other')->decryptBody($sig, $ts, $nonce, $body));
wxk_expect_throw('reply, unchecked', fn() => Ext\Crypto::withOptions(WXK_TOKEN, WXK_KEY, '{"receiver_id":"unchecked"}')->encryptReply('x', '1', 'n'));
wxk_expect_throw('stale', fn() => Ext\Crypto::withOptions(WXK_TOKEN, WXK_KEY, '{"receiver_id":{"exact":"' . WXK_APPID . '"},"max_clock_skew_secs":5}')->decryptBody($sig, $ts, $nonce, $body));
wxk_expect_throw('unbuilt crypto', fn() => (new Ext\Crypto())->decrypt('a', 'b', 'c', 'd'));

// A NUL inside a value is kept, with the length.
echo 'parse NUL: ', bin2hex(Ext\parse_message("<xml><InfoType>a\0b</InfoType></xml>")[0]['info_type']), "\n";
wxk_expect_throw('parse NUL in a name', fn() => Ext\parse_message("<xml><Info\0Type>x</Info\0Type><x></xml>"));
wxk_expect_throw('parse non-UTF-8', fn() => Ext\parse_message("<xml><InfoType>\xff</InfoType></xml>"));
wxk_expect_throw('parse garbage', fn() => Ext\parse_message('<xml><unclosed>'));
wxk_expect_throw('parse fields garbage', fn() => Ext\parse_fields('{"a":'));
wxk_expect_throw('parse huge', fn() => Ext\parse_message('<xml>' . str_repeat('<A>x</A>', 1 << 20) . '<B></xml>'));
[$event, $fields] = Ext\parse_message('<xml><InfoType>x</InfoType>' . str_repeat('<A>x</A>', 100000) . '</xml>');
echo 'big push: ', $event['type'], ' ', count($fields['A']), "\n";
wxk_expect_throw('decode_aes_key', fn() => Ext\decode_aes_key(str_repeat('*', 43)));
wxk_expect_throw('news without articles', fn() => Ext\news_reply('o', 'g', 1, '[]'));
wxk_expect_throw('news not JSON', fn() => Ext\news_reply('o', 'g', 1, "\0"));
echo bin2hex(substr(Ext\decode_aes_key(WXK_KEY), 0, 4)), ' ', strlen(Ext\decode_aes_key(WXK_KEY)), "\n";
var_dump(Ext\check_signature('spamtest', '16120ec1b8dbb870f510d87ce6bc2463eae6ca1a', '1409735669', '1320562132'));
var_dump(Ext\check_signature('spamtest', "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a\0", '1409735669', '1320562132'));
wxk_expect_throw('check_signature non-UTF-8', fn() => Ext\check_signature("\xff", 'a', 'b', 'c'));
// A reply keeps NUL bytes and the length.
var_dump(str_contains(Ext\text_reply('o', 'g', 1, "a\0b"), "a\0b"));
echo "done\n";
?>
--EXPECT--
short key: Weixinkit\InvalidAesKeyException -40004
key with NUL: Weixinkit\InvalidAesKeyException -40004
options not JSON: Weixinkit\InvalidInputException -40002
empty any_of: Weixinkit\InvalidInputException -40005
wrong signature: Weixinkit\InvalidSignatureException -40001
NUL in signature: Weixinkit\InvalidSignatureException -40001
NUL in the ciphertext: Weixinkit\InvalidSignatureException -40001
NUL after the envelope: other_info
non-UTF-8 body: Weixinkit\InvalidInputException -40002
non-UTF-8 nonce: Weixinkit\InvalidInputException -40002
huge body: Weixinkit\InvalidSignatureException -40001
bad base64: Weixinkit\InvalidBase64Exception -40010
short ciphertext: Weixinkit\InvalidCiphertextException -40007
foreign receiver: Weixinkit\ReceiverIdMismatchException -40005
reply, unchecked: Weixinkit\InvalidInputException -40006
stale: Weixinkit\StaleTimestampException -40001
unbuilt crypto: Weixinkit\InvalidInputException -40002
parse NUL: 610062
parse NUL in a name: Weixinkit\ParseException -40002
parse non-UTF-8: Weixinkit\InvalidInputException -40002
parse garbage: Weixinkit\ParseException -40002
parse fields garbage: Weixinkit\ParseException -40002
parse huge: Weixinkit\ParseException -40002
big push: other_info 100000
decode_aes_key: Weixinkit\InvalidAesKeyException -40004
news without articles: Weixinkit\InvalidInputException -40011
news not JSON: Weixinkit\InvalidInputException -40011
8d69989b 32
bool(true)
bool(false)
check_signature non-UTF-8: Weixinkit\InvalidInputException -40002
bool(true)
done
