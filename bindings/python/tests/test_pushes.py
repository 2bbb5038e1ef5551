"""Every entry of the shared pushes.json: fields by path, typed events, parse errors."""

import json

import pytest

import vectors
import weixinkit
from weixinkit import Event, MessageCrypto, WeixinkitError


def body(v):
    return v["json"] if v["format"] == "json" else v["xml"]


def is_envelope(v):
    return v["kind"].startswith("envelope_")


def check_fields(message, expected):
    for path, value in expected.items():
        assert path in message.fields, (path, sorted(message.fields))
        want = value if isinstance(value, list) else [value]
        assert message.fields[path] == want, path


def check_component_verify_ticket(e, x):
    assert isinstance(e, Event.COMPONENT_VERIFY_TICKET) and e.is_component_verify_ticket()
    assert (e.app_id, e.create_time, e.ticket) == (
        x["AppId"], int(x["CreateTime"]), x["ComponentVerifyTicket"])


def check_unauthorized(e, x):
    assert isinstance(e, Event.UNAUTHORIZED) and e.is_unauthorized()
    assert (e.app_id, e.create_time, e.authorizer_appid) == (
        x["AppId"], int(x["CreateTime"]), x["AuthorizerAppid"])


def check_suite_ticket(e, x):
    assert isinstance(e, Event.SUITE_TICKET) and e.is_suite_ticket()
    assert (e.suite_id, e.timestamp, e.ticket) == (
        x["SuiteId"], int(x["TimeStamp"]), x["SuiteTicket"])


def check_create_auth(e, x):
    assert isinstance(e, Event.CREATE_AUTH) and e.is_create_auth()
    assert (e.suite_id, e.timestamp, e.auth_code, e.state) == (
        x["SuiteId"], int(x["TimeStamp"]), x["AuthCode"], x["State"])


def check_reset_permanent_code(e, x):
    assert isinstance(e, Event.RESET_PERMANENT_CODE) and e.is_reset_permanent_code()
    assert (e.suite_id, e.timestamp, e.auth_code) == (
        x["SuiteId"], int(x["TimeStamp"]), x["AuthCode"])


def check_header(header, x):
    assert isinstance(header, weixinkit.MessageHeader)
    assert (header.to_user_name, header.from_user_name, header.create_time) == (
        x["ToUserName"], x["FromUserName"], int(x["CreateTime"]))


def check_event_subscribe(e, x):
    assert isinstance(e, Event.SUBSCRIBE) and e.is_subscribe()
    check_header(e.header, x)
    # No EventKey in the doc samples: missing and empty are alike; no Ticket -> None.
    assert e.event_key == ""
    assert e.ticket is None


def check_text(e, x):
    assert isinstance(e, Event.TEXT) and e.is_text()
    check_header(e.header, x)
    assert (e.content, e.msg_id) == (x["Content"], x["MsgId"])


EVENT_CHECKS = {
    "component_verify_ticket": check_component_verify_ticket,
    "unauthorized": check_unauthorized,
    "suite_ticket": check_suite_ticket,
    "create_auth": check_create_auth,
    "reset_permanent_code": check_reset_permanent_code,
    "event_subscribe": check_event_subscribe,
    "text": check_text,
}

# Kinds that only appear in not-well-formed samples (their typed classes are tested with
# corrected bodies in test_api.py).
MALFORMED_ONLY_KINDS = {"authorized", "updateauthorized"}

PUSHES = vectors.pushes(lambda v: v["well_formed"] and not is_envelope(v))
MALFORMED = vectors.pushes(lambda v: not v["well_formed"])
ENVELOPES = vectors.pushes(lambda v: v["well_formed"] and is_envelope(v))


def test_every_push_kind_is_checked():
    kinds = {v["kind"] for v in vectors.pushes() if not is_envelope(v)}
    assert kinds <= set(EVENT_CHECKS) | MALFORMED_ONLY_KINDS
    assert {v["kind"] for v in PUSHES} == set(EVENT_CHECKS)
    assert sorted(vectors.ids(PUSHES + MALFORMED + ENVELOPES)) == sorted(vectors.ids(vectors.pushes()))


@pytest.mark.parametrize("v", PUSHES, ids=vectors.ids(PUSHES))
def test_push_parses_with_every_field(v):
    message = weixinkit.parse_message(body(v))
    assert isinstance(message, weixinkit.Message)
    check_fields(message, v["expected"])
    for path, texts in message.fields.items():
        assert isinstance(path, str) and all(isinstance(t, str) for t in texts)
    EVENT_CHECKS[v["kind"]](message.event, v["expected"])


@pytest.mark.parametrize("v", MALFORMED, ids=vectors.ids(MALFORMED))
def test_malformed_push_is_a_parse_error(v):
    with pytest.raises(WeixinkitError.Parse) as info:
        weixinkit.parse_message(body(v))
    assert info.value.code == -40002
    assert info.value.reason


def test_suite_ticket_info_type_is_trimmed():
    (v,) = [v for v in PUSHES if v.get("raw_text")]
    raw = v["raw_text"]["InfoType"]
    assert raw != raw.strip()
    assert weixinkit.parse_message(body(v)).fields["InfoType"] == [raw.strip()]


