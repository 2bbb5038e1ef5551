<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\Component;
use Weixinkit\MessageCrypto;
use Weixinkit\Suite;

/**
 * examples/php/callback.php for real: PHP's built-in server runs it on a free port, the local
 * WeChat server (wechat-sim) has it as the component's authorization event URL and POSTs its
 * pushes there; the ticket and refresh token must land in the file store the example uses.
 * examples/php/suite_callback.php likewise receives a suite_ticket push encrypted and signed by
 * weixinkit's own crypto, as WeCom sends it, and must store the ticket (and not a forged one).
 */
final class ExampleCallbackTest extends TestCase
{
    private const COMPONENT = 'wxcomponent0000001';
    private const SECRET = 'component-secret';
    private const TOKEN = 'componenttoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const AUTHORIZER = 'wxauthorizer000001';
    private const SUITE_ID = 'wwsuite00000000001';
    private const SUITE_SECRET = 'suite-secret';
    private const SUITE_TOKEN = 'suitetoken';
    private const SUITE_AES_KEY = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

    /** @var WechatSim|null */
    private $sim;

    /** @var resource|null the `php -S` process */
    private $server;

    /** @var string the server's stderr (its request log and the example's error_log lines) */
    private $log = '';

    /** @var string the example's store */
    private $dir = '';

