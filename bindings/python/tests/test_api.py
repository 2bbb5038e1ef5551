"""The rest of the Python API: options, envelopes, replies, typed events and errors."""

import hashlib
import json
import time
import traceback
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

import weixinkit
from weixinkit import (
    Article,
    CryptoOptions,
    Event,
    MessageCrypto,
    ReceiverIdPolicy,
    WeixinkitError,
)

TOKEN = "QDG6eK"
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
TS = "1409659813"
NONCE = "1372623149"
PUSH = (
    "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[openid]]></FromUserName>"
    "<CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[hello]]></Content><MsgId>42</MsgId></xml>"
)

VARIANTS = [
    "InvalidAesKey", "InvalidSignature", "StaleTimestamp", "InvalidBase64", "InvalidCiphertext",
    "InvalidPadding", "InvalidBuffer", "ReceiverIdMismatch", "Parse", "InvalidInput",
]


def field(xml, tag):
    node = ET.fromstring(xml).find(tag)
    assert node is not None, f"<{tag}> missing in {xml!r}"
    return node.text


def seal(crypto, plaintext, ts=TS, nonce=NONCE):
    """Encrypt as WeChat would: returns (msg_signature, POST body)."""
    body = crypto.encrypt_reply(plaintext, ts, nonce)
    return field(body, "MsgSignature"), body


def with_policy(policy, window=None, token=TOKEN):
    return MessageCrypto.with_options(
        token, KEY, CryptoOptions(receiver_id=policy, max_clock_skew_secs=window)
    )


# --- exceptions -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", VARIANTS)
def test_every_error_variant_subclasses_weixinkit_error(name):
    cls = getattr(WeixinkitError, name)
    assert issubclass(cls, WeixinkitError)
    assert issubclass(cls, Exception)
    err = cls(-40001, "why")
    assert (err.code, err.reason) == (-40001, "why")
    with pytest.raises(WeixinkitError):
        raise err


def test_errors_carry_code_and_reason():
    with pytest.raises(WeixinkitError) as info:
        MessageCrypto(TOKEN, KEY, "wx1").decrypt("0" * 40, TS, NONCE, "abc")
    assert type(info.value) is WeixinkitError.InvalidSignature
    assert info.value.code == -40001
    assert "signature" in info.value.reason
    assert "-40001" in str(info.value)


def test_invalid_base64_buffer_and_ciphertext_codes():
    crypto = MessageCrypto(TOKEN, KEY, "wx1")

    def fail(encrypt):
        sig = weixinkit.msg_signature(TOKEN, TS, NONCE, encrypt)
        with pytest.raises(WeixinkitError) as info:
            crypto.decrypt(sig, TS, NONCE, encrypt)
        return info.value

    err = fail("not base64 at all!")
    assert isinstance(err, WeixinkitError.InvalidBase64) and err.code == -40010
    err = fail("")
    assert isinstance(err, WeixinkitError.InvalidCiphertext) and err.code == -40007


def test_key_must_be_43_base64_characters():
    for bad in ["", "short", KEY + "A", KEY[:-1] + "!"]:
        with pytest.raises(WeixinkitError.InvalidAesKey) as info:
            MessageCrypto(TOKEN, bad, "wx1")
        assert info.value.code == -40004


