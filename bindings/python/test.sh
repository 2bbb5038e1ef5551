#!/usr/bin/env bash
# Build and install the weixinkit Python package from this checkout, then run its tests.
#
#   bash bindings/python/test.sh          (from any directory)
#
# PYTHON selects the interpreter (default: python3). The Rust build shares the repository's
# target/ directory (or CARGO_TARGET_DIR when set), so a warm run only relinks what changed.
# WEIXINKIT_VECTORS overrides where the shared test vectors are read from.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

# Build tools first (idempotent), then the package itself, built with them.
"$python" -m pip install --quiet "maturin>=1.11.2,<2" "pytest>=7"
"$python" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$here"

# Run from the tests directory so that nothing in the source tree shadows the installed module.
cd "$here/tests"
"$python" -c 'import weixinkit, sys; print("weixinkit from", weixinkit.__file__, "on Python", sys.version.split()[0])'
exec "$python" -m pytest "$here/tests" -q "$@"
