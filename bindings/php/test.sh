#!/usr/bin/env bash
# The PHP binding's test suite, runnable from any directory on a fresh Debian machine:
# installs php-cli (FFI included), php-dev (phpize, for the extension), PHPUnit, php-fpm,
# cgi-fcgi (libfcgi-bin) and the PSR-7 / PSR-17 packages with Nyholm's implementation (for the
# PSR-7 tests only) when missing, builds the library (debug; cdylib for FFI, staticlib for the extension) at the
# repository root, builds the extension (bindings/php/ext) out of tree in
# <target>/php-ext, runs its .phpt suite (`make test`), starts the services the token tests
# need (scripts/services.sh: a throw-away redis-server, the wechat-sim binary) unless
# WEIXINKIT_REDIS_URL and WEIXINKIT_SIM_BIN are already set, then runs PHPUnit twice against
# the shared vectors:
#   ext: the extension loaded (-d extension=…) and FFI disabled (-d ffi.enable=0);
#   ffi: no extension, the library through FFI.
# Extra arguments go to PHPUnit (e.g. --filter CryptoVectorsTest).
# WEIXINKIT_BACKENDS="ext" (or "ffi") runs one backend only; WEIXINKIT_VALGRIND=1 also runs
# the .phpt suite under valgrind.
#
# The cross-language test reads $WEIXINKIT_XLANG_DIR/expected.json (default
# <repo>/target/xlang), written by the Python suite's test_cross_language_seed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

missing=()
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v phpize >/dev/null 2>&1 || missing+=(php-dev)
command -v phpunit >/dev/null 2>&1 || missing+=(phpunit)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
# FpmCallbackTest: the example under PHP-FPM, requests over FastCGI.
compgen -G '/usr/sbin/php-fpm*' >/dev/null || command -v php-fpm >/dev/null 2>&1 || missing+=(php-fpm)
command -v cgi-fcgi >/dev/null 2>&1 || missing+=(libfcgi-bin)
# The PSR-7 tests: the PSR-7 and PSR-17 interfaces and an implementation (Nyholm), loaded by
# the test bootstrap only (the package itself needs none of them).
[ -f /usr/share/php/Psr/Http/Message/autoload.php ] || missing+=(php-psr-http-message)
[ -f /usr/share/php/Psr/Http/Message/factory-autoload.php ] || missing+=(php-psr-http-factory)
[ -f /usr/share/php/Nyholm/Psr7/autoload.php ] || missing+=(php-nyholm-psr7)
# The PSR-16 tests (Psr16Store): the interface and a real cache, Symfony's.
[ -f /usr/share/php/Psr/SimpleCache/autoload.php ] || missing+=(php-psr-simple-cache)
[ -f /usr/share/php/Symfony/Component/Cache/autoload.php ] || missing+=(php-symfony-cache)
# The logging tests (LoggingTest): the PSR-3 interface, Debian's php-psr-log.
[ -f /usr/share/php/Psr/Log/autoload.php ] || missing+=(php-psr-log)
if [ "${WEIXINKIT_VALGRIND:-0}" = "1" ]; then
    command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
fi
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

target="${CARGO_TARGET_DIR:-$repo/target}"
export WEIXINKIT_LIB="${WEIXINKIT_LIB:-$target/debug/libweixinkit.so}"
export WEIXINKIT_VECTORS="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
export WEIXINKIT_XLANG_DIR="${WEIXINKIT_XLANG_DIR:-$repo/target/xlang}"
export WEIXINKIT_PHP_SRC="$here/src"

# The extension, built out of tree so phpize's files stay out of the repository.
bash "$here/ext/build.sh" "$target/debug" "$target/php-ext"
export WEIXINKIT_EXT="$target/php-ext/modules/weixinkit.so"

echo "== ext-weixinkit .phpt suite" >&2
(cd "$target/php-ext" && make test NO_INTERACTION=1 REPORT_EXIT_STATUS=1 TESTS="-q tests")
if [ "${WEIXINKIT_VALGRIND:-0}" = "1" ]; then
    # Each .phpt under valgrind memcheck (USE_ZEND_ALLOC=0, --leak-check=full): slow with a
    # debug library; a leak or memory error fails the run.
    echo "== ext-weixinkit .phpt suite under valgrind" >&2
    (cd "$target/php-ext" && make test NO_INTERACTION=1 REPORT_EXIT_STATUS=1 TESTS="-m --set-timeout 3000 -q tests")
fi

cd "$here"
status=0
for backend in ${WEIXINKIT_BACKENDS:-ext ffi}; do
    echo "== PHPUnit, backend $backend" >&2
    case "$backend" in
        ext) php_args=(-d "extension=$WEIXINKIT_EXT" -d ffi.enable=0) ;;
        ffi) php_args=(-d ffi.enable=1) ;;
        *) echo "test.sh: unknown backend $backend" >&2; exit 2 ;;
    esac
    # Not exec: services.sh stops its redis-server when this shell exits.
    WEIXINKIT_EXPECT_BACKEND="$backend" php "${php_args[@]}" "$(command -v phpunit)" \
        --configuration phpunit.xml.dist "$@" || status=$?
done
exit "$status"
