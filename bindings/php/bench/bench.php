<?php

declare(strict_types=1);

// Times the PHP binding on the shared benchmark push (../shared/vectors/perf-push.json):
//   MessageCrypto::decryptMessage  verify + decrypt + parse of the 609-byte POST body
//   MessageCrypto::encryptReply    encrypt + sign + envelope of the 343-byte plaintext
// on each backend available in this process (the extension when loaded, FFI when allowed),
// beside the same work in plain PHP (openssl_decrypt + sha1 + SimpleXML, checked to give the
// same result) and the Rust core's own criterion figures when `cargo bench --bench push` has
// left them in target/criterion. Several rounds each, alternating between the contenders;
// prints the median microseconds per call and the ratios.
//
//   cargo build --release && bash bindings/php/ext/build.sh target/release target/php-ext-release
//   php -d extension=target/php-ext-release/modules/weixinkit.so bindings/php/bench/bench.php [rounds]
//
// (scripts/bench.sh does all of it.) Uses target/release/libweixinkit.so (or WEIXINKIT_LIB) for
// FFI; refuses a debug build.

require dirname(__DIR__) . '/src/autoload.php';
require __DIR__ . '/measure.php';

use Weixinkit\MessageCrypto;
use Weixinkit\Native;

$rounds = max(3, (int) ($argv[1] ?? 9));
$repo = dirname(__DIR__, 3);
$vectors = getenv('WEIXINKIT_VECTORS') ?: $repo . '/../shared/vectors';
$perf = json_decode((string) file_get_contents("{$vectors}/perf-push.json"), true, 8, JSON_THROW_ON_ERROR);
[$sig, $ts, $nonce, $body] = [$perf['msg_signature'], $perf['timestamp'], $perf['nonce'], $perf['push_xml']];

/** The push decrypted and parsed in plain PHP, the way a PHP SDK without weixinkit does it. */
final class PlainPhp
{
    /** @var string */
    private $token;
    /** @var string */
    private $key;
    /** @var string */
    private $iv;
    /** @var string */
    private $appId;

    public function __construct(string $token, string $encodingAesKey, string $appId)
    {
        $this->token = $token;
        $this->key = base64_decode($encodingAesKey . '=', true);
        $this->iv = substr($this->key, 0, 16);
        $this->appId = $appId;
    }

    /** @return array{array<string, mixed>, array<string, list<string>>} [event, fields] */
    public function decryptMessage(string $msgSignature, string $timestamp, string $nonce, string $body): array
    {
        $envelope = simplexml_load_string($body, 'SimpleXMLElement', LIBXML_NOCDATA);
        if ($envelope === false || !isset($envelope->Encrypt)) {
            throw new RuntimeException('parse');
        }
        $encrypt = (string) $envelope->Encrypt;
        $parts = [$this->token, $timestamp, $nonce, $encrypt];
        sort($parts, SORT_STRING);
        if (!hash_equals(sha1(implode('', $parts)), $msgSignature)) {
            throw new RuntimeException('signature');
        }
        $plain = openssl_decrypt($encrypt, 'aes-256-cbc', $this->key, OPENSSL_ZERO_PADDING, $this->iv);
        if ($plain === false || $plain === '') {
            throw new RuntimeException('ciphertext');
        }
        $pad = ord($plain[strlen($plain) - 1]);
        if ($pad < 1 || $pad > 32 || substr($plain, -$pad) !== str_repeat(chr($pad), $pad)) {
            throw new RuntimeException('padding');
        }
        $plain = substr($plain, 16, -$pad);
        $length = unpack('N', substr($plain, 0, 4))[1];
        $xml = substr($plain, 4, $length);
        if (substr($plain, 4 + $length) !== $this->appId) {
            throw new RuntimeException('receiver id');
        }
        $doc = simplexml_load_string($xml, 'SimpleXMLElement', LIBXML_NOCDATA);
        if ($doc === false) {
            throw new RuntimeException('parse');
        }
        $fields = [];
        self::leaves($doc, '', $fields);
        $event = match ($fields['InfoType'][0] ?? null) {
            'component_verify_ticket' => [
                'type' => 'component_verify_ticket',
                'app_id' => $fields['AppId'][0] ?? '',
                'create_time' => (int) ($fields['CreateTime'][0] ?? 0),
                'ticket' => $fields['ComponentVerifyTicket'][0] ?? '',
            ],
            default => ['type' => 'other'],
        };
        return [$event, $fields];
    }

