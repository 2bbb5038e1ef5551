#!/usr/bin/env bash
# The soak (`make soak`): several worker processes × threads calling through the token engine
# against the local WeChat server, on a persistent redis-server (appendonly, fsync always) that
# is SIGKILLed and restarted mid-run, with drops, 5xx, errcode -1, slow answers, revocations,
# expiries, and a worker `kill -9`ed while it holds a refresh lock. Prints the figures
# (examples/soak.rs explains each) and exits non-zero when credentials were lost, a refresh
# was duplicated beyond the bound, or an unexpected error surfaced. Loopback only.
#
#   bash scripts/soak.sh             the default size (about 2 minutes)
#   bash scripts/soak.sh --small     the size CI runs (scripts/test.sh; about 30 s)
#   bash scripts/soak.sh [--small] --seconds 300 --workers 8 …   any driver option overrides
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export PATH="$HOME/.cargo/bin:$PATH"

size=(--workers 6 --threads 6 --authorizers 40 --seconds 90 --revocations 12 --kills 4
      --redis-restarts 2 --fault-every-ms 50)
if [ "${1:-}" = "--small" ]; then
    shift
    size=(--workers 3 --threads 3 --authorizers 8 --seconds 20 --revocations 4 --kills 2
          --redis-restarts 1 --fault-every-ms 100)
fi

# redis-server installed when missing, wechat-sim built (the test services' own logic);
# the soak starts its own Redis, with persistence.
# shellcheck source=scripts/services.sh
WEIXINKIT_SERVICES_START_REDIS=0 source "$repo/scripts/services.sh"
redis_server="$(command -v redis-server)"
cargo build -q --example soak
driver="${CARGO_TARGET_DIR:-$repo/target}/debug/examples/soak"

scratch="$(mktemp -d)"
# Redis's append-only file goes to tmpfs when there is one: a SIGKILLed redis-server loses
# nothing already written there either way, and a disk shared with busy builds can stall an
# fsync past the client's 2 s response timeout, which would measure the disk, not weixinkit.
redis_dir="$scratch/redis"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    redis_dir="$(mktemp -d -p /dev/shm weixinkit-soak.XXXXXX)"
fi
sim_pid=""
cleanup() {
    [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
    # The driver stops its redis-server itself; this covers a driver that was killed.
    if [ -f "$redis_dir/redis.pid" ]; then
        kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true
    fi
    rm -rf "$scratch" "$redis_dir"
}
trap cleanup EXIT

"$WEIXINKIT_SIM_BIN" --port 0 >"$scratch/sim.out" 2>"$scratch/sim.err" &
sim_pid=$!
for _ in $(seq 1 100); do
    grep -q '^listening on ' "$scratch/sim.out" 2>/dev/null && break
    sleep 0.05
done
sim_url="$(sed -n 's/^listening on //p' "$scratch/sim.out" | head -n1)"
if [ -z "$sim_url" ]; then
    echo "soak.sh: wechat-sim did not start:" >&2
    cat "$scratch/sim.err" >&2
    exit 2
fi

echo "soak.sh: $driver --sim $sim_url --redis-server $redis_server --redis-dir $redis_dir ${size[*]} $*"
echo "soak.sh: $(nproc) CPUs, $(uname -sr), $(redis-server --version | cut -d' ' -f1-3)"
# A hard ceiling on top of the driver's own bounds.
timeout --signal=KILL 900 "$driver" --sim "$sim_url" --redis-server "$redis_server" \
    --redis-dir "$redis_dir" "${size[@]}" "$@"
