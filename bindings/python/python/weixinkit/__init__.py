"""WeChat / WeCom message crypto (WXBizMsgCrypt), typed push parsing, the token engine
(cached access tokens and tickets, refreshed once across threads, processes and machines) and
the Open Platform third-party platform lifecycle, in Rust.

The crypto API and the third-party platform's clients and records (``Authorizer``,
``Authorization``, ``CallbackResult``, …) live in the native extension ``weixinkit._native``
(PyO3; typed by ``_native.pyi``); the configuration records (``OfficialAccountConfig``,
``ComponentConfig``, ``HostStore``), the Official Account clients and the ``Component`` /
``AsyncComponent`` constructors that take them are thin Python layers over it. See the package
README.
"""

import re as _re
from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Optional

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
from ._native import Token, disable_logging, enable_logging, jssdk_signature
from ._account import AsyncOfficialAccount, AsyncWebsiteApp, OAuthState, OfficialAccount, WebsiteApp
from ._native import MiniProgramSession, OAuthUserInfo, UserAccessToken, UserInfo
from ._config import (
    CallbackOptions,
    ComponentConfig,
    FileStore,
    HttpOptions,
    MemoryStore,
    OfficialAccountConfig,
    ProviderConfig,
    RedisStore,
    RetryPolicy,
    SuiteConfig,
    TokenEndpoint,
    TokenOptions,
    WebsiteAppConfig,
    WorkAccountConfig,
)
from ._platform import (
    AsyncAuthorizer,
    AsyncComponent,
    Authorization,
    AuthorizationUrlOptions,
    Authorizer,
    AuthorizerList,
    AuthorizerListItem,
    CallbackResult,
    Component,
    PlatformToken,
    PreAuthCode,
)
from ._stores import HostStore
from ._wecom import (
    AsyncCorp,
    AsyncProvider,
    AsyncSuite,
    AsyncWorkAccount,
    Corp,
    PermanentCode,
    Provider,
    Suite,
    WorkAccount,
)

try:
    #: The package version: the crate's (maturin takes it from Cargo.toml).
    __version__: str = _metadata.version("weixinkit")
except _metadata.PackageNotFoundError:  # pragma: no cover - only when run uninstalled
    __version__ = "0+unknown"


