#!/usr/bin/env bash
# The PHP binding's test suite, runnable from any directory on a fresh Debian machine:
# installs php-cli (FFI included) and PHPUnit when missing, builds the library (debug) at the
# repository root, starts the services the token tests need (scripts/services.sh: a
# throw-away redis-server, the wechat-sim binary) unless WEIXINKIT_REDIS_URL and
# WEIXINKIT_SIM_BIN are already set, then runs PHPUnit against the library and the shared
# vectors. Extra arguments go to PHPUnit (e.g. --filter CryptoVectorsTest).
#
# The cross-language test reads $WEIXINKIT_XLANG_DIR/expected.json (default
# <repo>/target/xlang), written by the Python suite's test_cross_language_seed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

missing=()
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v phpunit >/dev/null 2>&1 || missing+=(phpunit)
if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "test.sh: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! php -r 'exit(extension_loaded("ffi") ? 0 : 1);'; then
    echo "test.sh: PHP's FFI extension is not loaded (Debian's php-cli ships it)" >&2
    exit 1
fi

if [ -z "${WEIXINKIT_REDIS_URL:-}" ] || [ -z "${WEIXINKIT_SIM_BIN:-}" ]; then
    # shellcheck source=../../scripts/services.sh
    source "$repo/scripts/services.sh"
fi

(cd "$repo" && cargo build --lib)

export WEIXINKIT_LIB="${WEIXINKIT_LIB:-${CARGO_TARGET_DIR:-$repo/target}/debug/libweixinkit.so}"
export WEIXINKIT_VECTORS="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
export WEIXINKIT_XLANG_DIR="${WEIXINKIT_XLANG_DIR:-$repo/target/xlang}"
cd "$here"
# Not exec: services.sh stops its redis-server when this shell exits.
phpunit --configuration phpunit.xml.dist "$@"
