import os
import uuid

import pytest

import services
import vectors


def pytest_configure(config):
    # Stop before collection (usage error, exit code 4) when the vectors are missing.
    try:
        for name in vectors.FILES:
            vectors.load(name)
    except vectors.MissingVectors as e:
        raise pytest.UsageError(str(e)) from None


@pytest.fixture(scope="session")
def perf_push():
    return vectors.load("perf-push.json")


@pytest.fixture(scope="session")
def crypto_by_id():
    return {v["id"]: v for v in vectors.load("crypto.json")}


# --- services for the token tests (see services.py) -----------------------------------------


def _missing(what):
    """Fail when the services are required (scripts/services.sh was sourced), else skip."""
    message = f"{what}; run `source scripts/services.sh` (or bash bindings/python/test.sh)"
    if services.services_required():
        pytest.fail(message + " — WEIXINKIT_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sim_bin():
    path = services.sim_binary()
    if path is None or not path.is_file():
        _missing(f"wechat-sim not found (WEIXINKIT_SIM_BIN={os.environ.get('WEIXINKIT_SIM_BIN')!r})")
    return path


@pytest.fixture
def sim(sim_bin):
    """A fresh local WeChat server for this test only."""
    server = services.Sim(sim_bin)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("WEIXINKIT_REDIS_URL")
    if not url:
        _missing("WEIXINKIT_REDIS_URL is not set")
    if not services.Redis(url).ping():
        _missing(f"Redis at {url} does not answer PING")
    return url


@pytest.fixture
def redis(redis_url):
    return services.Redis(redis_url)


@pytest.fixture
def prefix():
    """A key prefix of this test's own, so tests never see each other's tokens."""
    return "t" + uuid.uuid4().hex[:12]