def test_secrets_never_appear_in_errors():
    token = "tok3n-S3CR3T-zq"
    key = "S3CR3Tkey0123456789abcdefghijklmnopqrstuvwx"
    assert len(key) == 43
    crypto = MessageCrypto(token, key, "wx1")
    other = MessageCrypto(token, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")
    sig, body = seal(other, PUSH)
    errors = []

    def collect(call, *args):
        with pytest.raises(WeixinkitError) as info:
            call(*args)
        errors.append(info.value)

    collect(crypto.decrypt_body, "0" * 40, TS, NONCE, body)                # signature
    collect(crypto.decrypt_body, sig, TS, NONCE, body)                     # wrong key
    collect(crypto.decrypt_body, sig, TS, NONCE, "<xml><nope/></xml>")     # envelope
    collect(MessageCrypto, token, key[:-1], "wx1")                         # key length
    collect(MessageCrypto, token, key[:-1] + "*", "wx1")                   # key alphabet
    collect(weixinkit.decode_aes_key, key[:-2])
    stale = MessageCrypto.with_options(
        token, key, CryptoOptions(receiver_id=ReceiverIdPolicy.EXACT("wx1"), max_clock_skew_secs=1)
    )
    sig2, body2 = seal(MessageCrypto(token, key, "wx2"), PUSH)
    collect(stale.decrypt_body, sig2, TS, NONCE, body2)                    # stale timestamp
    collect(crypto.decrypt_body, sig2, TS, NONCE, body2)                   # receiver id
    collect(with_policy(ReceiverIdPolicy.UNCHECKED(), token=token).encrypt_reply, "x", TS, NONCE)
    kinds = {type(e).__name__ for e in errors}
    assert {"InvalidSignature", "Parse", "InvalidAesKey", "StaleTimestamp",
            "ReceiverIdMismatch", "InvalidInput"} <= kinds
    for err in errors:
        shown = "\n".join([str(err), repr(err), err.reason, *map(str, err.args),
                           "".join(traceback.format_exception(type(err), err, err.__traceback__))])
        for secret in (token, key, key[:-1], key[:-2], key[:20]):
            assert secret not in shown, (type(err).__name__, shown)


# --- options ----------------------------------------------------------------------------------

def test_exact_policy_matches_the_plain_constructor():
    sig, body = seal(MessageCrypto(TOKEN, KEY, "wx1"), PUSH)
    assert with_policy(ReceiverIdPolicy.EXACT("wx1")).decrypt_body(sig, TS, NONCE, body) == PUSH
    assert MessageCrypto(TOKEN, KEY, "wx1").decrypt_body(sig, TS, NONCE, body) == PUSH
    with pytest.raises(WeixinkitError.ReceiverIdMismatch) as info:
        with_policy(ReceiverIdPolicy.EXACT("wx2")).decrypt_body(sig, TS, NONCE, body)
    assert info.value.code == -40005


def test_empty_exact_id_is_for_bots():
    bot = with_policy(ReceiverIdPolicy.EXACT(""))
    sig, body = seal(bot, PUSH)
    assert bot.decrypt_body(sig, TS, NONCE, body) == PUSH
    with pytest.raises(WeixinkitError.ReceiverIdMismatch):
        MessageCrypto(TOKEN, KEY, "wx1").decrypt_body(sig, TS, NONCE, body)


def test_any_of_accepts_each_listed_id_and_replies_with_the_first():
    suite = with_policy(ReceiverIdPolicy.ANY_OF(["ww-suite", "ww-corp"]))
    for sender_id in ("ww-suite", "ww-corp"):
        sig, body = seal(MessageCrypto(TOKEN, KEY, sender_id), PUSH)
        assert suite.decrypt_body(sig, TS, NONCE, body) == PUSH
    sig, body = seal(MessageCrypto(TOKEN, KEY, "ww-other"), PUSH)
    with pytest.raises(WeixinkitError.ReceiverIdMismatch) as info:
        suite.decrypt_body(sig, TS, NONCE, body)
    assert info.value.code == -40005

    sig, reply = seal(suite, "<xml>reply</xml>")
    assert MessageCrypto(TOKEN, KEY, "ww-suite").decrypt_body(sig, TS, NONCE, reply) == "<xml>reply</xml>"
    with pytest.raises(WeixinkitError.ReceiverIdMismatch):
        MessageCrypto(TOKEN, KEY, "ww-corp").decrypt_body(sig, TS, NONCE, reply)


def test_empty_any_of_is_rejected():
    with pytest.raises(WeixinkitError.InvalidInput) as info:
        with_policy(ReceiverIdPolicy.ANY_OF([]))
    assert info.value.code == -40005


def test_unchecked_accepts_any_id_but_cannot_encrypt():
    anyone = with_policy(ReceiverIdPolicy.UNCHECKED())
    for sender_id in ("wx1", "ww-corp", ""):
        sig, body = seal(MessageCrypto(TOKEN, KEY, sender_id), PUSH)
        assert anyone.decrypt_body(sig, TS, NONCE, body) == PUSH
    for encrypt in (anyone.encrypt_reply, anyone.encrypt_reply_json):
        with pytest.raises(WeixinkitError.InvalidInput) as info:
            encrypt("x", TS, NONCE)
        assert info.value.code == -40006


def test_policy_helpers():
    exact, any_of, unchecked = (ReceiverIdPolicy.EXACT("a"), ReceiverIdPolicy.ANY_OF(["a", "b"]),
                                ReceiverIdPolicy.UNCHECKED())
    assert exact.is_exact() and not exact.is_any_of() and exact.id == "a"
    assert any_of.is_any_of() and any_of.ids == ["a", "b"]
    assert unchecked.is_unchecked() and isinstance(unchecked, ReceiverIdPolicy)
    assert CryptoOptions(receiver_id=exact).max_clock_skew_secs is None


def test_clock_skew_window():
    window = with_policy(ReceiverIdPolicy.EXACT("wx1"), window=300)
    sender = MessageCrypto(TOKEN, KEY, "wx1")
    now = int(time.time())
    for ts in (str(now), str(now - 200), str(now + 200)):
        sig, body = seal(sender, PUSH, ts=ts)
        assert window.decrypt_body(sig, ts, NONCE, body) == PUSH
    for ts in (TS, str(now - 3600), str(now + 3600), "not-a-number"):
        sig, body = seal(sender, PUSH, ts=ts)
        with pytest.raises(WeixinkitError.StaleTimestamp) as info:
            window.decrypt_body(sig, ts, NONCE, body)
        assert info.value.code == -40001
        # Without a window the same push is accepted.
        assert sender.decrypt_body(sig, ts, NONCE, body) == PUSH
    # The signature is checked first.
    sig, body = seal(sender, PUSH)
    with pytest.raises(WeixinkitError.InvalidSignature):
        window.decrypt_body("f" * 40, TS, NONCE, body)


# --- envelopes ------------------------------------------------------------------------------

def test_json_envelope_out_and_in():
    crypto = MessageCrypto(TOKEN, KEY, "wx1")
    reply = crypto.encrypt_reply_json('{"MsgType":"text"}', TS, NONCE)
    doc = json.loads(reply)
    assert set(doc) == {"encrypt", "msgsignature", "timestamp", "nonce"}
    assert (doc["timestamp"], doc["nonce"]) == (TS, NONCE)
    assert doc["msgsignature"] == weixinkit.msg_signature(TOKEN, TS, NONCE, doc["encrypt"])
    assert crypto.decrypt(doc["msgsignature"], TS, NONCE, doc["encrypt"]) == '{"MsgType":"text"}'
    assert crypto.decrypt_body(doc["msgsignature"], TS, NONCE, reply) == '{"MsgType":"text"}'
    # "Encrypt" is accepted as the JSON key too.
    upper = json.dumps({"ToUserName": "wx1", "Encrypt": doc["encrypt"]})
    assert crypto.decrypt_body(doc["msgsignature"], TS, NONCE, upper) == '{"MsgType":"text"}'


def test_xml_envelope_out():
    crypto = MessageCrypto(TOKEN, KEY, "wx1")
    reply = crypto.encrypt_reply(PUSH, TS, NONCE)
    root = ET.fromstring(reply)
    assert [c.tag for c in root] == ["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]
    assert root.findtext("MsgSignature") == weixinkit.msg_signature(TOKEN, TS, NONCE, root.findtext("Encrypt"))
    # Two replies of the same message differ (fresh random prefix).
    assert field(crypto.encrypt_reply(PUSH, TS, NONCE), "Encrypt") != root.findtext("Encrypt")


@pytest.mark.parametrize("body", [
    "", "not xml", "<xml><ToUserName>wx</ToUserName></xml>", "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
    "<xml><Encrypt>abc", '{"tousername": "wx"}', "{broken",
])
def test_broken_envelopes_are_parse_errors(body):
    with pytest.raises(WeixinkitError.Parse) as info:
        MessageCrypto(TOKEN, KEY, "wx1").decrypt_body("0" * 40, TS, NONCE, body)
    assert info.value.code == -40002


def test_decrypt_message_perf_push(perf_push):
    p = perf_push
    crypto = MessageCrypto(p["token"], p["encoding_aes_key"], p["app_id"])
    message = crypto.decrypt_message(p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"])
    assert isinstance(message.event, Event.COMPONENT_VERIFY_TICKET)
    assert (message.event.app_id, message.event.create_time, message.event.ticket) == (
        p["app_id"], int(p["timestamp"]), p["ticket"])
    assert message.fields["InfoType"] == ["component_verify_ticket"]
    assert message == weixinkit.parse_message(p["plain_xml"])
    assert crypto.decrypt_body(p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"]) == p["plain_xml"]
    with pytest.raises(WeixinkitError.InvalidSignature):
        crypto.decrypt_message("0" * 40, p["timestamp"], p["nonce"], p["push_xml"])
    with pytest.raises(WeixinkitError.ReceiverIdMismatch):
        MessageCrypto(p["token"], p["encoding_aes_key"], "wx-other").decrypt_message(
            p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"])


def test_decrypt_message_of_a_json_push():
    crypto = MessageCrypto(TOKEN, KEY, "ww-corp")
    push = json.dumps({"ToUserName": "ww-corp", "FromUserName": "zhangsan", "CreateTime": 1700000000,
                       "MsgType": "text", "Content": "你好", "MsgId": 7})
    sig, body = seal(crypto, push)
    message = crypto.decrypt_message(sig, TS, NONCE, body)
    assert isinstance(message.event, Event.TEXT)
    assert (message.event.content, message.event.msg_id) == ("你好", "7")
    assert message.event.header.create_time == 1700000000


def test_shared_crypto_across_threads(perf_push):
    p = perf_push
    crypto = MessageCrypto(p["token"], p["encoding_aes_key"], p["app_id"])

    def work(_):
        return all(
            crypto.decrypt_message(p["msg_signature"], p["timestamp"], p["nonce"], p["push_xml"]).event.ticket
            == p["ticket"]
            for _ in range(200)
        )

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, range(8)))


# --- passive replies ------------------------------------------------------------------------

def test_text_reply_round_trips_through_parse_and_crypto():
    xml = weixinkit.text_reply("openid", "gh_1", 1700000000, "你好 ]]> <b>&amp;")
    message = weixinkit.parse_message(xml)
    assert isinstance(message.event, Event.TEXT)
    assert message.event.content == "你好 ]]> <b>&amp;"
    header = message.event.header
    assert (header.to_user_name, header.from_user_name, header.create_time) == ("openid", "gh_1", 1700000000)
    crypto = MessageCrypto(TOKEN, KEY, "wx1")
    sig, body = seal(crypto, xml)
    assert crypto.decrypt_message(sig, TS, NONCE, body) == message


def test_image_reply():
    xml = weixinkit.image_reply("openid", "gh_1", 1700000000, "MEDIA_ID")
    message = weixinkit.parse_message(xml)
    assert isinstance(message.event, Event.IMAGE)
    assert message.fields["MsgType"] == ["image"]
    assert message.fields["Image/MediaId"] == ["MEDIA_ID"]


def test_news_reply():
    articles = [
        Article(title=f"t{i}", description=f"d{i}", pic_url=f"https://p/{i}.png", url=f"https://u/{i}")
        for i in range(8)
    ]
    message = weixinkit.parse_message(weixinkit.news_reply("openid", "gh_1", 1700000000, articles[:2]))
    assert isinstance(message.event, Event.OTHER_MESSAGE) and message.event.msg_type == "news"
    assert message.fields["ArticleCount"] == ["2"]
    assert message.fields["Articles/item/Title"] == ["t0", "t1"]
    assert message.fields["Articles/item/PicUrl"] == ["https://p/0.png", "https://p/1.png"]
    assert message.fields["Articles/item/Url"] == ["https://u/0", "https://u/1"]
    eight = weixinkit.parse_message(weixinkit.news_reply("openid", "gh_1", 1, articles))
    assert eight.fields["Articles/item/Description"] == [f"d{i}" for i in range(8)]
    for bad in (articles + articles[:1], []):
        with pytest.raises(WeixinkitError.InvalidInput) as info:
            weixinkit.news_reply("openid", "gh_1", 1, bad)
        assert info.value.code == -40011


# --- typed events beyond the shared samples -------------------------------------------------

def user(body):
    return weixinkit.parse_message(
        "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
        f"<CreateTime>7</CreateTime>{body}</xml>"
    ).event


@pytest.mark.parametrize("info_type,cls", [("authorized", Event.AUTHORIZED),
                                           ("updateauthorized", Event.UPDATE_AUTHORIZED)])
def test_authorization_notices(info_type, cls):
    # The Open Platform doc sample with its closing tag fixed and a numeric expiry.
    event = weixinkit.parse_message(
        "<xml><AppId>wx-component</AppId><CreateTime>1413192760</CreateTime>"
        f"<InfoType>{info_type}</InfoType><AuthorizerAppid>wx-authorizer</AuthorizerAppid>"
        "<AuthorizationCode>code@@@x</AuthorizationCode>"
        "<AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime>"
        "<PreAuthCode>preauthcode@@@y</PreAuthCode></xml>"
    ).event
    assert isinstance(event, cls)
    n = event.notice
    assert isinstance(n, weixinkit.AuthorizationNotice)
    assert (n.app_id, n.create_time, n.authorizer_appid, n.authorization_code,
            n.authorization_code_expired_time, n.pre_auth_code) == (
        "wx-component", 1413192760, "wx-authorizer", "code@@@x", 1413196360, "preauthcode@@@y")


def test_platform_pushes():
    def info(body):
        return weixinkit.parse_message(f"<xml>{body}</xml>").event

    e = info("<SuiteId>s</SuiteId><InfoType>change_auth</InfoType><TimeStamp>9</TimeStamp>"
             "<AuthCorpId>c</AuthCorpId><State>st</State>")
    assert isinstance(e, Event.CHANGE_AUTH) and (e.suite_id, e.timestamp, e.auth_corp_id, e.state) == ("s", 9, "c", "st")
    e = info("<SuiteId>s</SuiteId><InfoType>cancel_auth</InfoType><TimeStamp>9</TimeStamp><AuthCorpId>c</AuthCorpId>")
    assert isinstance(e, Event.CANCEL_AUTH) and e.auth_corp_id == "c"
    e = info("<SuiteId>s</SuiteId><InfoType>change_contact</InfoType><TimeStamp>9</TimeStamp>"
             "<AuthCorpId>c</AuthCorpId><ChangeType>create_user</ChangeType>")
    assert isinstance(e, Event.CHANGE_CONTACT) and e.change_type == "create_user"
    e = info("<AppId>a</AppId><CreateTime>5</CreateTime><InfoType>notify_third_fasteregister</InfoType>"
             "<appid>wxnew</appid><status>0</status><auth_code>ac</auth_code><msg>OK</msg>")
    assert isinstance(e, Event.FAST_REGISTER) and (e.appid, e.status, e.auth_code, e.msg) == ("wxnew", 0, "ac", "OK")
    e = info("<InfoType>something_new</InfoType>")
    assert isinstance(e, Event.OTHER_INFO) and e.info_type == "something_new"


def test_user_messages_and_events():
    e = user("<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition>你好</Recognition>")
    assert isinstance(e, Event.VOICE) and (e.format, e.recognition) == ("amr", "你好")
    assert user("<MsgType>voice</MsgType><MediaId>m</MediaId>").recognition is None
    e = user("<MsgType>location</MsgType><Location_X>23.134</Location_X><Location_Y>113.358</Location_Y>"
             "<Scale>20</Scale><Label>here</Label><MsgId>1</MsgId>")
    assert isinstance(e, Event.LOCATION) and (e.location_x, e.location_y, e.scale, e.label) == (23.134, 113.358, 20, "here")
    e = user("<MsgType>link</MsgType><Title>t</Title><Description>d</Description><Url>u</Url>")
    assert isinstance(e, Event.LINK) and (e.title, e.url) == ("t", "u")
    assert isinstance(user("<MsgType>video</MsgType>"), Event.VIDEO)
    assert isinstance(user("<MsgType>shortvideo</MsgType>"), Event.SHORT_VIDEO)
    e = user("<MsgType>miniprogrampage</MsgType>")
    assert isinstance(e, Event.OTHER_MESSAGE) and e.msg_type == "miniprogrampage"
    e = user("<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_1</EventKey><Ticket>T</Ticket>")
    assert isinstance(e, Event.SUBSCRIBE) and (e.event_key, e.ticket) == ("qrscene_1", "T")
    assert isinstance(user("<MsgType>event</MsgType><Event>unsubscribe</Event>"), Event.UNSUBSCRIBE)
    e = user("<MsgType>event</MsgType><Event>SCAN</Event><EventKey>1</EventKey><Ticket>T</Ticket>")
    assert isinstance(e, Event.SCAN) and e.event_key == "1"
    e = user("<MsgType>event</MsgType><Event>LOCATION</Event><Latitude>1.5</Latitude><Longitude>2.5</Longitude>"
             "<Precision>3.5</Precision>")
    assert isinstance(e, Event.LOCATION_REPORT) and (e.latitude, e.longitude, e.precision) == (1.5, 2.5, 3.5)
    e = user("<MsgType>event</MsgType><Event>CLICK</Event><EventKey>K</EventKey>")
    assert isinstance(e, Event.CLICK) and e.event_key == "K"
    e = user("<MsgType>event</MsgType><Event>VIEW</Event><EventKey>https://x</EventKey><MenuId>9</MenuId>")
    assert isinstance(e, Event.VIEW) and (e.url, e.menu_id) == ("https://x", "9")
    e = user("<MsgType>event</MsgType><Event>kf_msg_or_event</Event>")
    assert isinstance(e, Event.OTHER_EVENT) and e.event == "kf_msg_or_event"
    assert isinstance(e.header, weixinkit.MessageHeader) and e.header.from_user_name == "o1"


@pytest.mark.parametrize("doc", [
    "", "<xml><A>1</A></xml>", "<xml><InfoType>suite_ticket</InfoType></xml>",
    "<xml><MsgType>text</MsgType></xml>", "[1]", '{"MsgType": }',
    "<xml><InfoType>component_verify_ticket</InfoType><AppId>a</AppId><CreateTime>1</CreateTime>"
    "</xml>",
])
def test_unusable_messages_are_parse_errors(doc):
    with pytest.raises(WeixinkitError.Parse) as info:
        weixinkit.parse_message(doc)
    assert info.value.code == -40002


def test_a_malformed_number_no_lifecycle_step_needs_is_none_not_an_error():
    m = weixinkit.parse_message(
        "<xml><InfoType>component_verify_ticket</InfoType><AppId>a</AppId><CreateTime>soon</CreateTime>"
        "<ComponentVerifyTicket>t</ComponentVerifyTicket></xml>")
    assert isinstance(m.event, Event.COMPONENT_VERIFY_TICKET)
    assert (m.event.ticket, m.event.create_time) == ("t", None)
    assert m.fields["CreateTime"] == ["soon"]


def test_msg_signature_and_check_signature():
    sig = weixinkit.msg_signature("t", "1", "n", "enc")
    assert sig == hashlib.sha1("".join(sorted(["t", "1", "n", "enc"])).encode()).hexdigest()
    plain = hashlib.sha1("".join(sorted(["t", "1", "n"])).encode()).hexdigest()
    assert weixinkit.check_signature("t", plain, "1", "n") is True
    assert weixinkit.check_signature("t", plain.upper(), "1", "n") is False
    assert weixinkit.check_signature("t", "0" * 40, "1", "n") is False
    assert weixinkit.check_signature("t", plain, "2", "n") is False
