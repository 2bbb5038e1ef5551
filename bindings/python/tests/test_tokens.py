"""The token engine through the Python layer, against the local WeChat server (wechat-sim),
a real Redis and real worker processes.

Every test starts its own server (`sim` fixture) and uses its own key prefix or store
directory, so counts of upstream calls (`sim.calls(...)`) are exact.
"""

from __future__ import annotations

import asyncio
import collections
import fcntl
import hashlib
import json
import os
import shutil
import stat
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import weixinkit
from weixinkit import (
    AsyncOfficialAccount,
    FileStore,
    HostStore,
    HttpOptions,
    MemoryStore,
    OfficialAccount,
    OfficialAccountConfig,
    RedisStore,
    RetryPolicy,
    TokenOptions,
    WeixinkitError,
    jssdk_signature,
)
from services import OA_APPID, OA_SECRET, REPO, Redis, Worker, free_port, wait_until

TOKEN = "/cgi-bin/token"
API = "/cgi-bin/get_api_domain_ip"
GETTICKET = "/cgi-bin/ticket/getticket"


def key(prefix: str, kind: str = "access_token") -> str:
    return f"{prefix}:{kind}:{OA_APPID}:{OA_APPID}"


def lock_key(prefix: str, kind: str = "access_token") -> str:
    return f"{prefix}:lock:{kind}:{OA_APPID}:{OA_APPID}"


def oa_config(sim, store, prefix="weixinkit", *, retry=None, timeout_ms=None, secret=OA_SECRET,
              **tokens) -> OfficialAccountConfig:
    """The default Official Account on `sim`, fast retries, `store`, key prefix `prefix`."""
    return OfficialAccountConfig(
        OA_APPID,
        secret,
        http=HttpOptions(api_base_uri=sim.url, timeout_ms=timeout_ms,
                         retry=retry or RetryPolicy(delay_ms=10)),
        tokens=TokenOptions(key_prefix=prefix, **tokens),
        store=store,
    )


def run_threads(n, fn):
    """`fn()` in `n` threads released together; their results in order."""
    barrier = threading.Barrier(n)

    def task():
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(task) for _ in range(n)]
        return [f.result(timeout=60) for f in futures]


def stored_record(value: str, expires_at: int, issued_at: int) -> str:
    return json.dumps({"value": value, "expires_at": expires_at, "issued_at": issued_at})


def stale_record(value: str) -> str:
    """A stored token that expired ten seconds ago."""
    now = int(time.time())
    return stored_record(value, now - 10, now - 7210)


def write_file_entry(store_dir: Path, name: str, value: str) -> None:
    """A file-store entry as the core writes it: `<expires_at_ms or 0>\\n<value>`."""
    store_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (store_dir / name).write_text(f"0\n{value}")


def read_file_entry(store_dir: Path, name: str) -> tuple[int, str]:
    header, value = (store_dir / name).read_text().split("\n", 1)
    return int(header), value


def flock_is_held(path: Path) -> bool:
    """Whether some process holds an flock on `path` (tries to take it, and gives it back)."""
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


# --- 1. one fetch for many threads --------------------------------------------------------------

@pytest.mark.parametrize("kind", ["memory", "file"])
def test_fifty_threads_on_a_cold_token_cause_one_fetch(sim, prefix, tmp_path, kind):
    store = MemoryStore() if kind == "memory" else FileStore(tmp_path / "store")
    account = OfficialAccount(oa_config(sim, store, prefix))
    sim.fault(TOKEN, delay_ms=200)  # a slow fetch: the other 49 must wait, not fetch too

    values = run_threads(50, lambda: account.access_token().value)

    assert sim.calls(TOKEN) == 1
    assert len(set(values)) == 1
    assert sim.token_is_live(values[0])


def test_fifty_threads_on_an_expired_stored_token_cause_one_fetch(sim, prefix, tmp_path):
    store_dir = tmp_path / "store"
    write_file_entry(store_dir, key(prefix), stale_record("ACCESS_stale"))
    account = OfficialAccount(oa_config(sim, FileStore(store_dir), prefix))
    sim.fault(TOKEN, delay_ms=200)

    values = run_threads(50, lambda: account.access_token().value)

    assert sim.calls(TOKEN) == 1
    assert len(set(values)) == 1 and values[0] != "ACCESS_stale"
    assert sim.token_is_live(values[0])
    assert json.loads(read_file_entry(store_dir, key(prefix))[1])["value"] == values[0]