    /** @param array<string, list<string>> $fields */
    private static function leaves(SimpleXMLElement $node, string $prefix, array &$fields): void
    {
        foreach ($node->children() as $name => $child) {
            $path = $prefix === '' ? $name : "{$prefix}/{$name}";
            if ($child->count() > 0) {
                self::leaves($child, $path, $fields);
            } else {
                $fields[$path][] = trim((string) $child);
            }
        }
    }

    public function encryptReply(string $plaintext, string $timestamp, string $nonce): string
    {
        $data = random_bytes(16) . pack('N', strlen($plaintext)) . $plaintext . $this->appId;
        $pad = 32 - strlen($data) % 32;
        $data .= str_repeat(chr($pad), $pad);
        $encrypt = base64_encode((string) openssl_encrypt($data, 'aes-256-cbc', $this->key, OPENSSL_RAW_DATA | OPENSSL_ZERO_PADDING, $this->iv));
        $parts = [$this->token, $timestamp, $nonce, $encrypt];
        sort($parts, SORT_STRING);
        return '<xml><Encrypt><![CDATA[' . $encrypt . ']]></Encrypt><MsgSignature><![CDATA['
            . sha1(implode('', $parts)) . ']]></MsgSignature><TimeStamp>' . $timestamp
            . '</TimeStamp><Nonce><![CDATA[' . $nonce . ']]></Nonce></xml>';
    }
}

/**
 * Median µs per call of `$fn` over `$rounds` rounds of `$iterations` calls (calibrated so a
 * round takes about 0.2 s).
 *
 * @return array{float, int}
 */
function fail(string $why): never
{
    fwrite(STDERR, "bench: {$why}\n");
    exit(1);
}

// The backends this process can use.
$backends = [];
if (extension_loaded('weixinkit')) {
    $backends[] = 'ext';
}
if (extension_loaded('ffi') && in_array(ini_get('ffi.enable'), ['1', 'preload'], true) && PHP_SAPI === 'cli') {
    $library = Native::libraryPath();
    if (getenv('WEIXINKIT_LIB') === false && strpos($library, '/target/release/') === false) {
        fail("only a debug build found ({$library}); run `cargo build --release` first");
    }
    $backends[] = 'ffi';
}
if ($backends === []) {
    fail('neither the weixinkit extension nor FFI is available');
}

// Every contender, checked before it is timed: the same event and fields, a reply that
// decrypts back to the plaintext.
$plainPhp = new PlainPhp($perf['token'], $perf['encoding_aes_key'], $perf['app_id']);
$contenders = [];
$reference = null;
foreach ($backends as $backend) {
    Native::useBackend($backend);
    $crypto = new MessageCrypto($perf['token'], $perf['encoding_aes_key'], $perf['app_id']);
    $message = $crypto->decryptMessage($sig, $ts, $nonce, $body);
    if ($message->type !== 'component_verify_ticket' || $message->event['ticket'] !== $perf['ticket']) {
        fail("the perf push did not decrypt to its ticket ({$backend})");
    }
    $reference ??= [$message->event, $message->fields, $crypto];
    if ([$message->event, $message->fields] !== [$reference[0], $reference[1]]) {
        fail("{$backend} parsed the push differently");
    }
    $contenders[$backend] = [
        'decryptMessage' => static fn () => $crypto->decryptMessage($sig, $ts, $nonce, $body),
        'encryptReply' => static fn () => $crypto->encryptReply($perf['plain_xml'], $ts, $nonce),
    ];
}
[$refEvent, $refFields, $refCrypto] = $reference;
if ($plainPhp->decryptMessage($sig, $ts, $nonce, $body) !== [$refEvent, $refFields]) {
    fail('the plain PHP baseline parsed the push differently');
}
$plainReply = $plainPhp->encryptReply($perf['plain_xml'], $ts, $nonce);
preg_match('/<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]>/', $plainReply, $m);
if ($refCrypto->decryptBody($m[1], $ts, $nonce, $plainReply) !== $perf['plain_xml']) {
    fail('the plain PHP reply does not decrypt to the plaintext');
}
// And the baseline reads what weixinkit encrypts.
$push = $refCrypto->encryptReply('<xml><AppId>a</AppId><CreateTime>1</CreateTime><InfoType>component_verify_ticket</InfoType>'
    . '<ComponentVerifyTicket>t</ComponentVerifyTicket></xml>', $ts, $nonce);
