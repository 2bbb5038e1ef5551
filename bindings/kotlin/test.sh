#!/usr/bin/env bash
# Build the Rust library, generate the Kotlin bindings and run the JUnit tests.
# Runnable from any directory; extra arguments go to Maven (e.g. -Dtest=ConcurrencyTest).
#
# The token tests need the local WeChat server and Redis: unless WEIXINKIT_SIM_BIN and
# WEIXINKIT_REDIS_URL are already exported (scripts/test.sh, or a shell that sourced
# scripts/services.sh), this sources scripts/services.sh, which builds wechat-sim, starts a
# throw-away redis-server (stopped when this script exits) and sets WEIXINKIT_REQUIRE_SERVICES=1
# so missing services fail the tests instead of skipping them. WEIXINKIT_XLANG_DIR (default
# <repo>/target/xlang) is where the Python suite leaves expected.json for the cross-language
# test. Surefire passes the whole environment on to the tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

# cargo from rustup is often only on the login PATH.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null 2>&1 || { echo "test.sh: cargo not found (install Rust with rustup)" >&2; exit 1; }

if ! command -v mvn >/dev/null 2>&1; then
    echo "test.sh: mvn not found, installing Debian's maven" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq maven >/dev/null
fi

if [ -z "${WEIXINKIT_REDIS_URL:-}" ] || [ -z "${WEIXINKIT_SIM_BIN:-}" ]; then
    # shellcheck source=../../scripts/services.sh
    source "$repo/scripts/services.sh"
fi
export WEIXINKIT_XLANG_DIR="${WEIXINKIT_XLANG_DIR:-$repo/target/xlang}"

cd "$here"
# Kotlin's incremental cache does not notice when the generated bindings change under it (a
# changed record constructor then fails at run time with NoSuchMethodError): start clean.
rm -rf "$here/target/kotlin-ic" "$here/target/classes" "$here/target/test-classes"
# -B: no colours; -ntp: no download progress. The Surefire summary ("Tests run: N, Failures: 0,
# ...") closes the output; Maven's exit status is the script's. Not exec: services.sh's EXIT
# trap must still stop the redis-server it started.
mvn -B -ntp test "$@"
