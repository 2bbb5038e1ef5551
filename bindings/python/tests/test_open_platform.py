"""The Open Platform (third-party platform) lifecycle through the Python layer, end to end
against the local WeChat server (wechat-sim): ticket push → component token → authorization
link → `authorized` push and code exchange → acting on behalf → token recovery →
`unauthorized` clean-up; a restart in a new process; the asyncio face; and the Flask example
(examples/python/flask_app.py) receiving the sim's real pushes over HTTP.

Every test starts its own sim (`sim` fixture), so counts of upstream calls are exact.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from xml.etree import ElementTree

import pytest

import weixinkit
from weixinkit import (
    AsyncAuthorizer,
    AsyncComponent,
    Authorization,
    AuthorizationUrlOptions,
    Authorizer,
    AuthorizerList,
    AuthorizerListItem,
    CallbackResult,
    Component,
    ComponentConfig,
    Event,
    FileStore,
    HostStore,
    HttpOptions,
    MemoryStore,
    Message,
    MessageCrypto,
    PlatformToken,
    PreAuthCode,
    RetryPolicy,
    Suite,
    SuiteConfig,
    Token,
    WeixinkitError,
    jssdk_signature,
)
from services import (
    COMPONENT_AES_KEY,
    COMPONENT_APPID,
    COMPONENT_SECRET,
    COMPONENT_TOKEN,
    REPO,
    SUITE_AES_KEY,
    SUITE_ID,
    SUITE_SECRET,
    SUITE_TOKEN,
    TESTS,
    free_port,
    services_required,
    wait_until,
)

AUTHORIZER = "wxauthorizer000001"
OTHER = "wxauthorizer000002"

COMPONENT_TOKEN_PATH = "/cgi-bin/component/api_component_token"
PREAUTH_PATH = "/cgi-bin/component/api_create_preauthcode"
QUERY_AUTH_PATH = "/cgi-bin/component/api_query_auth"
AUTHORIZER_TOKEN_PATH = "/cgi-bin/component/api_authorizer_token"
LIST_PATH = "/cgi-bin/component/api_get_authorizer_list"
API = "/cgi-bin/get_api_domain_ip"

EXAMPLE = REPO / "examples" / "python" / "flask_app.py"
EVENTS_PATH = "/wechat/authorization-events"


def config(sim, store, prefix=None) -> ComponentConfig:
    """The sim's default component, fast retries, `store`."""
    return ComponentConfig(
        COMPONENT_APPID,
        COMPONENT_SECRET,
        COMPONENT_TOKEN,
        COMPONENT_AES_KEY,
        http=HttpOptions(api_base_uri=sim.url, retry=RetryPolicy(delay_ms=5)),
        tokens=weixinkit.TokenOptions(key_prefix=prefix) if prefix else None,
        store=store,
    )


def deliver(component: Component, push: dict, handler=None) -> CallbackResult:
    """Hand a push the sim produced to the callback helper, as a web framework would."""
    return component.handle_callback("POST", push["query"], push["body"], handler)


def push_ticket(sim, component: Component) -> str:
    issued = sim.issue_ticket()
    result = deliver(component, issued["push"])
    assert (result.status, result.body) == (200, "success")
    return issued["ticket"]


def authorize(sim, component: Component, appid: str, handler=None) -> CallbackResult:
    granted = sim.authorize(appid)
    result = deliver(component, granted["push"], handler)
    assert (result.status, result.body) == (200, "success"), result.body
    assert isinstance(result.message.event, Event.AUTHORIZED)
    assert result.message.event.notice.authorization_code == granted["authorization_code"]
    return result


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- 1. the whole lifecycle ------------------------------------------------------------------


def test_the_whole_lifecycle_from_ticket_to_unauthorization(sim):
    c = Component(config(sim, MemoryStore()))
    seen = []

    # The ticket push: answered "success", handed to the handler typed, stored.
    issued = sim.issue_ticket()
    result = deliver(c, issued["push"], seen.append)
    assert (result.status, result.body) == (200, "success")
    assert seen == [result.message]
    event = result.message.event
    assert isinstance(event, Event.COMPONENT_VERIFY_TICKET)
    assert (event.app_id, event.ticket) == (COMPONENT_APPID, issued["ticket"])
    assert c.verify_ticket() == issued["ticket"]

    # The component token: fetched once with that ticket, then cached.
    token = c.component_access_token()
    assert isinstance(token, Token) and token.value.startswith("COMPONENT_")
    assert PlatformToken is Token
    assert c.component_access_token() == token
    assert sim.calls(COMPONENT_TOKEN_PATH) == 1
    assert sim.token_is_live(token.value)
    assert token.value not in repr(token)

    # The authorization link: a fresh pre-auth code in the PC page's query.
    url = c.create_authorization_url("https://example.com/back?x=1", AuthorizationUrlOptions(auth_type=3))
    assert url.startswith(
        "https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001"
        "&pre_auth_code=preauthcode%40%40%40"), url
    assert url.endswith("&redirect_uri=https%3A%2F%2Fexample.com%2Fback%3Fx%3D1&auth_type=3"), url
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert params["redirect_uri"] == ["https://example.com/back?x=1"]
    assert params["pre_auth_code"][0].startswith("preauthcode@@@")
    assert sim.calls(PREAUTH_PATH) == 1

    # The merchant authorizes: the push reaches the handler as a typed Authorized event and
    # the code is exchanged, its refresh token stored (the one WeChat lists).
    result = authorize(sim, c, AUTHORIZER, seen.append)
    assert seen[-1] is result.message and len(seen) == 2
    assert seen[-1].event.notice.authorizer_appid == AUTHORIZER
    assert sim.calls(QUERY_AUTH_PATH) == 1
    stored = c.refresh_token(AUTHORIZER)
    assert stored is not None
    listed = {i.authorizer_appid: i.refresh_token for i in c.authorizer_list().list}
    assert listed[AUTHORIZER] == stored

    # Acting on behalf: the access token from query_auth is cached, no refresh needed.
    a = c.authorizer(AUTHORIZER)
    assert isinstance(a, Authorizer) and a.app_id == AUTHORIZER
    assert a.get(API) == {"ip_list": ["127.0.0.1"]}
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 0
    before = a.access_token()
    assert before.value.startswith("AUTHORIZER_")

    # The authorizer's token expires at WeChat (42001): one refresh from the stored
    # refresh token, then the call goes through.
    assert sim.expire(AUTHORIZER) >= 1
    answer = a.post_json("/cgi-bin/message/custom/send", {"touser": "o1", "msgtype": "text"})
    assert answer["echo"]["body"] == {"touser": "o1", "msgtype": "text"}
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 1
    after = a.access_token()
    assert after != before and sim.token_is_live(after.value)
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 1

    # The merchant cancels: the push reaches the handler, everything stored is forgotten and
    # acting on its behalf needs a new authorization.
    gone = sim.unauthorize(AUTHORIZER)
    result = deliver(c, gone["push"], seen.append)
    assert (result.status, result.body) == (200, "success")
    assert isinstance(seen[-1].event, Event.UNAUTHORIZED) and len(seen) == 3
    assert seen[-1].event.authorizer_appid == AUTHORIZER
    assert c.refresh_token(AUTHORIZER) is None
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
        a.get(API)
    assert e.value.code == -50041
    assert AUTHORIZER in e.value.reason
    with pytest.raises(WeixinkitError.ReauthorizationNeeded):
        a.access_token()
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 1


