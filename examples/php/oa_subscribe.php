<?php
// An Official Account's own web page and server URL under PHP's built-in server: "is this
// visitor following us?" through web authorization, and answering users' text messages.
//
// Run it at the repository root (the library: `cargo build --release`, or set WEIXINKIT_LIB):
//
//   WEIXINKIT_OA_APPID=wx… WEIXINKIT_OA_SECRET=… WEIXINKIT_OA_TOKEN=… \
//   WEIXINKIT_OA_AES_KEY=… WEIXINKIT_STATE_KEY=<at least 16 random bytes> \
//   php -d ffi.enable=1 -S "127.0.0.1:${PORT:-8080}" examples/php/oa_subscribe.php
//
// Optional: WEIXINKIT_API_BASE_URI (e.g. a local wechat-sim), WEIXINKIT_STORE_DIR (the file
// store every request shares, so the access token is fetched once; default
// <temp dir>/weixinkit).
//
// Open /subscribed inside WeChat: it sends the visitor to WeChat's silent authorization
// (snsapi_base) with a state bound to the PHP session, WeChat redirects back to
// /oauth/callback with a code, and the page says whether the visitor follows the account.
// Set http(s)://your.host/wechat as the account's server URL: text messages are answered
// "you said …" (encrypted in safe mode).

require __DIR__ . '/../../bindings/php/src/autoload.php';

use Weixinkit\InvalidInputException;
use Weixinkit\Message;
use Weixinkit\OAuthState;
use Weixinkit\OauthCodeException;
use Weixinkit\OfficialAccount;

$config = [
    'app_id' => (string) getenv('WEIXINKIT_OA_APPID'),
    'secret' => (string) getenv('WEIXINKIT_OA_SECRET'),
    'token' => (string) getenv('WEIXINKIT_OA_TOKEN'),
    // No 'store': the file store in $WEIXINKIT_STORE_DIR (else <temp dir>/weixinkit).
    // A replayed push (same timestamp, nonce and signature) within 5 minutes answers 409, an
    // older or forged-date one 403, across every worker sharing the store.
    'callback' => ['replay_window_seconds' => 300],
];
if ((string) getenv('WEIXINKIT_OA_AES_KEY') !== '') {
    $config['encoding_aes_key'] = getenv('WEIXINKIT_OA_AES_KEY');
}
if ((string) getenv('WEIXINKIT_API_BASE_URI') !== '') {
    $config['http'] = ['api_base_uri' => getenv('WEIXINKIT_API_BASE_URI')];
}
$account = new OfficialAccount($config);
$states = new OAuthState((string) getenv('WEIXINKIT_STATE_KEY'));

/** Answer with a status and a plain-text body. */
function answer(int $status, string $body): void
{
    http_response_code($status);
    header('Content-Type: text/plain; charset=utf-8');
    echo $body;
}

$path = (string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
switch ($path) {
    case '/subscribed':
        // The state ties WeChat's redirect to this browser session.
        session_start();
        $callback = "http://{$_SERVER['HTTP_HOST']}/oauth/callback";
        header('Location: ' . $account->oauthUrl($callback, 'snsapi_base', $states->issue(session_id())), true, 302);
        break;

    case '/oauth/callback':
        session_start();
        try {
            $states->verify((string) ($_GET['state'] ?? ''), session_id());
        } catch (InvalidInputException $e) {
            answer(400, $e->getMessage());
            break;
        }
        $code = (string) ($_GET['code'] ?? '');
        if ($code === '') {
            answer(400, 'the user refused the authorization');
            break;
        }
        try {
            $user = $account->userInfoByCode($code);
        } catch (OauthCodeException $e) {
            // Used or expired (a reload of this page): start again.
            header('Location: /subscribed', true, 302);
            break;
        }
        answer(200, $user['subscribe'] ? 'subscribed' : 'not subscribed');
        break;

    case '/wechat':
        $account->handleMessage(
            $_SERVER['REQUEST_METHOD'],
            $_GET,
            (string) file_get_contents('php://input'),
            static function (Message $message): ?array {
                $content = $message->field('Content');
                return $content === null ? null : ['type' => 'text', 'content' => "you said {$content}"];
            }
        )->send();
        break;

    default:
        answer(404, 'not found');
}
