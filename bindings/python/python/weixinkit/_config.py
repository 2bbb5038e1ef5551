"""Configuration records of the token engine, mirroring the JSON record every language shares.

``OfficialAccountConfig(...).to_json()`` is exactly the record the Rust core parses
(``OfficialAccountConfig::from_json``): options left at ``None`` are omitted, so the core's
defaults apply (the defaults are listed on each field). Secrets (the AppSecret, the push Token,
the EncodingAESKey, a Redis password) never appear in a ``repr``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal, Optional, Protocol, Sequence, Union, runtime_checkable

__all__ = [
    "ComponentConfig",
    "FileStore",
    "HttpOptions",
    "MemoryStore",
    "OfficialAccountConfig",
    "RedisStore",
    "RetryPolicy",
    "TokenEndpoint",
    "TokenOptions",
    "WebsiteAppConfig",
]

#: ``"token"`` (``GET cgi-bin/token``; every fetch mints a new token, the default) or
#: ``"stable"`` (``POST cgi-bin/stable_token``; repeated fetches return the same token).
TokenEndpoint = Literal["token", "stable"]


def _record(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON object for a dataclass: ``None`` fields left out, nested records converted."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is None or f.name in skip:
            continue
        if is_dataclass(value):
            value = value.to_dict()  # type: ignore[union-attr]
        elif isinstance(value, (list, tuple)):
            value = list(value)
        out[f.name] = value
    return out


def redact_url(url: str) -> str:
    """``redis://user:secret@host`` → ``redis://user:***@host`` (as the core prints it)."""
    scheme = url.find("://")
    at = url.rfind("@")
    if scheme < 0 or at <= scheme:
        return url
    user = url[scheme + 3:at].split(":", 1)[0]
    return f"{url[:scheme + 3]}{user}:***{url[at:]}"


