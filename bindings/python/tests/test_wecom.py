"""WeCom through the Python layer, end to end against the local server (wechat-sim): the suite's
install lifecycle through its callback handler (URL verification → suite_ticket → suite token →
install link → create_auth → permanent code stored → acting for the corp → token recovery →
cancel_auth), blocking and asyncio; the provider; a corp's own app; errors and secrets.

Every test starts its own sim (`sim` fixture), so counts of upstream calls are exact.
"""

from __future__ import annotations

import asyncio

import pytest

import weixinkit
from weixinkit import (
    AsyncSuite,
    CallbackOptions,
    CallbackResult,
    Corp,
    Event,
    FileStore,
    HttpOptions,
    MemoryStore,
    PermanentCode,
    Provider,
    ProviderConfig,
    RetryPolicy,
    Suite,
    SuiteConfig,
    Token,
    WeixinkitError,
    WorkAccount,
    WorkAccountConfig,
)
from services import (
    PROVIDER_CORPID,
    PROVIDER_SECRET,
    SUITE_AES_KEY,
    SUITE_ID,
    SUITE_SECRET,
    SUITE_TOKEN,
    WORK_CORPID,
    WORK_SECRET,
)

CORP = "wwinstalledcorp001"
SUITE_TOKEN_PATH = "/cgi-bin/service/get_suite_token"
CORP_TOKEN_PATH = "/cgi-bin/service/get_corp_token"


def http(sim) -> HttpOptions:
    return HttpOptions(work_base_uri=sim.url, retry=RetryPolicy(delay_ms=5))


def suite_config(sim, store) -> SuiteConfig:
    return SuiteConfig(SUITE_ID, SUITE_SECRET, SUITE_TOKEN, SUITE_AES_KEY,
                       provider_corp_id=PROVIDER_CORPID, http=http(sim), store=store)


def deliver(suite: Suite, push: dict, handler=None) -> CallbackResult:
    """Hand a push the sim produced to the callback helper, as a web framework would."""
    return suite.handle_callback("POST", push["query"], push["body"], handler)


def test_the_install_lifecycle_through_the_callback_handler(sim):
    s = Suite(suite_config(sim, MemoryStore()))
    assert s.suite_id == SUITE_ID
    seen = []

    # URL verification: GET answers the decrypted echostr.
    check = sim.wecom("verify_url", suite_id=SUITE_ID)
    result = s.handle_callback("GET", check["query"], b"")
    assert (result.status, result.body) == (200, check["echo"])

    # suite_ticket: stored, handed to the handler typed.
    issued = sim.wecom("suite_ticket", suite_id=SUITE_ID)
    result = deliver(s, issued["push"], seen.append)
    assert (result.status, result.body) == (200, "success")
    assert isinstance(seen[0].event, Event.SUITE_TICKET)
    assert s.suite_ticket() == issued["ticket"]
    token = s.suite_access_token()
    assert isinstance(token, Token) and token.value.startswith("SUITE_")
    assert s.suite_access_token() == token
    assert sim.calls(SUITE_TOKEN_PATH) == 1

    # The install link in one call.
    url = s.create_install_url("https://example.com/installed", "s1", 1)
    assert url.startswith("https://open.work.weixin.qq.com/3rdapp/install?suite_id=" + SUITE_ID)
    assert url.endswith("&state=s1")

    # create_auth: the handler exchanges the auth code and stores the permanent code.
    installed = sim.wecom("install", suite_id=SUITE_ID, corpid=CORP, state="s1")
    result = deliver(s, installed["push"], seen.append)
    assert result.status == 200, result.body
    assert isinstance(seen[-1].event, Event.CREATE_AUTH)
    assert s.stored_permanent_code(CORP)

    corp = s.corp(CORP)
    assert isinstance(corp, Corp) and corp.corp_id == CORP
    echoed = corp.post_json("/cgi-bin/message/send", {"touser": "@all"})
    assert echoed["echo"]["body"] == {"touser": "@all"}
    assert corp.get("/cgi-bin/user/list", {"department_id": "1"})["echo"]["query"]["department_id"] == "1"
    assert sim.calls(CORP_TOKEN_PATH) == 1

    # The corp token expires at WeCom: refreshed once, retried once.
    sim.expire(CORP)
    corp.get("/cgi-bin/user/list")
    assert sim.calls(CORP_TOKEN_PATH) == 2

    # change_auth goes to the handler; cancel_auth forgets the corp.
    changed = sim.wecom("change_auth", suite_id=SUITE_ID, corpid=CORP)
    assert deliver(s, changed["push"], seen.append).status == 200
    assert isinstance(seen[-1].event, Event.CHANGE_AUTH) and seen[-1].event.auth_corp_id == CORP
    cancelled = sim.wecom("cancel", suite_id=SUITE_ID, corpid=CORP)
    assert deliver(s, cancelled["push"]).status == 200
    assert s.stored_permanent_code(CORP) is None
    calls = sim.calls(CORP_TOKEN_PATH)
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
        corp.get("/cgi-bin/user/list")
    assert CORP in str(e.value)
    assert sim.calls(CORP_TOKEN_PATH) == calls