preg_match('/<MsgSignature><!\[CDATA\[([0-9a-f]{40})\]\]>/', $push, $m);
if ($plainPhp->decryptMessage($m[1], $ts, $nonce, $push)[0]['ticket'] !== 't') {
    fail('the plain PHP baseline cannot read a push weixinkit encrypted');
}
$contenders['plain PHP'] = [
    'decryptMessage' => static fn () => $plainPhp->decryptMessage($sig, $ts, $nonce, $body),
    'encryptReply' => static fn () => $plainPhp->encryptReply($perf['plain_xml'], $ts, $nonce),
];

// The Rust core's criterion medians, when `cargo bench --bench push` ran.
$criterion = getenv('WEIXINKIT_CRITERION_DIR') ?: (getenv('CARGO_TARGET_DIR') ?: $repo . '/target') . '/criterion';
$rust = [];
foreach (['decryptMessage' => 'verify_decrypt_parse', 'encryptReply' => 'encrypt_reply', 'encryptFloor' => 'encrypt_floor'] as $case => $bench) {
    $file = "{$criterion}/{$bench}/new/estimates.json";
    if (is_file($file)) {
        $estimates = json_decode((string) file_get_contents($file), true);
        $rust[$case] = $estimates['median']['point_estimate'] / 1000;
    }
}

printf("weixinkit PHP bench: PHP %s, backends %s\n", PHP_VERSION, implode(', ', $backends));
printf("input: perf-push.json (%d-byte body, %d-byte plaintext), %d rounds; median us/call\n", strlen($body), strlen($perf['plain_xml']), $rounds);
foreach (['decryptMessage', 'encryptReply'] as $case) {
    printf("%s\n", $case === 'decryptMessage' ? 'decryptMessage (verify + decrypt + parse)' : 'encryptReply (encrypt + sign + XML envelope)');
    $results = [];
    foreach (measure(array_map(static fn (array $fns) => $fns[$case], $contenders), $rounds) as $name => [$median, $iterations]) {
        $results[$name] = $median;
        printf("  %-10s %8.2f us  (%d x %d)\n", $name, $median, $rounds, $iterations);
    }
    if (isset($rust[$case])) {
        printf("  %-10s %8.2f us  (criterion, %s)\n", 'Rust core', $rust[$case], $case === 'decryptMessage' ? 'verify_decrypt_parse' : 'encrypt_reply');
    }
    $fastest = $results['ext'] ?? $results['ffi'];
    $label = isset($results['ext']) ? 'ext' : 'ffi';
    if (isset($rust[$case])) {
        printf("  %s / Rust core: %.2fx\n", $label, $fastest / $rust[$case]);
    }
    if (isset($results['ext'], $results['ffi'])) {
        printf("  ffi / ext: %.2fx\n", $results['ffi'] / $results['ext']);
    }
    printf("  plain PHP / %s: %.2fx\n", $label, $results['plain PHP'] / $fastest);
    if ($case === 'encryptReply' && isset($rust['encryptFloor'])) {
        // criterion's encrypt_floor: AES-256-CBC over the padded plaintext and SHA-1 over the
        // signature input, natively, with nothing else. Plain PHP's time over it bounds how far
        // ahead of plain PHP any encryptReply can be on this CPU.
        printf("  %-10s %8.2f us  (criterion, encrypt_floor: AES-256-CBC + SHA-1 only)\n", 'floor', $rust['encryptFloor']);
        printf("  plain PHP / floor: %.2fx (the most any encryptReply can lead plain PHP by)\n", $results['plain PHP'] / $rust['encryptFloor']);
    }
}
