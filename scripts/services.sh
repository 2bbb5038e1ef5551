#!/usr/bin/env bash
# Real parts the test suites talk to, started on free loopback ports. Source it:
#
#   source scripts/services.sh      (from the repository root or anywhere)
#
# It installs Debian's redis-server when missing, builds the local WeChat server
# (sim/, binary wechat-sim), starts one redis-server for the run and stops it on exit, and
# exports:
#   WEIXINKIT_REDIS_URL   redis://127.0.0.1:PORT/0   (a throw-away server, no persistence)
#   WEIXINKIT_SIM_BIN     path of the wechat-sim binary; each suite starts its own servers
#                         from it (`wechat-sim --port 0` prints "listening on http://…")
#   WEIXINKIT_REQUIRE_SERVICES=1   tests fail, instead of skipping, without these
# Safe to source twice: an already exported, reachable Redis is reused.
# With WEIXINKIT_SERVICES_START_REDIS=0 it only installs redis-server and builds wechat-sim
# (scripts/soak.sh runs its own persistent Redis).

_wxk_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_wxk_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

if ! command -v redis-server >/dev/null 2>&1; then
    _wxk_sudo=""
    [ "$(id -u)" -eq 0 ] || _wxk_sudo="sudo"
    echo "services.sh: installing redis-server" >&2
    $_wxk_sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $_wxk_sudo apt-get install -y -qq redis-server >/dev/null
fi

(cd "$_wxk_repo" && cargo build -q -p weixinkit-sim) || return 1 2>/dev/null || exit 1
export WEIXINKIT_SIM_BIN="${CARGO_TARGET_DIR:-$_wxk_repo/target}/debug/wechat-sim"

if [ "${WEIXINKIT_SERVICES_START_REDIS:-1}" = 0 ]; then
    : # install and build only
elif [ -z "${WEIXINKIT_REDIS_URL:-}" ] || ! redis-cli -u "$WEIXINKIT_REDIS_URL" ping >/dev/null 2>&1; then
    _wxk_port="$(_wxk_free_port)"
    _wxk_redis_dir="$(mktemp -d)"
    redis-server --port "$_wxk_port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$_wxk_redis_dir" --daemonize no >"$_wxk_redis_dir/redis.log" 2>&1 &
    _wxk_redis_pid=$!
    for _ in $(seq 1 100); do
        redis-cli -p "$_wxk_port" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    if ! redis-cli -p "$_wxk_port" ping >/dev/null 2>&1; then
        echo "services.sh: redis-server did not start:" >&2
        cat "$_wxk_redis_dir/redis.log" >&2
        return 1 2>/dev/null || exit 1
    fi
    export WEIXINKIT_REDIS_URL="redis://127.0.0.1:$_wxk_port/0"
    export WEIXINKIT_REDIS_PID="$_wxk_redis_pid"
    # Stop it when the sourcing shell exits.
    trap 'kill "$WEIXINKIT_REDIS_PID" 2>/dev/null; rm -rf "'"$_wxk_redis_dir"'"' EXIT
    echo "services.sh: redis-server on $WEIXINKIT_REDIS_URL (pid $_wxk_redis_pid)" >&2
fi
[ "${WEIXINKIT_SERVICES_START_REDIS:-1}" = 0 ] || export WEIXINKIT_REQUIRE_SERVICES=1
