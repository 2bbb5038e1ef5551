"""The core's events through the standard `logging` module: off until `enable_logging()`, a
token refresh against the local WeChat server arrives on `weixinkit.token` with its fields, and
a whole Open Platform lifecycle logged at the most verbose level prints no secret or token in
any log line, repr, str or error text a program would show.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

import weixinkit
from weixinkit import Component, ComponentConfig, HttpOptions, MemoryStore, RetryPolicy, WeixinkitError
from services import COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN

AUTHORIZER = "wxauthorizerlog0001"
API = "/cgi-bin/get_api_domain_ip"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured():
    """A handler on the `weixinkit` logger at the most verbose level; logging off afterwards."""
    logger = logging.getLogger("weixinkit")
    handler, level = Capture(), logger.level
    logger.addHandler(handler)
    logger.setLevel(1)
    try:
        yield handler
    finally:
        weixinkit.disable_logging()
        logger.removeHandler(handler)
        logger.setLevel(level)


def config(sim) -> ComponentConfig:
    return ComponentConfig(
        COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, COMPONENT_AES_KEY,
        http=HttpOptions(api_base_uri=sim.url, retry=RetryPolicy(delay_ms=5)),
        store=MemoryStore(),
    )


def deliver(c: Component, push: dict):
    result = c.handle_callback("POST", push["query"], push["body"])
    assert (result.status, result.body) == (200, "success"), result.body
    return result


def test_logging_is_off_until_enabled(sim):
    # A fresh interpreter: the bridge is process-wide and other tests turn it on.
    program = textwrap.dedent(f"""
        import logging, sys
        import weixinkit
        records = []
        class H(logging.Handler):
            def emit(self, r): records.append(r.getMessage())
        logging.getLogger("weixinkit").addHandler(H())
        logging.getLogger("weixinkit").setLevel(1)
        c = weixinkit.Component(weixinkit.ComponentConfig(
            {COMPONENT_APPID!r}, {COMPONENT_SECRET!r}, {COMPONENT_TOKEN!r}, {COMPONENT_AES_KEY!r},
            http=weixinkit.HttpOptions(api_base_uri={sim.url!r})))
        c.store_verify_ticket(sys.argv[1])
        c.component_access_token()
        print(len(records))
        weixinkit.enable_logging()
        c.store_verify_ticket(sys.argv[1])
        print(len(records))
    """)
    ticket = sim.issue_ticket()["ticket"]
    out = subprocess.run([sys.executable, "-c", program, ticket], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out == ["0", "1"], out


def test_a_token_refresh_reaches_logging_with_its_fields(sim, captured):
    weixinkit.enable_logging("debug")
    c = Component(config(sim))
    issued = sim.issue_ticket()
    deliver(c, issued["push"])
    token = c.component_access_token()

    key = f"weixinkit:component_access_token:{COMPONENT_APPID}:{COMPONENT_APPID}"
    refreshed = [r for r in captured.records
                 if r.getMessage().startswith("token refreshed") and r.weixinkit["key"] == key]
    assert len(refreshed) == 1, [r.getMessage() for r in captured.records]
    r = refreshed[0]
    assert (r.name, r.levelno) == ("weixinkit.token", logging.INFO)
    assert r.weixinkit["span"] == "token_refresh"
    assert r.weixinkit["kind"] == "component_access_token"
    assert r.weixinkit["expires_in"] == "7200"
    assert f"key={key}" in r.getMessage()
    stored = [r for r in captured.records if r.getMessage().startswith("component_verify_ticket stored")]
    assert stored and stored[0].name == "weixinkit.open_platform.tokens"
    # debug: the lock taken for that refresh; trace is not on.
    assert any(r.getMessage().startswith("refresh lock taken") and r.levelno == logging.DEBUG
               for r in captured.records)
    for r in captured.records:
        for secret in (token.value, issued["ticket"], COMPONENT_SECRET):
            assert secret not in r.getMessage() and secret not in str(r.weixinkit)

    # Below the level asked for, nothing: warn drops the info and debug records.
    captured.records.clear()
    weixinkit.enable_logging("warn")
    deliver(c, sim.issue_ticket()["push"])
    assert captured.records == []


def test_a_bad_level_is_invalid_input():
    with pytest.raises(WeixinkitError.InvalidInput) as e:
        weixinkit.enable_logging("loud")
    assert e.value.code == -50005


def test_a_whole_lifecycle_prints_no_secret_or_token(sim, captured):
    weixinkit.enable_logging("trace")
    secrets = [COMPONENT_SECRET, COMPONENT_AES_KEY, COMPONENT_TOKEN]
    shown: list[str] = []

    def show(*values: object) -> None:
        for v in values:
            shown.extend([repr(v), str(v)])

    cfg = config(sim)
    c = Component(cfg)
    show(cfg, cfg.http, c)

    # Ticket push → component token.
    issued = sim.issue_ticket()
    secrets.append(issued["ticket"])
    result = deliver(c, issued["push"])
    show(result, result.message, result.message.event)
    token = c.component_access_token()
    secrets.append(token.value)
    show(token)

    # Authorization push → query_auth → refresh token stored.
    granted = sim.authorize(AUTHORIZER)
    secrets.append(granted["authorization_code"])
    result = deliver(c, granted["push"])
    show(result, result.message, result.message.event, result.message.event.notice)
    secrets.append(c.refresh_token(AUTHORIZER))

    # An authorizer call, then a refresh through the refresh token after the token expires.
    a = c.authorizer(AUTHORIZER)
    first = a.access_token()
    secrets.append(first.value)
    show(a, first, a.get(API))
    assert sim.expire(AUTHORIZER) >= 1
    a.post_json("/cgi-bin/message/custom/send", {"touser": "o1"})
    second = a.access_token()
    assert second != first
    secrets.extend([second.value, c.refresh_token(AUTHORIZER)])
    show(second)

    # Errors a program prints: a bad argument, and re-authorization after unauthorized.
    with pytest.raises(WeixinkitError.InvalidInput) as bad:
        a.get("/cgi-bin/x?access_token=1")
    show(bad.value, bad.value.args)
    result = deliver(c, sim.unauthorize(AUTHORIZER)["push"])
    show(result, result.message)
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as gone:
        a.access_token()
    show(gone.value, gone.value.args, gone.value.reason)

    lines = [f"{r.name} {r.levelname} {r.getMessage()} {r.weixinkit}" for r in captured.records]
    assert any("authorization stored" in line and AUTHORIZER in line for line in lines), lines
    assert any("token refreshed" in line and "authorizer_access_token" in line for line in lines), lines
    assert any("must authorize again" in line for line in lines), lines
    shown.extend(lines)
    for secret in secrets:
        assert secret and len(secret) >= 8, secret
        for text in shown:
            assert secret not in text, f"{secret!r} leaked into: {text}"
