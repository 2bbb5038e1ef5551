#!/usr/bin/env bash
# Every test suite: Rust (unit, integration, doc, clippy, fmt), the small soak, Python, PHP,
# Kotlin, then the release packages (`make dist`) installed with no Rust toolchain
# (scripts/install-test.sh).
# Installs what each needs on a fresh Debian machine (php-cli, maturin, Maven deps…) and
# is safe to run twice. Runs every suite even when one fails; exits non-zero if any failed.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"
export WEIXINKIT_VECTORS="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
export CARGO_TERM_COLOR=never

if [ ! -f "$WEIXINKIT_VECTORS/crypto.json" ]; then
    echo "test.sh: shared vectors not found at $WEIXINKIT_VECTORS (clone ../shared beside the repo or set WEIXINKIT_VECTORS)" >&2
    exit 2
fi
command -v cargo >/dev/null || { echo "test.sh: cargo not found; install Rust with rustup" >&2; exit 2; }

# A throw-away redis-server for this run (stopped on exit) and the local WeChat server's
# binary; every suite below needs them.
# shellcheck source=scripts/services.sh
source "$repo/scripts/services.sh" || { echo "test.sh: could not start the test services" >&2; exit 2; }
# The Python suite writes tokens here that the PHP and Kotlin suites must read back.
export WEIXINKIT_XLANG_DIR="${WEIXINKIT_XLANG_DIR:-$repo/target/xlang}"
rm -rf "$WEIXINKIT_XLANG_DIR"

declare -a names=() results=()
run() {
    local name="$1"; shift
    echo
    echo "==================== $name ===================="
    local start=$SECONDS
    if "$@"; then results+=("ok"); else results+=("FAILED"); fi
    names+=("$name ($((SECONDS - start))s)")
}

rust() {
    cargo fmt --all -- --check &&
        cargo clippy --workspace --all-targets --quiet -- -D warnings &&
        cargo clippy --lib --features python --quiet -- -D warnings &&
        cargo test --workspace --all-targets &&
        cargo test --workspace --doc
}

run "Rust" rust
# The soak at CI size: processes × threads through the token engine under faults, a kill -9
# of a refresh-lock holder and a redis-server restart (its own persistent Redis).
run "Soak (small)" bash scripts/soak.sh --small
# Python first: it seeds the cross-language stores that PHP and Kotlin read.
# Built as scripts/dist.sh builds the wheel (zig, manylinux2014): the Packages stage reuses it.
run "Python" env WEIXINKIT_PY_ZIG=1 bash bindings/python/test.sh
run "PHP" bash bindings/php/test.sh
run "Kotlin" bash bindings/kotlin/test.sh
# The packages a user installs: built once (scripts/dist.sh: one release library for the jar,
# the Composer package and the PHP extension, plus the wheel), then each installed in a fresh
# place with cargo and rustc off PATH and smoke-tested against the local WeChat server.
packages() {
    bash scripts/dist.sh && bash scripts/install-test.sh
}
run "Packages" packages

echo
echo "==================== summary ===================="
failed=0
for i in "${!names[@]}"; do
    printf '  %-24s %s\n' "${names[$i]}" "${results[$i]}"
    [ "${results[$i]}" = ok ] || failed=1
done
exit $failed
