"""Time the token engine from Python against a local WeChat server (wechat-sim).

    python3 bindings/python/bench_tokens.py [--repeat 7] [--number 100000] [--calls 2000] [--threads 8]

Starts its own `wechat-sim --port 0` (WEIXINKIT_SIM_BIN, else <repo>/target/debug/wechat-sim;
`cargo build -p weixinkit-sim` builds it) and prints medians over `--repeat` runs:

(a) `access_token()` on a cached token, memory store, from Python: µs per call (the facade,
    and the native object underneath it);
(b) API calls per second over loopback, `OfficialAccount.get("/cgi-bin/get_api_domain_ip")`
    (token cached) against `requests.Session().get(same URL, params={"access_token": …})`:
    one thread making `--calls` sequential calls, then `--threads` threads sharing one client
    (one Session each for requests, which is not documented as thread-safe).

(c) with Redis (`--redis URL`, else WEIXINKIT_REDIS_URL; skipped without either):
    `access_token()` on a cached token, Redis store, steady state: with the near cache
    (`tokens.local_max_age_ms`, default 30 s: no Redis round trip on a hit) and with
    `local_max_age_ms=0` (one GET per call), beside redis-py's bare GET of the same key when
    redis-py is installed.

Both clients are checked to get the server's answer before anything is timed, and the server's
counters are checked afterwards (one token fetch for (a) and (b), one more for (c)).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import timeit
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

import weixinkit
from weixinkit import (HttpOptions, MemoryStore, OfficialAccount, OfficialAccountConfig, RedisStore,
                       TokenOptions)

REPO = Path(__file__).resolve().parents[2]
APPID, SECRET = "wxoa00000000000001", "oa-secret"
API = "/cgi-bin/get_api_domain_ip"


def start_sim() -> tuple[subprocess.Popen, str]:
    binary = os.environ.get("WEIXINKIT_SIM_BIN") or str(
        Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target") / "debug" / "wechat-sim")
    if not Path(binary).is_file():
        sys.exit(f"bench: {binary} not found; run `cargo build -p weixinkit-sim` or set WEIXINKIT_SIM_BIN")
    proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"bench: unexpected first line from wechat-sim: {line!r}")
    return proc, line[len("listening on "):].strip()


def sim_stats(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url + "/_sim/stats", timeout=10) as r:
        return json.loads(r.read())["calls"]


def per_call_us(fn, repeat: int, number: int) -> float:
    fn()
    runs = timeit.repeat(fn, repeat=repeat, number=number)
    return statistics.median(t / number * 1e6 for t in runs)


def calls_per_second(make_call, repeat: int, calls: int, threads: int) -> float:
    """Median calls/s of `threads` threads making `calls` calls in all. `make_call()` is
    called once per thread and returns that thread's call function."""
    per_thread = calls // threads
    rates = []
    for _ in range(repeat):
        barrier = threading.Barrier(threads + 1)

        def worker():
            call = make_call()
            call()  # warm (connection set up) before the clock starts
            barrier.wait()
            for _ in range(per_thread):
                call()

        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(worker) for _ in range(threads)]
            barrier.wait()
            started = time.perf_counter()
            for f in futures:
                f.result()
            elapsed = time.perf_counter() - started
        rates.append(per_thread * threads / elapsed)
    return statistics.median(rates)


def native_access_token(account: OfficialAccount):
    """The native class's own `access_token`, bypassing anything the Python class adds."""
    return functools.partial(weixinkit._native.OfficialAccount.access_token, account)