def test_empty_element_is_present_and_empty():
    (v,) = [v for v in PUSHES if v["expected"].get("ExtraInfo") == ""]
    assert weixinkit.parse_message(body(v)).fields["ExtraInfo"] == [""]


# --- envelopes (outer POST bodies) ----------------------------------------------------------

def encrypt_of(v):
    return v["expected"].get("Encrypt") or v["expected"].get("encrypt")


@pytest.mark.parametrize("v", ENVELOPES, ids=vectors.ids(ENVELOPES))
def test_envelope_yields_its_encrypt(v):
    """decrypt_body finds exactly the envelope's Encrypt value: a signature computed over that
    value passes, so the failure comes from the (unknown, here made-up) key, not from the
    envelope or the signature."""
    token, ts, nonce = "envelope-token", "1409659813", "nonce"
    crypto = MessageCrypto(token, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx-unknown")
    encrypt = encrypt_of(v)
    if encrypt is None:
        # Only the receiver id is known: the ciphertext is whatever <Encrypt> holds.
        encrypt = body(v).split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    sig = weixinkit.msg_signature(token, ts, nonce, encrypt)
    with pytest.raises(WeixinkitError) as info:
        crypto.decrypt_body(sig, ts, nonce, body(v))
    assert not isinstance(info.value, (WeixinkitError.Parse, WeixinkitError.InvalidSignature))
    # A different signature fails at the signature check.
    with pytest.raises(WeixinkitError.InvalidSignature):
        crypto.decrypt_body("0" * 40, ts, nonce, body(v))


# Envelopes taken from a crypto vector's POST body ("outer POST body of crypto vector ...").
SEALED = [v for v in ENVELOPES if "crypto vector" in v["source"]]


@pytest.mark.parametrize("v", SEALED, ids=vectors.ids(SEALED))
def test_envelope_of_a_crypto_vector_decrypts(v, crypto_by_id):
    (c,) = [c for c in crypto_by_id.values() if c.get("post_body") == body(v)]
    assert c["id"] in v["source"]
    crypto = MessageCrypto(c["token"], c["encoding_aes_key"], c["receiver_id"])
    assert crypto.decrypt_body(c["msg_signature"], c["timestamp"], c["nonce"], body(v)) == c["plaintext"]


@pytest.mark.parametrize("v", ENVELOPES, ids=vectors.ids(ENVELOPES))
def test_envelope_as_message(v):
    """An envelope is not a push: parse_message classifies it only when it carries a MsgType
    (the Official Account compatible mode); otherwise it is a parse error."""
    fields = v["expected"]
    if "MsgType" in fields:
        message = weixinkit.parse_message(body(v))
        check_fields(message, fields)
        assert message.event.is_text()
    else:
        with pytest.raises(WeixinkitError.Parse) as info:
            weixinkit.parse_message(body(v))
        assert info.value.code == -40002


# --- WeCom intelligent bot (智能机器人): JSON callbacks with lower-case keys ---------------------


def test_a_wecom_ai_bot_callback_is_typed_with_every_field_kept():
    # Encrypted as WeCom does for bots (JSON envelope, empty receiver id), then decrypted.
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    bot = MessageCrypto("bottoken", key, "")
    plain = ('{"msgid":"CAIQ16HMjQYY","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group",'
             '"from":{"userid":"zhangsan"},"response_url":"https://example.com/r?code=1",'
             '"msgtype":"text","text":{"content":"@RobotA 你好"},'
             '"quote":{"msgtype":"image","image":{"url":"https://example.com/q.png"}}}')
    envelope = json.loads(bot.encrypt_reply_json(plain, "1700000000", "nonce"))
    m = bot.decrypt_message(envelope["msgsignature"], "1700000000", "nonce",
                            json.dumps({"encrypt": envelope["encrypt"]}))
    e = m.event
    assert isinstance(e, Event.AI_BOT_MESSAGE) and e.is_ai_bot_message()
    assert (e.msg_id, e.aibot_id, e.chat_id, e.chat_type, e.from_user_id) == (
        "CAIQ16HMjQYY", "AIBOTID", "CHATID", "group", "zhangsan")
    assert (e.msg_type, e.content, e.response_url) == (
        "text", "@RobotA 你好", "https://example.com/r?code=1")
    assert (e.url, e.stream_id, e.event_type, e.create_time) == (None, None, None, None)
    assert m.fields["quote/image/url"] == ["https://example.com/q.png"]
    match e:
        case Event.AI_BOT_MESSAGE(msg_type="text", content=text):
            assert text == "@RobotA 你好"
        case _:
            pytest.fail(repr(e))

    event = weixinkit.parse_message(
        '{"msgid":"2","create_time":1700000000,"aibotid":"B","chattype":"single",'
        '"from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}').event
    assert (event.event_type, event.create_time, event.chat_id) == ("enter_chat", 1700000000, None)
    assert weixinkit.parse_message(
        '{"msgid":"3","aibotid":"B","chattype":"single","from":{"userid":"u"},'
        '"msgtype":"stream","stream":{"id":"S1"}}').event.stream_id == "S1"
    with pytest.raises(WeixinkitError.Parse) as err:
        weixinkit.parse_message('{"aibotid":"B","text":{"content":"x"}}')
    assert "msgtype" in str(err.value)