@dataclass(kw_only=True)
class RetryPolicy:
    """Bounded retry for failures a retry can fix: transport errors and timeouts, the HTTP
    ``statuses`` listed, and ``errcode`` -1 (system busy). Quota (45009), permission and every
    other ``errcode`` are never retried. ``None`` keeps the core's default (shown)."""

    #: Retries after the first attempt; 0 disables retrying. Default 2.
    max_retries: Optional[int] = None
    #: Delay before the first retry, in milliseconds. Default 200.
    delay_ms: Optional[int] = None
    #: Each further retry waits this many times longer. Default 2.0.
    multiplier: Optional[float] = None
    #: Up to this fraction of the delay is added at random (0.0–1.0). Default 0.0.
    jitter: Optional[float] = None
    #: HTTP statuses that are retried. Default [429, 500, 502, 503, 504].
    statuses: Optional[Sequence[int]] = None
    #: No retry starts after this many milliseconds since the first attempt (0: none).
    #: Default 15000.
    deadline_ms: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this record, unset fields left out."""
        return _record(self)


@dataclass(kw_only=True)
class HttpOptions:
    """HTTP options. ``None`` keeps the core's default (shown)."""

    #: Per-attempt timeout in milliseconds (connect + request + body). Default 5000.
    timeout_ms: Optional[int] = None
    #: Base URI of ``api.weixin.qq.com``; tests point it at a local server.
    #: Default ``"https://api.weixin.qq.com"``.
    api_base_uri: Optional[str] = None
    #: Base URI of WeCom's ``qyapi.weixin.qq.com``. Default ``"https://qyapi.weixin.qq.com"``.
    work_base_uri: Optional[str] = None
    #: Retry policy. Default ``RetryPolicy()``.
    retry: Optional[RetryPolicy] = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this record, unset fields left out."""
        return _record(self)


@dataclass(kw_only=True)
class TokenOptions:
    """How the token manager behaves. ``None`` keeps the core's default (shown)."""

    #: A cached token is used only if it expires more than this many seconds from now
    #: (at most half the token's lifetime). Default 300.
    refresh_margin_secs: Optional[int] = None
    #: Central-control mode: never fetch, only read what another process stored, waiting up
    #: to ``lock_wait_ms`` for it. Default False.
    read_only: Optional[bool] = None
    #: How long the cross-process refresh lock lives if its holder dies (Redis, memory and
    #: host stores; the file store's lock dies with its process). Default 30000.
    lock_ttl_ms: Optional[int] = None
    #: How long a caller waits for another process's refresh before
    #: ``WeixinkitError.TokenUnavailable``. Default 20000.
    lock_wait_ms: Optional[int] = None
    #: Prefix of every store key (``{prefix}:{kind}:{owner}:{subject}``); ASCII letters,
    #: digits, ``_ - .``. Default ``"weixinkit"``.
    key_prefix: Optional[str] = None
    #: The near cache for shared stores (file, Redis, host): a token read from the store is
    #: served from this process's memory for at most this many milliseconds before the store
    #: is read again (a token error reads it at once); 0 reads the store on every call.
    #: Default 30000, well under WeChat's 5-minute overlap of an old and a new token.
    local_max_age_ms: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this record, unset fields left out."""
        return _record(self)


@dataclass(kw_only=True)
class CallbackOptions:
    """How a callback handler (``Component.handle_callback``, ``Suite.handle_callback``,
    ``OfficialAccount.handle_message``) treats the pushes it receives. ``None`` keeps the
    core's default (shown)."""

    #: The replay window in seconds; 0 turns it off. When on, a push whose timestamp is
    #: further than this from now is refused (403), and so is one whose ``(timestamp, nonce,
    #: msg_signature)`` (an Official Account's ``signature``) was already accepted
    #: within the window (409), across every process sharing the store. URL verification
    #: (GET) is never recorded. Default 0 (off).
    replay_window_seconds: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this record, unset fields left out."""
        return _record(self)


@dataclass(frozen=True)
class MemoryStore:
    """Tokens kept in this process only (tests, single-process programs)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"type": "memory"}``."""
        return {"type": "memory"}


@dataclass(frozen=True)
class FileStore:
    """Tokens in a directory shared by the processes of one machine (the core's default store,
    at ``$WEIXINKIT_STORE_DIR`` or ``<tmp>/weixinkit``). One file per key, replaced atomically;
    the refresh lock is an ``flock`` the OS releases when its process dies."""

    #: The directory (created with mode 0700 if missing).
    dir: Union[str, "os.PathLike[str]"]

    def to_dict(self) -> dict[str, Any]:
        """``{"type": "file", "dir": …}``."""
        return {"type": "file", "dir": os.fspath(self.dir)}


@dataclass(frozen=True)
class RedisStore:
    """Tokens in a Redis server shared by a fleet: plain string values with TTLs, the refresh
    lock a ``SET NX PX`` key with a fencing value. The URL's password never appears in a
    ``repr`` or an error message."""

    #: ``redis://[:password@]host:port[/db]``.
    url: str = field(repr=False)

    def __repr__(self) -> str:
        return f"RedisStore(url={redact_url(self.url)!r})"

    __str__ = __repr__

    def to_dict(self) -> dict[str, Any]:
        """``{"type": "redis", "url": …}``."""
        return {"type": "redis", "url": self.url}


_HOST_METHODS = ("get", "set", "delete", "try_lock", "unlock")


@runtime_checkable
class StoreLike(Protocol):
    """What a host store provides (see ``weixinkit.HostStore`` for the contract)."""

    def get(self, key: str) -> Optional[str]: ...

    def set(self, key: str, value: str, ttl_ms: Optional[int]) -> None: ...

    def delete(self, key: str) -> None: ...

    def try_lock(self, lock_key: str, ttl_ms: int) -> Optional[str]: ...

    def unlock(self, lock_key: str, fence: str) -> None: ...


_BUILTIN_STORES = (MemoryStore, FileStore, RedisStore)

#: What ``store=`` accepts.
StoreOption = Union[MemoryStore, FileStore, RedisStore, StoreLike, None]


def _check_store(owner: str, store: Any) -> None:
    if store is not None and not isinstance(store, _BUILTIN_STORES):
        missing = [m for m in _HOST_METHODS if not callable(getattr(store, m, None))]
        if missing:
            raise TypeError(
                f"{owner}.store must be MemoryStore(), FileStore(dir), "
                f"RedisStore(url) or a host store; {type(store).__name__} lacks "
                + ", ".join(missing)
            )


def _check_options(owner: str, config: Any) -> None:
    for name, cls in (("http", HttpOptions), ("tokens", TokenOptions),
                      ("callback", CallbackOptions)):
        if not hasattr(config, name):
            continue
        value = getattr(config, name)
        if value is not None and not isinstance(value, cls):
            raise TypeError(f"{owner}.{name} must be a {cls.__name__} or None")


class _Record:
    """What every client configuration shares: its JSON record, the one every binding's core
    parses. It holds secrets: do not log it."""

    def to_dict(self) -> dict[str, Any]:
        """The shared JSON record as a ``dict`` (unset options left out). It holds secrets: do
        not log it."""
        return _record(self)

    def to_json(self) -> str:
        """The shared JSON record, as every binding's core parses it. Holds secrets."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


