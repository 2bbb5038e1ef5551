"""Every entry of the shared crypto.json, through the Python API."""

import xml.etree.ElementTree as ET

import pytest

import vectors
import weixinkit
from weixinkit import MessageCrypto, WeixinkitError

# reject_reason -> (exception class, WXBizMsgCrypt code)
REJECTIONS = {
    "signature_mismatch": (WeixinkitError.InvalidSignature, -40001),
    "receiver_id_mismatch": (WeixinkitError.ReceiverIdMismatch, -40005),
    "bad_padding": (WeixinkitError.InvalidPadding, -40008),
    "bad_length": (WeixinkitError.InvalidCiphertext, -40007),
    "bad_key": (WeixinkitError.InvalidAesKey, -40004),
}

HANDLED_KINDS = {"decrypt", "url_verify_wecom", "url_verify_mp", "encrypt", "key_decode"}


def crypto_for(v):
    return MessageCrypto(v["token"], v["encoding_aes_key"], v["receiver_id"])


def xml_text(xml, tag):
    node = ET.fromstring(xml).find(tag)
    assert node is not None, f"<{tag}> missing in {xml!r}"
    return node.text


def test_every_vector_kind_and_reason_is_covered():
    every = vectors.crypto()
    assert {v["kind"] for v in every} <= HANDLED_KINDS
    reasons = {v["reject_reason"] for v in every if v["expected_outcome"] == "reject"}
    assert reasons <= set(REJECTIONS)
    assert {v["expected_outcome"] for v in every} == {"accept", "reject"}


# --- accept -------------------------------------------------------------------------------

DECRYPT_ACCEPT = vectors.crypto({"decrypt"}, "accept")