def test_asyncio_face_runs_the_same_lifecycle(sim):
    async def main():
        s = AsyncSuite(suite_config(sim, MemoryStore()))
        handled = []

        async def handler(message):
            handled.append(message.event)

        issued = sim.wecom("suite_ticket", suite_id=SUITE_ID)
        r = await s.handle_callback("POST", issued["push"]["query"], issued["push"]["body"], handler)
        assert (r.status, r.body) == (200, "success")
        assert await s.suite_ticket() == issued["ticket"]
        pre = await s.pre_auth_code()
        await s.set_session_info(pre.pre_auth_code, 1)
        assert s.install_url(pre.pre_auth_code, "https://example.com/back", "s2").endswith("state=s2")

        website = sim.wecom("install", suite_id=SUITE_ID, corpid=CORP, push=False)
        granted = await s.permanent_code(website["auth_code"])
        assert isinstance(granted, PermanentCode)
        assert granted.corp_id == CORP and granted.access_token
        assert granted.permanent_code not in repr(granted)
        assert await s.stored_permanent_code(CORP) == granted.permanent_code
        corp = s.corp(CORP)
        tokens = await asyncio.gather(*(corp.access_token() for _ in range(8)))
        assert {t.value for t in tokens} == {granted.access_token}
        assert sim.calls(CORP_TOKEN_PATH) == 0
        assert (await corp.get("/cgi-bin/user/list"))["errcode"] == 0

        cancelled = sim.wecom("cancel", suite_id=SUITE_ID, corpid=CORP)
        r = await s.handle_callback("POST", cancelled["push"]["query"], cancelled["push"]["body"], handler)
        assert r.ok
        assert isinstance(handled[-1], Event.CANCEL_AUTH)
        with pytest.raises(WeixinkitError.ReauthorizationNeeded):
            await corp.access_token()

    asyncio.run(main())


def test_errors_are_typed_and_forgeries_store_nothing(sim, tmp_path):
    s = Suite(suite_config(sim, FileStore(str(tmp_path))))
    with pytest.raises(WeixinkitError.Ticket) as e:
        s.suite_access_token()
    assert SUITE_ID in str(e.value)
    assert sim.calls(SUITE_TOKEN_PATH) == 0

    issued = sim.wecom("suite_ticket", suite_id=SUITE_ID)
    query = dict(issued["push"]["query"])
    query["msg_signature"] = "0" * 40
    result = s.handle_callback("POST", query, issued["push"]["body"])
    assert result.status == 403 and result.message is None
    assert s.suite_ticket() is None

    s.store_suite_ticket("suiteticket-not-issued")
    with pytest.raises(WeixinkitError.Ticket) as e:
        s.pre_auth_code()
    assert e.value.code == 40085
    assert sim.calls(SUITE_TOKEN_PATH) == 1

    with pytest.raises(WeixinkitError.InvalidInput):
        s.corp("ww:bad")
    with pytest.raises(WeixinkitError.InvalidInput):
        s.oauth_url("https://example.com/cb", "snsapi_everything")
    with pytest.raises(WeixinkitError.Config):
        Suite(SuiteConfig(SUITE_ID, "", SUITE_TOKEN, SUITE_AES_KEY, store=MemoryStore()))
    assert SUITE_SECRET not in repr(suite_config(sim, None))

    # A restart (a new client on the same directory) keeps ticket and permanent code.
    deliver(s, sim.wecom("suite_ticket", suite_id=SUITE_ID)["push"])
    assert deliver(s, sim.wecom("install", suite_id=SUITE_ID, corpid=CORP)["push"]).ok
    again = Suite(suite_config(sim, FileStore(str(tmp_path))))
    assert again.suite_ticket() == s.suite_ticket()
    assert again.stored_permanent_code(CORP) == s.stored_permanent_code(CORP)


