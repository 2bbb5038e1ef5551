#!/usr/bin/env bash
# Release packages into dist/ (`make dist`), each installable with no Rust toolchain:
#
#   weixinkit-V-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#                              the Python wheel: one abi3 build for every CPython >= 3.10,
#                              linked by zig against glibc 2.17 (maturin --zig, the ziglang
#                              package from PyPI) and checked by maturin's manylinux audit;
#                              the type stubs (.pyi) and py.typed inside
#   weixinkit-V.tar.gz         the Python sdist (builds from source: needs Rust)
#   weixinkit-V.jar            the JVM classes plus linux-x86-64/libweixinkit.so, where JNA
#                              (and the JNI hot path) find it on the classpath
#   weixinkit-V-sources.jar    its sources, the generated bindings included
#   weixinkit-V.pom            the POM to publish beside them: dependencies only, no cargo
#   weixinkit-php-V.tar.gz     the Composer package weixinkit/weixinkit with the library in
#                              lib/ (the FFI backend finds it there); php/weixinkit/ is the
#                              same package unpacked, for a Composer path repository
#   weixinkit-V-phpX.Y-nts-linux-x86_64.so
#                              ext-weixinkit built against this machine's PHP (phpize), the
#                              library linked in statically
#   android/jniLibs/<abi>/libweixinkit.so
#                              only where an Android NDK is present (ANDROID_NDK_HOME or
#                              ANDROID_NDK_ROOT) and cargo-ndk is installed; see
#                              bindings/kotlin/README.md, "Android"
#   LICENSE-MIT, LICENSE-APACHE, CHANGELOG.md, SHA256SUMS (of every file above)
#
# The release library (target/release: cdylib for the jar and the Composer package, staticlib
# for the extension) is built once and reused by all of them; the wheel is the one other
# build (feature `python`, cargo profile `python`), as the PHP and JVM libraries must not
# link against Python. DIST_DIR overrides the output directory.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
dist="${DIST_DIR:-$repo/dist}"
target="${CARGO_TARGET_DIR:-$repo/target}"
python="${PYTHON:-python3}"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
[ -n "$version" ] || { echo "dist.sh: no version in Cargo.toml" >&2; exit 1; }

step() { echo "== dist: $*" >&2; }

rm -rf "$dist"
mkdir -p "$dist"

step "release library (target/release: libweixinkit.so, libweixinkit.a)"
cargo build --release --lib --quiet

# --- Python ---------------------------------------------------------------------------------
step "Python wheel (abi3, manylinux2014 via zig) and sdist"
"$python" -m pip install --quiet "maturin>=1.11.2,<2" "ziglang>=0.13,<0.18"
(
    cd bindings/python
    "$python" -m maturin build --quiet --zig --compatibility manylinux2014 --out "$dist"
    "$python" -m maturin sdist --out "$dist"
) >&2

# --- JVM ------------------------------------------------------------------------------------
step "jar with the native library, sources jar, POM"
command -v mvn >/dev/null 2>&1 || {
    echo "dist.sh: mvn not found (Debian: apt-get install maven)" >&2
    exit 1
}
(cd bindings/kotlin && mvn -B -q -ntp -Pdist package)
cp "bindings/kotlin/target/weixinkit-$version.jar" "bindings/kotlin/target/weixinkit-$version-sources.jar" "$dist/"
# Without the build POM's header comment, which describes building this repository.
perl -0pe 's/<!--.*?-->\s*//s' bindings/kotlin/target/.flattened-pom.xml >"$dist/weixinkit-$version.pom"

# --- Android --------------------------------------------------------------------------------
ndk="${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}"
if [ -n "$ndk" ] && [ -d "$ndk" ] && cargo ndk --version >/dev/null 2>&1; then
    step "Android libraries (cargo-ndk, NDK at $ndk)"
    cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -o "$dist/android/jniLibs" build --release --lib
else
    step "Android skipped: no Android NDK (set ANDROID_NDK_HOME) or no cargo-ndk (cargo install cargo-ndk); see bindings/kotlin/README.md, Android"
fi

# --- PHP ------------------------------------------------------------------------------------
step "PHP: Composer package with the library, ext-weixinkit for the installed PHP"
pkg="$dist/php/weixinkit"
mkdir -p "$pkg/lib"
cp -r bindings/php/src "$pkg/src"
cp bindings/php/weixinkit.h bindings/php/ffi-preload-header.php bindings/php/README.md \
    LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$pkg/"
cp "$target/release/libweixinkit.so" "$pkg/lib/"
# The package's composer.json with its version (a path repository has no tag to take it
# from), without the development-only parts.
php -r '
    $c = json_decode(file_get_contents($argv[1]), true, 512, JSON_THROW_ON_ERROR);
    $c["version"] = $argv[2];
    unset($c["require-dev"], $c["autoload-dev"], $c["scripts"]);
    file_put_contents($argv[3], json_encode($c, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
' bindings/php/composer.json "$version" "$pkg/composer.json"
tar -C "$dist/php" -czf "$dist/weixinkit-php-$version.tar.gz" weixinkit
if command -v phpize >/dev/null 2>&1; then
    # The same out-of-tree build directory as scripts/bench.sh: one build serves both.
    bash bindings/php/ext/build.sh "$target/release" "$target/php-ext-release"
    php_tag="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION, PHP_ZTS ? "-zts" : "-nts";')"
    cp "$target/php-ext-release/modules/weixinkit.so" "$dist/weixinkit-$version-php$php_tag-linux-x86_64.so"
else
    echo "dist.sh: phpize not found (Debian: php-dev): ext-weixinkit not built" >&2
    exit 1
fi

# --- common ---------------------------------------------------------------------------------
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md "$dist/"
(cd "$dist" && find . -type f ! -name SHA256SUMS ! -path './php/*' | sed 's|^\./||' | sort |
    xargs sha256sum >SHA256SUMS)
step "done: $dist"
(cd "$dist" && cat SHA256SUMS) >&2