@pytest.mark.parametrize("v", DECRYPT_ACCEPT, ids=vectors.ids(DECRYPT_ACCEPT))
def test_decrypt_accept(v):
    crypto = crypto_for(v)
    assert weixinkit.msg_signature(v["token"], v["timestamp"], v["nonce"], v["encrypt"]) == v["msg_signature"]
    assert crypto.decrypt(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"]) == v["plaintext"]


DECRYPT_BODY_ACCEPT = [v for v in DECRYPT_ACCEPT if v.get("post_body")]


@pytest.mark.parametrize("v", DECRYPT_BODY_ACCEPT, ids=vectors.ids(DECRYPT_BODY_ACCEPT))
def test_decrypt_body_accept(v):
    crypto = crypto_for(v)
    got = crypto.decrypt_body(v["msg_signature"], v["timestamp"], v["nonce"], v["post_body"])
    assert got == v["plaintext"]


def test_post_bodies_cover_xml_and_json_envelopes():
    firsts = {v["post_body"].lstrip()[0] for v in DECRYPT_BODY_ACCEPT}
    assert firsts == {"<", "{"}


URL_WECOM = vectors.crypto({"url_verify_wecom"}, "accept")


@pytest.mark.parametrize("v", URL_WECOM, ids=vectors.ids(URL_WECOM))
def test_verify_url_wecom(v):
    crypto = crypto_for(v)
    assert crypto.verify_url(v["msg_signature"], v["timestamp"], v["nonce"], v["echostr"]) == v["plaintext"]


URL_MP_ACCEPT = vectors.crypto({"url_verify_mp"}, "accept")


@pytest.mark.parametrize("v", URL_MP_ACCEPT, ids=vectors.ids(URL_MP_ACCEPT))
def test_check_signature_mp_accept(v):
    assert weixinkit.check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"]) is True
    # The server answers with echostr unchanged.
    assert v["echostr"] == v["plaintext"]


ENCRYPT = vectors.crypto({"encrypt"}, "accept")


@pytest.mark.parametrize("v", ENCRYPT, ids=vectors.ids(ENCRYPT))
def test_encrypt_vector_decrypts_with_derived_signature(v):
    crypto = crypto_for(v)
    sig = weixinkit.msg_signature(v["token"], v["timestamp"], v["nonce"], v["encrypt"])
    assert sig == v["derived_msg_signature"]
    assert crypto.decrypt(v["derived_msg_signature"], v["timestamp"], v["nonce"], v["encrypt"]) == v["plaintext"]


@pytest.mark.parametrize("v", ENCRYPT, ids=vectors.ids(ENCRYPT))
def test_encrypt_reply_round_trips(v):
    crypto = crypto_for(v)
    reply = crypto.encrypt_reply(v["plaintext"], v["timestamp"], v["nonce"])
    encrypt = xml_text(reply, "Encrypt")
    signature = xml_text(reply, "MsgSignature")
    assert xml_text(reply, "TimeStamp") == v["timestamp"]
    assert xml_text(reply, "Nonce") == v["nonce"]
    assert signature == weixinkit.msg_signature(v["token"], v["timestamp"], v["nonce"], encrypt)
    # A fresh random prefix each time: never the vector's fixed-prefix ciphertext.
    assert encrypt != v["encrypt"]
    assert crypto.decrypt_body(signature, v["timestamp"], v["nonce"], reply) == v["plaintext"]
    # Same length as the vector: 16 random bytes + 4 length bytes + message + receiver id,
    # padded to 32 bytes, so the ciphertext size is fixed.
    assert len(encrypt) == len(v["encrypt"])


KEYS = vectors.crypto({"key_decode"}, "accept")


@pytest.mark.parametrize("v", KEYS, ids=vectors.ids(KEYS))
def test_decode_aes_key(v):
    key = weixinkit.decode_aes_key(v["encoding_aes_key"])
    assert isinstance(key, bytes)
    assert key.hex() == v["aes_key_hex"]
    assert key[:16].hex() == v["iv_hex"]


# --- reject -------------------------------------------------------------------------------

def expected_rejection(v):
    cls, code = REJECTIONS[v["reject_reason"]]
    # The vector's expected_error names the WXBizMsgCrypt code(s) a good library may report.
    assert str(code) in v["expected_error"], (code, v["expected_error"])
    return cls, code


DECRYPT_REJECT = vectors.crypto({"decrypt"}, "reject")


@pytest.mark.parametrize("v", DECRYPT_REJECT, ids=vectors.ids(DECRYPT_REJECT))
def test_decrypt_reject(v):
    cls, code = expected_rejection(v)
    with pytest.raises(cls) as info:
        crypto_for(v).decrypt(v["msg_signature"], v["timestamp"], v["nonce"], v["encrypt"])
    assert info.value.code == code
    assert isinstance(info.value, WeixinkitError)
    assert info.value.reason


@pytest.mark.parametrize("v", DECRYPT_REJECT, ids=vectors.ids(DECRYPT_REJECT))
def test_decrypt_body_reject(v):
    # The same ciphertext inside an XML and a JSON envelope fails the same way.
    cls, code = expected_rejection(v)
    bodies = [
        f"<xml><ToUserName><![CDATA[{v['receiver_id']}]]></ToUserName>"
        f"<Encrypt><![CDATA[{v['encrypt']}]]></Encrypt></xml>",
        '{"tousername": "%s", "encrypt": "%s", "agentid": "1"}' % (v["receiver_id"], v["encrypt"]),
    ]
    for body in bodies:
        with pytest.raises(cls) as info:
            crypto_for(v).decrypt_body(v["msg_signature"], v["timestamp"], v["nonce"], body)
        assert info.value.code == code


BAD_KEYS = [v for v in DECRYPT_REJECT if v["reject_reason"] == "bad_key"]


@pytest.mark.parametrize("v", BAD_KEYS, ids=vectors.ids(BAD_KEYS))
def test_bad_key_is_rejected_at_construction_and_decode(v):
    with pytest.raises(WeixinkitError.InvalidAesKey) as info:
        MessageCrypto(v["token"], v["encoding_aes_key"], v["receiver_id"])
    assert info.value.code == -40004
    with pytest.raises(WeixinkitError.InvalidAesKey) as info:
        weixinkit.decode_aes_key(v["encoding_aes_key"])
    assert info.value.code == -40004


URL_MP_REJECT = vectors.crypto({"url_verify_mp"}, "reject")


@pytest.mark.parametrize("v", URL_MP_REJECT, ids=vectors.ids(URL_MP_REJECT))
def test_check_signature_mp_reject(v):
    assert v["reject_reason"] == "signature_mismatch"
    assert weixinkit.check_signature(v["token"], v["signature"], v["timestamp"], v["nonce"]) is False


def test_every_crypto_vector_is_selected_by_some_test():
    selected = (
        DECRYPT_ACCEPT + URL_WECOM + URL_MP_ACCEPT + ENCRYPT + KEYS + DECRYPT_REJECT + URL_MP_REJECT
    )
    assert sorted(vectors.ids(selected)) == sorted(vectors.ids(vectors.crypto()))