# --- 2. a restart loses nothing ---------------------------------------------------------------


def test_a_restart_in_a_new_process_loses_nothing(sim, tmp_path):
    store = tmp_path / "store"
    cfg = config(sim, FileStore(store))
    c = Component(cfg)
    ticket = push_ticket(sim, c)
    c.component_access_token()
    authorize(sim, c, AUTHORIZER)
    assert c.authorizer(AUTHORIZER).get(API)["ip_list"] == ["127.0.0.1"]
    refresh = c.refresh_token(AUTHORIZER)
    del c

    # The durable credentials are files named by the shared key schema.
    names = {p.name for p in store.iterdir()}
    assert f"weixinkit:component_verify_ticket:{COMPONENT_APPID}:{COMPONENT_APPID}" in names
    assert f"weixinkit:authorizer_refresh_token:{COMPONENT_APPID}:{AUTHORIZER}" in names

    # A brand-new process on the same directory, after the authorizer's token expired.
    assert sim.expire(AUTHORIZER) >= 1
    done = subprocess.run(
        [sys.executable, str(TESTS / "component_worker.py"), AUTHORIZER],
        capture_output=True, text=True, timeout=60, cwd=str(TESTS),
        env=dict(os.environ, WEIXINKIT_TEST_CONFIG=cfg.to_json()),
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["pid"] != os.getpid()
    assert out["ticket"] == digest(ticket)
    assert out["refresh_token"] == digest(refresh)
    assert out.get("answer") == {"ip_list": ["127.0.0.1"]}, out
    # It refreshed the authorizer token once from the stored refresh token, and reused the
    # component token the first process cached.
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 1
    assert sim.calls(COMPONENT_TOKEN_PATH) == 1


# --- 3. two authorizers -------------------------------------------------------------------------


def test_two_authorizers_tokens_never_mix(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)
    authorize(sim, c, OTHER)
    a, b = c.authorizer(AUTHORIZER), c.authorizer(OTHER)
    ta, tb = a.access_token(), b.access_token()
    assert ta.value != tb.value
    assert c.refresh_token(AUTHORIZER) != c.refresh_token(OTHER)
    owner = {t["value"]: t["owner"] for t in sim.all_tokens()}
    assert (owner[ta.value], owner[tb.value]) == (AUTHORIZER, OTHER)

    # Expiring one refreshes that one only.
    assert sim.expire(AUTHORIZER) >= 1
    assert a.get(API)["ip_list"] == ["127.0.0.1"]
    assert b.get(API)["ip_list"] == ["127.0.0.1"]
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 1
    ta2 = a.access_token()
    assert ta2.value != ta.value and owner.get(ta2.value) is None
    assert {t["value"]: t["owner"] for t in sim.all_tokens()}[ta2.value] == AUTHORIZER
    assert b.access_token() == tb
    assert c.authorizer_access_token(OTHER) == tb


# --- 4. a forged push -------------------------------------------------------------------------


def test_a_bad_signature_is_refused_with_403_calls_no_handler_and_stores_nothing(sim):
    c = Component(config(sim, MemoryStore()))
    called = []
    push = sim.issue_ticket()["push"]
    query = dict(push["query"])
    sig = query["msg_signature"]
    query["msg_signature"] = ("1" if sig[0] == "0" else "0") + sig[1:]
    status, body, message = c.handle_callback("POST", query, push["body"], called.append)
    assert status == 403 and message is None
    assert "signature" in body
    assert called == []
    assert c.verify_ticket() is None

    # Not a POST, or a missing parameter: refused as well, the handler never called.
    assert c.handle_callback("GET", push["query"], push["body"], called.append).status == 405
    missing = {k: v for k, v in push["query"].items() if k != "nonce"}
    assert c.handle_callback("POST", missing, push["body"], called.append).status == 400
    # A body tampered with after signing.
    tampered = push["body"].replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AAAA")
    assert c.handle_callback("POST", push["query"], tampered, called.append).status == 403
    assert called == [] and c.verify_ticket() is None

    # The genuine push still goes through afterwards.
    assert c.handle_callback("POST", push["query"], push["body"], called.append).status == 200
    assert len(called) == 1 and c.verify_ticket() is not None


# --- 5. the ticket errors ---------------------------------------------------------------------


def test_no_ticket_is_a_ticket_error_and_a_forged_ticket_is_refused_with_61006(sim):
    c = Component(config(sim, MemoryStore()))
    with pytest.raises(WeixinkitError.Ticket) as e:
        c.component_access_token()
    assert e.value.code == -50040
    assert COMPONENT_APPID in e.value.reason
    with pytest.raises(WeixinkitError.Ticket):
        c.create_authorization_url("https://example.com/back")
    assert sim.calls(COMPONENT_TOKEN_PATH) == 0

    c.store_verify_ticket("ticket@@@forged")
    assert c.verify_ticket() == "ticket@@@forged"
    with pytest.raises(WeixinkitError.Ticket) as e:
        c.component_access_token()
    assert e.value.code == 61006
    assert "ticket@@@forged" not in str(e.value)
    # Refused tickets are not retried.
    assert sim.calls(COMPONENT_TOKEN_PATH) == 1

    # The next genuine push fixes it.
    push_ticket(sim, c)
    assert c.component_access_token().value.startswith("COMPONENT_")
    assert sim.calls(COMPONENT_TOKEN_PATH) == 2


# --- 6. asyncio ---------------------------------------------------------------------------------


def test_a_push_whose_handler_raised_is_handled_again_on_the_retry(sim):
    # The replay window is on; the handler fails after the lifecycle step stored the ticket.
    c = config(sim, MemoryStore())
    c.callback = weixinkit.CallbackOptions(replay_window_seconds=300)
    component = Component(c)
    issued = sim.issue_ticket()

    def failing(message):
        raise RuntimeError("the audit log is down")

    with pytest.raises(RuntimeError, match="audit"):
        deliver(component, issued["push"], failing)
    assert component.verify_ticket() == issued["ticket"]
    seen = []
    retried = deliver(component, issued["push"], seen.append)
    assert (retried.status, retried.body, len(seen)) == (200, "success", 1)
    assert deliver(component, issued["push"], seen.append).status == 409 and len(seen) == 1
    # Without a handler, the caller forgets by hand when its own handling fails.
    component.forget_push(issued["push"]["query"])
    assert deliver(component, issued["push"]).ok

    async def main():
        a = AsyncComponent(c)
        later = sim.issue_ticket()

        async def failing_async(message):
            raise RuntimeError("the audit log is still down")

        with pytest.raises(RuntimeError, match="still"):
            await a.handle_callback("POST", later["push"]["query"], later["push"]["body"], failing_async)
        assert (await a.handle_callback("POST", later["push"]["query"], later["push"]["body"])).ok
    asyncio.run(main())


def test_the_lifecycle_through_asyncio(sim):
    async def main():
        c = AsyncComponent(config(sim, MemoryStore()))
        seen = []

        async def handler(message):
            await asyncio.sleep(0)
            seen.append(message)

        issued = sim.issue_ticket()
        result = await c.handle_callback("POST", issued["push"]["query"], issued["push"]["body"],
                                         handler)
        assert (result.status, result.body) == (200, "success")
        assert seen == [result.message]
        assert await c.verify_ticket() == issued["ticket"]

        # Twenty tasks on a cold component token: one fetch.
        tokens = await asyncio.gather(*(c.component_access_token() for _ in range(20)))
        assert len(set(tokens)) == 1 and sim.calls(COMPONENT_TOKEN_PATH) == 1

        url = await c.create_authorization_url("https://example.com/back",
                                               {"mobile": True, "auth_type": 1})
        assert url.startswith("https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent"
                              "&no_scan=1&component_appid=wxcomponent0000001&pre_auth_code="), url
        assert url.endswith("&auth_type=1#wechat_redirect"), url

        granted = sim.authorize(AUTHORIZER)
        result = await c.handle_callback("POST", granted["push"]["query"],
                                         granted["push"]["body"], handler)
        assert result.status == 200 and isinstance(seen[-1].event, Event.AUTHORIZED)
        assert seen[-1].event.notice.authorizer_appid == AUTHORIZER
        assert await c.refresh_token(AUTHORIZER) is not None

        a = c.authorizer(AUTHORIZER)
        assert isinstance(a, AsyncAuthorizer)
        assert (await a.get(API))["ip_list"] == ["127.0.0.1"]
        assert sim.calls(AUTHORIZER_TOKEN_PATH) == 0

        # Ten tasks after expiry: exactly one refresh, every call answered.
        assert sim.expire(AUTHORIZER) >= 1
        answers = await asyncio.gather(*(a.get(API) for _ in range(10)))
        assert all(x["ip_list"] == ["127.0.0.1"] for x in answers)
        assert sim.calls(AUTHORIZER_TOKEN_PATH) == 1

        # A plain function works as the handler too.
        plain = []
        gone = sim.unauthorize(AUTHORIZER)
        result = await c.handle_callback("POST", gone["push"]["query"], gone["push"]["body"],
                                         plain.append)
        assert result.status == 200 and isinstance(plain[0].event, Event.UNAUTHORIZED)
        assert await c.refresh_token(AUTHORIZER) is None
        with pytest.raises(WeixinkitError.ReauthorizationNeeded):
            await a.access_token()

    asyncio.run(main())


def test_async_errors_and_forged_pushes(sim):
    async def main():
        c = AsyncComponent(config(sim, MemoryStore()))
        with pytest.raises(WeixinkitError.Ticket) as e:
            await c.component_access_token()
        assert e.value.code == -50040
        push = sim.issue_ticket()["push"]
        forged = dict(push["query"], msg_signature="0" * 40)
        called = []
        result = await c.handle_callback("POST", forged, push["body"], called.append)
        assert result.status == 403 and called == [] and await c.verify_ticket() is None
        with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
            await c.authorizer(OTHER).get(API)
        assert e.value.code == -50041

    asyncio.run(main())


# --- 7. the Flask example, driven by the sim's real pushes ------------------------------------


@pytest.fixture
def flask_app(sim, tmp_path):
    """examples/python/flask_app.py on a free port, configured from the environment."""
    try:
        import flask  # noqa: F401
    except ImportError:
        if services_required():
            pytest.fail("flask is not installed (bindings/python/test.sh installs it)")
        pytest.skip("flask is not installed")
    port = free_port()
    store = tmp_path / "example-store"
    env = dict(
        os.environ,
        WEIXINKIT_COMPONENT_APPID=COMPONENT_APPID,
        WEIXINKIT_COMPONENT_SECRET=COMPONENT_SECRET,
        WEIXINKIT_COMPONENT_TOKEN=COMPONENT_TOKEN,
        WEIXINKIT_COMPONENT_AES_KEY=COMPONENT_AES_KEY,
        WEIXINKIT_API_BASE_URI=sim.url,
        WEIXINKIT_SUITE_ID=SUITE_ID,
        WEIXINKIT_SUITE_SECRET=SUITE_SECRET,
        WEIXINKIT_SUITE_TOKEN=SUITE_TOKEN,
        WEIXINKIT_SUITE_AES_KEY=SUITE_AES_KEY,
        WEIXINKIT_WORK_BASE_URI=sim.url,
        WEIXINKIT_STORE_DIR=str(store),
        PORT=str(port),
    )
    log_path = tmp_path / "flask.log"
    log = open(log_path, "w+")
    proc = subprocess.Popen([sys.executable, str(EXAMPLE)], env=env, cwd=str(tmp_path),
                            stdout=log, stderr=subprocess.STDOUT)

    def listening():
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError(f"the example exited ({proc.returncode}): {log.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_until(listening, 30, "the Flask example to listen", interval=0.05)
        yield f"http://127.0.0.1:{port}", store, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _http(url: str, data: bytes | None = None) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_the_flask_example_receives_the_sims_pushes(sim, flask_app):
    base, store, log_path = flask_app
    events_url = base + EVENTS_PATH
    sim.set_callback_url(events_url)
    # The test's own client reads the store the example writes.
    observer = Component(config(sim, FileStore(store)))

    issued = sim.issue_ticket()
    assert issued["delivered"] is True, issued
    assert issued.get("response") == "success", issued
    assert observer.verify_ticket() == issued["ticket"]

    # The example's /authorize sends the browser to WeChat with a fresh pre-auth code.
    status, headers, _ = _http(base + "/authorize")
    assert status == 302
    location = headers["Location"]
    assert location.startswith("https://mp.weixin.qq.com/cgi-bin/componentloginpage?"
                               "component_appid=wxcomponent0000001&pre_auth_code=preauthcode"), location
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["redirect_uri"] == [
        base + "/authorized"]
    assert sim.calls(COMPONENT_TOKEN_PATH) == 1 and sim.calls(PREAUTH_PATH) == 1

    granted = sim.authorize(AUTHORIZER)
    assert granted["delivered"] is True, granted
    assert granted.get("response") == "success", granted
    assert sim.calls(QUERY_AUTH_PATH) == 1
    # The example's handler saw the typed event (it logs it before answering).
    assert f"authorized by {AUTHORIZER}" in log_path.read_text()
    refresh = observer.refresh_token(AUTHORIZER)
    assert refresh is not None
    assert {i.authorizer_appid: i.refresh_token for i in observer.authorizer_list().list} == {
        AUTHORIZER: refresh}
    # The access token the example cached on query_auth serves this process too.
    assert observer.authorizer(AUTHORIZER).get(API)["ip_list"] == ["127.0.0.1"]
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 0

    # A forged push to the example: 403, nothing changes.
    replay = sim.issue_ticket()  # delivered, so the stored ticket is now this one
    assert replay["delivered"] is True and observer.verify_ticket() == replay["ticket"]
    forged = dict(issued["push"]["query"], msg_signature="0" * 40)
    status, _, body = _http(events_url + "?" + urllib.parse.urlencode(forged),
                            issued["push"]["body"].encode())
    assert status == 403 and body != "success"
    assert observer.verify_ticket() == replay["ticket"]
    # Not a POST: 405.
    assert _http(events_url)[0] == 405

    gone = sim.unauthorize(AUTHORIZER)
    assert gone["delivered"] is True and gone.get("response") == "success", gone
    assert observer.refresh_token(AUTHORIZER) is None
    assert f"authorization cancelled by {AUTHORIZER}" in log_path.read_text()


def suite_ticket_push(ticket: str, timestamp: str, nonce: str) -> tuple[dict, str]:
    """A suite_ticket push for SUITE_ID, encrypted and signed by weixinkit's own crypto, as
    WeCom sends it: the query and the body."""
    xml = (f"<xml><SuiteId><![CDATA[{SUITE_ID}]]></SuiteId>"
           "<InfoType><![CDATA[suite_ticket]]></InfoType>"
           f"<TimeStamp>{timestamp}</TimeStamp>"
           f"<SuiteTicket><![CDATA[{ticket}]]></SuiteTicket></xml>")
    envelope = ElementTree.fromstring(
        MessageCrypto(SUITE_TOKEN, SUITE_AES_KEY, SUITE_ID).encrypt_reply(xml, timestamp, nonce))
    encrypt = envelope.findtext("Encrypt")
    body = (f"<xml><ToUserName><![CDATA[{SUITE_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>")
    query = {"msg_signature": envelope.findtext("MsgSignature"), "timestamp": timestamp,
             "nonce": nonce}
    return query, body


def test_the_flask_example_stores_a_pushed_suite_ticket(sim, flask_app):
    base, store, _log_path = flask_app
    url = base + "/wecom/suite-events"
    observer = Suite(SuiteConfig(SUITE_ID, SUITE_SECRET, SUITE_TOKEN, SUITE_AES_KEY,
                                 store=FileStore(str(store))))
    assert observer.suite_ticket() is None
    query, body = suite_ticket_push("suiteticket-from-the-test", str(int(time.time())), "n0nce1")
    status, _, answer = _http(url + "?" + urllib.parse.urlencode(query), body.encode())
    assert (status, answer) == (200, "success")
    assert observer.suite_ticket() == "suiteticket-from-the-test"
    # Forged: 403, nothing stored.
    query, body = suite_ticket_push("suiteticket-forged", str(int(time.time())), "n0nce2")
    query["msg_signature"] = "0" * 40
    status, _, answer = _http(url + "?" + urllib.parse.urlencode(query), body.encode())
    assert status == 403 and answer != "success"
    assert observer.suite_ticket() == "suiteticket-from-the-test"


# --- the rest of the surface --------------------------------------------------------------------


def test_component_config_hides_secrets_and_is_the_shared_record(sim):
    cfg = ComponentConfig("wxcomponent0000001", "SECRET-1", "TOKEN-1", COMPONENT_AES_KEY,
                          http=HttpOptions(api_base_uri=sim.url), store=MemoryStore())
    shown = repr(cfg) + str(cfg)
    for secret in ("SECRET-1", "TOKEN-1", COMPONENT_AES_KEY[:10]):
        assert secret not in shown
    assert cfg.to_dict() == {
        "component_app_id": "wxcomponent0000001", "component_secret": "SECRET-1",
        "token": "TOKEN-1", "encoding_aes_key": COMPONENT_AES_KEY,
        "http": {"api_base_uri": sim.url}, "store": {"type": "memory"},
    }
    # The same record as a dict or a JSON string.
    assert Component(cfg.to_dict()).app_id == COMPONENT_APPID
    assert AsyncComponent(cfg.to_json()).app_id == COMPONENT_APPID
    assert repr(Component(cfg)) == 'Component(app_id="wxcomponent0000001")'
    # A host store may also be given beside the record (the record cannot hold it), but not
    # twice.
    record = {k: v for k, v in cfg.to_dict().items() if k != "store"}
    assert Component(record, DictStore()).app_id == COMPONENT_APPID
    hosted = ComponentConfig(COMPONENT_APPID, "s", "t", COMPONENT_AES_KEY, store=DictStore())
    with pytest.raises(TypeError, match="twice"):
        Component(hosted, DictStore())

    with pytest.raises(WeixinkitError.Config) as e:
        Component(dict(cfg.to_dict(), secret="SECRET-1"))
    assert "SECRET-1" not in str(e.value)
    with pytest.raises(WeixinkitError.Config):
        Component(dict(cfg.to_dict(), component_app_id="wx:bad"))
    with pytest.raises(WeixinkitError.InvalidAesKey):
        Component(dict(cfg.to_dict(), encoding_aes_key="short"))
    with pytest.raises(TypeError):
        ComponentConfig(COMPONENT_APPID, "s", "t", COMPONENT_AES_KEY, store=object())
    with pytest.raises(TypeError):
        Component(42)


def test_query_auth_returns_the_typed_authorization(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    code = sim.authorize(AUTHORIZER, func_ids=[1, 15])["authorization_code"]
    auth = c.query_auth(code)
    assert isinstance(auth, Authorization)
    assert (auth.authorizer_appid, auth.expires_in, auth.func_info) == (AUTHORIZER, 7200, [1, 15])
    assert auth.authorizer_access_token.startswith("AUTHORIZER_")
    assert auth.authorizer_refresh_token == c.refresh_token(AUTHORIZER)
    assert auth.authorizer_access_token not in repr(auth)
    assert auth.authorizer_refresh_token not in repr(auth)
    assert c.authorizer_access_token(AUTHORIZER).value == auth.authorizer_access_token
    with pytest.raises(WeixinkitError.Api) as e:
        c.query_auth(code)  # single use
    assert e.value.code == 61009

    pre = c.create_pre_auth_code()
    assert isinstance(pre, PreAuthCode) and pre.pre_auth_code.startswith("preauthcode@@@")
    assert pre.expires_in > 0
    url = c.authorization_url(pre.pre_auth_code, "https://a.example/b",
                              AuthorizationUrlOptions(biz_appid="wxbiz", category_id_list=[1, 2],
                                                      mobile=True))
    assert url == ("https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1"
                   "&component_appid=wxcomponent0000001&pre_auth_code="
                   + urllib.parse.quote(pre.pre_auth_code, safe="")
                   + "&redirect_uri=https%3A%2F%2Fa.example%2Fb&biz_appid=wxbiz"
                   "&category_id_list=1%7C2#wechat_redirect")


def test_every_component_endpoint_answers(sim):
    c = Component(config(sim, MemoryStore()))
    c.start_push_ticket()
    assert sim.calls("/cgi-bin/component/api_start_push_ticket") == 1
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)

    info = c.authorizer_info(AUTHORIZER)
    assert info["authorization_info"]["authorizer_appid"] == AUTHORIZER
    c.set_authorizer_option(AUTHORIZER, "voice_recognize", "1")
    assert c.authorizer_option(AUTHORIZER, "voice_recognize") == "1"
    with pytest.raises(WeixinkitError.Api) as e:
        c.authorizer_option(AUTHORIZER, "no_such_option")
    assert e.value.code == 40097

    a = c.authorizer(AUTHORIZER)
    a.set_option("location_report", "2")
    assert a.option("location_report")["option_value"] == "2"
    c.clear_quota()
    c.clear_quota_v2()
    c.clear_quota_v2(AUTHORIZER)
    a.clear_quota()
    for path in ("/cgi-bin/component/clear_quota", "/cgi-bin/component/clear_quota/v2",
                 "/cgi-bin/clear_quota", "/cgi-bin/component/set_authorizer_option",
                 "/cgi-bin/component/get_authorizer_option"):
        assert sim.calls(path) >= 1, path

    # Any component endpoint, GET and POST, with the component token added.
    echoed = c.call("/cgi-bin/component/anything", {"a": 1})
    assert echoed["echo"]["method"] == "GET" and echoed["echo"]["query"]["a"] == "1"
    echoed = c.call("/cgi-bin/component/anything", body={"b": [1, 2]})
    assert echoed["echo"]["method"] == "POST" and echoed["echo"]["body"] == {"b": [1, 2]}
    assert a.get("/cgi-bin/user/info", [("openid", "o1"), ("lang", "zh_CN")])["openid"] == "o1"

    # Web OAuth on behalf of the authorizer, and mini program login.
    url = c.oauth_authorize_url(AUTHORIZER, "https://example.com/cb", "snsapi_userinfo", "s1")
    assert url.endswith("&state=s1&component_appid=wxcomponent0000001#wechat_redirect"), url
    code = sim.oauth_code(AUTHORIZER)
    user = c.oauth_access_token(AUTHORIZER, code["code"])
    assert user["openid"] == code["openid"]
    refreshed = c.oauth_refresh_token(AUTHORIZER, user["refresh_token"])
    profile = c.oauth_user_info(refreshed["access_token"], refreshed["openid"])
    assert profile["openid"] == code["openid"]
    with pytest.raises(WeixinkitError.OauthCode) as e:
        c.oauth_access_token(AUTHORIZER, code["code"])
    assert e.value.code == 40163 and e.value.errcode == 40163
    assert "already used" in str(e.value)
    js = sim.oauth_code(AUTHORIZER)
    assert isinstance(c.jscode2session(AUTHORIZER, js["code"])["session_key"], str)

    # A given access token is used as is (never refreshed).
    t = a.access_token()
    fixed = c.authorizer_with_access_token(AUTHORIZER, t.value)
    given = fixed.access_token()
    assert (given.value, given.expires_at, given.issued_at) == (t.value, 0, 0)
    assert fixed.get(API)["ip_list"] == ["127.0.0.1"]
    assert t.value not in repr(fixed)
    calls = sim.calls(AUTHORIZER_TOKEN_PATH)
    assert sim.expire(AUTHORIZER) >= 1
    with pytest.raises(WeixinkitError.Api) as e:
        fixed.get(API)
    assert e.value.code == 42001
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == calls

    # A given refresh token is stored, then used by another platform client.
    refresh = c.refresh_token(AUTHORIZER)
    other = Component(config(sim, MemoryStore()))
    push_ticket(sim, other)
    seeded = other.authorizer_with_refresh_token(AUTHORIZER, refresh)
    assert other.refresh_token(AUTHORIZER) == refresh
    assert seeded.get(API)["ip_list"] == ["127.0.0.1"]


def test_a_rotated_refresh_token_is_stored_and_used(sim):
    sim.configure(rotate_refresh_token=True, grace_secs=0)
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)
    before = c.refresh_token(AUTHORIZER)
    sim.expire(AUTHORIZER)
    c.authorizer(AUTHORIZER).get(API)
    after = c.refresh_token(AUTHORIZER)
    assert after != before
    # The old one is dead (grace 0): the next refresh only works with the stored new one.
    sim.expire(AUTHORIZER)
    c.authorizer(AUTHORIZER).get(API)
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 2
    assert sim.calls(LIST_PATH) == 0


def test_a_lost_refresh_token_is_recovered_from_the_authorizer_list(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)
    authorize(sim, c, OTHER)
    good = c.refresh_token(AUTHORIZER)
    c.store_refresh_token(AUTHORIZER, "refreshtoken@@@lost")
    sim.expire(AUTHORIZER)
    c.authorizer(AUTHORIZER).get(API)
    assert c.refresh_token(AUTHORIZER) == good
    assert sim.calls(LIST_PATH) == 1

    page = c.authorizer_list(0, 1)
    assert isinstance(page, AuthorizerList)
    assert (page.total_count, len(page.list)) == (2, 1)
    assert page.list[0].refresh_token not in repr(page)

    # A new, empty store is reseeded from the list.
    fresh = Component(config(sim, MemoryStore()))
    push_ticket(sim, fresh)
    assert fresh.reseed_refresh_tokens() == 2
    for appid in (AUTHORIZER, OTHER):
        assert fresh.refresh_token(appid) == c.refresh_token(appid)
    fresh.forget_authorizer(OTHER)
    assert fresh.refresh_token(OTHER) is None


def test_an_unknown_or_unusable_authorizer(sim):
    c = Component(config(sim, MemoryStore()))
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
        c.authorizer(OTHER).get(API)
    assert e.value.code == -50041
    with pytest.raises(WeixinkitError.InvalidInput) as e:
        c.authorizer("wx:bad")
    assert e.value.code == -50005 and e.value.kind == "invalid_input"
    with pytest.raises(WeixinkitError.InvalidInput):
        c.authorizer_with_access_token("wx:bad", "token")
    with pytest.raises(WeixinkitError.InvalidInput):
        AsyncComponent(config(sim, MemoryStore())).authorizer("")
    with pytest.raises(WeixinkitError.InvalidInput):
        c.store_refresh_token(AUTHORIZER, "")
    assert c.refresh_token(AUTHORIZER) is None
    assert sum(sim.stats().values()) == 0


def test_the_handler_runs_after_the_lifecycle_step_and_its_exception_propagates(sim):
    c = Component(config(sim, MemoryStore()))
    issued = sim.issue_ticket()

    def handler(message):
        # The ticket is already stored when the handler runs.
        assert c.verify_ticket() == message.event.ticket
        raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError, match="handler failed"):
        deliver(c, issued["push"], handler)
    assert c.verify_ticket() == issued["ticket"]

    # A coroutine handler needs AsyncComponent: refused loudly, never left un-awaited.
    async def async_handler(message):
        raise AssertionError("never awaited")

    later = sim.issue_ticket()
    with pytest.raises(TypeError, match="AsyncComponent"):
        deliver(c, later["push"], async_handler)
    assert c.verify_ticket() == later["ticket"]

    # Bytes bodies and (name, value) pairs are accepted as well; no handler is fine.
    push = sim.issue_ticket()["push"]
    result = c.handle_callback("post", list(push["query"].items()), push["body"].encode())
    assert tuple(result) == (200, "success", result.message) and result.ok
    assert result.message.fields["InfoType"] == ["component_verify_ticket"]
    assert c.verify_ticket() == result.message.event.ticket


