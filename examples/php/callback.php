<?php
// The Open Platform authorization event URL (授权事件接收URL) under PHP's built-in server:
// every push is verified and decrypted, the component_verify_ticket stored, the code of an
// `authorized` push exchanged (refresh token stored), an `unauthorized` authorizer forgotten;
// then the handler below runs and WeChat gets "success".
//
// Run it at the repository root (the library: `cargo build --release`, or set WEIXINKIT_LIB):
//
//   WEIXINKIT_COMPONENT_APPID=wx… WEIXINKIT_COMPONENT_SECRET=… WEIXINKIT_COMPONENT_TOKEN=… \
//   WEIXINKIT_COMPONENT_AES_KEY=… \
//   php -d ffi.enable=1 -S "127.0.0.1:${PORT:-8080}" examples/php/callback.php
//
// Optional: WEIXINKIT_API_BASE_URI (e.g. a local wechat-sim), WEIXINKIT_STORE_DIR (the file
// store every request shares; default <temp dir>/weixinkit). `-d ffi.enable=1` is needed
// because PHP's default (`preload`) allows FFI in the CLI but not in the built-in server.
//
// In a PSR-7 framework (Slim, Laminas / Mezzio, any PSR-15 handler) the same call takes the
// framework's request and gives back a response built with its PSR-17 factories:
//
//   return $platform->handleServerRequest($request, $handler)->toResponse($responseFactory);

require __DIR__ . '/../../bindings/php/src/autoload.php';

use Weixinkit\Component;
use Weixinkit\Message;

$config = [
    'component_app_id' => (string) getenv('WEIXINKIT_COMPONENT_APPID'),
    'component_secret' => (string) getenv('WEIXINKIT_COMPONENT_SECRET'),
    'token' => (string) getenv('WEIXINKIT_COMPONENT_TOKEN'),
    'encoding_aes_key' => (string) getenv('WEIXINKIT_COMPONENT_AES_KEY'),
    // No 'store': the file store in $WEIXINKIT_STORE_DIR (else <temp dir>/weixinkit).
];
if ((string) getenv('WEIXINKIT_API_BASE_URI') !== '') {
    $config['http'] = ['api_base_uri' => getenv('WEIXINKIT_API_BASE_URI')];
}

$platform = new Component($config);
$platform->handleCallback(
    $_SERVER['REQUEST_METHOD'],
    $_GET,
    (string) file_get_contents('php://input'),
    static function (Message $message): void {
        // Your own work: the built-in step already ran (ticket stored, code exchanged, …).
        $appid = $message->event['notice']['authorizer_appid'] ?? $message->event['authorizer_appid'] ?? '-';
        error_log("weixinkit push: {$message->type} {$appid}");
    }
)->send();
