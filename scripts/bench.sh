#!/usr/bin/env bash
# Benchmarks, release builds, medians reported. Timings are only comparable when taken in
# one run on a quiet machine.
#   push:   criterion verify+decrypt+parse etc. on ../shared/vectors/perf-push.json, and the
#           same push through the Python, PHP and Kotlin bindings (PHP: the extension, FFI
#           and a plain-PHP baseline, with ratios to the criterion figures; Kotlin beside
#           WxJava's WxCryptUtil in the same JVM)
#   tokens: criterion cache hits (memory, file, Redis) beside redis-benchmark's GET on the same
#           server; Python cache hit and loopback calls/s against requests; PHP cache hit
#   calls:  API calls from Python (weixinkit, wechatpy, requests) and Rust (bare reqwest, the
#           core) against one nginx answering fixed JSON, unpinned and pinned to one CPU:
#           calls/s and client CPU per call (bindings/python/bench_calls.py)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"
export WEIXINKIT_VECTORS="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
# A throw-away Redis and the local WeChat server.
# shellcheck source=scripts/services.sh
source "$repo/scripts/services.sh"
# The server under the loopback benchmarks is built optimized: a debug build of it costs more
# per request than the clients being compared.
cargo build --release --quiet -p weixinkit-sim
export WEIXINKIT_SIM_BIN="${CARGO_TARGET_DIR:-$repo/target}/release/wechat-sim"

median() {
    python3 - "$repo/target/criterion" "$@" <<'PY'
import json, sys, pathlib
root = pathlib.Path(sys.argv[1])
for name in sys.argv[2:]:
    path = root / name / "new" / "estimates.json"
    if not path.exists():
        continue
    est = json.loads(path.read_text())
    ns = est['median']['point_estimate']
    print(f"  {name:<22} median {ns / 1000:8.3f} us" if ns >= 1000 else f"  {name:<22} median {ns:8.1f} ns")
PY
}

echo "== Rust push (criterion)"
cargo bench --bench push -- --warm-up-time 2 --measurement-time 5 >/dev/null
median verify_decrypt_parse verify_decrypt parse encrypt_reply encrypt_floor

echo "== Rust token cache hits (criterion; Redis at $WEIXINKIT_REDIS_URL)"
cargo bench --bench tokens -- --warm-up-time 2 --measurement-time 5 >/dev/null
median token_hit_memory token_hit_file token_hit_redis
redis_port="${WEIXINKIT_REDIS_URL##*:}"; redis_port="${redis_port%%/*}"
echo "  redis-benchmark GET, 1 client:"
redis-benchmark -p "$redis_port" -t get -n 100000 -c 1 --csv | tail -1 |
    awk -F'","' '{gsub(/"/,"",$0); split($0,f,","); printf "    %.0f requests/s = %.2f us per GET (p50 %.3f ms)\n", f[2], 1e6/f[2], f[5]}'

echo "== Python binding"
python3 -m pip install --quiet --upgrade "maturin>=1.11.2,<2" requests wechatpy cryptography xmltodict redis
python3 -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$repo/bindings/python"
python3 "$repo/bindings/python/bench.py"
python3 "$repo/bindings/python/bench_tokens.py"
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null
fi
cargo build --release --quiet --example http_baseline
python3 "$repo/bindings/python/bench_calls.py"

echo "== PHP binding: ext-weixinkit, FFI and plain PHP, beside the Rust core's figures above"
if ! command -v phpize >/dev/null 2>&1 || ! command -v php >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq php-cli php-dev php-xml make gcc >/dev/null
fi
cargo build --release --quiet
target="${CARGO_TARGET_DIR:-$repo/target}"
bash "$repo/bindings/php/ext/build.sh" "$target/release" "$target/php-ext-release"
# The PHP ratios to the core pair a PHP run with a criterion run just before it; the load of
# this shared machine drifts by tens of percent within minutes, moving either side. Three
# pairs, each printed, then the median of each ratio over them.
php_log="$(mktemp)"
for pair in 1 2 3; do
    echo "-- pair $pair: the core (criterion), then PHP"
    cargo bench --bench push -- --warm-up-time 2 --measurement-time 5 "verify_decrypt_parse|encrypt_reply|encrypt_floor" >/dev/null
    median verify_decrypt_parse encrypt_reply encrypt_floor
    WEIXINKIT_LIB="$target/release/libweixinkit.so" php -d "extension=$target/php-ext-release/modules/weixinkit.so" \
        -d ffi.enable=1 "$repo/bindings/php/bench/bench.php" 5 | tee -a "$php_log"
done
python3 - "$php_log" <<'PY'
import re, statistics, sys
ratios = {}
case = None
for line in open(sys.argv[1]):
    if line.startswith(("decryptMessage", "encryptReply")):
        case = line.split()[0]
    m = re.match(r"\s+(.+?): ([0-9.]+)x", line)
    if case and m:
        ratios.setdefault((case, m.group(1)), []).append(float(m.group(2)))
print("-- PHP ratios, median of the pairs (each pair's own in brackets)")
for (case, name), values in ratios.items():
    print(f"  {case:<15} {name:<22} {statistics.median(values):5.2f}x  {values}")
PY
rm -f "$php_log"
if [ -f "$repo/bindings/php/bench/tokens.php" ]; then
    WEIXINKIT_LIB="$target/release/libweixinkit.so" php "$repo/bindings/php/bench/tokens.php"
fi

echo "== Kotlin binding"
# The release library built above; Maven compiles the harness (bindings/kotlin/src/bench) with
# WxJava, a dependency of the bench profile only, and runs it in a fresh JVM.
(cd "$repo/bindings/kotlin" && mvn -B -q -ntp -Pbench test-compile exec:exec@bench)