class DictStore(HostStore):
    """A thread-safe host store that records whether each write had a TTL."""

    def __init__(self):
        self.data, self.ttls, self.lock = {}, {}, threading.Lock()
        self.locks = {}

    def get(self, key):
        with self.lock:
            return self.data.get(key)

    def set(self, key, value, ttl_ms):
        with self.lock:
            self.data[key], self.ttls[key] = value, ttl_ms

    def delete(self, key):
        with self.lock:
            self.data.pop(key, None)

    def try_lock(self, lock_key, ttl_ms):
        with self.lock:
            if lock_key in self.locks:
                return None
            self.locks[lock_key] = fence = uuid.uuid4().hex
            return fence

    def unlock(self, lock_key, fence):
        with self.lock:
            if self.locks.get(lock_key) == fence:
                del self.locks[lock_key]


def test_a_host_store_keeps_credentials_durable_and_tokens_expiring(sim):
    store = DictStore()
    c = Component(config(sim, store, prefix="hosted"))
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)
    ticket_key = f"hosted:component_verify_ticket:{COMPONENT_APPID}:{COMPONENT_APPID}"
    refresh_key = f"hosted:authorizer_refresh_token:{COMPONENT_APPID}:{AUTHORIZER}"
    token_key = f"hosted:authorizer_access_token:{COMPONENT_APPID}:{AUTHORIZER}"
    assert store.ttls[ticket_key] is None and store.ttls[refresh_key] is None
    assert store.ttls[token_key] > 0
    assert json.loads(store.data[refresh_key])["value"] == c.refresh_token(AUTHORIZER)
    assert json.loads(store.data[token_key])["value"] == c.authorizer_access_token(AUTHORIZER).value
    assert store.locks == {}