class WeixinkitError(Exception):
    """Every failure weixinkit reports. `code` is the WXBizMsgCrypt code (-40001 … -40011)
    users know from Tencent's samples for crypto failures, WeChat's `errcode` for
    `WeixinkitError.Api`, and weixinkit's own -500xx for transport, store and configuration
    failures; `reason` says what failed. Secrets never appear here. The native module raises
    one of the subclasses (`WeixinkitError.InvalidSignature`, `WeixinkitError.Api`, …) and
    sets `kind`, `errcode`, `errmsg` and `endpoint` on it.
    """

    #: The failure's kind (``"api"``, ``"ticket"``, …), the same string in every language.
    kind: str = ""
    #: WeChat's ``errcode`` when WeChat refused the call, else ``None``.
    errcode: Optional[int]
    #: WeChat's ``errmsg`` (with its ``rid``) when WeChat refused the call, else ``None``.
    errmsg: Optional[str]
    #: The endpoint path an HTTP failure concerns (never its query), else ``None``.
    endpoint: Optional[str]

    def __init__(self, code: int, reason: str) -> None:
        super().__init__("code={!r}, reason={!r}".format(code, reason))
        self.code = code
        self.reason = reason
        self.errcode = None
        self.errmsg = None
        self.endpoint = None

    def __repr__(self) -> str:
        return "WeixinkitError.{}({})".format(type(self).__name__, self)

    if TYPE_CHECKING:
        # The subclasses below, made in a loop; spelled out for type checkers.
        InvalidAesKey: type["WeixinkitError"]
        InvalidSignature: type["WeixinkitError"]
        StaleTimestamp: type["WeixinkitError"]
        InvalidBase64: type["WeixinkitError"]
        InvalidCiphertext: type["WeixinkitError"]
        InvalidPadding: type["WeixinkitError"]
        InvalidBuffer: type["WeixinkitError"]
        ReceiverIdMismatch: type["WeixinkitError"]
        Parse: type["WeixinkitError"]
        InvalidInput: type["WeixinkitError"]
        Api: type["WeixinkitError"]
        Transport: type["WeixinkitError"]
        Timeout: type["WeixinkitError"]
        HttpStatus: type["WeixinkitError"]
        Decode: type["WeixinkitError"]
        Store: type["WeixinkitError"]
        Config: type["WeixinkitError"]
        TokenUnavailable: type["WeixinkitError"]
        Ticket: type["WeixinkitError"]
        ReauthorizationNeeded: type["WeixinkitError"]
        OauthCode: type["WeixinkitError"]
        Internal: type["WeixinkitError"]


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
    ("Api", "WeChat answered with a non-zero errcode; `code` is that errcode (40001, 45009, …) "
            "and `reason` names the endpoint and WeChat's errmsg."),
    ("Transport", "-50001: the request got no answer (connection refused or dropped, DNS, TLS)."),
    ("Timeout", "-50002: no answer within http.timeout_ms or the retry policy's deadline."),
    ("HttpStatus", "-50003: the server answered with an HTTP status that is not a success."),
    ("Decode", "-50004: the server answered 200 with a body that is not the JSON expected."),
    ("Store", "-50010: the token store failed (Redis down, directory not writable, host store "
              "raised or returned the wrong type)."),
    ("Config", "-50020: the configuration cannot be used (unknown field, empty app id or secret, "
               "bad base URI or Redis URL)."),
    ("TokenUnavailable", "-50030: no token in time: another process held the refresh lock past "
                         "tokens.lock_wait_ms, or this process only reads (tokens.read_only) and "
                         "nothing fresh is stored."),
    ("Ticket", "-50040 / 61005 / 61006 / 40085: the platform's component_verify_ticket (or a WeCom "
               "suite's suite_ticket) is missing, expired or invalid: wait for the next push or "
               "restart pushing."),
    ("ReauthorizationNeeded", "61023 / 61003 / 40084 / -50041: the authorizer must authorize the "
                              "platform again (dead refresh token, cancelled, or none stored), or "
                              "a WeCom corp must install the suite again (permanent code revoked "
                              "or none stored)."),
    ("OauthCode", "40163 / 42003 / 40029: a user's one-time code (OAuth code, website login "
                  "code, mini program js_code) was already used, expired or is invalid; never "
                  "retried: send the user through the authorization again. `errcode` is WeChat's."),
    ("Internal", "-50099: weixinkit itself failed (a bug to report), never the caller's input "
                 "or WeChat's answer."),
]

for _name, _doc in _VARIANTS:
    setattr(WeixinkitError, _name, type(_name, (WeixinkitError,), {
        "__doc__": _doc,
        # InvalidAesKey -> "invalid_aes_key", as the native module reports it.
        "kind": _re.sub(r"(?<!^)(?=[A-Z])", "_", _name).lower(),
        "__module__": __name__,
        "__qualname__": "WeixinkitError." + _name,
    }))
del _name, _doc, _VARIANTS

__all__ = [
    "Article",
    "AsyncAuthorizer",
    "AsyncComponent",
    "AsyncCorp",
    "AsyncOfficialAccount",
    "AsyncProvider",
    "AsyncSuite",
    "AsyncWebsiteApp",
    "AsyncWorkAccount",
    "Authorization",
    "AuthorizationNotice",
    "AuthorizationUrlOptions",
    "Authorizer",
    "AuthorizerList",
    "AuthorizerListItem",
    "CallbackResult",
    "Component",
    "CallbackOptions",
    "ComponentConfig",
    "Corp",
    "CryptoOptions",
    "Event",
    "FileStore",
    "HostStore",
    "HttpOptions",
    "MemoryStore",
    "Message",
    "MessageCrypto",
    "MessageHeader",
    "OfficialAccount",
    "OAuthState",
    "OAuthUserInfo",
    "MiniProgramSession",
    "UserAccessToken",
    "UserInfo",
    "OfficialAccountConfig",
    "PermanentCode",
    "PlatformToken",
    "PreAuthCode",
    "Provider",
    "ProviderConfig",
    "ReceiverIdPolicy",
    "RedisStore",
    "RetryPolicy",
    "Suite",
    "SuiteConfig",
    "Token",
    "TokenEndpoint",
    "TokenOptions",
    "WebsiteApp",
    "WebsiteAppConfig",
    "WeixinkitError",
    "WorkAccount",
    "WorkAccountConfig",
    "check_signature",
    "decode_aes_key",
    "disable_logging",
    "enable_logging",
    "image_reply",
    "jssdk_signature",
    "msg_signature",
    "news_reply",
    "parse_message",
    "text_reply",
]
