<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\MessageCrypto;
use Weixinkit\Weixinkit;

/**
 * examples/php/oa_subscribe.php for real: PHP's built-in server runs it on a free port; the
 * test plays the browser (following its redirect to WeChat's authorization page, keeping its
 * session cookie) and WeChat (the local server issues the code; the test posts an encrypted
 * message to the server URL and decrypts the reply).
 */
final class ExampleOaSubscribeTest extends TestCase
{
    private const APP_ID = 'wxoa00000000000001';
    private const SECRET = 'oa-secret';
    private const TOKEN = 'oatoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const TEXT = '<xml><ToUserName><![CDATA[gh_account]]></ToUserName>'
        . '<FromUserName><![CDATA[o-user-1]]></FromUserName><CreateTime>1700000000</CreateTime>'
        . '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>';

    /** @var WechatSim|null */
    private $sim;

    /** @var resource|null the `php -S` process */
    private $server;

    /** @var string the server's stderr */
    private $log = '';

    /** @var string the example's token store and the PHP sessions */
    private $dir = '';

    /** @var string the example's base URL */
    private $base = '';

    protected function setUp(): void
    {
        $this->sim = WechatSim::start();
        $this->dir = temp_dir('oa-example');
        $this->log = tempnam(sys_get_temp_dir(), 'wxk-oa-example-log');
        $this->base = $this->startExample();
    }

    protected function tearDown(): void
    {
        if (is_resource($this->server)) {
            proc_terminate($this->server, 15);
            proc_close($this->server);
        }
        $this->sim->stop();
        remove_tree($this->dir);
        @unlink($this->log);
    }

    /** Start `php -S 127.0.0.1:PORT examples/php/oa_subscribe.php` as its header says. */
    private function startExample(): string
    {
        $example = dirname(__DIR__, 3) . '/examples/php/oa_subscribe.php';
        $this->assertFileExists($example);
        $port = dead_port();
        $this->server = proc_open(
            // The sessions in this test's directory rather than the system's.
            [...php_command(), '-d', "session.save_path={$this->dir}", '-S', "127.0.0.1:{$port}", $example],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', $this->log, 'w']],
            $pipes,
            dirname(__DIR__, 3),
            child_env([
                'WEIXINKIT_OA_APPID' => self::APP_ID,
                'WEIXINKIT_OA_SECRET' => self::SECRET,
                'WEIXINKIT_OA_TOKEN' => self::TOKEN,
                'WEIXINKIT_OA_AES_KEY' => self::AES_KEY,
                'WEIXINKIT_STATE_KEY' => 'a state key for the example test',
                'WEIXINKIT_API_BASE_URI' => $this->sim->baseUrl,
                'WEIXINKIT_STORE_DIR' => $this->dir,
            ])
        );
        $this->assertNotFalse($this->server);
        $deadline = microtime(true) + 15;
        while (true) {
            $socket = @stream_socket_client("tcp://127.0.0.1:{$port}", $errno, $errstr, 1);
            if ($socket !== false) {
                fclose($socket);
                break;
            }
            $status = proc_get_status($this->server);
            if (!$status['running'] || microtime(true) > $deadline) {
                $this->fail('php -S did not start: ' . file_get_contents($this->log));
            }
            usleep(20000);
        }
        return "http://127.0.0.1:{$port}";
    }