class _StoredRecord(_Record):
    """A client configuration with a ``store``: a host store object is not part of the JSON
    record."""

    store: StoreOption

    @property
    def host_store(self) -> Optional[StoreLike]:
        """The host store object, when ``store`` is one (it is not part of the JSON record)."""
        store = self.store
        return None if store is None or isinstance(store, _BUILTIN_STORES) else store

    def to_dict(self) -> dict[str, Any]:
        """The shared JSON record as a ``dict`` (unset options and host stores left out). It
        holds secrets: do not log it."""
        return _record(self, skip=("store",) if self.host_store is not None else ())


@dataclass
class OfficialAccountConfig(_StoredRecord):
    """An Official Account (or mini program) with its own AppSecret.

    ``store`` is ``MemoryStore()``, ``FileStore(dir)``, ``RedisStore(url)`` or a host store
    object (a ``weixinkit.HostStore``, or anything with its five methods); ``None`` uses the
    core's default file store. Options left at ``None`` take the core's defaults.

    >>> c = OfficialAccountConfig("wx123", "s3cret", store=RedisStore("redis://:pw@h:6379/0"))
    >>> "s3cret" in repr(c) or "pw@" in repr(c)
    False
    """

    #: The AppID (``wx…``).
    app_id: str
    #: The AppSecret.
    secret: str = field(repr=False)
    #: The server-configuration Token (for pushes), if used.
    token: Optional[str] = field(default=None, repr=False, kw_only=True)
    #: The EncodingAESKey (for encrypted pushes), if used.
    encoding_aes_key: Optional[str] = field(default=None, repr=False, kw_only=True)
    #: Which endpoint mints the access token; ``None`` means ``"token"``.
    token_endpoint: Optional[TokenEndpoint] = field(default=None, kw_only=True)
    #: HTTP options.
    http: Optional[HttpOptions] = field(default=None, kw_only=True)
    #: Token manager options.
    tokens: Optional[TokenOptions] = field(default=None, kw_only=True)
    #: Where tokens are cached.
    store: Union[MemoryStore, FileStore, RedisStore, StoreLike, None] = field(
        default=None, kw_only=True
    )
    #: Server URL options (the replay window of pushed messages).
    callback: Optional[CallbackOptions] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("app_id", "secret"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"OfficialAccountConfig.{name} must be a str")
        _check_options("OfficialAccountConfig", self)
        _check_store("OfficialAccountConfig", self.store)

    def __repr__(self) -> str:
        def hidden(v: Optional[str]) -> Optional[str]:
            return None if v is None else "***"

        return (
            f"OfficialAccountConfig(app_id={self.app_id!r}, secret='***', "
            f"token={hidden(self.token)!r}, encoding_aes_key={hidden(self.encoding_aes_key)!r}, "
            f"token_endpoint={self.token_endpoint!r}, http={self.http!r}, "
            f"tokens={self.tokens!r}, store={self.store!r}, callback={self.callback!r})"
        )

    __str__ = __repr__