# --- typed results, errors and callback details -----------------------------------------------


def test_api_errors_carry_errcode_errmsg_and_endpoint(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    code = sim.authorize(AUTHORIZER)["authorization_code"]
    c.query_auth(code)
    with pytest.raises(WeixinkitError.Api) as e:
        c.query_auth(code)  # single use: WeChat answers 61009
    err = e.value
    assert (err.kind, err.code, err.errcode, err.endpoint) == ("api", 61009, 61009, QUERY_AUTH_PATH)
    assert isinstance(err.errmsg, str) and err.errmsg and err.errmsg in err.reason
    assert type(err).kind == "api"

    # An error that is not WeChat's: no errcode / errmsg, and no endpoint when no request
    # was made.
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
        c.authorizer(OTHER).access_token()
    err = e.value
    assert (err.kind, err.code, err.errcode, err.errmsg, err.endpoint) == (
        "reauthorization_needed", -50041, None, None, None)

    # A transport failure names the endpoint it concerns, never its query.
    dead = ComponentConfig(
        COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, COMPONENT_AES_KEY,
        http=HttpOptions(api_base_uri=f"http://127.0.0.1:{free_port()}",
                         retry=RetryPolicy(max_retries=0)),
        store=MemoryStore(),
    )
    offline = Component(dead)
    offline.store_verify_ticket("ticket@@@t")
    with pytest.raises(WeixinkitError.Transport) as e:
        offline.component_access_token()
    err = e.value
    assert (err.kind, err.code, err.errcode, err.errmsg, err.endpoint) == (
        "transport", -50001, None, None, COMPONENT_TOKEN_PATH)

    # The same attributes through asyncio.
    async def main():
        ac = AsyncComponent(config(sim, MemoryStore()))
        with pytest.raises(WeixinkitError.Ticket) as e:
            await ac.component_access_token()
        assert (e.value.kind, e.value.code, e.value.endpoint) == ("ticket", -50040, None)

    asyncio.run(main())


def test_every_error_kind_has_its_class():
    # The native module raises classes by name (src/ffi/python.rs, ERROR_CLASSES).
    import re
    source = (REPO / "src" / "ffi" / "python.rs").read_text(encoding="utf-8")
    table = source[source.index("const ERROR_CLASSES"):]
    table = table[:table.index("];")]
    pairs = re.findall(r'\("(\w+)", "(\w+)"\)', table)
    assert len(pairs) >= 21 and ("internal", "Internal") in pairs
    for kind, name in pairs:
        cls = getattr(WeixinkitError, name)
        assert issubclass(cls, WeixinkitError) and cls.kind == kind, name
        assert cls(-1, "x").endpoint is None


def test_all_authorizers_and_api_domain_ip(sim):
    store = DictStore()
    c = Component(config(sim, store))
    push_ticket(sim, c)
    assert c.all_authorizers() == []
    authorize(sim, c, AUTHORIZER)
    authorize(sim, c, OTHER)
    everyone = c.all_authorizers()
    assert all(isinstance(i, AuthorizerListItem) for i in everyone)
    assert {i.authorizer_appid: i.refresh_token for i in everyone} == {
        AUTHORIZER: c.refresh_token(AUTHORIZER), OTHER: c.refresh_token(OTHER)}
    assert all(i.refresh_token not in repr(i) for i in everyone)
    page = c.authorizer_list(count=1)
    assert (page.total_count, len(page), len(page.list)) == (2, 1, 1)
    # Records compare by value.
    assert c.all_authorizers() == everyone
    assert c.authorizer_list(count=1) == page

    a = c.authorizer(AUTHORIZER)
    before = sim.calls(API)
    assert a.api_domain_ip() == ["127.0.0.1"]
    assert sim.calls(API) == before + 1

    # Its JS-SDK ticket, cached like an Official Account's, and the page signature.
    tickets = sim.calls("/cgi-bin/ticket/getticket")
    ticket = a.jsapi_ticket()
    assert a.jsapi_ticket() == ticket
    js = a.jssdk_config("https://example.com/page?x=1#frag")
    assert (js["app_id"], js["url"]) == (AUTHORIZER, "https://example.com/page?x=1")
    assert js["signature"] == jssdk_signature(ticket.value, js["nonce_str"], js["timestamp"], js["url"])
    assert sim.calls("/cgi-bin/ticket/getticket") == tickets + 1
    assert a.user_info("o-follower").subscribe

    async def main():
        # Another client on the same store: the ticket and tokens are shared.
        ac = AsyncComponent(config(sim, store))
        listed = await ac.all_authorizers()
        assert sorted(i.authorizer_appid for i in listed) == sorted([AUTHORIZER, OTHER])
        assert await ac.authorizer(OTHER).api_domain_ip() == ["127.0.0.1"]
        # The refresh-token factory is awaited too (the store write runs on the library's
        # runtime, not on the event loop), and hands back an async authorizer.
        seeded = await ac.authorizer_with_refresh_token(OTHER, c.refresh_token(OTHER))
        assert type(seeded).__name__ == "AsyncAuthorizer"
        assert seeded.app_id == OTHER

    asyncio.run(main())
    assert sim.calls(API) == before + 2
    assert sim.calls(COMPONENT_TOKEN_PATH) == 1


def test_a_body_that_is_not_utf8_is_refused_with_400(sim):
    c = Component(config(sim, MemoryStore()))
    called = []
    push = sim.issue_ticket()["push"]
    body = push["body"].encode() + b"\xff\xfe"
    result = c.handle_callback("POST", push["query"], body, called.append)
    assert (result.status, result.body, result.message) == (400, "the request body is not UTF-8", None)
    assert not result.ok and called == [] and c.verify_ticket() is None

    async def main():
        ac = AsyncComponent(config(sim, MemoryStore()))
        result = await ac.handle_callback("POST", push["query"], b"\xc3\x28", called.append)
        assert (result.status, result.body) == (400, "the request body is not UTF-8")
        assert called == []

    asyncio.run(main())

    # The same push as valid UTF-8 goes through.
    assert c.handle_callback("POST", push["query"], push["body"].encode()).status == 200


def test_the_callback_message_is_the_one_parsed_by_the_core(sim, monkeypatch):
    # Nothing in Python parses the push again: with every parser entry point broken, the
    # callback still hands over the typed message the core parsed.
    def refuse(*args):
        raise AssertionError("parsed again in Python")

    for module in (weixinkit, weixinkit._native):
        monkeypatch.setattr(module, "parse_message", refuse)
    c = Component(config(sim, MemoryStore()))
    seen = []
    issued = sim.issue_ticket()
    result = deliver(c, issued["push"], seen.append)
    assert isinstance(result, CallbackResult) and result.ok
    assert type(result.message) is Message and seen == [result.message]
    assert seen[0] is result.message
    assert isinstance(result.message.event, Event.COMPONENT_VERIFY_TICKET)
    assert result.message.event.ticket == issued["ticket"]
    assert result.message.fields["ComponentVerifyTicket"] == [issued["ticket"]]
    # The decrypted XML comes along, for logging or archiving.
    assert "component_verify_ticket" in result.plaintext and issued["ticket"] in result.plaintext
    assert repr(result).startswith("CallbackResponse(status=200, ")


# --- failures remembered ------------------------------------------------------------------------


def test_a_revoked_authorization_is_remembered_durably_and_asks_wechat_nothing(sim):
    store = DictStore()
    c = Component(config(sim, store, prefix="mem"))
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)
    a = c.authorizer(AUTHORIZER)
    a.get(API)
    # The merchant cancels and the `unauthorized` push is lost: WeChat answers 61003 once.
    sim.unauthorize(AUTHORIZER)
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
        a.get(API)
    assert e.value.errcode == 61003
    key = f"mem:reauthorization_needed:{COMPONENT_APPID}:{AUTHORIZER}"
    assert store.ttls[key] is None
    record = json.loads(store.data[key])
    assert record["errcode"] == 61003 and record["updated_at"] > 1_600_000_000
    assert f"mem:authorizer_access_token:{COMPONENT_APPID}:{AUTHORIZER}" not in store.data

    before = sum(sim.stats().values())
    again = Component(config(sim, store, prefix="mem"))  # another process on the same store
    for client in (c, again):
        with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
            client.authorizer(AUTHORIZER).post_json("/cgi-bin/message/custom/send", {"touser": "o"})
        assert e.value.errcode == 61003 and "remembered" in e.value.reason
        with pytest.raises(WeixinkitError.ReauthorizationNeeded):
            client.authorizer_access_token(AUTHORIZER)
    assert sum(sim.stats().values()) == before

    # A new authorization clears it.
    authorize(sim, c, AUTHORIZER)
    assert key not in store.data
    a.get(API)


