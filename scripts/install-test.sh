#!/usr/bin/env bash
# Install tests of the packages in dist/ (`make dist`): each is installed the way a user would,
# in a fresh temporary place, with cargo and rustc removed from PATH, and runs a smoke test
# (tests/packages/): the version, the shared perf push decrypted and parsed, an access token
# fetched from the local WeChat server (and checked live there).
#
#   Python  the wheel into a fresh venv (pip, no index)
#   JVM     the jar and POM in a file repository; a small Maven project depending on them,
#           run in a fresh JVM without jna.library.path (the library comes out of the jar)
#   PHP     the Composer package into a temporary project through a path repository (copied,
#           not linked; no Packagist): the FFI backend with the bundled lib/libweixinkit.so,
#           then ext-weixinkit from dist/ with FFI disabled
#
# Needs WEIXINKIT_SIM_BIN (source scripts/services.sh, as scripts/test.sh does) and the
# vectors (WEIXINKIT_VECTORS, default <repo>/../shared/vectors). DIST_DIR overrides dist/.
# Installs Debian's composer when missing. Exits non-zero if any package fails.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${DIST_DIR:-$repo/dist}"
vectors="${WEIXINKIT_VECTORS:-$repo/../shared/vectors}"
vectors="$(cd "$vectors" && pwd)"
python="${PYTHON:-python3}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -1)"

die() { echo "install-test.sh: $*" >&2; exit 2; }
[ -f "$dist/SHA256SUMS" ] || die "no packages in $dist: run \`make dist\` first"
[ -x "${WEIXINKIT_SIM_BIN:-}" ] || die "WEIXINKIT_SIM_BIN is not set (source scripts/services.sh)"
(cd "$dist" && sha256sum --quiet -c SHA256SUMS) || die "$dist does not match its SHA256SUMS"

if ! command -v composer >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "install-test.sh: installing composer" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq composer >/dev/null
fi

# No Rust from here on: PATH without every directory that holds cargo or rustc.
clean_path=""
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [ -n "$d" ] && { [ -e "$d/cargo" ] || [ -e "$d/rustc" ]; } && continue
    clean_path="${clean_path:+$clean_path:}$d"
done
export PATH="$clean_path"
unset CARGO_TARGET_DIR CARGO_HOME RUSTUP_HOME RUSTUP_TOOLCHAIN
if command -v cargo >/dev/null 2>&1 || command -v rustc >/dev/null 2>&1; then
    die "cargo or rustc still on PATH"
fi
echo "install-test.sh: PATH without cargo and rustc: $PATH" >&2

work="$(mktemp -d)"
sim_pid=""
cleanup() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# One local WeChat server for the three smokes.
"$WEIXINKIT_SIM_BIN" --port 0 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 200); do
    grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break
    sleep 0.05
done
sim_url="$(sed -n 's/^listening on //p' "$work/sim.out" | head -1)"
[ -n "$sim_url" ] || die "wechat-sim did not start: $(cat "$work/sim.err")"

# The token a smoke wrote must be one the server issued and still accepts.
token_is_live() {
    "$python" - "$sim_url" "$1" <<'PY'
import json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
value = open(path, encoding="utf-8").read()
tokens = json.load(urllib.request.urlopen(url + "/_sim/tokens", timeout=10))["tokens"]
live = any(t["value"] == value and not t["expired"] and not t["retired"] for t in tokens)
sys.exit(0 if value and live else f"the token in {path} is not one the local server issued")
PY
}

declare -a names=() results=()
check() {
    local name="$1"; shift
    echo "== install test: $name" >&2
    local start=$SECONDS
    if "$@"; then results+=("ok"); else results+=("FAILED"); fi
    names+=("$name ($((SECONDS - start))s)")
}

python_wheel() {
    local wheels=("$dist"/weixinkit-"$version"-cp310-abi3-manylinux*.whl)
    [ -f "${wheels[0]}" ] || { echo "no abi3 manylinux wheel in $dist" >&2; return 1; }
    "$python" -m venv "$work/venv" &&
        "$work/venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check "${wheels[0]}" &&
        (cd "$work" && "$work/venv/bin/python" "$repo/tests/packages/smoke.py" \
            "$vectors" "$sim_url" "$version" "$work/python.token") &&
        token_is_live "$work/python.token"
}

