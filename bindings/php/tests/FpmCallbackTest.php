<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\Component;
use Weixinkit\MessageCrypto;

/**
 * examples/php/callback.php served by PHP-FPM, as in production, on this run's backend: with
 * the extension and `ffi.enable=0` (so nothing but the extension can have served it), or with
 * FFI allowed. Requests go in over FastCGI through `cgi-fcgi` (Debian: libfcgi-bin).
 */
final class FpmCallbackTest extends TestCase
{
    private const COMPONENT = 'wxcomponent0000001';
    private const SECRET = 'component-secret';
    private const TOKEN = 'componenttoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

    /** @var resource|null the php-fpm master */
    private $fpm;

    /** @var string */
    private $dir = '';

    /** @var int */
    private $port = 0;

    protected function setUp(): void
    {
        $this->dir = temp_dir('fpm');
    }

    protected function tearDown(): void
    {
        if (is_resource($this->fpm)) {
            proc_terminate($this->fpm, 15);
            proc_close($this->fpm);
        }
    }

    private static function fpmBinary(): ?string
    {
        foreach (['php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION, 'php-fpm'] as $name) {
            foreach (['/usr/sbin', '/usr/local/sbin', '/usr/bin'] as $dir) {
                if (is_executable("{$dir}/{$name}")) {
                    return "{$dir}/{$name}";
                }
            }
        }
        return null;
    }

    /** Start php-fpm on a free port with the example's environment. */
    private function startFpm(): void
    {
        $fpm = self::fpmBinary();
        if ($fpm === null || trim((string) shell_exec('command -v cgi-fcgi')) === '') {
            service_missing('php-fpm or cgi-fcgi is not installed (Debian: php-fpm, libfcgi-bin)');
        }
        $this->port = dead_port();
        $root = function_exists('posix_getuid') && posix_getuid() === 0;
        $env = '';
        foreach ([
            'WEIXINKIT_COMPONENT_APPID' => self::COMPONENT,
            'WEIXINKIT_COMPONENT_SECRET' => self::SECRET,
            'WEIXINKIT_COMPONENT_TOKEN' => self::TOKEN,
            'WEIXINKIT_COMPONENT_AES_KEY' => self::AES_KEY,
            'WEIXINKIT_STORE_DIR' => "{$this->dir}/store",
            'WEIXINKIT_LIB' => (string) getenv('WEIXINKIT_LIB'),
        ] as $name => $value) {
            $env .= "env[{$name}] = \"{$value}\"\n";
        }
        $conf = "{$this->dir}/fpm.conf";
        file_put_contents($conf, "[global]\nerror_log = {$this->dir}/fpm.log\ndaemonize = no\npid = {$this->dir}/fpm.pid\n"
            . "[test]\nlisten = 127.0.0.1:{$this->port}\npm = static\npm.max_children = 1\n"
            . "catch_workers_output = yes\ndecorate_workers_output = no\n"
            . ($root ? "user = root\ngroup = root\n" : '')
            . $env);
        $cmd = [$fpm, '--nodaemonize', '--fpm-config', $conf];
        if ($root) {
            $cmd[] = '--allow-to-run-as-root';
        }
        if (extension_loaded('weixinkit')) {
            array_push($cmd, '-d', 'extension=' . (string) getenv('WEIXINKIT_EXT'), '-d', 'ffi.enable=0');
        } else {
            array_push($cmd, '-d', 'ffi.enable=1');
        }
        $this->fpm = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', "{$this->dir}/fpm.stderr", 'w']], $pipes);
        $this->assertNotFalse($this->fpm);
        $deadline = microtime(true) + 15;
        while (true) {
            $socket = @stream_socket_client("tcp://127.0.0.1:{$this->port}", $errno, $errstr, 1);
            if ($socket !== false) {
                fclose($socket);
                return;
            }
            if (!proc_get_status($this->fpm)['running'] || microtime(true) > $deadline) {
                $this->fail('php-fpm did not start: ' . @file_get_contents("{$this->dir}/fpm.stderr") . @file_get_contents("{$this->dir}/fpm.log"));
            }
            usleep(20000);
        }
    }

    /**
     * One FastCGI request to the example; [status, body].
     *
     * @param array<string, string> $query
     * @return array{int, string}
     */
    private function request(string $method, array $query, string $body): array
    {
        $example = dirname(__DIR__, 3) . '/examples/php/callback.php';
        $env = [
            'PATH' => (string) getenv('PATH'),
            'REQUEST_METHOD' => $method,
            'SCRIPT_FILENAME' => $example,
            'SCRIPT_NAME' => '/callback.php',
            'REQUEST_URI' => '/callback.php?' . http_build_query($query),
            'QUERY_STRING' => http_build_query($query),
            'CONTENT_TYPE' => 'text/xml',
            'CONTENT_LENGTH' => (string) strlen($body),
            'SERVER_PROTOCOL' => 'HTTP/1.1',
            'GATEWAY_INTERFACE' => 'CGI/1.1',
            'SERVER_NAME' => 'localhost',
            'REMOTE_ADDR' => '127.0.0.1',
        ];
        $proc = proc_open(['cgi-fcgi', '-bind', '-connect', "127.0.0.1:{$this->port}"], [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
        $this->assertNotFalse($proc);
        fwrite($pipes[0], $body);
        fclose($pipes[0]);
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        proc_close($proc);
        $cut = strpos($out, "\r\n\r\n");
        $this->assertNotFalse($cut, "no FastCGI answer: {$out}{$err}" . @file_get_contents("{$this->dir}/fpm.log"));
        $headers = substr($out, 0, $cut);
        $status = preg_match('/^Status: (\d{3})/mi', $headers, $m) ? (int) $m[1] : 200;
        return [$status, substr($out, $cut + 4)];
    }

    public function testPhpFpmServesTheExampleOnThisRunsBackend(): void
    {
        $this->startFpm();
        $ticket = 'ticket@@@fpm-' . bin2hex(random_bytes(4));
        $push = '<xml><AppId><![CDATA[' . self::COMPONENT . ']]></AppId><CreateTime>' . time() . '</CreateTime>'
            . '<InfoType><![CDATA[component_verify_ticket]]></InfoType>'
            . '<ComponentVerifyTicket><![CDATA[' . $ticket . ']]></ComponentVerifyTicket></xml>';
        $wechat = new MessageCrypto(self::TOKEN, self::AES_KEY, self::COMPONENT);
        [$timestamp, $nonce] = [(string) time(), 'fpmnonce'];
        $envelope = $wechat->encryptReply($push, $timestamp, $nonce);
        $this->assertSame(1, preg_match('/<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]>/', $envelope, $m));
        $query = ['signature' => 'x', 'timestamp' => $timestamp, 'nonce' => $nonce, 'encrypt_type' => 'aes', 'msg_signature' => $m[1]];

        $this->assertSame([200, 'success'], $this->request('POST', $query, $envelope));
        // A forged push is refused and stores nothing.
        $this->assertSame(403, $this->request('POST', ['msg_signature' => str_repeat('0', 40)] + $query, $envelope)[0]);

        $reader = new Component([
            'component_app_id' => self::COMPONENT,
            'component_secret' => self::SECRET,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'store' => ['type' => 'file', 'dir' => "{$this->dir}/store"],
        ]);
        $this->assertSame($ticket, $reader->verifyTicket());
        $log = (string) @file_get_contents("{$this->dir}/fpm.log");
        $this->assertStringContainsString('weixinkit push: component_verify_ticket', $log);
        if (extension_loaded('weixinkit')) {
            // FFI is off in the workers: only the extension can have decrypted the push.
            $this->assertStringNotContainsString('FFI', $log);
        }
    }
}