@dataclass
class ComponentConfig(_StoredRecord):
    """An Open Platform third-party platform (开放平台第三方平台): its AppID and AppSecret, and
    the Token and EncodingAESKey of its authorization event URL (授权事件接收URL).

    ``to_json()`` is the record the core parses (``ComponentConfig::from_json``):
    ``{"component_app_id", "component_secret", "token", "encoding_aes_key", "http", "tokens",
    "store"}``, with the same ``http``, ``tokens`` and ``store`` records as
    ``OfficialAccountConfig``. ``store=None`` uses the core's default file store: the pushed
    ticket and the authorizers' refresh tokens are durable there, so give production a
    ``FileStore`` or ``RedisStore`` that survives restarts, never ``MemoryStore()``.

    >>> c = ComponentConfig("wxcomponent", "s3cret", "tok3n", "k" * 43)
    >>> any(secret in repr(c) for secret in ("s3cret", "tok3n", "kkkk"))
    False
    """

    #: The platform's AppID.
    component_app_id: str
    #: The platform's AppSecret.
    component_secret: str = field(repr=False)
    #: The message-check Token of the authorization event URL.
    token: str = field(repr=False)
    #: The EncodingAESKey of the authorization event URL (43 characters).
    encoding_aes_key: str = field(repr=False)
    #: HTTP options.
    http: Optional[HttpOptions] = field(default=None, kw_only=True)
    #: Token manager options.
    tokens: Optional[TokenOptions] = field(default=None, kw_only=True)
    #: Where the ticket, the refresh tokens and the access tokens are kept.
    store: StoreOption = field(default=None, kw_only=True)
    #: Callback handler options (the replay window).
    callback: Optional[CallbackOptions] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("component_app_id", "component_secret", "token", "encoding_aes_key"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"ComponentConfig.{name} must be a str")
        _check_options("ComponentConfig", self)
        _check_store("ComponentConfig", self.store)

    def __repr__(self) -> str:
        return (
            f"ComponentConfig(component_app_id={self.component_app_id!r}, "
            "component_secret='***', token='***', encoding_aes_key='***', "
            f"http={self.http!r}, tokens={self.tokens!r}, store={self.store!r}, "
            f"callback={self.callback!r})"
        )

    __str__ = __repr__


@dataclass
class ProviderConfig(_StoredRecord):
    """A WeCom service provider (服务商): its corp id and provider secret.

    ``to_json()`` is the record the core parses (``wecom::ProviderConfig::from_json``):
    ``{"corp_id", "provider_secret", "http", "tokens", "store"}``; ``http.work_base_uri``
    (default ``https://qyapi.weixin.qq.com``) is where the calls go.

    >>> "s3cret" in repr(ProviderConfig("wwprovider", "s3cret"))
    False
    """

    #: The provider's corp id.
    corp_id: str
    #: The provider secret.
    provider_secret: str = field(repr=False)
    #: HTTP options.
    http: Optional[HttpOptions] = field(default=None, kw_only=True)
    #: Token manager options.
    tokens: Optional[TokenOptions] = field(default=None, kw_only=True)
    #: Where the provider token is kept.
    store: StoreOption = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("corp_id", "provider_secret"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"ProviderConfig.{name} must be a str")
        _check_options("ProviderConfig", self)
        _check_store("ProviderConfig", self.store)

    def __repr__(self) -> str:
        return (
            f"ProviderConfig(corp_id={self.corp_id!r}, provider_secret='***', "
            f"http={self.http!r}, tokens={self.tokens!r}, store={self.store!r})"
        )

    __str__ = __repr__


