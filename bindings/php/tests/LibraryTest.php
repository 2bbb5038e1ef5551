<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;

/** Finding and loading the library, in fresh PHP processes (FFI loads once per process). */
final class LibraryTest extends TestCase
{
    private const SCRIPT = <<<'PHP'
        require getenv('WEIXINKIT_PHP_SRC') . '/autoload.php';
        try {
            $p = json_decode(file_get_contents(getenv('WEIXINKIT_PERF')), true);
            $c = new Weixinkit\MessageCrypto($p['token'], $p['encoding_aes_key'], $p['app_id']);
            echo $c->decryptMessage($p['msg_signature'], $p['timestamp'], $p['nonce'], $p['push_xml'])->event['ticket'] === $p['ticket'] ? 'ticket' : 'wrong';
        } catch (Weixinkit\WeixinkitException $e) {
            echo get_class($e), ' ', $e->getCode(), ' ', $e->getKind(), ': ', $e->getMessage();
        }
        PHP;

    /**
     * Run SCRIPT in a new php process with extra ini settings and environment.
     *
     * @param list<string> $ini
     * @param array<string, string> $env
     * @return array{int, string}
     */
    private function runPhp(array $ini, array $env): array
    {
        $script = tempnam(sys_get_temp_dir(), 'wxk-test');
        file_put_contents($script, "<?php\n" . self::SCRIPT);
        $cmd = [PHP_BINARY, '-n'];
        foreach (array_merge(['extension=ffi'], $ini) as $setting) {
            $cmd[] = '-d';
            $cmd[] = $setting;
        }
        $cmd[] = $script;
        $base = [
            'PATH' => (string) getenv('PATH'),
            'WEIXINKIT_PHP_SRC' => dirname(__DIR__) . '/src',
            'WEIXINKIT_PERF' => weixinkit_vectors_dir() . '/perf-push.json',
        ];
        $lib = getenv('WEIXINKIT_LIB');
        if ($lib !== false) {
            $base['WEIXINKIT_LIB'] = $lib;
        }
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, array_merge($base, $env));
        $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $status = proc_close($proc);
        unlink($script);
        return [$status, trim((string) $out)];
    }

    public function testAMissingLibraryIsAClearException(): void
    {
        [$status, $out] = $this->runPhp([], ['WEIXINKIT_LIB' => '/nonexistent/libweixinkit.so']);
        $this->assertSame(0, $status, $out);
        $this->assertSame(
            'Weixinkit\WeixinkitException -1 library: WEIXINKIT_LIB points to /nonexistent/libweixinkit.so, which does not exist',
            $out
        );
    }

    public function testAPreloadedHeaderIsUsedWithoutLoadingAtRunTime(): void
    {
        $header = tempnam(sys_get_temp_dir(), 'wxk-preload');
        exec(escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(dirname(__DIR__) . '/ffi-preload-header.php') . ' > ' . escapeshellarg($header), $_, $status);
        $this->assertSame(0, $status);
        $this->assertStringStartsWith("#define FFI_SCOPE \"WEIXINKIT\"\n#define FFI_LIB \"", (string) file_get_contents($header));
        try {
            // A bogus WEIXINKIT_LIB proves the library came from the preloaded scope.
            [$status, $out] = $this->runPhp(
                ['ffi.enable=preload', "ffi.preload={$header}"],
                ['WEIXINKIT_LIB' => '/nonexistent/libweixinkit.so']
            );
        } finally {
            unlink($header);
        }
        $this->assertSame([0, 'ticket'], [$status, $out]);
    }

    public function testAHandleHeldUntilShutdownIsReleasedQuietly(): void
    {
        $script = tempnam(sys_get_temp_dir(), 'wxk-test');
        file_put_contents($script, <<<'PHP'
            <?php
            require getenv('WEIXINKIT_PHP_SRC') . '/autoload.php';
            final class Holder { public static $crypto; }
            Holder::$crypto = new Weixinkit\MessageCrypto('t', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1');
            $GLOBALS['also'] = Weixinkit\MessageCrypto::withOptions('t', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', Weixinkit\ReceiverIdPolicy::unchecked());
            echo 'done';
            PHP);
        $env = ['WEIXINKIT_PHP_SRC=' . dirname(__DIR__) . '/src'];
        $lib = getenv('WEIXINKIT_LIB');
        if ($lib !== false) {
            $env[] = "WEIXINKIT_LIB={$lib}";
        }
        exec('env ' . implode(' ', array_map('escapeshellarg', $env)) . ' ' . escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg($script) . ' 2>&1', $output, $status);
        unlink($script);
        $this->assertSame([0, ['done']], [$status, $output]);
    }
}