def test_a_repeated_create_auth_push_is_success_and_exchanges_once(sim, tmp_path):
    # Two clients on one directory: two worker processes behind one callback URL.
    a = Suite(suite_config(sim, FileStore(str(tmp_path))))
    b = Suite(suite_config(sim, FileStore(str(tmp_path))))
    assert deliver(a, sim.wecom("suite_ticket", suite_id=SUITE_ID)["push"]).ok
    installed = sim.wecom("install", suite_id=SUITE_ID, corpid=CORP)
    assert deliver(a, installed["push"]).ok
    code = a.stored_permanent_code(CORP)
    for s in (a, b):
        again = deliver(s, installed["push"])
        assert (again.status, again.body) == (200, "success")
    assert sim.calls("/cgi-bin/service/v2/get_permanent_code") == 1
    assert b.stored_permanent_code(CORP) == code


def test_a_replayed_push_is_refused_within_the_replay_window(sim, tmp_path):
    def config():
        c = suite_config(sim, FileStore(str(tmp_path)))
        c.callback = CallbackOptions(replay_window_seconds=300)
        return c

    assert "replay_window_seconds=300" in repr(config())
    a, b = Suite(config()), Suite(config())
    issued = sim.wecom("suite_ticket", suite_id=SUITE_ID)
    assert deliver(a, issued["push"]).ok
    ticket = a.suite_ticket()
    for s in (a, b):
        again = deliver(s, issued["push"])
        assert again.status == 409 and again.message is None
        assert "replay" in again.body
    assert b.suite_ticket() == ticket
    # A handler that raised after the 200 (the framework answers 500): the push is forgotten,
    # so WeCom's retry is handled, in this process or another one.
    fresh = sim.wecom("suite_ticket", suite_id=SUITE_ID)

    def failing(message):
        raise RuntimeError("the queue is full")

    with pytest.raises(RuntimeError, match="queue"):
        deliver(a, fresh["push"], failing)
    seen = []
    assert deliver(b, fresh["push"], seen.append).ok and len(seen) == 1
    assert deliver(a, fresh["push"], seen.append).status == 409 and len(seen) == 1

    async def main():
        c = AsyncSuite(config())
        later = sim.wecom("suite_ticket", suite_id=SUITE_ID)

        async def failing_async(message):
            raise RuntimeError("the queue is still full")

        with pytest.raises(RuntimeError, match="still"):
            await c.handle_callback("POST", later["push"]["query"], later["push"]["body"], failing_async)
        assert (await c.handle_callback("POST", later["push"]["query"], later["push"]["body"])).ok
    asyncio.run(main())
    # Off by default.
    plain = Suite(suite_config(sim, MemoryStore()))
    assert deliver(plain, issued["push"]).ok and deliver(plain, issued["push"]).ok
    with pytest.raises(TypeError):
        Suite(SuiteConfig(SUITE_ID, SUITE_SECRET, SUITE_TOKEN, SUITE_AES_KEY,
                          callback={"replay_window_seconds": 300}))


def test_provider_and_a_corps_own_app(sim):
    p = Provider(ProviderConfig(PROVIDER_CORPID, PROVIDER_SECRET, http=http(sim), store=MemoryStore()))
    assert p.corp_id == PROVIDER_CORPID
    assert p.provider_access_token().value.startswith("PROVIDER_")
    code = sim.wecom("login_code", provider_corpid=PROVIDER_CORPID, corpid=CORP)
    login = p.get_login_info(code["code"])
    assert login["corp_info"]["corpid"] == CORP
    with pytest.raises(WeixinkitError.Api) as e:
        p.get_login_info(code["code"])
    assert e.value.errcode == 40029

    app = WorkAccount(WorkAccountConfig(WORK_CORPID, WORK_SECRET, http=http(sim), store=MemoryStore()))
    assert app.access_token().value.startswith("WORK_")
    assert app.get("/cgi-bin/user/get", {"userid": "u1"})["echo"]["query"]["userid"] == "u1"
    assert WORK_SECRET not in repr(WorkAccountConfig(WORK_CORPID, WORK_SECRET))
    assert weixinkit.AsyncProvider is not None and weixinkit.AsyncWorkAccount is not None