@dataclass
class SuiteConfig(_StoredRecord):
    """A WeCom third-party app (第三方应用, a "suite"): its id and secret, and the Token and
    EncodingAESKey of its data/command callback URL. URL verification accepts the suite id as
    the receiver id, and ``provider_corp_id`` too when given.

    ``to_json()`` is the record the core parses (``wecom::SuiteConfig::from_json``). The pushed
    ``suite_ticket`` and the corps' permanent codes are durable in the store: give production a
    ``FileStore`` or ``RedisStore``, never ``MemoryStore()``.

    >>> c = SuiteConfig("wwsuite", "s3cret", "tok3n", "k" * 43)
    >>> any(secret in repr(c) for secret in ("s3cret", "tok3n", "kkkk"))
    False
    """

    #: The suite id.
    suite_id: str
    #: The suite secret.
    suite_secret: str = field(repr=False)
    #: The callback URL's Token.
    token: str = field(repr=False)
    #: The callback URL's EncodingAESKey (43 characters).
    encoding_aes_key: str = field(repr=False)
    #: The provider's corp id, also accepted as the receiver id of URL verification.
    provider_corp_id: Optional[str] = field(default=None, kw_only=True)
    #: HTTP options.
    http: Optional[HttpOptions] = field(default=None, kw_only=True)
    #: Token manager options.
    tokens: Optional[TokenOptions] = field(default=None, kw_only=True)
    #: Where the ticket, the permanent codes and the tokens are kept.
    store: StoreOption = field(default=None, kw_only=True)
    #: Callback handler options (the replay window).
    callback: Optional[CallbackOptions] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("suite_id", "suite_secret", "token", "encoding_aes_key"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"SuiteConfig.{name} must be a str")
        if self.provider_corp_id is not None and not isinstance(self.provider_corp_id, str):
            raise TypeError("SuiteConfig.provider_corp_id must be a str or None")
        _check_options("SuiteConfig", self)
        _check_store("SuiteConfig", self.store)

    def __repr__(self) -> str:
        return (
            f"SuiteConfig(suite_id={self.suite_id!r}, suite_secret='***', token='***', "
            f"encoding_aes_key='***', provider_corp_id={self.provider_corp_id!r}, "
            f"http={self.http!r}, tokens={self.tokens!r}, store={self.store!r}, "
            f"callback={self.callback!r})"
        )

    __str__ = __repr__


@dataclass
class WorkAccountConfig(_StoredRecord):
    """A WeCom corp's own (self-built) app: the corp id and the app's secret
    (``cgi-bin/gettoken``).

    >>> "s3cret" in repr(WorkAccountConfig("wwcorp", "s3cret"))
    False
    """

    #: The corp id.
    corp_id: str
    #: The app's secret.
    corp_secret: str = field(repr=False)
    #: HTTP options.
    http: Optional[HttpOptions] = field(default=None, kw_only=True)
    #: Token manager options.
    tokens: Optional[TokenOptions] = field(default=None, kw_only=True)
    #: Where the token is kept.
    store: StoreOption = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("corp_id", "corp_secret"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"WorkAccountConfig.{name} must be a str")
        _check_options("WorkAccountConfig", self)
        _check_store("WorkAccountConfig", self.store)

    def __repr__(self) -> str:
        return (
            f"WorkAccountConfig(corp_id={self.corp_id!r}, corp_secret='***', "
            f"http={self.http!r}, tokens={self.tokens!r}, store={self.store!r})"
        )

    __str__ = __repr__


@dataclass
class WebsiteAppConfig(_Record):
    """An Open Platform website app ("log in with WeChat" on a PC site): its own AppID and
    AppSecret. It caches nothing, so it has no store.

    >>> "s3cret" in repr(WebsiteAppConfig("wxweb1", "s3cret"))
    False
    """

    #: The website app's AppID.
    app_id: str
    #: Its AppSecret.
    secret: str = field(repr=False)
    #: HTTP options.
    http: Optional[HttpOptions] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        for name in ("app_id", "secret"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"WebsiteAppConfig.{name} must be a str")
        if self.http is not None and not isinstance(self.http, HttpOptions):
            raise TypeError("WebsiteAppConfig.http must be a HttpOptions or None")

    def __repr__(self) -> str:
        return f"WebsiteAppConfig(app_id={self.app_id!r}, secret='***', http={self.http!r})"

    __str__ = __repr__
