<?php
// Smoke test of the Composer package installed into a temporary project
// (scripts/install-test.sh runs it from that project):
//
//   php smoke.php PROJECT_DIR VECTORS_DIR SIM_URL EXPECTED_VERSION EXPECTED_BACKEND TOKEN_OUT
//
// Checks the versions, the backend, that the FFI backend loads the library bundled in
// vendor/weixinkit/weixinkit/lib, decrypts and parses the shared perf push and fetches an
// access token from the local WeChat server (written to TOKEN_OUT for the caller to check).

declare(strict_types=1);

use Weixinkit\MessageCrypto;
use Weixinkit\Native;
use Weixinkit\OfficialAccount;
use Weixinkit\Weixinkit;

function fail(string $why): void
{
    fwrite(STDERR, "php smoke: {$why}\n");
    exit(1);
}

[, $project, $vectors, $simUrl, $expectedVersion, $expectedBackend, $tokenOut] = $argv;
require "{$project}/vendor/autoload.php";

$package = realpath("{$project}/vendor/weixinkit/weixinkit");
if ($package === false || is_link("{$project}/vendor/weixinkit/weixinkit")) {
    fail('vendor/weixinkit/weixinkit is missing or a symlink, not an installed copy');
}
$classFile = (new ReflectionClass(Weixinkit::class))->getFileName();
if (strpos((string) $classFile, $package . '/') !== 0) {
    fail("Weixinkit loaded from {$classFile}, not from {$package}");
}
if (Weixinkit::VERSION !== $expectedVersion) {
    fail('Weixinkit::VERSION is ' . Weixinkit::VERSION . ", expected {$expectedVersion}");
}
if (Native::backend() !== $expectedBackend) {
    fail('backend ' . Native::backend() . ", expected {$expectedBackend}");
}
if ($expectedBackend === 'ffi' && Native::libraryPath() !== "{$package}/lib/libweixinkit.so") {
    fail('FFI loads ' . Native::libraryPath() . ", not the package's lib/libweixinkit.so");
}
if (Weixinkit::version() !== $expectedVersion) {
    fail('the library says version ' . Weixinkit::version() . ", expected {$expectedVersion}");
}

$p = json_decode((string) file_get_contents("{$vectors}/perf-push.json"), true, 512, JSON_THROW_ON_ERROR);
$crypto = new MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']);
if ($crypto->decryptBody($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml']) !== $p['plain_xml']) {
    fail("decrypted body differs from the vector's plain_xml");
}
$message = $crypto->decryptMessage($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml']);
if ($message->field('InfoType') !== 'component_verify_ticket') {
    fail('InfoType: ' . var_export($message->field('InfoType'), true));
}

$account = new OfficialAccount([
    'app_id' => 'wxoa00000000000001',
    'secret' => 'oa-secret',
    'store' => ['type' => 'memory'],
    'http' => ['api_base_uri' => $simUrl],
]);
$token = $account->accessToken();
if ($token->value === '') {
    fail('empty access token');
}
file_put_contents($tokenOut, $token->value);
echo "php ({$expectedBackend}): weixinkit " . Weixinkit::VERSION . " from {$package}: push decrypted, token fetched\n";
