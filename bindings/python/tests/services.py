"""The real parts the token tests talk to: the local WeChat server (`wechat-sim`), Redis, and
worker processes. Fixtures over these live in conftest.py.

`scripts/services.sh` exports WEIXINKIT_SIM_BIN and WEIXINKIT_REDIS_URL and sets
WEIXINKIT_REQUIRE_SERVICES=1, under which a missing service fails the tests that need it
instead of skipping them.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parents[2]
WORKER = TESTS / "token_worker.py"

OA_APPID = "wxoa00000000000001"
OA_SECRET = "oa-secret"

# The sim's default third-party platform (sim/README.md, "Default accounts").
COMPONENT_APPID = "wxcomponent0000001"
COMPONENT_SECRET = "component-secret"
COMPONENT_TOKEN = "componenttoken"
COMPONENT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
# The sim's default WeCom provider and suites (sim/README.md).
PROVIDER_CORPID = "wwprovider00000001"
PROVIDER_SECRET = "provider-secret"
SUITE_ID = "wwsuite00000000001"
SUITE_SECRET = "suite-secret"
SUITE_TOKEN = "suitetoken"
SUITE_AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
WORK_CORPID = "wwcorp000000000001"
WORK_SECRET = "corp-app-secret"


def services_required() -> bool:
    return os.environ.get("WEIXINKIT_REQUIRE_SERVICES") == "1"


def sim_binary() -> Path | None:
    env = os.environ.get("WEIXINKIT_SIM_BIN")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    default = target / "debug" / "wechat-sim"
    return default if default.is_file() else None


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.01):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# --- the local WeChat server ----------------------------------------------------------------

class Sim:
    """One `wechat-sim --port 0` process and its control API (sim/README.md)."""

    def __init__(self, binary: Path):
        self.proc = subprocess.Popen(
            [str(binary), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            first = lines.get(timeout=10)
        except queue.Empty:
            self.stop()
            raise AssertionError(f"{binary} printed nothing within 10 s") from None
        prefix = "listening on "
        if not first.startswith(prefix):
            self.stop()
            raise AssertionError(f"{binary}: unexpected first line {first!r}")
        self.url = first[len(prefix):].strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stats(self) -> dict[str, int]:
        return self._call("GET", "/_sim/stats")["calls"]

    def calls(self, path: str) -> int:
        return self.stats().get(path, 0)

    def configure(self, **options) -> None:
        self._call("POST", "/_sim/config", options)

    def fault(self, path: str, times: int = 1, **fault) -> None:
        self._call("POST", "/_sim/faults", {"path": path, "times": times, **fault})

    def expire(self, appid: str = OA_APPID) -> int:
        return self._call("POST", "/_sim/expire", {"appid": appid})["affected"]

    def revoke(self, appid: str = OA_APPID) -> int:
        return self._call("POST", "/_sim/revoke", {"appid": appid})["affected"]

    def tokens(self, kind: str = "access_token") -> list[dict]:
        return [t for t in self._call("GET", "/_sim/tokens")["tokens"] if t["kind"] == kind]

    # Open Platform: pushes the sim encrypts as WeChat does (returned, and POSTed to the
    # component's callback_url when one is registered).

    def issue_ticket(self, component_appid: str = COMPONENT_APPID) -> dict:
        """A new component_verify_ticket: `{"ticket", "push", "delivered", …}`."""
        return self._call("POST", "/_sim/component/ticket", {"component_appid": component_appid})

    def authorize(self, authorizer_appid: str, component_appid: str = COMPONENT_APPID,
                  **more) -> dict:
        """A merchant authorizes: `{"authorization_code", "push", "delivered", …}`."""
        return self._call("POST", "/_sim/authorize", {
            "component_appid": component_appid, "authorizer_appid": authorizer_appid, **more})

    def unauthorize(self, authorizer_appid: str, component_appid: str = COMPONENT_APPID) -> dict:
        """A merchant cancels: `{"push", "delivered", …}`."""
        return self._call("POST", "/_sim/unauthorize", {
            "component_appid": component_appid, "authorizer_appid": authorizer_appid})

    def set_callback_url(self, url: str | None) -> None:
        """Register the default component again, with `url` as its authorization event URL."""
        app = {"appid": COMPONENT_APPID, "secret": COMPONENT_SECRET, "kind": "component",
               "token": COMPONENT_TOKEN, "encoding_aes_key": COMPONENT_AES_KEY}
        if url is not None:
            app["callback_url"] = url
        self._call("POST", "/_sim/apps", app)

    def add_app(self, appid: str, secret: str, kind: str) -> None:
        """Register an account (`official_account`, `website_app`, …) with the sim."""
        self._call("POST", "/_sim/apps", {"appid": appid, "secret": secret, "kind": kind})

    def oauth_code(self, appid: str, **more) -> dict:
        """A user OAuth code (or js_code) for `appid`: `{"code", "openid", …}`; `scope`,
        `subscribed=False` (the user does not follow) and `expired=True` go to the sim."""
        return self._call("POST", "/_sim/oauth_code", {"appid": appid, **more})

    # WeCom: suite pushes encrypted as WeCom does (`{"push": {"query", "body", …}, …}`).

    def wecom(self, action: str, **body) -> dict:
        """`POST /_sim/wecom/<action>` (suite_ticket, install, cancel, change_auth,
        reset_permanent_code, revoke_permanent_code, verify_url, oauth_code, login_code)."""
        return self._call("POST", "/_sim/wecom/" + action, body)

    def all_tokens(self) -> list[dict]:
        """Every token the sim issued, of every kind (oldest first)."""
        return self._call("GET", "/_sim/tokens")["tokens"]

    def token_is_live(self, value: str) -> bool:
        """Whether the sim issued `value` and still accepts it."""
        return any(t["value"] == value and not t["expired"] and not t["retired"]
                   for t in self._call("GET", "/_sim/tokens")["tokens"])


# --- Redis ------------------------------------------------------------------------------------

class RespError(Exception):
    pass


class Redis:
    """A few Redis commands over RESP2 on a plain socket (no client library needed)."""

    def __init__(self, url: str, timeout: float = 2.0):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 6379
        self.password = urllib.parse.unquote(u.password) if u.password else None
        self.db = int(u.path.strip("/") or 0)
        self.timeout = timeout

    def __call__(self, *args):
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
            f = s.makefile("rwb")
            commands = []
            if self.password:
                commands.append(("AUTH", self.password))
            if self.db:
                commands.append(("SELECT", str(self.db)))
            commands.append(args)
            for cmd in commands:
                f.write(b"*%d\r\n" % len(cmd))
                for a in cmd:
                    a = a if isinstance(a, bytes) else str(a).encode()
                    f.write(b"$%d\r\n%s\r\n" % (len(a), a))
            f.flush()
            replies = [self._read(f) for _ in commands]
            return replies[-1]

    def _read(self, f):
        line = f.readline()
        if not line:
            raise RespError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise RespError(f"unexpected reply {line!r}")

    def ping(self) -> bool:
        try:
            return self("PING") == "PONG"
        except OSError:
            return False


# --- worker processes -------------------------------------------------------------------------

class Worker:
    """`python token_worker.py ACTION` in its own process, configured through the environment.

    The worker prints `ready` once the client is built, waits for a line on stdin, runs the
    action and prints one JSON line. `start()` many, then `go()` them together.
    """

    def __init__(self, config: dict, action: str = "access_token"):
        env = dict(os.environ, WEIXINKIT_TEST_CONFIG=json.dumps(config))
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), action],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(TESTS),
            env=env,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put("")

    def line(self, timeout: float = 30) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise AssertionError(f"worker said nothing within {timeout} s") from None
        if not line:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise AssertionError(f"worker exited ({self.proc.returncode}) early: {err}")
        return line.strip()

    def ready(self) -> None:
        assert self.line() == "ready"

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self, timeout: float = 30) -> dict:
        out = json.loads(self.line(timeout))
        self.proc.wait(timeout=10)
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def close(self) -> None:
        self.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
