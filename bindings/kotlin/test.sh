#!/usr/bin/env bash
# Build the Rust library, generate the Kotlin bindings and run the JUnit tests.
# Runnable from any directory; extra arguments go to Maven (e.g. -Dtest=ConcurrencyTest).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

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

cd "$here"
# -B: no colours; -ntp: no download progress. The Surefire summary ("Tests run: N, Failures: 0,
# ...") closes the output; Maven's exit status is the script's.
exec mvn -B -ntp test "$@"
