--TEST--
Crypto: Tencent's sample URL verification, a reply decrypted back into its event and fields
--EXTENSIONS--
weixinkit
--FILE--
<?php
require __DIR__ . '/package.inc';
use Weixinkit\Ext;

$c = Ext\Crypto::create(WXK_TOKEN, WXK_KEY, WXK_APPID);
// Tencent's published WeCom sample request.
echo $c->verifyUrl('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', '1409659589', '263014780',
    'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=='), "\n";

$xml = '<xml><AppId>wx1</AppId><CreateTime>1413192605</CreateTime>'
    . '<InfoType>component_verify_ticket</InfoType>'
    . '<ComponentVerifyTicket><![CDATA[ticket@@@x]]></ComponentVerifyTicket>'
    . '<A><B>1</B><B>2</B></A></xml>';
[$sig, $ts, $nonce, $body] = wxk_push($c, $xml);
var_dump($c->decryptBody($sig, $ts, $nonce, $body) === $xml);
[$event, $fields] = $c->decryptMessage($sig, $ts, $nonce, $body);
var_dump($event === ['type' => 'component_verify_ticket', 'app_id' => 'wx1', 'create_time' => 1413192605, 'ticket' => 'ticket@@@x']);
var_dump($fields === ['AppId' => ['wx1'], 'CreateTime' => ['1413192605'], 'InfoType' => ['component_verify_ticket'],
    'ComponentVerifyTicket' => ['ticket@@@x'], 'A/B' => ['1', '2']]);
preg_match('/<Encrypt><!\[CDATA\[([^\]]+)\]\]>/', $body, $m);
var_dump($c->decrypt($sig, $ts, $nonce, $m[1]) === $xml);

$json = json_decode($c->encryptReplyJson('{"a":1}', '7', 'n'), true);
echo implode(',', array_keys($json)), "\n";
var_dump($c->decryptBody($json['msgsignature'], '7', 'n', json_encode($json)) === '{"a":1}');

// Nested events, floats and the same shape as json_decode of the JSON the FFI backend reads.
[$event] = Ext\parse_message('<xml><AppId>c</AppId><CreateTime>1</CreateTime><InfoType>authorized</InfoType>'
    . '<AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>'
    . '<AuthorizationCodeExpiredTime>2</AuthorizationCodeExpiredTime><PreAuthCode>p</PreAuthCode></xml>');
echo json_encode($event), "\n";
[$event, $fields] = Ext\parse_message('<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>'
    . '<CreateTime>7</CreateTime><MsgType>location</MsgType><Location_X>23.5</Location_X>'
    . '<Location_Y>113</Location_Y><Scale>20</Scale><Label>x</Label><MsgId>9</MsgId></xml>');
var_dump($event['location_x'], $event['location_y']);
echo count($fields), "\n";
?>
--EXPECT--
1616140317555161061
bool(true)
bool(true)
bool(true)
bool(true)
encrypt,msgsignature,timestamp,nonce
bool(true)
{"type":"authorized","notice":{"app_id":"c","create_time":1,"authorizer_appid":"wxa","authorization_code":"code","authorization_code_expired_time":2,"pre_auth_code":"p"}}
float(23.5)
float(113)
9