def test_storing_a_refresh_token_clears_a_remembered_unauthorization(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    granted = sim.authorize(OTHER)  # never delivered: no refresh token listed for it
    c.store_refresh_token(OTHER, "refreshtoken@@@dead")
    with pytest.raises(WeixinkitError.ReauthorizationNeeded) as e:
        c.authorizer_access_token(OTHER)
    assert e.value.errcode == 61023
    assert (sim.calls(AUTHORIZER_TOKEN_PATH), sim.calls(LIST_PATH)) == (1, 1)
    with pytest.raises(WeixinkitError.ReauthorizationNeeded):
        c.authorizer(OTHER).get(API)
    assert (sim.calls(AUTHORIZER_TOKEN_PATH), sim.calls(LIST_PATH)) == (1, 1)
    # A refresh token stored by hand clears the memory: the next call asks WeChat again.
    c.store_refresh_token(OTHER, "refreshtoken@@@another")
    with pytest.raises(WeixinkitError.ReauthorizationNeeded):
        c.authorizer(OTHER).get(API)
    assert sim.calls(AUTHORIZER_TOKEN_PATH) == 2
    # And the authorization push (query_auth) makes it work.
    assert deliver(c, granted["push"]).status == 200
    c.authorizer(OTHER).get(API)


def test_a_ticket_refusal_drops_the_revoked_component_token(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    c.component_access_token()
    sim.revoke(COMPONENT_APPID)
    c.store_verify_ticket("ticket@@@forged")
    with pytest.raises(WeixinkitError.Ticket) as e:
        c.create_pre_auth_code()
    assert e.value.code == 61006
    push_ticket(sim, c)
    before = (sim.calls(PREAUTH_PATH), sim.calls(COMPONENT_TOKEN_PATH))
    c.create_pre_auth_code()
    # One token fetch and one call: no request spent on the revoked token's 40001.
    assert (sim.calls(PREAUTH_PATH), sim.calls(COMPONENT_TOKEN_PATH)) == (before[0] + 1,
                                                                         before[1] + 1)


# --- malformed fields no lifecycle step needs ---------------------------------------------------


def encrypted_push(plaintext: str) -> dict:
    """A push as WeChat sends it, encrypted with the component's token and key."""
    crypto = weixinkit.MessageCrypto(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID)
    envelope = ElementTree.fromstring(crypto.encrypt_reply(plaintext, "1700000000", "n0nce"))
    query = {"timestamp": "1700000000", "nonce": "n0nce", "encrypt_type": "aes",
             "msg_signature": envelope.findtext("MsgSignature")}
    body = (f"<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId>"
            f"<Encrypt><![CDATA[{envelope.findtext('Encrypt')}]]></Encrypt></xml>")
    return {"query": query, "body": body}


def test_a_malformed_expiry_does_not_refuse_the_authorized_push(sim):
    c = Component(config(sim, MemoryStore()))
    push_ticket(sim, c)
    granted = sim.authorize(AUTHORIZER)
    plaintext = (
        f"<xml><AppId>{COMPONENT_APPID}</AppId><CreateTime>soon</CreateTime>"
        "<InfoType>authorized</InfoType>"
        f"<AuthorizerAppid>{AUTHORIZER}</AuthorizerAppid>"
        f"<AuthorizationCode>{granted['authorization_code']}</AuthorizationCode>"
        "<AuthorizationCodeExpiredTime>one hour</AuthorizationCodeExpiredTime>"
        "<PreAuthCode>preauthcode@@@x</PreAuthCode></xml>")
    result = deliver(c, encrypted_push(plaintext))
    assert (result.status, result.body) == (200, "success")
    notice = result.message.event.notice
    assert notice.authorization_code == granted["authorization_code"]
    assert (notice.create_time, notice.authorization_code_expired_time) == (None, None)
    assert result.message.fields["AuthorizationCodeExpiredTime"] == ["one hour"]
    assert result.message.fields["CreateTime"] == ["soon"]
    assert c.refresh_token(AUTHORIZER) is not None
    # The same through parse_message, and a well-formed value stays an int.
    parsed = weixinkit.parse_message(plaintext.replace("one hour", "1700003600"))
    assert parsed.event.notice.authorization_code_expired_time == 1700003600
    # What the step needs is still required.
    broken = deliver(c, encrypted_push(plaintext.replace("AuthorizerAppid>", "Appid>")))
    assert broken.status == 400 and "AuthorizerAppid" in broken.body


def test_keep_fresh_refreshes_the_component_and_an_authorizer_token_ahead_of_expiry(sim, tmp_path):
    # Tokens live 4 s. The reader never fetches (read_only), so only the background tasks of
    # the refreshing client can replace both tokens before the reader would see them stale.
    sim.configure(expires_in=4)
    store = FileStore(tmp_path / "store")
    c = Component(config(sim, store))
    push_ticket(sim, c)
    authorize(sim, c, AUTHORIZER)
    reader = Component(ComponentConfig(
        COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, COMPONENT_AES_KEY,
        http=HttpOptions(api_base_uri=sim.url),
        tokens=weixinkit.TokenOptions(read_only=True, lock_wait_ms=3000), store=store))
    first_component = reader.component_access_token()
    first_authorizer = reader.authorizer(AUTHORIZER).access_token()
    handles = [c.keep_fresh(), c.authorizer(AUTHORIZER).keep_fresh()]
    try:
        deadline = time.monotonic() + 10
        while (reader.component_access_token().value == first_component.value
               or reader.authorizer(AUTHORIZER).access_token().value == first_authorizer.value):
            assert time.monotonic() < deadline, "no background refresh"
            time.sleep(0.1)
    finally:
        for handle in handles:
            handle.stop()
    assert 2 <= sim.calls(COMPONENT_TOKEN_PATH) <= 3
    assert 1 <= sim.calls(AUTHORIZER_TOKEN_PATH) <= 2
