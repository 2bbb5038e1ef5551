"""API calls over keep-alive loopback: weixinkit from Python beside wechatpy, requests and Rust.

    python3 bindings/python/bench_calls.py [--calls 20000] [--rounds 5] [--baseline PATH]

One nginx (Debian's, `apt-get install nginx-light`) on a free loopback port answers every
request with a fixed JSON body (`/cgi-bin/token` with a token, anything else with an
`ip_list`), so the server costs the same few microseconds for every client. Each client runs
in its own process, makes `--calls` sequential `GET /cgi-bin/get_api_domain_ip` calls (token
cached, connection kept alive) in `--rounds` rounds, and reports the median calls/s and the
median client CPU per call (every thread of its process):

- weixinkit   `OfficialAccount.get(API)` from Python (blocking face)
- wechatpy    `WeChatClient.get("get_api_domain_ip")` (requests underneath), from PyPI
- requests    a bare `requests.Session().get(url, params=…)`, JSON decoded
- reqwest     Rust: a bare reqwest client (examples/http_baseline.rs), the floor
- core        Rust: the core's `OfficialAccount::get` on the calling thread, as Python runs it
- core-pool   Rust: the same handed to the library's worker threads, as Kotlin and PHP run it

twice: unpinned (clients and nginx free to run on any CPU) and pinned (the client process and
nginx's worker on CPU 0). It prints each figure and the two ratios the project tracks: Python
weixinkit's client CPU over reqwest's, and weixinkit's calls/s over wechatpy's (unpinned).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

API = "/cgi-bin/get_api_domain_ip"
TOKEN = "NGINXFIXEDTOKEN"
REPO = Path(__file__).resolve().parents[2]

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    default_type application/json;
    server {{
        listen 127.0.0.1:{port};
        location = /cgi-bin/token {{
            return 200 '{{"access_token":"{token}","expires_in":7200}}';
        }}
        location / {{
            return 200 '{{"ip_list":["127.0.0.1"]}}';
        }}
    }}
}}
"""


# ---------------------------------------------------------------------------------------------
# A client process: make the calls, print {"calls_per_s", "cpu_us_per_call"}.

def client_call(mode: str, base: str):
    if mode == "weixinkit":
        from weixinkit import HttpOptions, MemoryStore, OfficialAccount, OfficialAccountConfig
        account = OfficialAccount(OfficialAccountConfig(
            "wxbench", "s", http=HttpOptions(api_base_uri=base), store=MemoryStore()))
        return lambda: account.get(API)
    if mode == "wechatpy":
        from wechatpy import WeChatClient
        client = WeChatClient("wxbench", "s", access_token=TOKEN)
        client.API_BASE_URL = base + "/cgi-bin/"
        return lambda: client.get("get_api_domain_ip")
    if mode == "requests":
        import requests
        session, url = requests.Session(), base + API

        def call():
            response = session.get(url, params={"access_token": TOKEN}, timeout=5)
            response.raise_for_status()
            return response.json()
        return call
    raise SystemExit(f"bench_calls: unknown client {mode!r}")


def run_client(mode: str, base: str, calls: int, rounds: int) -> None:
    call = client_call(mode, base)
    for _ in range(200):
        assert call()["ip_list"] == ["127.0.0.1"]
    per_round = max(calls // rounds, 1)
    rates, cpus = [], []
    for _ in range(rounds):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(per_round):
            call()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        rates.append(per_round / wall)
        cpus.append(cpu / per_round * 1e6)
    print(json.dumps({"calls_per_s": statistics.median(rates),
                      "cpu_us_per_call": statistics.median(cpus)}))


# ---------------------------------------------------------------------------------------------
# The driver.

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(workdir: Path) -> tuple[subprocess.Popen, str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        sys.exit("bench_calls: nginx not found (apt-get install nginx-light; scripts/bench.sh does)")
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port, token=TOKEN))
    proc = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + API, timeout=1) as r:
                assert json.loads(r.read())["ip_list"] == ["127.0.0.1"]
            return proc, base
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"bench_calls: nginx did not answer on {base}; see {workdir}/error.log")


def pin_nginx(master: subprocess.Popen, cpus: str) -> None:
    # -a: every thread of the master and of its worker.
    subprocess.run(["taskset", "-a", "-pc", cpus, str(master.pid)], check=True,
                   stdout=subprocess.DEVNULL)
    for child in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split():
        subprocess.run(["taskset", "-a", "-pc", cpus, child], check=True, stdout=subprocess.DEVNULL)


def measure(command: list[str], pinned: bool) -> dict[str, float]:
    if pinned:
        command = ["taskset", "-c", "0", *command]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls per client per setting")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="examples/http_baseline binary (release); default: "
                        "target/release/examples/http_baseline")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        run_client(args.client, args.base, args.calls, args.rounds)
        return

    baseline = args.baseline or str(
        Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target") / "release" / "examples"
        / "http_baseline")
    if not Path(baseline).is_file():
        sys.exit(f"bench_calls: {baseline} not found; "
                 "`cargo build --release --example http_baseline` builds it")
    cpus = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="wxk-nginx-") as tmp:
        nginx, base = start_nginx(Path(tmp))
        try:
            import wechatpy
            import weixinkit
            print(f"weixinkit {weixinkit.__version__} ({weixinkit.__file__}), wechatpy "
                  f"{wechatpy.__version__}, Python {sys.version.split()[0]}, {cpus} CPUs; nginx at "
                  f"{base}; {args.calls} calls per client, median of {args.rounds} rounds")
            clients = {
                mode: [sys.executable, __file__, "--client", mode, "--base", base,
                       "--calls", str(args.calls), "--rounds", str(args.rounds)]
                for mode in ("weixinkit", "wechatpy", "requests")
            }
            clients["reqwest"] = [baseline, "reqwest", base, str(args.calls), str(args.rounds)]
            clients["core"] = [baseline, "weixinkit", base, str(args.calls), str(args.rounds)]
            clients["core-pool"] = [baseline, "weixinkit-runtime", base, str(args.calls),
                                    str(args.rounds)]
            results: dict[tuple[str, bool], dict[str, float]] = {}
            for pinned in (False, True):
                pin_nginx(nginx, "0" if pinned else f"0-{cpus - 1}")
                label = "pinned (client and nginx on CPU 0)" if pinned else "unpinned"
                print(f"{label}:")
                for mode, command in clients.items():
                    r = results[mode, pinned] = measure(command, pinned)
                    print(f"  {mode:<10} {r['calls_per_s']:9.0f} calls/s  "
                          f"client CPU {r['cpu_us_per_call']:7.2f} us/call")
            for pinned in (False, True):
                ours, floor = results["weixinkit", pinned], results["reqwest", pinned]
                print(f"weixinkit client CPU / reqwest's, {'pinned' if pinned else 'unpinned'}: "
                      f"{ours['cpu_us_per_call'] / floor['cpu_us_per_call']:.2f}x")
            for pinned in (False, True):
                ours, theirs = results["weixinkit", pinned], results["wechatpy", pinned]
                print(f"weixinkit calls/s / wechatpy's, {'pinned' if pinned else 'unpinned'}: "
                      f"{ours['calls_per_s'] / theirs['calls_per_s']:.2f}x")
        finally:
            nginx.terminate()
            nginx.wait()


if __name__ == "__main__":
    main()
