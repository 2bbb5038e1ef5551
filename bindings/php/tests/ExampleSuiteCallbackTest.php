<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\MessageCrypto;
use Weixinkit\Suite;

/**
 * examples/php/suite_callback.php for real: PHP's built-in server runs it on a free port and
 * receives a suite_ticket push encrypted and signed by weixinkit's own crypto, as WeCom sends
 * it; the ticket must land in the file store the example uses, and a forged push must not.
 */
final class ExampleSuiteCallbackTest extends TestCase
{
    private const SUITE = 'wwsuite00000000001';
    private const SECRET = 'suite-secret';
    private const TOKEN = 'suitetoken';
    private const AES_KEY = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

    /** @var resource|null the `php -S` process */
    private $server;

    /** @var string the server's stderr (its request log and the example's error_log lines) */
    private $log = '';

    /** @var string the example's store */
    private $dir = '';

    protected function setUp(): void
    {
        $this->dir = temp_dir('suite-example');
        $this->log = tempnam(sys_get_temp_dir(), 'wxk-suite-example-log');
    }

    protected function tearDown(): void
    {
        if (is_resource($this->server)) {
            proc_terminate($this->server, 15);
            proc_close($this->server);
        }
        remove_tree($this->dir);
        @unlink($this->log);
    }

    /** Start `php -S 127.0.0.1:PORT examples/php/suite_callback.php`; its URL. */
    private function startExample(): string
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
                'WEIXINKIT_SUITE_ID' => self::SUITE,
                'WEIXINKIT_SUITE_SECRET' => self::SECRET,
                'WEIXINKIT_SUITE_TOKEN' => self::TOKEN,
                'WEIXINKIT_SUITE_AES_KEY' => self::AES_KEY,
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
        $xml = '<xml><SuiteId><![CDATA[' . self::SUITE . ']]></SuiteId>'
            . '<InfoType><![CDATA[suite_ticket]]></InfoType>'
            . "<TimeStamp>{$timestamp}</TimeStamp><SuiteTicket><![CDATA[{$ticket}]]></SuiteTicket></xml>";
        $body = (new MessageCrypto(self::TOKEN, self::AES_KEY, self::SUITE))->encryptReply($xml, $timestamp, $nonce);
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

    public function testTheExampleStoresAPushedSuiteTicketAndRefusesAForgedOne(): void
    {
        $url = $this->startExample();
        $store = new Suite([
            'suite_id' => self::SUITE,
            'suite_secret' => self::SECRET,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
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
