--TEST--
A store written in PHP serves a client on PHP's thread, failures become store errors, and the bridge is released with the last client
--EXTENSIONS--
weixinkit
--FILE--
<?php
final class Bridge
{
    public array $data = [];
    public array $log = [];
    public bool $down = false;

    public function call(int $op, string $key, string $value, int $ttlMs): array
    {
        $this->log[] = [$op, $key];
        if ($this->down) {
            return [-1, 'RuntimeException: cache down'];
        }
        switch ($op) {
            case 0: return isset($this->data[$key]) ? [0, $this->data[$key]] : [1, null];
            case 1: $this->data[$key] = $value; return [0, null];
            case 2: unset($this->data[$key]); return [0, null];
            case 3: return [0, 'fence'];
            default: return [0, null];
        }
    }

    public function __destruct()
    {
        echo "bridge released\n";
    }
}

$bridge = new Bridge();
$store = Weixinkit\Ext\HostStore::register($bridge);
var_dump($store->id() > 0);
$config = json_encode([
    'component_app_id' => 'wxcomponent0000001',
    'component_secret' => 'secret',
    'token' => 'token',
    'encoding_aes_key' => 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    'store' => ['type' => 'host', 'id' => $store->id()],
]);
$client = Weixinkit\Ext\Client::component($config);
unset($store); // the client holds the store from here on

echo $client->call('store_verify_ticket', '{"ticket":"ticket@@@xyz"}'), "\n";
echo $client->call('verify_ticket', '{}'), "\n";
foreach ($bridge->log as [$op, $key]) {
    echo $op, ' ', $key, "\n";
}
var_dump(str_contains(reset($bridge->data), 'ticket@@@xyz'));

$bridge->down = true;
try {
    $client->call('verify_ticket', '{}');
} catch (Throwable $e) {
    echo $e->getCode(), ' ', $e->getMessage(), "\n";
}

// A configuration naming a store that is gone.
try {
    Weixinkit\Ext\Client::component(str_replace('"id":', '"id":99999', $config));
} catch (Throwable $e) {
    echo $e->getCode(), "\n";
}

unset($bridge);
echo "dropping the client\n";
unset($client);
echo "done\n";
?>
--EXPECTF--
bool(true)
null
"ticket@@@xyz"
1 weixinkit:component_verify_ticket:wxcomponent0000001:wxcomponent0000001
0 weixinkit:component_verify_ticket:wxcomponent0000001:wxcomponent0000001
bool(true)
-50010 store error: host store get: RuntimeException: cache down
-50020
dropping the client
bridge released
done
