#!/usr/bin/env bash
# Benchmarks on ../shared/vectors/perf-push.json, all release builds, medians reported:
#   Rust   criterion: verify+decrypt+parse, verify+decrypt, parse, encrypt_reply
#   Python bindings/python/bench.py (the installed package)
#   PHP    bindings/php/bench/bench.php (FFI, target/release/libweixinkit.so)
# Timings are only comparable when taken in one run on a quiet machine.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"
export WEIXINKIT_VECTORS="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"

echo "== Rust (criterion)"
cargo bench --bench push -- --warm-up-time 2 --measurement-time 5 >/dev/null
python3 - "$repo/target/criterion" <<'PY'
import json, sys, pathlib
root = pathlib.Path(sys.argv[1])
for name in ["verify_decrypt_parse", "verify_decrypt", "parse", "encrypt_reply"]:
    est = json.loads((root / name / "new" / "estimates.json").read_text())
    print(f"  {name:<22} median {est['median']['point_estimate'] / 1000:7.3f} us")
PY

echo "== Python binding"
python3 -m pip install --quiet --upgrade maturin
python3 -m pip install --quiet "$repo/bindings/python"
python3 "$repo/bindings/python/bench.py"

echo "== PHP binding"
cargo build --release --quiet
WEIXINKIT_LIB="$repo/target/release/libweixinkit.so" php "$repo/bindings/php/bench/bench.php"
