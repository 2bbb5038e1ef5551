--TEST--
Tokens, keys and configurations never show in stack traces
--EXTENSIONS--
weixinkit
--FILE--
<?php
use Weixinkit\Ext;

function trace_of(callable $f): string
{
    try {
        $f();
    } catch (Throwable $e) {
        return $e->getTraceAsString() . print_r($e->getTrace(), true);
    }
    return 'no exception';
}
$traces = trace_of(fn() => Ext\Crypto::create('TOKEN-SECRET', 'KEY-SECRET', 'wx'))
    . trace_of(fn() => Ext\Crypto::withOptions('TOKEN-SECRET', 'KEY-SECRET', '{}'))
    . trace_of(fn() => Ext\Client::officialAccount('{"app_id":"wx","secret":"APP-SECRET","http":{"timeout_ms":0}}'))
    . trace_of(fn() => Ext\Client::component('{"component_secret":"APP-SECRET"}'))
    . trace_of(fn() => Ext\check_signature("TOKEN-SECRET\xff", 's', 't', 'n'))
    . trace_of(fn() => Ext\msg_signature("TOKEN-SECRET\xff", 't', 'n', 'e'))
    . trace_of(fn() => Ext\decode_aes_key('KEY-SECRET'));
$client = Ext\Client::officialAccount('{"app_id":"wx","secret":"s","store":{"type":"memory"}}');
$traces .= trace_of(fn() => $client->call('nope', '{"refresh_token":"REFRESH-SECRET"}'));
var_dump(substr_count($traces, 'SensitiveParameterValue') >= 8);
foreach (['TOKEN-SECRET', 'KEY-SECRET', 'APP-SECRET', 'REFRESH-SECRET'] as $secret) {
    echo $secret, ': ', str_contains($traces, $secret) ? 'LEAKED' : 'hidden', "\n";
}
?>
--EXPECT--
bool(true)
TOKEN-SECRET: hidden
KEY-SECRET: hidden
APP-SECRET: hidden
REFRESH-SECRET: hidden
