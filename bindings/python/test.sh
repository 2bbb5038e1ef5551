#!/usr/bin/env bash
# Build and install the weixinkit Python package from this checkout, then run its tests.
#
#   bash bindings/python/test.sh          (from any directory)
#
# PYTHON selects the interpreter (default: python3). The Rust build shares the repository's
# target/ directory (or CARGO_TARGET_DIR when set), so a warm run only relinks what changed.
# WEIXINKIT_VECTORS overrides where the shared test vectors are read from.
#
# The token tests need Redis and the local WeChat server: unless WEIXINKIT_REDIS_URL and
# WEIXINKIT_SIM_BIN are already set (scripts/test.sh), this sources scripts/services.sh, which
# starts a throw-away redis-server (stopped when this script exits), builds wechat-sim and sets
# WEIXINKIT_REQUIRE_SERVICES=1 (missing services then fail the tests instead of skipping them).
# test_open_platform.py runs the third-party platform lifecycle against wechat-sim, including
# examples/python/flask_app.py as a subprocess receiving the sim's pushes.
# mypy checks the package and tests/typed_usage.py before the tests run (errors fail the run).
# test_cross_language_seed writes the tokens the PHP and Kotlin suites read back into
# WEIXINKIT_XLANG_DIR (default: <repo>/target/xlang).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

if [ -z "${WEIXINKIT_REDIS_URL:-}" ] || [ -z "${WEIXINKIT_SIM_BIN:-}" ]; then
    # shellcheck source=../../scripts/services.sh
    source "$here/../../scripts/services.sh"
fi
export WEIXINKIT_XLANG_DIR="${WEIXINKIT_XLANG_DIR:-$repo/target/xlang}"

# Build tools first (idempotent), then the package itself, built with them. requests is only
# for the benchmark (bench_tokens.py compares against it); flask for the web-app example
# (examples/python/flask_app.py), which test_open_platform.py starts and drives.
tools=("maturin>=1.11.2,<2" "pytest>=7" "requests>=2" "flask>=2.2" "mypy>=2.4,<3")
# WEIXINKIT_PY_ZIG=1 (scripts/test.sh sets it): build exactly as `make dist` builds the wheel
# (maturin --zig, manylinux2014; scripts/dist.sh), into the same cargo target directory, so
# that the release packages reuse this build instead of compiling the crate once more.
if [ "${WEIXINKIT_PY_ZIG:-0}" = "1" ]; then
    tools+=("ziglang>=0.13,<0.18")
    export MATURIN_PEP517_ARGS="--zig --compatibility manylinux2014"
fi
"$python" -m pip install --quiet "${tools[@]}"
"$python" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$here"

# Type-check the package (its annotations and the native module's stub) and a typed program
# using it (tests/typed_usage.py), strictly: see [tool.mypy] in pyproject.toml. An error fails
# the run. test_typing.py then checks the stub against the built module (mypy.stubtest).
(cd "$here" && "$python" -m mypy)
export WEIXINKIT_REQUIRE_MYPY=1

# Run from the tests directory so that nothing in the source tree shadows the installed module.
cd "$here/tests"
"$python" -c 'import weixinkit, sys; print("weixinkit from", weixinkit.__file__, "on Python", sys.version.split()[0])'
# Not `exec`: services.sh's EXIT trap must run afterwards to stop the Redis it started.
"$python" -m pytest "$here/tests" -q "$@"