jvm_jar() {
    local m2="$work/m2/io/weixinkit/weixinkit/$version" project="$work/kotlin"
    mkdir -p "$m2" &&
        cp "$dist/weixinkit-$version.jar" "$dist/weixinkit-$version-sources.jar" "$m2/" &&
        cp "$dist/weixinkit-$version.pom" "$m2/weixinkit-$version.pom" || return 1
    # Maven keeps what it resolves in the local repository: drop an earlier run's copy of
    # this version so the jar under test is the one resolved.
    local local_repo="${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}"
    rm -rf "$local_repo/io/weixinkit/weixinkit/$version"
    local kotlin_version
    kotlin_version="$(sed -n 's|.*<kotlin.version>\(.*\)</kotlin.version>.*|\1|p' "$repo/bindings/kotlin/pom.xml" | head -1)"
    cp -r "$repo/tests/packages/kotlin" "$project" &&
        sed -i -e "s|@WEIXINKIT_VERSION@|$version|" -e "s|@DIST_REPO@|file://$work/m2|" \
            -e "s|@KOTLIN_VERSION@|$kotlin_version|" "$project/pom.xml" || return 1
    # The perf push as a properties file for the Kotlin smoke (no JSON library there).
    "$python" - "$vectors/perf-push.json" "$work/push.properties" <<'PY' || return 1
import json, sys
p = json.load(open(sys.argv[1], encoding="utf-8"))
esc = lambda s: s.replace("\\", "\\\\").replace("\n", "\\n")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for k in ("token", "encoding_aes_key", "app_id", "msg_signature", "timestamp", "nonce", "push_xml", "plain_xml"):
        f.write(f"{k}={esc(str(p[k]))}\n")
PY
    (cd "$project" && mvn -B -q -ntp -Dmaven.repo.local="$local_repo" compile exec:exec \
        -Dsmoke.push="$work/push.properties" -Dsmoke.sim="$sim_url" -Dsmoke.version="$version" \
        -Dsmoke.tokenOut="$work/kotlin.token") &&
        token_is_live "$work/kotlin.token"
    local status=$?
    rm -rf "$local_repo/io/weixinkit/weixinkit/$version"
    return $status
}

php_composer() {
    local project="$work/php" ext
    ext="$(ls "$dist"/weixinkit-"$version"-php*-linux-x86_64.so 2>/dev/null | head -1)"
    [ -n "$ext" ] || { echo "no ext-weixinkit in $dist" >&2; return 1; }
    mkdir -p "$project" && cat >"$project/composer.json" <<EOF || return 1
{
    "name": "example/weixinkit-smoke",
    "repositories": [
        {"type": "path", "url": "$dist/php/weixinkit", "options": {"symlink": false}},
        {"packagist.org": false}
    ],
    "require": {"weixinkit/weixinkit": "$version"}
}
EOF
    (cd "$project" && COMPOSER_HOME="$work/composer-home" composer install --no-interaction --no-progress --quiet) || return 1
    # FFI backend: the library bundled in the package; then the extension with FFI off.
    WEIXINKIT_LIB='' php -d ffi.enable=1 "$repo/tests/packages/smoke.php" "$project" "$vectors" "$sim_url" \
        "$version" ffi "$work/php-ffi.token" &&
        token_is_live "$work/php-ffi.token" &&
        WEIXINKIT_LIB='' php -d "extension=$ext" -d ffi.enable=0 "$repo/tests/packages/smoke.php" "$project" \
            "$vectors" "$sim_url" "$version" ext "$work/php-ext.token" &&
        token_is_live "$work/php-ext.token"
}

