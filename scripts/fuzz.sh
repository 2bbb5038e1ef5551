#!/usr/bin/env bash
# Fuzz verify+decrypt+parse and parse_message with cargo-fuzz (libFuzzer, nightly Rust).
# Usage: scripts/fuzz.sh [seconds per target, default 60]
# The corpus starts from the shared vectors; crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
secs="${1:-60}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vectors="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
export PATH="$HOME/.cargo/bin:$PATH"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

mkdir -p "$repo/fuzz/corpus/decrypt" "$repo/fuzz/corpus/parse"
python3 - "$vectors" "$repo/fuzz/corpus" <<'PY'
import json, sys, pathlib
vectors, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for v in json.loads((vectors / "pushes.json").read_text()):
    (corpus / "parse" / v["id"]).write_text(v.get("xml") or v.get("json"))
for v in json.loads((vectors / "crypto.json").read_text()):
    if v.get("encrypt"):
        (corpus / "decrypt" / v["id"]).write_bytes(b"\x00" + v["encrypt"].encode())
    if v.get("post_body"):
        (corpus / "decrypt" / (v["id"] + "-body")).write_bytes(b"\x01" + v["post_body"].encode())
PY

cd "$repo/fuzz"
for target in decrypt parse; do
    echo "== fuzzing $target for ${secs}s"
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=4096
done
