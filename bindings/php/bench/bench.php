<?php

declare(strict_types=1);

// Times the PHP binding on the shared benchmark push (../shared/vectors/perf-push.json):
//   MessageCrypto::decryptMessage  verify + decrypt + parse of the 609-byte POST body
//   MessageCrypto::encryptReply    encrypt + sign + envelope of the 343-byte plaintext
// Several rounds each; prints the median microseconds per call.
//
//   cargo build --release && php bindings/php/bench/bench.php [rounds]
//
// Uses target/release/libweixinkit.so (or WEIXINKIT_LIB); refuses a debug build.

require dirname(__DIR__) . '/src/autoload.php';

use Weixinkit\MessageCrypto;
use Weixinkit\Native;

$rounds = max(3, (int) ($argv[1] ?? 9));
$vectors = getenv('WEIXINKIT_VECTORS') ?: dirname(__DIR__, 3) . '/../shared/vectors';
$perf = json_decode((string) file_get_contents("{$vectors}/perf-push.json"), true, 8, JSON_THROW_ON_ERROR);

$library = Native::libraryPath();
if (getenv('WEIXINKIT_LIB') === false && strpos($library, '/target/release/') === false) {
    fwrite(STDERR, "bench: only a debug build found ({$library}); run `cargo build --release` first\n");
    exit(2);
}

$crypto = new MessageCrypto($perf['token'], $perf['encoding_aes_key'], $perf['app_id']);
[$sig, $ts, $nonce, $body] = [$perf['msg_signature'], $perf['timestamp'], $perf['nonce'], $perf['push_xml']];

// Check the work before timing it.
$message = $crypto->decryptMessage($sig, $ts, $nonce, $body);
if ($message->type !== 'component_verify_ticket' || $message->event['ticket'] !== $perf['ticket']) {
    fwrite(STDERR, "bench: the perf push did not decrypt to its ticket\n");
    exit(1);
}
$reply = $crypto->encryptReply($perf['plain_xml'], $ts, $nonce);
if (strncmp($reply, '<xml><Encrypt><![CDATA[', 23) !== 0) {
    fwrite(STDERR, "bench: unexpected reply envelope\n");
    exit(1);
}

/**
 * Median µs per call of `$fn` over `$rounds` rounds of `$iterations` calls (calibrated so a
 * round takes about 0.2 s).
 *
 * @return array{float, int}
 */
function measure(callable $fn, int $rounds): array
{
    $iterations = 1000;
    for (;;) {
        $start = hrtime(true);
        for ($i = 0; $i < $iterations; $i++) {
            $fn();
        }
        $elapsed = hrtime(true) - $start;
        if ($elapsed > 50_000_000) {
            break;
        }
        $iterations *= 4;
    }
    $iterations = max(1000, (int) ($iterations * 200_000_000 / $elapsed));
    $perCall = [];
    for ($r = 0; $r < $rounds; $r++) {
        $start = hrtime(true);
        for ($i = 0; $i < $iterations; $i++) {
            $fn();
        }
        $perCall[] = (hrtime(true) - $start) / $iterations / 1000;
    }
    sort($perCall);
    return [$perCall[intdiv(count($perCall), 2)], $iterations];
}

$cases = [
    'decryptMessage (verify + decrypt + parse)' => static function () use ($crypto, $sig, $ts, $nonce, $body) {
        return $crypto->decryptMessage($sig, $ts, $nonce, $body);
    },
    'decryptBody    (verify + decrypt)        ' => static function () use ($crypto, $sig, $ts, $nonce, $body) {
        return $crypto->decryptBody($sig, $ts, $nonce, $body);
    },
    'encryptReply   (encrypt + sign + XML)    ' => static function () use ($crypto, $perf, $ts, $nonce) {
        return $crypto->encryptReply($perf['plain_xml'], $ts, $nonce);
    },
];

printf("weixinkit PHP bench: PHP %s, %s\n", PHP_VERSION, $library);
printf("input: perf-push.json (%d-byte body, %d-byte plaintext), %d rounds\n", strlen($body), strlen($perf['plain_xml']), $rounds);
foreach ($cases as $name => $fn) {
    [$median, $iterations] = measure($fn, $rounds);
    printf("%s  median %6.2f us/call  (%d rounds x %d iterations)\n", $name, $median, $rounds, $iterations);
}
