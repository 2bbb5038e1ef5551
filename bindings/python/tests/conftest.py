import pytest

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