def test_fifty_threads_whose_token_the_server_expired_refresh_it_once(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    old = account.access_token().value
    assert sim.expire() == 1  # the cached token now answers 42001

    answers = run_threads(50, lambda: account.get(API))

    assert all(a["ip_list"] == ["127.0.0.1"] for a in answers)
    assert sim.calls(TOKEN) == 2  # the first fetch and exactly one refresh
    assert 51 <= sim.calls(API) <= 100  # each call once, plus at most one retry each
    new = account.access_token().value
    assert new != old and sim.token_is_live(new)


# --- 2. asyncio -------------------------------------------------------------------------------

def test_fifty_asyncio_tasks_on_a_cold_token_cause_one_fetch(sim, prefix):
    account = AsyncOfficialAccount(oa_config(sim, MemoryStore(), prefix))
    sim.fault(TOKEN, delay_ms=200)

    async def main():
        return await asyncio.gather(*(account.access_token() for _ in range(50)))

    tokens = asyncio.run(main())

    assert sim.calls(TOKEN) == 1
    assert len({t.value for t in tokens}) == 1
    assert all(isinstance(t, weixinkit.Token) for t in tokens)
    assert sim.token_is_live(tokens[0].value)


def test_the_asyncio_client_has_every_method_and_raises_the_same_errors(sim, prefix):
    account = AsyncOfficialAccount(oa_config(sim, MemoryStore(), prefix))
    assert account.app_id == OA_APPID
    assert repr(account) == f"AsyncOfficialAccount(app_id='{OA_APPID}')"

    async def main():
        token = await account.access_token()
        got = await account.get("/cgi-bin/user/get", {"next_openid": "o1"})
        posted = await account.post_json("/cgi-bin/menu/create", {"button": []})
        ticket = await account.jsapi_ticket()
        config = await account.jssdk_config("https://example.com/a#b")
        fresh = await account.refresh_access_token()
        sim.fault(API, errcode=45009)
        with pytest.raises(WeixinkitError.Api) as e:
            await account.get(API)
        return token, got, posted, ticket, config, fresh, e.value

    token, got, posted, ticket, config, fresh, error = asyncio.run(main())
    assert got["echo"]["query"] == {"next_openid": "o1", "access_token": token.value}
    assert posted["echo"]["body"] == {"button": []}
    assert config["signature"] == jssdk_signature(ticket.value, config["nonce_str"],
                                                  config["timestamp"], "https://example.com/a")
    assert fresh.value != token.value and sim.calls(TOKEN) == 2
    assert error.code == 45009 and sim.calls(API) == 1


# --- 3. one fetch across processes ----------------------------------------------------------

def _shared_store(backend, tmp_path, request):
    """(store, read the raw stored value of a key, write a raw value under a key)."""
    if backend == "file":
        store_dir = tmp_path / "store"
        return (FileStore(store_dir),
                lambda k: read_file_entry(store_dir, k)[1],
                lambda k, v: write_file_entry(store_dir, k, v))
    redis = Redis(request.getfixturevalue("redis_url"))
    return RedisStore(request.getfixturevalue("redis_url")), lambda k: redis("GET", k), \
        lambda k, v: redis("SET", k, v)


@pytest.mark.parametrize("state", ["absent", "expired"])
@pytest.mark.parametrize("backend", ["file", "redis"])
def test_four_processes_on_a_missing_token_cause_one_fetch(sim, prefix, tmp_path, request,
                                                           backend, state):
    store, read, write = _shared_store(backend, tmp_path, request)
    if state == "expired":
        write(key(prefix), stale_record("ACCESS_stale"))
    # Slow fetches: if the processes did not exclude each other, all four would be counted.
    sim.fault(TOKEN, times=4, delay_ms=300)
    config = oa_config(sim, store, prefix).to_dict()

    workers = [Worker(config) for _ in range(4)]
    try:
        for w in workers:
            w.ready()
        for w in workers:
            w.go()
        results = [w.result() for w in workers]
    finally:
        for w in workers:
            w.close()

    assert all("value" in r for r in results), results
    values = {r["value"] for r in results}
    assert len(values) == 1 and "ACCESS_stale" not in values
    assert sim.calls(TOKEN) == 1
    assert json.loads(read(key(prefix)))["value"] == values.pop()


# --- 4. token errors and bounded retries ----------------------------------------------------

def test_a_revoked_token_costs_one_refresh_and_one_retry(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    old = account.access_token().value
    assert sim.revoke() == 1  # the token retires now: 40001

    assert account.get(API)["ip_list"] == ["127.0.0.1"]

    assert sim.calls(TOKEN) == 2 and sim.calls(API) == 2
    new = account.access_token().value
    assert new != old and sim.token_is_live(new)
    account.get(API)  # the new token is used as is
    assert sim.calls(TOKEN) == 2 and sim.calls(API) == 3


def test_one_injected_40001_costs_one_refresh_and_one_retry(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    old = account.access_token().value
    sim.fault(API, errcode=40001)

    assert account.get(API)["ip_list"] == ["127.0.0.1"]

    assert sim.calls(API) == 2 and sim.calls(TOKEN) == 2
    assert account.access_token().value != old


def test_a_persistent_40001_surfaces_after_exactly_two_attempts(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    sim.fault(API, times=2, errcode=40001)

    with pytest.raises(WeixinkitError.Api) as e:
        account.get(API)

    assert e.value.code == 40001
    assert API in e.value.reason and "injected" in e.value.reason
    assert sim.calls(API) == 2 and sim.calls(TOKEN) == 2


def test_quota_errors_are_never_retried(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    sim.fault(API, errcode=45009)
    with pytest.raises(WeixinkitError.Api) as e:
        account.get(API)
    assert e.value.code == 45009
    assert sim.calls(API) == 1 and sim.calls(TOKEN) == 1


def test_token_endpoint_errors_surface_once_and_do_not_stick(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    sim.fault(TOKEN, errcode=45009)
    with pytest.raises(WeixinkitError.Api) as e:
        account.access_token()
    assert e.value.code == 45009 and TOKEN in e.value.reason
    assert sim.calls(TOKEN) == 1
    assert sim.token_is_live(account.access_token().value)  # the next caller tries again
    assert sim.calls(TOKEN) == 2


def test_system_busy_is_retried_a_bounded_number_of_times(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    sim.fault(API, times=2, errcode=-1)
    assert account.get(API)["ip_list"] == ["127.0.0.1"]
    assert sim.calls(API) == 3  # two failures, then success (max_retries = 2)

    sim.fault(API, times=3, errcode=-1)
    with pytest.raises(WeixinkitError.Api) as e:
        account.get(API)
    assert e.value.code == -1
    assert sim.calls(API) == 6  # three more attempts, no fourth
    assert sim.calls(TOKEN) == 1


def test_retried_statuses_and_max_retries(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    sim.fault(TOKEN, times=2, status=503)
    assert sim.token_is_live(account.access_token().value)
    assert sim.calls(TOKEN) == 3

    strict = OfficialAccount(oa_config(sim, MemoryStore(), prefix + "x",
                                       retry=RetryPolicy(max_retries=0)))
    sim.fault(TOKEN, status=503)
    with pytest.raises(WeixinkitError.HttpStatus) as e:
        strict.access_token()
    assert e.value.code == -50003 and "503" in e.value.reason
    assert sim.calls(TOKEN) == 4


@pytest.mark.parametrize("fault, cls, code", [
    ({"drop": True}, WeixinkitError.Transport, -50001),
    ({"delay_ms": 1000}, WeixinkitError.Timeout, -50002),
    ({"status": 404}, WeixinkitError.HttpStatus, -50003),
    ({"status": 200}, WeixinkitError.Decode, -50004),
], ids=["transport", "timeout", "http_status", "decode"])
def test_each_failure_raises_its_class_without_the_secret(sim, prefix, fault, cls, code):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix, timeout_ms=200,
                                        retry=RetryPolicy(max_retries=0)))
    sim.fault(TOKEN, **fault)
    with pytest.raises(cls) as e:
        account.access_token()
    assert isinstance(e.value, WeixinkitError)
    assert e.value.code == code
    assert TOKEN in e.value.reason
    assert OA_SECRET not in str(e.value) and OA_SECRET not in repr(e.value)
    assert sim.calls(TOKEN) == 1


# --- 5. a refresher killed while holding the lock -------------------------------------------

@pytest.mark.parametrize("backend", ["file", "redis"])
def test_a_refresher_killed_holding_the_lock_does_not_block_the_next(sim, prefix, tmp_path,
                                                                    request, backend):
    store, read, _ = _shared_store(backend, tmp_path, request)
    if backend == "file":
        # The OS releases a dead process's flock: B must not need to wait.
        tokens = {"lock_wait_ms": 2000}
        lock_path = tmp_path / "store" / "locks" / lock_key(prefix)
        held = lambda: flock_is_held(lock_path)  # noqa: E731
    else:
        # A dead holder's Redis lock lives until its TTL: B waits that long, no longer.
        redis = Redis(request.getfixturevalue("redis_url"))
        tokens = {"lock_ttl_ms": 3000, "lock_wait_ms": 15000}
        held = lambda: redis("GET", lock_key(prefix)) is not None  # noqa: E731
    config = oa_config(sim, store, prefix, **tokens).to_dict()
    sim.fault(TOKEN, delay_ms=8000)  # A's fetch hangs…

    a = Worker(config)
    try:
        a.ready()
        a.go()
        wait_until(lambda: sim.calls(TOKEN) == 1, 15, "process A's token request")
        assert held(), "A should hold the refresh lock during its fetch"
        a.kill()  # …and A dies holding the lock
    finally:
        a.close()
    if backend == "file":
        assert not held(), "the OS releases a dead process's flock"
    else:
        assert redis("PTTL", lock_key(prefix)) > 0, "the lock outlives A until its TTL"

    b = Worker(config)
    try:
        b.ready()
        b.go()
        result = b.result()
    finally:
        b.close()

    assert "value" in result, result
    assert sim.calls(TOKEN) == 2
    assert sim.token_is_live(result["value"])
    assert json.loads(read(key(prefix)))["value"] == result["value"]  # B's token is stored
    assert not held()  # and B released the lock
    # The stored token serves this process too, with no further fetch.
    assert OfficialAccount(oa_config(sim, store, prefix)).get(API)["ip_list"] == ["127.0.0.1"]
    assert sim.calls(TOKEN) == 2


# --- 6. Redis down --------------------------------------------------------------------------

def test_redis_down_is_a_prompt_store_error_without_the_password(sim, prefix):
    port = free_port()  # nothing listens there
    config = oa_config(sim, RedisStore(f"redis://:hunter2@127.0.0.1:{port}/0"), prefix)
    assert "hunter2" not in repr(config)
    account = OfficialAccount(config)  # connects lazily

    started = time.monotonic()
    with pytest.raises(WeixinkitError.Store) as e:
        account.access_token()
    elapsed = time.monotonic() - started

    assert e.value.code == -50010
    assert f"127.0.0.1:{port}" in e.value.reason and "Redis" in e.value.reason
    assert "hunter2" not in str(e.value) and "hunter2" not in repr(e.value)
    assert elapsed < 5, f"took {elapsed:.1f} s: should fail fast, not wait for the lock"
    assert sim.calls(TOKEN) == 0  # never fetch without the store

    async def via_asyncio():
        with pytest.raises(WeixinkitError.Store):
            await AsyncOfficialAccount(config).get(API)

    asyncio.run(via_asyncio())
    assert sim.calls(TOKEN) == 0 and sim.calls(API) == 0


# --- 7. stores implemented in Python --------------------------------------------------------

class DictStore(HostStore):
    """A dict-backed host store with a lock, recording how it is called."""

    def __init__(self):
        self.data: dict[str, tuple[str, float | None]] = {}
        self.ttls: dict[str, int | None] = {}
        self.locks: dict[str, tuple[str, float]] = {}
        self.fences_given: list[tuple[str, int, str]] = []
        self.fences_released: list[tuple[str, str]] = []
        self.calls = collections.Counter()
        self.threads: set[int] = set()
        self.mutex = threading.Lock()

    def _enter(self, name):
        self.calls[name] += 1
        self.threads.add(threading.get_ident())

    def get(self, key):
        with self.mutex:
            self._enter("get")
            entry = self.data.get(key)
            if entry is None:
                return None
            value, deadline = entry
            if deadline is not None and deadline <= time.monotonic():
                del self.data[key]
                return None
            return value

    def set(self, key, value, ttl_ms):
        with self.mutex:
            self._enter("set")
            self.ttls[key] = ttl_ms
            deadline = None if ttl_ms is None else time.monotonic() + ttl_ms / 1000
            self.data[key] = (value, deadline)

    def delete(self, key):
        with self.mutex:
            self._enter("delete")
            self.data.pop(key, None)

    def try_lock(self, lock_key, ttl_ms):
        with self.mutex:
            self._enter("try_lock")
            held = self.locks.get(lock_key)
            if held is not None and held[1] > time.monotonic():
                return None
            fence = uuid.uuid4().hex
            self.locks[lock_key] = (fence, time.monotonic() + ttl_ms / 1000)
            self.fences_given.append((lock_key, ttl_ms, fence))
            return fence

    def unlock(self, lock_key, fence):
        with self.mutex:
            self._enter("unlock")
            if self.locks.get(lock_key, ("",))[0] == fence:
                del self.locks[lock_key]
                self.fences_released.append((lock_key, fence))


def test_a_python_store_holds_tokens_under_the_shared_key_schema(sim):
    store = DictStore()
    config = oa_config(sim, store)  # the default key prefix, "weixinkit"
    account = OfficialAccount(config)

    values = run_threads(20, lambda: account.access_token().value)

    assert sim.calls(TOKEN) == 1
    assert len(set(values)) == 1
    data_key = "weixinkit:access_token:wxoa00000000000001:wxoa00000000000001"
    lock = "weixinkit:lock:access_token:wxoa00000000000001:wxoa00000000000001"
    assert set(store.data) == {data_key}
    record = json.loads(store.data[data_key][0])
    assert set(record) == {"value", "expires_at", "issued_at"}
    assert record["value"] == values[0]
    assert record["expires_at"] - record["issued_at"] == 7200
    assert abs(record["issued_at"] - time.time()) < 60
    assert store.ttls[data_key] == 7200 * 1000
    # One lock taken (with the configured TTL) and released with its own fence.
    assert [(k, ttl) for k, ttl, _ in store.fences_given] == [(lock, 30000)]
    assert store.fences_released == [(lock, store.fences_given[0][2])]
    assert store.locks == {}
    # Called from weixinkit's worker threads, never the caller's.
    account.access_token()
    assert threading.get_ident() not in store.threads

    # Another client on the same store reads the token without fetching.
    assert OfficialAccount(config).access_token().value == values[0]
    ticket = OfficialAccount(config).jsapi_ticket()
    assert json.loads(store.data[key("weixinkit", "jsapi_ticket")][0])["value"] == ticket.value
    assert sim.calls(TOKEN) == 1 and sim.calls(GETTICKET) == 1


def test_a_python_store_serves_the_asyncio_client(sim, prefix):
    store = DictStore()
    account = AsyncOfficialAccount(oa_config(sim, store, prefix))

    async def main():
        return await asyncio.gather(*(account.access_token() for _ in range(20)))

    values = {t.value for t in asyncio.run(main())}
    assert len(values) == 1 and sim.calls(TOKEN) == 1
    assert json.loads(store.data[key(prefix)][0])["value"] == values.pop()


def test_any_object_with_the_five_methods_is_a_store(sim, prefix):
    class Duck:  # not a HostStore subclass
        def __init__(self):
            self.inner = DictStore()
            for name in ("get", "set", "delete", "try_lock", "unlock"):
                setattr(self, name, getattr(self.inner, name))

    duck = Duck()
    token = OfficialAccount(oa_config(sim, duck, prefix)).access_token()
    assert json.loads(duck.inner.data[key(prefix)][0])["value"] == token.value


def test_a_failing_python_store_is_a_store_error(sim, prefix):
    class Broken(DictStore):
        def get(self, key):
            raise RuntimeError("cache backend unavailable")

    with pytest.raises(WeixinkitError.Store) as e:
        OfficialAccount(oa_config(sim, Broken(), prefix)).access_token()
    assert e.value.code == -50010
    assert "cache backend unavailable" in e.value.reason and "get" in e.value.reason

    class WrongType(DictStore):
        def try_lock(self, lock_key, ttl_ms):
            return 42  # not a str fence

    with pytest.raises(WeixinkitError.Store) as e:
        OfficialAccount(oa_config(sim, WrongType(), prefix)).access_token()
    assert "try_lock" in e.value.reason
    assert sim.calls(TOKEN) == 0


def test_host_store_contract_is_enforced_when_configuring():
    with pytest.raises(TypeError):
        HostStore()  # abstract

    class Partial(HostStore):
        def get(self, key):
            return None

    with pytest.raises(TypeError):
        Partial()
    with pytest.raises(TypeError, match="try_lock"):
        OfficialAccountConfig(OA_APPID, OA_SECRET, store=object())


# --- 8. jsapi_ticket and JS-SDK --------------------------------------------------------------

DOC_TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"


def test_jssdk_signature_matches_the_documented_vector():
    assert jssdk_signature(DOC_TICKET, "Wm3WZYTPz0wzccnW", 1414587457,
                           "http://mp.weixin.qq.com?params=value") \
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    # The fragment is not signed.
    assert jssdk_signature(DOC_TICKET, "Wm3WZYTPz0wzccnW", 1414587457,
                           "http://mp.weixin.qq.com?params=value#section") \
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_jsapi_ticket_is_cached_and_jssdk_config_is_signed_with_it(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    first, second = account.jsapi_ticket(), account.jsapi_ticket()
    assert first == second and sim.calls(GETTICKET) == 1
    assert sim.token_is_live(first.value)
    assert first.value not in repr(first)

    config = account.jssdk_config("https://example.com/page?id=1#top")

    assert set(config) == {"app_id", "timestamp", "nonce_str", "signature", "url"}
    assert config["app_id"] == OA_APPID
    assert config["url"] == "https://example.com/page?id=1"
    assert abs(config["timestamp"] - time.time()) < 60
    assert len(config["nonce_str"]) == 16 and config["nonce_str"].isalnum()
    plain = (f"jsapi_ticket={first.value}&noncestr={config['nonce_str']}"
             f"&timestamp={config['timestamp']}&url={config['url']}")
    assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()
    assert config["signature"] == jssdk_signature(first.value, config["nonce_str"],
                                                  config["timestamp"], config["url"])
    assert sim.calls(GETTICKET) == 1
    with pytest.raises(WeixinkitError.InvalidInput):
        account.jssdk_config("")


# --- 9. generic calls, configuration, secrets -----------------------------------------------

def test_get_and_post_json_round_trip_through_the_server(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    token = account.access_token().value

    got = account.get("/cgi-bin/user/get", {"next_openid": "o-1", "count": 5, "lang": "zh_CN",
                                            "all": True})
    assert got["errcode"] == 0
    assert got["echo"]["method"] == "GET" and got["echo"]["path"] == "/cgi-bin/user/get"
    assert got["echo"]["query"] == {"next_openid": "o-1", "count": "5", "lang": "zh_CN",
                                    "all": "true", "access_token": token}
    assert account.get("/cgi-bin/user/get", [("next_openid", "o-2")])["echo"]["query"] \
        == {"next_openid": "o-2", "access_token": token}

    body = {"button": [{"type": "click", "name": "今日歌曲", "key": "V1001_TODAY"}],
            "ratio": 1.5, "none": None, "list": [1, "二", False]}
    posted = account.post_json("/cgi-bin/menu/create", body)
    assert posted["echo"]["method"] == "POST"
    assert posted["echo"]["body"] == body
    assert posted["echo"]["query"] == {"access_token": token}
    assert sim.calls(TOKEN) == 1

    with pytest.raises(WeixinkitError.InvalidInput):
        account.get("cgi-bin/user/get")
    with pytest.raises(WeixinkitError.InvalidInput):
        account.get("/cgi-bin/user/get", {"access_token": "mine"})
    with pytest.raises(TypeError):
        account.get("/cgi-bin/user/get", {"x": object()})


def test_refresh_access_token_replaces_the_cached_token(sim, prefix):
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix))
    old = account.access_token()
    new = account.refresh_access_token()
    assert new.value != old.value and sim.token_is_live(new.value)
    assert account.access_token() == new
    assert sim.calls(TOKEN) == 2


def test_the_stable_token_endpoint_from_a_plain_dict_record(sim, prefix):
    """`token_endpoint: "stable"` reaches the core: cgi-bin/stable_token, its own key kind, and
    a forced refresh (the plain fetch would hand back the same token)."""
    account = OfficialAccount({
        "app_id": OA_APPID, "secret": OA_SECRET, "token_endpoint": "stable",
        "http": {"api_base_uri": sim.url, "retry": {"delay_ms": 10}},
        "tokens": {"key_prefix": prefix}, "store": {"type": "memory"},
    })
    old = account.access_token()
    assert account.get(API)["ip_list"] == ["127.0.0.1"]
    assert sim.calls("/cgi-bin/stable_token") == 1 and sim.calls(TOKEN) == 0

    new = account.refresh_access_token()
    assert new.value != old.value and sim.token_is_live(new.value)
    assert sim.calls("/cgi-bin/stable_token") == 3  # same token back, then force_refresh

    store = DictStore()
    OfficialAccount(OfficialAccountConfig(OA_APPID, OA_SECRET, token_endpoint="stable",
                                          http=HttpOptions(api_base_uri=sim.url),
                                          tokens=TokenOptions(key_prefix=prefix),
                                          store=store)).access_token()
    assert list(store.data) == [key(prefix, "stable_access_token")]


def test_read_only_mode_reports_token_unavailable_until_a_writer_stores_one(sim, prefix,
                                                                           tmp_path):
    store = FileStore(tmp_path / "store")
    reader = OfficialAccount(oa_config(sim, store, prefix, read_only=True, lock_wait_ms=100))
    with pytest.raises(WeixinkitError.TokenUnavailable) as e:
        reader.access_token()
    assert e.value.code == -50030 and "read_only" in e.value.reason
    assert sim.calls(TOKEN) == 0

    written = OfficialAccount(oa_config(sim, store, prefix)).access_token()
    assert reader.access_token() == written
    assert sim.calls(TOKEN) == 1


def test_keep_fresh_refreshes_ahead_of_expiry_for_a_read_only_reader(sim, prefix, tmp_path):
    sim.configure(expires_in=4)
    store = FileStore(tmp_path / "store")
    reader = OfficialAccount(oa_config(sim, store, prefix, read_only=True, lock_wait_ms=3000))
    handle = OfficialAccount(oa_config(sim, store, prefix)).keep_fresh()
    try:
        first = reader.access_token()
        deadline = time.monotonic() + 10
        while (second := reader.access_token()).value == first.value:
            assert time.monotonic() < deadline, "no background refresh"
            time.sleep(0.1)
        assert second.expires_at >= first.expires_at
    finally:
        handle.stop()
    assert 2 <= sim.calls(TOKEN) <= 3


def test_the_config_serializes_to_the_shared_record_leaving_unset_options_out(tmp_path):
    assert json.loads(OfficialAccountConfig("wx1", "s").to_json()) == {"app_id": "wx1",
                                                                         "secret": "s"}
    full = OfficialAccountConfig(
        "wx1", "s", token="t", encoding_aes_key="k", token_endpoint="stable",
        http=HttpOptions(timeout_ms=100, api_base_uri="http://127.0.0.1:9",
                         retry=RetryPolicy(max_retries=0, statuses=(503,), jitter=0.5)),
        tokens=TokenOptions(read_only=True, key_prefix="p", lock_ttl_ms=5),
        store=FileStore(tmp_path / "store"),
    )
    assert json.loads(full.to_json()) == {
        "app_id": "wx1", "secret": "s", "token": "t", "encoding_aes_key": "k",
        "token_endpoint": "stable",
        "http": {"timeout_ms": 100, "api_base_uri": "http://127.0.0.1:9",
                 "retry": {"max_retries": 0, "jitter": 0.5, "statuses": [503]}},
        "tokens": {"read_only": True, "lock_ttl_ms": 5, "key_prefix": "p"},
        "store": {"type": "file", "dir": str(tmp_path / "store")},
    }
    assert OfficialAccount(full).app_id == "wx1"  # the core takes every field
    assert (tmp_path / "store" / "locks").is_dir()
    assert MemoryStore().to_dict() == {"type": "memory"}
    assert RedisStore("redis://h:1/0").to_dict() == {"type": "redis", "url": "redis://h:1/0"}
    hosted = OfficialAccountConfig("wx1", "s", store=DictStore())
    assert "store" not in hosted.to_dict() and hosted.host_store is hosted.store
    assert full.host_store is None


CONFIG_ERRORS = {
    "unknown field": {"app_id": OA_APPID, "secret": OA_SECRET, "sekret": "x"},
    "unknown nested field": {"app_id": OA_APPID, "secret": OA_SECRET, "http": {"timeout": 5}},
    "empty app id": {"app_id": "", "secret": OA_SECRET},
    "empty secret": {"app_id": OA_APPID, "secret": ""},
    "missing secret": {"app_id": OA_APPID},
    "app id outside the key alphabet": {"app_id": "wx:1", "secret": OA_SECRET},
    "unknown store": {"app_id": OA_APPID, "secret": OA_SECRET, "store": {"type": "mongo"}},
    "bad base uri": {"app_id": OA_APPID, "secret": OA_SECRET,
                     "http": {"api_base_uri": "ftp://example.com"}},
    "bad key prefix": {"app_id": OA_APPID, "secret": OA_SECRET, "tokens": {"key_prefix": "a:b"}},
    "bad redis url": {"app_id": OA_APPID, "secret": OA_SECRET,
                      "store": {"type": "redis", "url": "mongodb://x"}},
}


@pytest.mark.parametrize("record", CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_unusable_configurations_are_config_errors(record):
    for form in (record, json.dumps(record)):
        with pytest.raises(WeixinkitError.Config) as e:
            OfficialAccount(form)
        assert e.value.code == -50020
        assert OA_SECRET not in str(e.value)
    with pytest.raises(WeixinkitError.Config):
        AsyncOfficialAccount(record)


def test_the_dataclass_form_is_validated_by_the_core_too():
    with pytest.raises(WeixinkitError.Config, match="app_id is empty"):
        OfficialAccount(OfficialAccountConfig("", OA_SECRET, store=MemoryStore()))
    with pytest.raises(WeixinkitError.Config, match="key_prefix"):
        OfficialAccount(OfficialAccountConfig(OA_APPID, OA_SECRET, store=MemoryStore(),
                                              tokens=TokenOptions(key_prefix="a b")))
    with pytest.raises(TypeError):
        OfficialAccount(42)
    with pytest.raises(TypeError):
        OfficialAccountConfig(OA_APPID, None)
    with pytest.raises(TypeError):
        OfficialAccountConfig(OA_APPID, OA_SECRET, http={"timeout_ms": 5})


def test_reprs_and_errors_never_show_secrets(sim, prefix):
    secrets = ["top-secret-1", "push-token-2", "aes-key-3", "hunter2"]
    config = OfficialAccountConfig(
        OA_APPID, "top-secret-1", token="push-token-2", encoding_aes_key="aes-key-3",
        store=RedisStore("redis://user:hunter2@127.0.0.1:6379/0"),
    )
    for text in (repr(config), str(config), repr(config.store), str(config.store)):
        assert not any(s in text for s in secrets), text
    assert "secret='***'" in repr(config) and "token='***'" in repr(config)
    assert "redis://user:***@127.0.0.1:6379/0" in repr(config.store)

    # A wrong secret: WeChat's 40001 from the token endpoint, not retried, secret not shown.
    account = OfficialAccount(oa_config(sim, MemoryStore(), prefix, secret="top-secret-1"))
    assert repr(account) == f"OfficialAccount(app_id='{OA_APPID}')"
    with pytest.raises(WeixinkitError.Api) as e:
        account.get(API)
    assert e.value.code == 40001 and TOKEN in e.value.reason
    assert "top-secret-1" not in str(e.value) and "top-secret-1" not in repr(e.value)
    assert sim.calls(TOKEN) == 1 and sim.calls(API) == 0

    token = OfficialAccount(oa_config(sim, MemoryStore(), prefix)).access_token()
    assert token.value not in repr(token) and "***" in repr(token)


# --- 10. the cross-language seed ------------------------------------------------------------

def xlang_dir() -> Path:
    return Path(os.environ.get("WEIXINKIT_XLANG_DIR") or REPO / "target" / "xlang")


def test_cross_language_seed(sim, redis_url, redis):
    """Write a token for the default Official Account into a file store and into Redis
    (key prefix `xlang`) for the PHP and Kotlin suites to read back through their bindings,
    and check the raw stored forms against the documented schema."""
    out = xlang_dir()
    out.mkdir(parents=True, exist_ok=True)
    (out / "expected.json").unlink(missing_ok=True)
    file_dir = out / "file-store"
    shutil.rmtree(file_dir, ignore_errors=True)
    data_key, lock = key("xlang"), lock_key("xlang")
    redis("DEL", data_key, lock)

    def config(store, base=sim.url):
        return OfficialAccountConfig(OA_APPID, OA_SECRET, http=HttpOptions(api_base_uri=base),
                                     tokens=TokenOptions(key_prefix="xlang"), store=store)

    file_token = OfficialAccount(config(FileStore(file_dir))).access_token()
    redis_token = OfficialAccount(config(RedisStore(redis_url))).access_token()
    assert sim.calls(TOKEN) == 2 and file_token.value != redis_token.value

    def record(t):
        return {"value": t.value, "expires_at": t.expires_at, "issued_at": t.issued_at}

    # File store: `<dir>/<key>` holding `<expires_at_ms>\n<JSON>`, private to the user.
    header, value = read_file_entry(file_dir, data_key)
    assert json.loads(value) == record(file_token)
    assert file_token.expires_at - file_token.issued_at == 7200
    assert 0 <= header - file_token.expires_at * 1000 < 2000
    assert stat.S_IMODE((file_dir / data_key).stat().st_mode) == 0o600
    assert not flock_is_held(file_dir / "locks" / lock)
    # Redis: a plain string value under the key, with a PX TTL; the lock is gone.
    assert json.loads(redis("GET", data_key)) == record(redis_token)
    assert 0 < redis("PTTL", data_key) <= 7200 * 1000
    assert redis("EXISTS", lock) == 0

    # Read back as the other languages will: nothing listens at 127.0.0.1:9.
    dead = "http://127.0.0.1:9"
    assert OfficialAccount(config(FileStore(file_dir), dead)).access_token() == file_token
    assert OfficialAccount(config(RedisStore(redis_url), dead)).access_token() == redis_token

    expected = {
        "app_id": OA_APPID,
        "secret": OA_SECRET,
        "file_dir": str(file_dir),
        "redis_url": redis_url,
        "key_prefix": "xlang",
        "file_token": file_token.value,
        "redis_token": redis_token.value,
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    assert sim.calls(TOKEN) == 2


# --- the near cache for shared stores ------------------------------------------------------------


def test_a_redis_token_is_served_from_memory_for_at_most_local_max_age_ms(sim, prefix, redis_url,
                                                                          redis):
    near = OfficialAccount(oa_config(sim, RedisStore(redis_url), prefix, local_max_age_ms=60_000))
    short = OfficialAccount(oa_config(sim, RedisStore(redis_url), prefix, local_max_age_ms=300))
    every_call = OfficialAccount(oa_config(sim, RedisStore(redis_url), prefix, local_max_age_ms=0))
    other = OfficialAccount(oa_config(sim, RedisStore(redis_url), prefix))
    first = near.access_token()
    assert short.access_token() == first and every_call.access_token() == first
    # Another process replaces the token in Redis (the old one stays valid at WeChat for a
    # while): a near-cached process keeps its copy until its bound, one with 0 sees it at once.
    newer = other.refresh_access_token()
    assert newer.value != first.value
    assert near.access_token() == first and short.access_token() == first
    assert every_call.access_token() == newer
    time.sleep(0.4)
    assert short.access_token() == newer
    # A token error reads the store at once and takes the newer token without fetching.
    sim.fault(API, errcode=40001)
    near.get(API)
    assert near.access_token() == newer
    assert sim.calls(TOKEN) == 2
    redis("DEL", key(prefix))


def test_local_max_age_ms_is_part_of_the_shared_configuration():
    t = TokenOptions(local_max_age_ms=5000)
    assert t.to_dict() == {"local_max_age_ms": 5000}
    with pytest.raises(WeixinkitError.Config):
        OfficialAccount(OfficialAccountConfig(OA_APPID, OA_SECRET,
                                              tokens=TokenOptions(local_max_age_ms=-1),
                                              store=MemoryStore()))