    protected function setUp(): void
    {
        $this->sim = WechatSim::start();
        $this->dir = temp_dir('example');
        $this->log = tempnam(sys_get_temp_dir(), 'wxk-example-log');
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

    /** Start `php -S 127.0.0.1:PORT examples/php/callback.php` as its header says; the base URL. */
    private function startExample(): string
    {
        $example = dirname(__DIR__, 3) . '/examples/php/callback.php';
        $this->assertFileExists($example);
        $port = dead_port();
        $this->server = proc_open(
            [...php_command(), '-S', "127.0.0.1:{$port}", $example],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', $this->log, 'w']],
            $pipes,
            dirname(__DIR__, 3),
            child_env([
                'WEIXINKIT_COMPONENT_APPID' => self::COMPONENT,
                'WEIXINKIT_COMPONENT_SECRET' => self::SECRET,
                'WEIXINKIT_COMPONENT_TOKEN' => self::TOKEN,
                'WEIXINKIT_COMPONENT_AES_KEY' => self::AES_KEY,
                'WEIXINKIT_API_BASE_URI' => $this->sim->baseUrl,
                'WEIXINKIT_STORE_DIR' => $this->dir,
                'PORT' => (string) $port,
            ])
        );
        $this->assertNotFalse($this->server);
        // Wait (up to 15 s) until it accepts connections.
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

    /** A client on the example's store, to read what it stored. */
    private function storeReader(): Component
    {
        return new Component([
            'component_app_id' => self::COMPONENT,
            'component_secret' => self::SECRET,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'http' => ['api_base_uri' => $this->sim->baseUrl],
            'store' => ['type' => 'file', 'dir' => $this->dir],
        ]);
    }

    /**
     * POST to the example directly; [status, body].
     *
     * @param array<string, string> $query
     * @return array{int, string}
     */
    private function post(string $url, array $query, string $body): array
    {
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: text/xml\r\nConnection: close\r\n",
            'content' => $body,
            'ignore_errors' => true,
            'timeout' => 10,
        ]]);
        $answer = file_get_contents($url . '?' . http_build_query($query), false, $context);
        $this->assertNotFalse($answer);
        $this->assertSame(1, preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0] ?? '', $m));
        return [(int) $m[1], (string) $answer];
    }

    public function testTheExampleAnswersPushesAndStoresTheTicketAndRefreshToken(): void
    {
        $base = $this->startExample();
        $callback = "{$base}/weixin/authorization-events";
        $this->sim->request('POST', '/_sim/apps', [
            'appid' => self::COMPONENT,
            'secret' => self::SECRET,
            'kind' => 'component',
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'callback_url' => $callback,
        ]);
        $store = $this->storeReader();
        $this->assertNull($store->verifyTicket());

        // The ticket push: delivered, answered "success", stored in the example's store.
        $issued = $this->sim->componentTicket(self::COMPONENT);
        $this->assertTrue($issued['delivered'], json_encode($issued));
        $this->assertSame('success', $issued['response']);
        $this->assertSame($issued['ticket'], $store->verifyTicket());

        // The authorized push: the example exchanged the code; the refresh token WeChat lists
        // for the authorizer is the one in the store.
        $auth = $this->sim->authorize(self::COMPONENT, self::AUTHORIZER);
        $this->assertTrue($auth['delivered'], json_encode($auth));
        $this->assertSame('success', $auth['response']);
        $this->assertSame(1, $this->sim->calls('/cgi-bin/component/api_query_auth'));
        $refresh = $store->refreshToken(self::AUTHORIZER);
        $this->assertNotNull($refresh);
        $listed = $store->authorizerList()['list'];
        $this->assertSame([[self::AUTHORIZER, $refresh]], array_map(
            static fn (array $item): array => [$item['authorizer_appid'], $item['refresh_token'] ?? null],
            $listed
        ));
        // ... and the authorizer token it cached works from here with no refresh.
        $this->assertSame(['127.0.0.1'], $store->authorizer(self::AUTHORIZER)->get('/cgi-bin/get_api_domain_ip')['ip_list']);
        $this->assertSame(0, $this->sim->calls('/cgi-bin/component/api_authorizer_token'));

        // The unauthorized push: the refresh token is gone from the store.
        $gone = $this->sim->unauthorize(self::COMPONENT, self::AUTHORIZER);
        $this->assertTrue($gone['delivered'], json_encode($gone));
        $this->assertSame('success', $gone['response']);
        $this->assertNull($store->refreshToken(self::AUTHORIZER));

        // The example's own handler saw each push, typed.
        $log = (string) file_get_contents($this->log);
        $this->assertStringContainsString('weixinkit push: component_verify_ticket -', $log);
        $this->assertStringContainsString('weixinkit push: authorized ' . self::AUTHORIZER, $log);
        $this->assertStringContainsString('weixinkit push: unauthorized ' . self::AUTHORIZER, $log);
        foreach ([self::SECRET, $refresh, $issued['ticket']] as $secret) {
            $this->assertStringNotContainsString($secret, $log);
        }
    }

    public function testTheExampleRefusesBadRequests(): void
    {
        $base = $this->startExample();
        $push = $this->sim->componentTicket(self::COMPONENT)['push'];   // not delivered: no callback_url
        $forged = $push['query'];
        $forged['msg_signature'] = str_repeat('0', 40);
        [$status, $body] = $this->post("{$base}/", $forged, $push['body']);
        $this->assertSame(403, $status);
        $this->assertStringContainsString('signature', $body);
        unset($forged['msg_signature']);
        $this->assertSame(400, $this->post("{$base}/", $forged, $push['body'])[0]);
        $this->assertNull($this->storeReader()->verifyTicket());
        // The genuine push, posted by hand, is taken.
        $this->assertSame([200, 'success'], $this->post("{$base}/", $push['query'], $push['body']));
        $this->assertNotNull($this->storeReader()->verifyTicket());
    }

    /** Start `php -S 127.0.0.1:PORT examples/php/suite_callback.php`; its URL. */
    private function startSuiteExample(): string
    {
        $example = dirname(__DIR__, 3) . '/examples/php/suite_callback.php';
        $this->assertFileExists($example);
        $port = dead_port();
        $this->server = proc_open(
            [...php_command(), '-S', "127.0.0.1:{$port}", $example],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', $this->log, 'w']],
            $pipes,
            dirname(__DIR__, 3),
            child_env([
                'WEIXINKIT_SUITE_ID' => self::SUITE_ID,
                'WEIXINKIT_SUITE_SECRET' => self::SUITE_SECRET,
                'WEIXINKIT_SUITE_TOKEN' => self::SUITE_TOKEN,
                'WEIXINKIT_SUITE_AES_KEY' => self::SUITE_AES_KEY,
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
        return "http://127.0.0.1:{$port}/wecom/suite-events";
    }

    /**
     * POST a suite_ticket push to the example, built with weixinkit's crypto; [status, body].
     *
     * @return array{int, string}
     */
    private function pushTicket(string $url, string $ticket, string $nonce, bool $forge = false): array
    {
        $timestamp = (string) time();
        $xml = '<xml><SuiteId><![CDATA[' . self::SUITE_ID . ']]></SuiteId>'
            . '<InfoType><![CDATA[suite_ticket]]></InfoType>'
            . "<TimeStamp>{$timestamp}</TimeStamp><SuiteTicket><![CDATA[{$ticket}]]></SuiteTicket></xml>";
        $body = (new MessageCrypto(self::SUITE_TOKEN, self::SUITE_AES_KEY, self::SUITE_ID))->encryptReply($xml, $timestamp, $nonce);
        $this->assertSame(1, preg_match('#<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]></MsgSignature>#', $body, $m));
        $query = [
            'msg_signature' => $forge ? str_repeat('0', 40) : $m[1],
            'timestamp' => $timestamp,
            'nonce' => $nonce,
        ];
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: text/xml\r\nConnection: close\r\n",
            'content' => $body,
            'ignore_errors' => true,
            'timeout' => 10,
        ]]);
        $answer = file_get_contents($url . '?' . http_build_query($query), false, $context);
        $this->assertNotFalse($answer);
        $this->assertSame(1, preg_match('#^HTTP/\S+ (\d{3})#', $http_response_header[0] ?? '', $s));
        return [(int) $s[1], (string) $answer];
    }

    public function testTheSuiteExampleStoresAPushedSuiteTicketAndRefusesAForgedOne(): void
    {
        $url = $this->startSuiteExample();
        $store = new Suite([
            'suite_id' => self::SUITE_ID,
            'suite_secret' => self::SUITE_SECRET,
            'token' => self::SUITE_TOKEN,
            'encoding_aes_key' => self::SUITE_AES_KEY,
            'store' => ['type' => 'file', 'dir' => $this->dir],
        ]);
        $this->assertNull($store->suiteTicket());

        $this->assertSame([200, 'success'], $this->pushTicket($url, 'suiteticket-from-the-test', 'n0nce1'));
        $this->assertSame('suiteticket-from-the-test', $store->suiteTicket());
        $this->assertStringContainsString('weixinkit suite push: ', (string) file_get_contents($this->log));

        [$status, $body] = $this->pushTicket($url, 'suiteticket-forged', 'n0nce2', true);
        $this->assertSame(403, $status);
        $this->assertNotSame('success', $body);
        $this->assertSame('suiteticket-from-the-test', $store->suiteTicket());
        $this->assertStringNotContainsString('suiteticket-from-the-test', (string) file_get_contents($this->log));
    }
}
