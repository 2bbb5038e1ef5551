"""Official Account web authorization, follower records, mini program login and the server
URL handler, against the local WeChat server (wechat-sim)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time

import pytest

import weixinkit
from weixinkit import (
    AsyncOfficialAccount,
    CallbackOptions,
    HttpOptions,
    MemoryStore,
    MessageCrypto,
    OfficialAccount,
    OfficialAccountConfig,
    RedisStore,
    TokenOptions,
    WeixinkitError,
)

OA_APPID = "wxoa00000000000001"
OA_SECRET = "oa-secret"
MINI_APPID = "wxmini0000000000001"
MINI_SECRET = "mini-secret"
TOKEN = "oatoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _config(sim, appid=OA_APPID, secret=OA_SECRET) -> OfficialAccountConfig:
    return OfficialAccountConfig(
        app_id=appid, secret=secret, token=TOKEN, encoding_aes_key=AES_KEY,
        store=MemoryStore(), http=HttpOptions(api_base_uri=sim.url))


def test_oauth_from_code_to_profile(sim):
    a = OfficialAccount(_config(sim))
    url = a.oauth_url("https://example.com/cb", "snsapi_userinfo", "st1")
    assert url == ("https://open.weixin.qq.com/connect/oauth2/authorize?appid=" + OA_APPID
                   + "&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code"
                   "&scope=snsapi_userinfo&state=st1#wechat_redirect")
    assert "scope=snsapi_base" in a.oauth_url("https://example.com/cb")
    with pytest.raises(WeixinkitError.InvalidInput):
        a.oauth_url("https://example.com/cb", "snsapi_login")

    code = sim.oauth_code(OA_APPID)
    user = a.oauth_access_token(code["code"])
    assert isinstance(user, weixinkit.UserAccessToken)
    assert (user.openid, user.scope, user.expires_in) == (code["openid"], "snsapi_userinfo", 7200)
    assert user.unionid is not None and user.is_snapshotuser is False
    assert user.access_token not in repr(user) and user.refresh_token not in repr(user)
    assert a.oauth_check(user.access_token, user.openid) is True
    assert a.oauth_check(user.access_token, "o-other") is False
    renewed = a.oauth_refresh_token(user.refresh_token)
    profile = a.oauth_user_info(renewed.access_token, renewed.openid)
    assert isinstance(profile, weixinkit.OAuthUserInfo)
    assert (profile.openid, profile.nickname) == (code["openid"], "Sim User")
    with pytest.raises(WeixinkitError.Api) as e:
        a.oauth_refresh_token("REFRESH_unknown")
    assert e.value.errcode == 40030


@pytest.mark.parametrize("kind", ["used", "expired", "unknown"])
def test_a_bad_code_is_oauth_code_and_not_retried(sim, kind):
    a = OfficialAccount(_config(sim))
    if kind == "used":
        code = sim.oauth_code(OA_APPID)["code"]
        a.oauth_access_token(code)
        expected, words = 40163, "already used"
    elif kind == "expired":
        code = sim.oauth_code(OA_APPID, expired=True)["code"]
        expected, words = 42003, "expired"
    else:
        code, expected, words = "CODE_nope", 40029, "invalid"
    before = sim.calls("/sns/oauth2/access_token")
    with pytest.raises(WeixinkitError.OauthCode) as e:
        a.oauth_access_token(code)
    assert (e.value.kind, e.value.errcode, e.value.code) == ("oauth_code", expected, expected)
    assert words in str(e.value)
    assert e.value.endpoint == "/sns/oauth2/access_token"
    assert sim.calls("/sns/oauth2/access_token") == before + 1


def test_subscribe_check_and_user_info(sim):
    a = OfficialAccount(_config(sim))
    follower = sim.oauth_code(OA_APPID, scope="snsapi_base")
    info = a.user_info_by_code(follower["code"])
    assert isinstance(info, weixinkit.UserInfo)
    assert info.subscribe is True and info.openid == follower["openid"]
    visitor = sim.oauth_code(OA_APPID, scope="snsapi_base", subscribed=False)
    info = a.user_info_by_code(visitor["code"])
    assert info.subscribe is False and info.subscribe_time == 0
    assert a.user_info(visitor["openid"]).subscribe is False
    with pytest.raises(WeixinkitError.Api) as e:
        a.user_info("not-an-openid")
    assert e.value.errcode == 40003


def test_mini_program_login_with_its_own_secret(sim):
    mini = OfficialAccount(_config(sim, MINI_APPID, MINI_SECRET))
    code = sim.oauth_code(MINI_APPID)
    session = mini.jscode2session(code["code"])
    assert session.openid == code["openid"] and session.session_key
    assert session.session_key not in repr(session)
    with pytest.raises(WeixinkitError.OauthCode):
        mini.jscode2session(code["code"])


def test_async_twins(sim):
    async def main():
        a = AsyncOfficialAccount(_config(sim))
        code = sim.oauth_code(OA_APPID, subscribed=False)
        user = await a.oauth_access_token(code["code"])
        assert await a.oauth_check(user.access_token, user.openid) is True
        profile = await a.oauth_user_info(user.access_token, user.openid, "en")
        assert profile.openid == code["openid"]
        assert (await a.user_info(user.openid)).subscribe is False
        assert (await a.get("/cgi-bin/get_api_domain_ip"))["ip_list"]
        with pytest.raises(WeixinkitError.OauthCode):
            await a.user_info_by_code(code["code"])
        assert a.oauth_url("https://e.com/cb").endswith("#wechat_redirect")
    asyncio.run(main())


WEB_APPID = "wxweb0000000000001"
WEB_SECRET = "web-secret"


def _website(sim, cls=weixinkit.WebsiteApp):
    sim.add_app(WEB_APPID, WEB_SECRET, "website_app")
    return cls(weixinkit.WebsiteAppConfig(WEB_APPID, WEB_SECRET, http=HttpOptions(api_base_uri=sim.url)))


def test_website_qr_login_from_code_to_profile(sim):
    app = _website(sim)
    assert app.app_id == WEB_APPID
    assert WEB_SECRET not in repr(app)
    assert app.qrconnect_url("https://example.com/login", "st1") == (
        "https://open.weixin.qq.com/connect/qrconnect?appid=" + WEB_APPID
        + "&redirect_uri=https%3A%2F%2Fexample.com%2Flogin&response_type=code"
        "&scope=snsapi_login&state=st1#wechat_redirect")
    assert app.qrconnect_url("https://example.com/login", "st1", "en").endswith(
        "&state=st1&lang=en#wechat_redirect")
    for bad in [("/relative", "st1", None), ("https://e.com", "not ok", None),
                ("https://e.com", "st1", "de")]:
        with pytest.raises(WeixinkitError.InvalidInput):
            app.qrconnect_url(*bad)

    code = sim.oauth_code(WEB_APPID, scope="snsapi_login")
    user = app.oauth_access_token(code["code"])
    assert isinstance(user, weixinkit.UserAccessToken)
    assert (user.openid, user.scope) == (code["openid"], "snsapi_login")
    assert app.oauth_check(user.access_token, user.openid) is True
    renewed = app.oauth_refresh_token(user.refresh_token)
    profile = app.oauth_user_info(renewed.access_token, renewed.openid, lang="en")
    assert isinstance(profile, weixinkit.OAuthUserInfo)
    assert (profile.openid, profile.nickname) == (code["openid"], "Sim User")
    with pytest.raises(WeixinkitError.OauthCode) as e:
        app.oauth_access_token(code["code"])
    assert e.value.errcode == 40163 and "already used" in str(e.value)
    with pytest.raises(WeixinkitError.Config):
        weixinkit.WebsiteApp(weixinkit.WebsiteAppConfig(WEB_APPID, ""))
    with pytest.raises(TypeError):
        weixinkit.WebsiteApp(42)  # type: ignore[arg-type]


def test_website_async_twin(sim):
    async def main():
        app = _website(sim, weixinkit.AsyncWebsiteApp)
        code = sim.oauth_code(WEB_APPID, scope="snsapi_login")
        user = await app.oauth_access_token(code["code"])
        assert await app.oauth_check(user.access_token, user.openid) is True
        profile = await app.oauth_user_info(user.access_token, user.openid)
        assert profile.openid == code["openid"]
        with pytest.raises(WeixinkitError.OauthCode):
            await app.oauth_access_token(code["code"])
        assert "scope=snsapi_login" in app.qrconnect_url("https://e.com/cb", "s")
    asyncio.run(main())


def test_the_state_ties_the_redirect_to_the_session():
    key = "a state key of at least 16 bytes"
    states = weixinkit.OAuthState(key)
    assert states.ttl_secs == 600 and key not in repr(states)
    state = states.issue("session-1")
    assert re.fullmatch(r"[0-9a-f]{56}", state)
    assert states.verify(state, "session-1") is None
    assert states.issue("session-1") != state
    # Another session, a tampered digit, another key: refused, saying why.
    with pytest.raises(WeixinkitError.InvalidInput, match="session") as e:
        states.verify(state, "session-2")
    assert e.value.code == -50005
    tampered = state[:40] + ("0" if state[40] != "0" else "1") + state[41:]
    with pytest.raises(WeixinkitError.InvalidInput):
        states.verify(tampered, "session-1")
    with pytest.raises(WeixinkitError.InvalidInput):
        weixinkit.OAuthState("another key of 16 bytes+").verify(state, "session-1")
    with pytest.raises(WeixinkitError.InvalidInput, match="no state"):
        states.verify("", "session-1")
    # A one-second state is refused once its second has passed.
    short = weixinkit.OAuthState(key, ttl_secs=1)
    old = short.issue("session-1")
    short.verify(old, "session-1")
    time.sleep(2.1)
    with pytest.raises(WeixinkitError.InvalidInput, match="expired"):
        short.verify(old, "session-1")
    for bad in [("short",), (key, 0), (key, 86401)]:
        with pytest.raises(WeixinkitError.InvalidInput):
            weixinkit.OAuthState(*bad)
    with pytest.raises(WeixinkitError.InvalidInput):
        states.issue("")


def _signature(timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()


TEXT = ("<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
        "<FromUserName><![CDATA[o-user-1]]></FromUserName><CreateTime>1700000000</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>"
        "<MsgId>1</MsgId></xml>")


def _element(xml: str, tag: str) -> str:
    """The text of ``<tag>`` in an envelope (CDATA or not)."""
    m = re.search(rf"<{tag}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{tag}>", xml, re.S)
    assert m is not None, xml
    return m.group(1)


def _encrypted(text: str, ts: str = "1700000001"):
    nonce = "n2"
    # What WeChat sends has the same Encrypt element as a passive reply's envelope.
    body = MessageCrypto(TOKEN, AES_KEY, OA_APPID).encrypt_reply(text, ts, nonce)
    msg_signature = _element(body, "MsgSignature")
    query = {"signature": _signature(ts, nonce), "timestamp": ts, "nonce": nonce,
             "encrypt_type": "aes", "msg_signature": msg_signature}
    return query, body


def test_the_server_url_answers_with_an_encrypted_reply(sim):
    a = OfficialAccount(_config(sim))
    ts, nonce = "1700000000", "n0"
    get = a.handle_message("GET", {"signature": _signature(ts, nonce), "timestamp": ts,
                                   "nonce": nonce, "echostr": "e-1"}, "")
    assert (get.status, get.body) == (200, "e-1")
    forged = a.handle_message("GET", {"signature": "0" * 40, "timestamp": ts, "nonce": nonce,
                                      "echostr": "e-1"}, "")
    assert forged.status == 403

    seen = []

    def handler(message):
        seen.append(message)
        return {"type": "text", "content": "you said " + message.fields["Content"][0]}

    query, body = _encrypted(TEXT)
    result = a.handle_message("POST", query, body, handler)
    assert result.status == 200 and "you said" not in result.body
    crypto = MessageCrypto(TOKEN, AES_KEY, OA_APPID)
    plain = crypto.decrypt(_element(result.body, "MsgSignature"), _element(result.body, "TimeStamp"),
                           _element(result.body, "Nonce"), _element(result.body, "Encrypt"))
    reply = weixinkit.parse_message(plain)
    assert reply.fields["Content"] == ["you said hello"]
    assert reply.fields["ToUserName"] == ["o-user-1"]

    # Plain mode, no reply: success; a forged POST never reaches the handler.
    plain_query = {"signature": _signature(ts, nonce), "timestamp": ts, "nonce": nonce}
    assert a.handle_message("POST", plain_query, TEXT, lambda m: None).body == "success"
    bad = dict(query, msg_signature="0" * 40)
    count = len(seen)
    assert a.handle_message("POST", bad, body, handler).status == 403
    assert len(seen) == count
    with pytest.raises(WeixinkitError.InvalidInput):
        a.handle_message("POST", plain_query, TEXT, lambda m: {"type": "sticker"})


def test_the_server_url_refuses_a_replayed_message_within_the_window(sim, redis_url, prefix):
    # Redis: the blocking and the async client below are two processes' worth of clients.
    config = _config(sim)
    config.store = RedisStore(redis_url)
    config.tokens = TokenOptions(key_prefix=prefix)
    config.callback = CallbackOptions(replay_window_seconds=300)
    assert config.to_dict()["callback"] == {"replay_window_seconds": 300}
    assert "callback=CallbackOptions(replay_window_seconds=300)" in repr(config)
    a = OfficialAccount(config)
    ts, nonce = str(int(time.time())), "py-replay"
    query = {"signature": _signature(ts, nonce), "timestamp": ts, "nonce": nonce}
    seen = []

    def handler(message):
        seen.append(message)
        return "hi"

    first = a.handle_message("POST", query, TEXT, handler)
    assert first.status == 200 and "hi" in first.body
    again = a.handle_message("POST", query, TEXT, handler)
    assert again.status == 409 and "replay" in again.body
    assert again.message is None and len(seen) == 1
    # Outside the window: 403.
    old = str(int(time.time()) - 301)
    stale = a.handle_message("POST", {"signature": _signature(old, nonce), "timestamp": old,
                                      "nonce": nonce}, TEXT, handler)
    assert stale.status == 403 and "replay window" in stale.body
    # URL verification is not recorded.
    check = dict(query, echostr="e-1")
    assert [a.handle_message("GET", check, "").status for _ in range(2)] == [200, 200]

    # The async face, a second client on the same store: the same push is a replay there
    # too, and a new one goes through once.
    async def main():
        b = AsyncOfficialAccount(config)
        replayed = await b.handle_message("POST", query, TEXT, handler)
        assert replayed.status == 409 and "replay" in replayed.body
        fresh = dict(query, nonce="py-replay-async",
                     signature=_signature(ts, "py-replay-async"))

        async def async_handler(message):
            return {"type": "text", "content": "async " + message.fields["Content"][0]}

        answered = await b.handle_message("POST", fresh, TEXT, async_handler)
        assert answered.status == 200 and "async hello" in answered.body
        assert (await b.handle_message("POST", fresh, TEXT, async_handler)).status == 409
        assert a.handle_message("POST", fresh, TEXT).status == 409
    asyncio.run(main())
    assert len(seen) == 1


def test_a_message_whose_handler_raised_is_handled_again_on_the_retry(sim):
    # The framework answers 500 and WeChat retries: the retry must not be refused as a replay.
    config = _config(sim)
    config.callback = CallbackOptions(replay_window_seconds=300)
    a = OfficialAccount(config)
    ts = str(int(time.time()))

    def query(nonce):
        return {"signature": _signature(ts, nonce), "timestamp": ts, "nonce": nonce}

    def failing(message):
        raise RuntimeError("the database is down")

    with pytest.raises(RuntimeError, match="database"):
        a.handle_message("POST", query("py-fail"), TEXT, failing)
    retried = a.handle_message("POST", query("py-fail"), TEXT, lambda m: "handled")
    assert retried.status == 200 and "handled" in retried.body
    assert a.handle_message("POST", query("py-fail"), TEXT, failing).status == 409
    # A reply that cannot be built is the same: raised, and the retry handled.
    with pytest.raises(WeixinkitError.InvalidInput):
        a.handle_message("POST", query("py-bad-reply"), TEXT, lambda m: {"type": "sticker"})
    assert a.handle_message("POST", query("py-bad-reply"), TEXT).status == 200
    # A query given as pairs from a generator is read once to handle, once to forget.
    with pytest.raises(RuntimeError):
        a.handle_message("POST", (p for p in query("py-pairs").items()), TEXT, failing)
    assert a.handle_message("POST", query("py-pairs"), TEXT).status == 200
    # Forgetting by hand, for handling done after the call returned.
    assert a.handle_message("POST", query("py-manual"), TEXT).status == 200
    a.forget_push(query("py-manual"))
    assert a.handle_message("POST", query("py-manual"), TEXT).status == 200

    async def main():
        b = AsyncOfficialAccount(config)

        async def failing_async(message):
            raise RuntimeError("the queue is full")

        with pytest.raises(RuntimeError, match="queue"):
            await b.handle_message("POST", query("py-fail-async"), TEXT, failing_async)
        again = await b.handle_message("POST", query("py-fail-async"), TEXT, lambda m: "ok")
        assert again.status == 200 and "ok" in again.body
        assert (await b.handle_message("POST", query("py-fail-async"), TEXT)).status == 409
    asyncio.run(main())


def test_the_server_url_handles_a_repeated_message_with_the_window_off(sim):
    a = OfficialAccount(_config(sim))
    ts, nonce = str(int(time.time())), "py-off"
    query = {"signature": _signature(ts, nonce), "timestamp": ts, "nonce": nonce}
    assert [a.handle_message("POST", query, TEXT).status for _ in range(2)] == [200, 200]


# --- the example app (examples/python/oa_flask_app.py), driven through Flask's test client --


def test_the_example_app_checks_the_subscription_and_answers_messages(sim, monkeypatch):
    import importlib.util
    import pathlib
    from urllib.parse import parse_qs, urlsplit

    pytest.importorskip("flask")
    monkeypatch.setenv("WEIXINKIT_OA_APPID", OA_APPID)
    monkeypatch.setenv("WEIXINKIT_OA_SECRET", OA_SECRET)
    monkeypatch.setenv("WEIXINKIT_OA_TOKEN", TOKEN)
    monkeypatch.setenv("WEIXINKIT_OA_AES_KEY", AES_KEY)
    monkeypatch.setenv("WEIXINKIT_API_BASE_URI", sim.url)
    monkeypatch.setenv("FLASK_SECRET_KEY", "test-only")
    monkeypatch.setenv("WEIXINKIT_STATE_KEY", "a state key for the example test")
    path = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python" / "oa_flask_app.py"
    spec = importlib.util.spec_from_file_location("oa_flask_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    client = module.app.test_client()

    for subscribed, expected in [(True, "subscribed"), (False, "not subscribed")]:
        start = client.get("/subscribed")
        assert start.status_code == 302
        location = urlsplit(start.headers["Location"])
        query = parse_qs(location.query)
        assert location.netloc == "open.weixin.qq.com" and location.fragment == "wechat_redirect"
        assert query["appid"] == [OA_APPID] and query["scope"] == ["snsapi_base"]
        # WeChat issues the code (the local server here) and redirects back.
        code = sim.oauth_code(OA_APPID, scope="snsapi_base", subscribed=subscribed)["code"]
        back = urlsplit(query["redirect_uri"][0]).path
        page = client.get(back, query_string={"code": code, "state": query["state"][0]})
        assert (page.status_code, page.get_data(as_text=True)) == (200, expected)
    # A forged state, or one issued to another browser session, is refused before any code is
    # exchanged.
    mine = parse_qs(urlsplit(client.get("/subscribed").headers["Location"]).query)["state"][0]
    before = sim.calls("/sns/oauth2/access_token")
    assert client.get("/oauth/callback", query_string={"code": "x", "state": "forged"}).status_code == 400
    other = module.app.test_client()
    other.get("/subscribed")
    refused = other.get("/oauth/callback", query_string={"code": "x", "state": mine})
    assert refused.status_code == 400 and "session" in refused.get_data(as_text=True)
    assert sim.calls("/sns/oauth2/access_token") == before

    query, body = _encrypted(TEXT, str(int(time.time())))
    answer = client.post("/wechat", query_string=query, data=body)
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    crypto = MessageCrypto(TOKEN, AES_KEY, OA_APPID)
    plain = crypto.decrypt(_element(text, "MsgSignature"), _element(text, "TimeStamp"),
                           _element(text, "Nonce"), _element(text, "Encrypt"))
    assert weixinkit.parse_message(plain).fields["Content"] == ["you said hello"]
    forged = client.post("/wechat", query_string=dict(query, msg_signature="0" * 40), data=body)
    assert forged.status_code == 403
    # The example turns the replay window on: the same push again is refused.
    replayed = client.post("/wechat", query_string=query, data=body)
    assert replayed.status_code == 409 and "replay" in replayed.get_data(as_text=True)