    /**
     * One request to the example, redirects not followed: [status, headers, body].
     *
     * @param array<string, string> $query
     * @return array{int, list<string>, string}
     */
    private function request(string $method, string $path, array $query = [], string $body = '', string $cookie = ''): array
    {
        $headers = "Connection: close\r\n";
        if ($cookie !== '') {
            $headers .= "Cookie: {$cookie}\r\n";
        }
        if ($body !== '') {
            $headers .= "Content-Type: text/xml\r\n";
        }
        $context = stream_context_create(['http' => [
            'method' => $method,
            'header' => $headers,
            'content' => $body,
            'ignore_errors' => true,
            'follow_location' => 0,
            'timeout' => 10,
        ]]);
        $url = $this->base . $path . ($query === [] ? '' : '?' . http_build_query($query));
        $answer = file_get_contents($url, false, $context);
        $this->assertNotFalse($answer, file_get_contents($this->log));
        $this->assertSame(1, preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0] ?? '', $m));
        return [(int) $m[1], $http_response_header, (string) $answer];
    }

    /** @param list<string> $headers */
    private static function header(array $headers, string $name): ?string
    {
        foreach ($headers as $line) {
            if (stripos($line, "{$name}:") === 0) {
                return trim(substr($line, strlen($name) + 1));
            }
        }
        return null;
    }

    /**
     * /subscribed: the redirect to WeChat's page and the session cookie; [query, cookie].
     *
     * @return array{array<string, string>, string}
     */
    private function start(): array
    {
        [$status, $headers] = $this->request('GET', '/subscribed');
        $this->assertSame(302, $status, file_get_contents($this->log));
        $location = (string) self::header($headers, 'Location');
        $url = parse_url($location);
        $this->assertSame(['open.weixin.qq.com', '/connect/oauth2/authorize', 'wechat_redirect'], [$url['host'], $url['path'], $url['fragment']]);
        parse_str($url['query'], $query);
        $this->assertSame([self::APP_ID, 'snsapi_base'], [$query['appid'], $query['scope']]);
        $this->assertSame("{$this->base}/oauth/callback", $query['redirect_uri']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{56}$/', $query['state']);
        $cookie = (string) self::header($headers, 'Set-Cookie');
        $this->assertStringStartsWith('PHPSESSID=', $cookie);
        return [$query, explode(';', $cookie)[0]];
    }

    public function testTheSubscribeCheckFromRedirectToAnswer(): void
    {
        foreach ([[true, 'subscribed'], [false, 'not subscribed']] as [$subscribed, $expected]) {
            [$query, $cookie] = $this->start();
            // WeChat (the local server) issues the code and redirects back with the state.
            $code = $this->sim->request('POST', '/_sim/oauth_code', [
                'appid' => self::APP_ID, 'scope' => 'snsapi_base', 'subscribed' => $subscribed,
            ])['code'];
            $back = ['code' => $code, 'state' => $query['state']];
            [$status, , $page] = $this->request('GET', '/oauth/callback', $back, '', $cookie);
            $this->assertSame([200, $expected], [$status, $page], file_get_contents($this->log));
            // A reload: the code is used, the visitor is sent to start again.
            [$status, $headers] = $this->request('GET', '/oauth/callback', $back, '', $cookie);
            $this->assertSame([302, '/subscribed'], [$status, self::header($headers, 'Location')]);
        }

        // The state of another session, or a forged one: refused before any code is exchanged.
        [$query] = $this->start();
        [, $otherCookie] = $this->start();
        $before = $this->sim->calls('/sns/oauth2/access_token');
        $code = $this->sim->request('POST', '/_sim/oauth_code', ['appid' => self::APP_ID])['code'];
        [$status, , $body] = $this->request('GET', '/oauth/callback', ['code' => $code, 'state' => $query['state']], '', $otherCookie);
        $this->assertSame(400, $status);
        $this->assertStringContainsString('session', $body);
        [$status] = $this->request('GET', '/oauth/callback', ['code' => $code, 'state' => str_repeat('0', 56)], '', $otherCookie);
        $this->assertSame(400, $status);
        $this->assertSame($before, $this->sim->calls('/sns/oauth2/access_token'));
    }

    public function testTheServerUrlAnswersATextMessageWithAnEncryptedReply(): void
    {
        [$ts, $nonce] = [(string) time(), 'n0'];
        $parts = [self::TOKEN, $ts, $nonce];
        sort($parts, SORT_STRING);
        $signature = sha1(implode('', $parts));
        $crypto = new MessageCrypto(self::TOKEN, self::AES_KEY, self::APP_ID);
        // What WeChat sends has the same Encrypt element as a passive reply's envelope.
        $body = $crypto->encryptReply(self::TEXT, $ts, $nonce);
        preg_match('#<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>#', $body, $m);
        $query = ['signature' => $signature, 'timestamp' => $ts, 'nonce' => $nonce, 'encrypt_type' => 'aes', 'msg_signature' => $m[1]];

        [$status, , $answer] = $this->request('POST', '/wechat', $query, $body);
        $this->assertSame(200, $status, $answer);
        $this->assertStringNotContainsString('you said', $answer);
        $element = static function (string $tag) use ($answer): string {
            preg_match("#<{$tag}>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</{$tag}>#s", $answer, $found);
            return $found[1] ?? '';
        };
        $plain = $crypto->decryptBody($element('MsgSignature'), $element('TimeStamp'), $element('Nonce'), $answer);
        $reply = Weixinkit::parseMessage($plain);
        $this->assertSame('you said hello', $reply->field('Content'));
        $this->assertSame('o-user-1', $reply->field('ToUserName'));

        // Forged: 403. The URL check: echostr.
        [$status] = $this->request('POST', '/wechat', ['msg_signature' => str_repeat('0', 40)] + $query, $body);
        $this->assertSame(403, $status);
        // The example turns the replay window on: the same push again is refused, by whichever
        // worker gets it (they share the file store).
        [$status, , $again] = $this->request('POST', '/wechat', $query, $body);
        $this->assertSame(409, $status, $again);
        [$status, , $echo] = $this->request('GET', '/wechat', ['signature' => $signature, 'timestamp' => $ts, 'nonce' => $nonce, 'echostr' => 'e-1']);
        $this->assertSame([200, 'e-1'], [$status, $echo]);
        $this->assertStringNotContainsString(self::SECRET, (string) file_get_contents($this->log));
    }
}
