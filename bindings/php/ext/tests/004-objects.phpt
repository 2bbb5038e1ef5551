--TEST--
Handles cannot be cloned or serialized; clients report errors with their classes
--EXTENSIONS--
weixinkit
--FILE--
<?php
require __DIR__ . '/package.inc';
use Weixinkit\Ext;

$c = Ext\Crypto::create(WXK_TOKEN, WXK_KEY, WXK_APPID);
wxk_expect_throw('clone', fn() => clone $c);
wxk_expect_throw('serialize', fn() => serialize($c));
wxk_expect_throw('dynamic property', function () use ($c) { $c->x = 1; });

wxk_expect_throw('config not JSON', fn() => Ext\Client::officialAccount('{'));
wxk_expect_throw('config without secret', fn() => Ext\Client::officialAccount('{"app_id":"wx1"}'));
wxk_expect_throw('component config', fn() => Ext\Client::component('{}'));
$client = Ext\Client::officialAccount('{"app_id":"wx1","secret":"s","store":{"type":"memory"},"http":{"api_base_uri":"http://127.0.0.1:9"}}');
echo $client->call('app_id', '{}'), "\n";
wxk_expect_throw('unknown method', fn() => $client->call('nope', '{}'));
wxk_expect_throw('args not JSON', fn() => $client->call('get', "\0"));
wxk_expect_throw('unbuilt client', fn() => (new Ext\Client())->call('app_id', '{}'));
wxk_expect_throw('clone client', fn() => clone $client);
unset($client, $c);
echo "done\n";
?>
--EXPECTF--
clone: Error 0
serialize: Exception 0
dynamic property: Error 0
config not JSON: Weixinkit\ConfigException -50020
config without secret: Weixinkit\ConfigException -50020
component config: Weixinkit\ConfigException -50020
"wx1"
unknown method: Weixinkit\InvalidInputException -50005
args not JSON: Weixinkit\InvalidInputException -50005
unbuilt client: Weixinkit\InvalidInputException -50005
clone client: Error 0
done