def redis_hits(base: str, args) -> None:
    """(c): access_token() hits on the Redis store, with and without the near cache. The
    token is the one (a) fetched: it is written to Redis first, so no fetch happens here."""
    prefix = f"bench{os.getpid()}"

    def account(max_age_ms=None):
        tokens = TokenOptions(key_prefix=prefix, local_max_age_ms=max_age_ms)
        return OfficialAccount(OfficialAccountConfig(
            APPID, SECRET, http=HttpOptions(api_base_uri=base), tokens=tokens,
            store=RedisStore(args.redis)))

    near, every_call = account(), account(0)
    token = near.access_token()  # fetched once (a second fetch for the run)
    assert every_call.access_token() == token
    near_us = per_call_us(near.access_token, args.repeat, args.number)
    near_native = per_call_us(native_access_token(near), args.repeat, args.number)
    every_us = per_call_us(every_call.access_token, args.repeat, args.redis_number)
    line = (f"(c) access_token() cache hit, Redis store   median {near_us:6.2f} us/call with the "
            f"near cache (native object {near_native:.2f} us), {every_us:.2f} us with "
            f"local_max_age_ms=0")
    try:
        import redis as redis_py  # only for the comparison
    except ImportError:
        print(line + " (redis-py not installed: no bare GET figure)")
    else:
        client = redis_py.Redis.from_url(args.redis)
        data_key = f"{prefix}:access_token:{APPID}:{APPID}"
        assert client.get(data_key) is not None
        bare = per_call_us(lambda: client.get(data_key), args.repeat, args.redis_number)
        print(line + f"; redis-py bare GET {bare:.2f} us")
        client.delete(data_key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=100_000, help="access_token() calls per run")
    parser.add_argument("--calls", type=int, default=2000, help="HTTP calls per run")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--redis", default=os.environ.get("WEIXINKIT_REDIS_URL"),
                        help="Redis URL for (c); default WEIXINKIT_REDIS_URL")
    parser.add_argument("--redis-number", type=int, default=20_000,
                        help="access_token() calls per run without the near cache")
    args = parser.parse_args()

    proc, base = start_sim()
    try:
        config = OfficialAccountConfig(APPID, SECRET, http=HttpOptions(api_base_uri=base),
                                       tokens=TokenOptions(key_prefix="bench"), store=MemoryStore())
        account = OfficialAccount(config)
        token = account.access_token().value
        assert account.get(API)["ip_list"] == ["127.0.0.1"]

        session = requests.Session()
        url = base + API

        def requests_call(s=session):
            r = s.get(url, params={"access_token": token}, timeout=5)
            r.raise_for_status()
            return r.json()

        assert requests_call()["ip_list"] == ["127.0.0.1"]

        print(f"weixinkit {weixinkit.__file__}")
        print(f"{platform.python_implementation()} {platform.python_version()} on "
              f"{platform.machine()}, {os.cpu_count()} CPUs, requests {requests.__version__}, "
              f"wechat-sim at {base}")

        hit = per_call_us(account.access_token, args.repeat, args.number)
        hit_native = per_call_us(native_access_token(account), args.repeat, args.number)
        print(f"(a) access_token() cache hit, memory store   median {hit:6.2f} us/call "
              f"(native object alone {hit_native:.2f} us)")

        for threads in (1, args.threads):
            ours = calls_per_second(lambda: (lambda: account.get(API)), args.repeat, args.calls,
                                    threads)
            if threads == 1:
                theirs = calls_per_second(lambda: requests_call, args.repeat, args.calls, 1)
            else:
                def own_session():
                    s = requests.Session()
                    return lambda: requests_call(s)
                theirs = calls_per_second(own_session, args.repeat, args.calls, threads)
            print(f"(b) GET {API}, {threads} thread(s): weixinkit {ours:8.0f} calls/s, "
                  f"requests.Session {theirs:8.0f} calls/s, ratio {ours / theirs:.2f}x")

        if args.redis:
            redis_hits(base, args)
        else:
            print("(c) skipped: no Redis (--redis URL or WEIXINKIT_REDIS_URL)")

        stats = sim_stats(base)
        # The token stayed cached throughout: one fetch for (a) and (b), one for (c).
        assert stats.get("/cgi-bin/token") == (2 if args.redis else 1), stats
        print(f"server counted {stats.get(API)} API calls and {stats['/cgi-bin/token']} token fetch")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
