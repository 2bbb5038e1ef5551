#!/usr/bin/env bash
# Fuzz with cargo-fuzz (libFuzzer + AddressSanitizer, nightly Rust):
#   decrypt   verify + decrypt of the Encrypt value and of both envelopes (XML, JSON)
#   parse     parse_message on any document (events, messages, WeCom JSON)
#   callback  the three callback entry points (Open Platform, WeCom suite, Official Account)
#             with correctly signed pushes whose plaintext is the input, so the lifecycle runs
# The corpus (fuzz/corpus/<target>, minimized and committed) starts from the shared vectors and
# grows with every run. A crash, timeout (-timeout=5) or leak stops the run and lands in
# fuzz/artifacts/<target>/.
# Usage: scripts/fuzz.sh [seconds per target, default 60]
# The corpus starts from the shared vectors; crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
secs="${1:-60}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vectors="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
export PATH="$HOME/.cargo/bin:$PATH"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

mkdir -p "$repo/fuzz/corpus/decrypt" "$repo/fuzz/corpus/parse" "$repo/fuzz/corpus/callback"
python3 - "$vectors" "$repo/fuzz/corpus" <<'PY'
import json, sys, pathlib
vectors, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for v in json.loads((vectors / "pushes.json").read_text()):
    doc = v.get("xml") or v.get("json")
    (corpus / "parse" / v["id"]).write_text(doc)
    # callback: mode byte (0 Open Platform, 1 WeCom suite, 2 Official Account safe mode,
    # 3 Official Account plain mode; +4 for the JSON envelope) then the plaintext.
    for mode in range(4):
        (corpus / "callback" / f"{v['id']}-{mode}").write_bytes(bytes([mode]) + doc.encode())
for v in json.loads((vectors / "crypto.json").read_text()):
    if v.get("encrypt"):
        (corpus / "decrypt" / v["id"]).write_bytes(b"\x00" + v["encrypt"].encode())
    if v.get("post_body"):
        (corpus / "decrypt" / (v["id"] + "-body")).write_bytes(b"\x01" + v["post_body"].encode())
PY

cd "$repo/fuzz"
mkdir -p logs
for target in ${FUZZ_TARGETS:-decrypt parse callback}; do
    echo "== fuzzing $target for ${secs}s"
    log="logs/$target.log"
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=4096 \
        -timeout=5 -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|ERROR|SUMMARY|Done' "$log" || true
    # Plateau: coverage (cov, the edges reached) at half, three quarters and the end of the run's
    # executions, and when it last grew. Growth well under 1% over the last quarter is a
    # plateau; more means a longer run would still find code.
    python3 - "$log" <<'PY2'
import re, sys
points = []
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)", line)
    if m:
        points.append((int(m[1]), int(m[2])))
if points:
    execs, cov = points[-1]
    at = lambda share: max(c for n, c in points if n <= share * execs or n == points[0][0])
    last = next(n for n, c in points if c == cov)
    half, three_q = at(0.5), at(0.75)
    print(f"   coverage: {half} edges at 50% of {execs:,} execs, {three_q} at 75%, {cov} at the end "
          f"(+{100 * (cov - three_q) / three_q:.2f}% over the last quarter); last grew at "
          f"{100 * last / execs:.0f}% of the run")
PY2
    [ "${status:-0}" -eq 0 ] || { echo "fuzz.sh: $target failed (see fuzz/$log)" >&2; exit 1; }
    # Keep the corpus small: only inputs that add coverage.
    cargo +nightly fuzz cmin "$target" "corpus/$target" >/dev/null 2>&1
    echo "   corpus: $(ls "corpus/$target" | wc -l) inputs"
done
