--TEST--
decryptMessageObject and parse_message_object: the package's Message, its fields kept native until read
--EXTENSIONS--
weixinkit
--FILE--
<?php
require __DIR__ . '/package.inc';
use Weixinkit\Ext;

$c = Ext\Crypto::create(WXK_TOKEN, WXK_KEY, WXK_APPID);
$xml = '<xml><AppId>wx1</AppId><CreateTime>1413192605</CreateTime>'
    . '<InfoType>component_verify_ticket</InfoType>'
    . '<ComponentVerifyTicket><![CDATA[ticket@@@x]]></ComponentVerifyTicket>'
    . '<A><B>1</B><B>2</B></A></xml>';
[$sig, $ts, $nonce, $body] = wxk_push($c, $xml);
[$event, $fields] = $c->decryptMessage($sig, $ts, $nonce, $body);

$m = $c->decryptMessageObject($sig, $ts, $nonce, $body);
echo get_class($m), ' ', $m->type, "\n";
var_dump($m->event === $event);
// Not built until read; then the same array as the eager form, and stays built.
$built = new ReflectionProperty(Weixinkit\Message::class, 'fields');
var_dump($built->isInitialized($m), isset($m->fields));
var_dump($m->fields === $fields, $m->field('A/B'), $m->values('A/B'));
var_dump($built->isInitialized($m), $m->fields === $fields);
// The same message as the package builds from the arrays, and printing hides the ticket.
var_dump($m->toArray() === (new Weixinkit\Message($event, $fields))->toArray());
$fresh = $c->decryptMessageObject($sig, $ts, $nonce, $body);
$shown = print_r($fresh, true);
echo str_contains($shown, 'ticket@@@x') ? 'LEAKED' : 'hidden', ' ', str_contains($shown, 'A/B') ? 'fields shown' : 'fields missing', "\n";

// A message whose fields are never read is released with it (no leak: see 005-memory).
$p = Ext\parse_message_object('<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>'
    . '<CreateTime>7</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>9</MsgId></xml>');
echo $p->type, ' ', $p->event['content'], ' ', $p->event['header']['from_user_name'], "\n";
unset($p);

// Readonly like any Message; Fields is made by the extension only.
wxk_expect_throw('write event', function () use ($m) { $m->event = []; });
wxk_expect_throw('new Fields', fn() => new Ext\Fields());
wxk_expect_throw('bad signature', fn() => $c->decryptMessageObject(str_repeat('0', 40), $ts, $nonce, $body));
wxk_expect_throw('parse garbage', fn() => Ext\parse_message_object('<xml><unclosed>'));
?>
--EXPECT--
Weixinkit\Message component_verify_ticket
bool(true)
bool(false)
bool(true)
bool(true)
string(1) "1"
array(2) {
  [0]=>
  string(1) "1"
  [1]=>
  string(1) "2"
}
bool(true)
bool(true)
bool(true)
hidden fields shown
text hi o
write event: Error 0
new Fields: Error 0
bad signature: Weixinkit\InvalidSignatureException -40001
parse garbage: Weixinkit\ParseException -40002
