<?php
// A WeCom third-party app's (suite's) data/command callback URL under PHP's built-in server (or
// php-fpm): GET verifies the URL; every push is verified and decrypted, the suite_ticket stored,
// the auth code of `create_auth` / `reset_permanent_code` exchanged (permanent code stored), a
// `cancel_auth` corp forgotten; then the handler below runs and WeCom gets "success".
//
// Run it at the repository root (the library: `cargo build --release`, or set WEIXINKIT_LIB):
//
//   WEIXINKIT_SUITE_ID=ww… WEIXINKIT_SUITE_SECRET=… WEIXINKIT_SUITE_TOKEN=… \
//   WEIXINKIT_SUITE_AES_KEY=… \
//   php -d ffi.enable=1 -S "127.0.0.1:${PORT:-8080}" examples/php/suite_callback.php
//
// Optional: WEIXINKIT_PROVIDER_CORPID (also accepted by URL verification),
// WEIXINKIT_WORK_BASE_URI (e.g. a local wechat-sim), WEIXINKIT_STORE_DIR (the file store every
// request shares; default <temp dir>/weixinkit). In a PSR-7 framework, pass the request's
// method, query params and body the same way.

require __DIR__ . '/../../bindings/php/src/autoload.php';

use Weixinkit\Message;
use Weixinkit\Suite;

$config = [
    'suite_id' => (string) getenv('WEIXINKIT_SUITE_ID'),
    'suite_secret' => (string) getenv('WEIXINKIT_SUITE_SECRET'),
    'token' => (string) getenv('WEIXINKIT_SUITE_TOKEN'),
    'encoding_aes_key' => (string) getenv('WEIXINKIT_SUITE_AES_KEY'),
    // No 'store': the file store in $WEIXINKIT_STORE_DIR (else <temp dir>/weixinkit).
];
if ((string) getenv('WEIXINKIT_PROVIDER_CORPID') !== '') {
    $config['provider_corp_id'] = getenv('WEIXINKIT_PROVIDER_CORPID');
}
if ((string) getenv('WEIXINKIT_WORK_BASE_URI') !== '') {
    $config['http'] = ['work_base_uri' => getenv('WEIXINKIT_WORK_BASE_URI')];
}

$suite = new Suite($config);
$suite->handleCallback(
    $_SERVER['REQUEST_METHOD'],
    $_GET,
    (string) file_get_contents('php://input'),
    static function (Message $message): void {
        // Your own work: the built-in step already ran (ticket stored, permanent code stored, …).
        $corp = $message->event['auth_corp_id'] ?? '-';
        error_log("weixinkit suite push: {$message->type} {$corp}");
    }
)->send();
