"""WeChat / WeCom message crypto (WXBizMsgCrypt) and typed push parsing, in Rust.

Everything but the exception classes lives in the native extension ``weixinkit._native``
(PyO3); see the package README for the API.
"""

from ._native import (
    Article,
    AuthorizationNotice,
    CryptoOptions,
    Event,
    Message,
    MessageCrypto,
    MessageHeader,
    ReceiverIdPolicy,
    check_signature,
    decode_aes_key,
    image_reply,
    msg_signature,
    news_reply,
    parse_message,
    text_reply,
)


class WeixinkitError(Exception):
    """Every failure weixinkit reports. `code` is the WXBizMsgCrypt code (-40001 … -40011)
    users know from Tencent's samples; `reason` says which check failed. Secrets never appear
    here. The native module raises one of the subclasses (`WeixinkitError.InvalidSignature`, …).
    """

    def __init__(self, code, reason):
        super().__init__("code={!r}, reason={!r}".format(code, reason))
        self.code = code
        self.reason = reason

    def __repr__(self):
        return "WeixinkitError.{}({})".format(type(self).__name__, self)


# (name, doc): one subclass per failed check, nested as WeixinkitError.<name>. The native
# module looks them up by these names (src/ffi/python.rs, ERROR_CLASSES).
_VARIANTS = [
    ("InvalidAesKey", "-40004: the EncodingAESKey is not 43 characters of base64 that decode to 32 bytes."),
    ("InvalidSignature", "-40001: msg_signature / signature does not match."),
    ("StaleTimestamp", "-40001: the timestamp lies outside the configured freshness window."),
    ("InvalidBase64", "-40010: the ciphertext is not valid base64."),
    ("InvalidCiphertext", "-40007: the ciphertext is empty or not a multiple of the 32-byte block."),
    ("InvalidPadding", "-40008: PKCS#7 padding is not 1..=32 bytes of the same value."),
    ("InvalidBuffer", "-40008: the decrypted buffer is too short, its length field does not fit, or it is not UTF-8."),
    ("ReceiverIdMismatch", "-40005: the receiver id after the message is not the configured appid / corpid / suite id."),
    ("Parse", "-40002: the envelope or the message is not well-formed XML/JSON, or lacks a required field."),
    ("InvalidInput", "-40006 / -40011 and argument errors: the input cannot be used as given."),
]

for _name, _doc in _VARIANTS:
    setattr(WeixinkitError, _name, type(_name, (WeixinkitError,), {
        "__doc__": _doc,
        "__module__": __name__,
        "__qualname__": "WeixinkitError." + _name,
    }))
del _name, _doc, _VARIANTS

__all__ = [
    "Article",
    "AuthorizationNotice",
    "CryptoOptions",
    "Event",
    "Message",
    "MessageCrypto",
    "MessageHeader",
    "ReceiverIdPolicy",
    "WeixinkitError",
    "check_signature",
    "decode_aes_key",
    "image_reply",
    "msg_signature",
    "news_reply",
    "parse_message",
    "text_reply",
]
