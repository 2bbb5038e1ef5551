#!/usr/bin/env bash
# Build ext-weixinkit out of tree:  build.sh LIBDIR [BUILDDIR]
#   LIBDIR    where libweixinkit.a is (target/debug or target/release, or an install prefix)
#   BUILDDIR  where to build (default: <LIBDIR>/php-ext); the module is BUILDDIR/modules/weixinkit.so
# Needs phpize (Debian: php-dev), make and a C compiler. The sources are copied so that
# phpize's generated files never land in the repository.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libdir="$(cd "${1:?usage: build.sh LIBDIR [BUILDDIR]}" && pwd)"
build="${2:-$libdir/php-ext}"
mkdir -p "$build/tests"
cp -p "$src/config.m4" "$src/php_weixinkit.h" "$src/weixinkit.c" "$build/"
rm -f "$build"/tests/*.phpt
cp -p "$src"/tests/*.phpt "$src"/tests/*.inc "$build/tests/"
# The tests load the PHP package (its exception classes) from the repository.
sed -i "s|__DIR__ . '/../../src'|'$(cd "$src/../src" && pwd)'|" "$build/tests/package.inc"
# The header next to the sources, as config.m4 looks for it in ../weixinkit.h or <prefix>/include.
mkdir -p "$build/include"
cp -p "$src/../weixinkit.h" "$build/include/weixinkit.h"
cd "$build"
if [ ! -f configure ] || [ "$src/config.m4" -nt configure ]; then
    phpize >/dev/null
fi
# Always configure against LIBDIR (switching between debug and release builds), always relink
# (make does not see a rebuilt archive).
./configure --with-weixinkit="$libdir" CFLAGS="${CFLAGS:--O2 -g -Wall}" >/dev/null
rm -f weixinkit.la modules/weixinkit.so
make -s -j2 >/dev/null
echo "build.sh: $build/modules/weixinkit.so" >&2