# What each archive must carry, before installing any of them.
contents() {
    local status=0
    "$python" - "$dist" "$version" <<'PY' || status=1
import json, sys, tarfile, zipfile
from pathlib import Path
dist, v = Path(sys.argv[1]), sys.argv[2]
problems = []
def need(what, names, wanted):
    for w in wanted:
        if not any(n == w or n.endswith("/" + w) for n in names):
            problems.append(f"{what}: no {w}")
wheel = next(dist.glob(f"weixinkit-{v}-cp310-abi3-manylinux*.whl"), None)
if wheel is None:
    problems.append("no abi3 manylinux wheel")
else:
    names = zipfile.ZipFile(wheel).namelist()
    need(wheel.name, names, ["weixinkit/__init__.py", "weixinkit/_native.pyi", "weixinkit/py.typed",
                             "weixinkit/_native.abi3.so", "LICENSE-MIT", "LICENSE-APACHE"])
sdist = dist / f"weixinkit-{v}.tar.gz"
names = tarfile.open(sdist).getnames() if sdist.exists() else []
need(sdist.name, names, ["python/weixinkit/_native.pyi", "python/weixinkit/py.typed", "pyproject.toml",
                         "Cargo.toml", "LICENSE-MIT", "LICENSE-APACHE"])
jar = dist / f"weixinkit-{v}.jar"
names = zipfile.ZipFile(jar).namelist() if jar.exists() else []
need(jar.name, names, ["linux-x86-64/libweixinkit.so", "META-INF/LICENSE-MIT", "META-INF/LICENSE-APACHE",
                       "weixinkit/Weixinkit.class", "weixinkit/JniCrypto.class"])
src = dist / f"weixinkit-{v}-sources.jar"
names = zipfile.ZipFile(src).namelist() if src.exists() else []
need(src.name, names, ["weixinkit/weixinkit.kt", "weixinkit/MessageCrypto.kt", "weixinkit/Version.kt"])
pom = dist / f"weixinkit-{v}.pom"
text = pom.read_text() if pom.exists() else ""
for bad in ("<build>", "cargo", "<profiles>"):
    if bad in text:
        problems.append(f"{pom.name}: contains {bad}")
for good in (f"<version>{v}</version>", "<artifactId>jna</artifactId>", "<artifactId>kotlinx-coroutines-core-jvm</artifactId>"):
    if good not in text:
        problems.append(f"{pom.name}: no {good}")
php = dist / f"weixinkit-php-{v}.tar.gz"
names = tarfile.open(php).getnames() if php.exists() else []
need(php.name, names, ["weixinkit/composer.json", "weixinkit/lib/libweixinkit.so", "weixinkit/weixinkit.h",
                       "weixinkit/src/Native.php", "weixinkit/LICENSE-MIT", "weixinkit/LICENSE-APACHE"])
if php.exists():
    composer = json.load(tarfile.open(php).extractfile("weixinkit/composer.json"))
    if composer.get("version") != v or composer.get("name") != "weixinkit/weixinkit":
        problems.append(f"{php.name}: composer.json says {composer.get('name')} {composer.get('version')}")
for f in ("LICENSE-MIT", "LICENSE-APACHE", "CHANGELOG.md", "SHA256SUMS"):
    if not (dist / f).is_file():
        problems.append(f"no {f}")
for p in problems:
    print("contents:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
    # The extension carries the library (static link): it must not need libweixinkit.so.
    local ext
    ext="$(ls "$dist"/weixinkit-"$version"-php*-linux-x86_64.so 2>/dev/null | head -1)"
    [ -n "$ext" ] || { echo "contents: no ext-weixinkit" >&2; return 1; }
    if readelf -d "$ext" | grep -q 'NEEDED.*libweixinkit'; then
        echo "contents: $ext needs libweixinkit.so at run time" >&2
        status=1
    fi
    return $status
}

check "Contents" contents
check "Python wheel" python_wheel
check "JVM jar" jvm_jar
check "PHP Composer package" php_composer

failed=0 passed=0
for i in "${!names[@]}"; do
    printf '  %-32s %s\n' "${names[$i]}" "${results[$i]}"
    if [ "${results[$i]}" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
