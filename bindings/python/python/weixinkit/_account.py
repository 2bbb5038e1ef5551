"""Official Account clients over the native token engine: blocking and asyncio."""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Tuple, Union, cast

from . import _native
from ._config import OfficialAccountConfig

__all__ = ["AsyncOfficialAccount", "OfficialAccount"]

#: What ``OfficialAccount(...)`` accepts: the dataclass, or the shared JSON record itself as a
#: ``dict`` or a JSON string (the same record the PHP and Kotlin bindings take).
ConfigLike = Union[OfficialAccountConfig, Mapping[str, Any], str]

#: Query parameters: a mapping or (name, value) pairs; values are str, int, float or bool.
Query = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]

_Token = _native.Token


def _open(config: ConfigLike) -> _native.OfficialAccount:
    if isinstance(config, OfficialAccountConfig):
        return _native.OfficialAccount(config.to_json(), config.host_store)
    if isinstance(config, Mapping):
        return _native.OfficialAccount(json.dumps(dict(config), ensure_ascii=False), None)
    if isinstance(config, str):
        return _native.OfficialAccount(config, None)
    raise TypeError(
        "config must be an OfficialAccountConfig, a dict or a JSON string, not "
        + type(config).__name__
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise TypeError(f"query values must be str, int, float or bool, not {type(value).__name__}")


def _pairs(query: Query) -> list[tuple[str, str]]:
    if not query:
        return []
    items = query.items() if isinstance(query, Mapping) else query
    return [(str(k), _text(v)) for k, v in items]


def _object(answer: str) -> dict[str, Any]:
    """WeChat's JSON answer (an object) as a ``dict``."""
    return cast("dict[str, Any]", json.loads(answer))


def _body(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class OfficialAccount:
    """An Official Account (or mini program) client; blocking calls that release the GIL.

    Thread-safe: share one per account. Tokens are cached in the configured store and fetched
    once for every thread, process and machine sharing it. Errors are ``WeixinkitError``
    subclasses (``Api`` with WeChat's ``errcode`` as ``code``, ``Transport``, ``Timeout``,
    ``HttpStatus``, ``Decode``, ``Store``, ``Config``, ``TokenUnavailable``, ``InvalidInput``).

    Do not call it from a coroutine (it would block the event loop): use
    ``AsyncOfficialAccount`` there.
    """

    __slots__ = ("_native",)

    def __init__(self, config: ConfigLike) -> None:
        """``config``: an ``OfficialAccountConfig``, or the shared JSON record (``dict`` or
        ``str``). Raises ``WeixinkitError.Config`` for an unusable configuration (unknown
        field, empty app id or secret, bad base URI or Redis URL, …)."""
        self._native = _open(config)

    @property
    def app_id(self) -> str:
        """The AppID."""
        return self._native.app_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self._native.app_id!r})"

    def access_token(self) -> _Token:
        """A fresh access token (``Token`` with ``value``, ``expires_at``, ``issued_at``):
        the cached one, or one fetched by exactly one caller while the others wait."""
        return self._native.access_token()

    def refresh_access_token(self) -> _Token:
        """Replace the cached access token now (e.g. after it leaked), unless another caller
        just did."""
        return self._native.refresh_access_token()

    def keep_fresh(self) -> _native.BackgroundRefresh:
        """Central-control mode, the refreshing side: keep the access token fresh from a
        background task (on weixinkit's own threads) until the returned handle's ``stop()``.
        Give this process a larger ``refresh_margin_secs`` than the readers, which run with
        ``TokenOptions(read_only=True)``."""
        return self._native.keep_fresh()

    def jsapi_ticket(self) -> _Token:
        """The JS-SDK ``jsapi_ticket``, cached like the access token."""
        return self._native.jsapi_ticket()

    def jssdk_config(self, url: str) -> dict[str, Any]:
        """What ``wx.config`` needs on the page at ``url``: ``{"app_id", "timestamp",
        "nonce_str", "signature", "url"}`` (the URL without its ``#`` fragment)."""
        return _object(self._native.jssdk_config(url))

    def get(self, path: str, query: Query = None) -> dict[str, Any]:
        """``GET path?query&access_token=…`` on the API host; WeChat's JSON answer as a
        ``dict``. A token error (40001, 40014, 42001) refreshes the token and retries once."""
        return _object(self._native.get(path, _pairs(query)))

    def post_json(self, path: str, body: Any) -> dict[str, Any]:
        """``POST path?access_token=…`` with ``body`` (anything ``json.dumps`` takes) as JSON;
        WeChat's answer as a ``dict``. Token errors are handled as in ``get``."""
        return _object(self._native.post_json(path, _body(body)))


class AsyncOfficialAccount:
    """``OfficialAccount`` for asyncio: the same methods, as coroutines.

    The I/O runs on weixinkit's own runtime, never on the event loop's thread; awaiting only
    waits for the result. Fifty tasks asking for a cold token cause one fetch.
    """

    __slots__ = ("_native",)

    def __init__(self, config: ConfigLike) -> None:
        """As ``OfficialAccount(config)``."""
        self._native = _open(config)

    @property
    def app_id(self) -> str:
        """The AppID."""
        return self._native.app_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self._native.app_id!r})"

    async def access_token(self) -> _Token:
        """See ``OfficialAccount.access_token``."""
        return await self._native.access_token_async()

    async def refresh_access_token(self) -> _Token:
        """See ``OfficialAccount.refresh_access_token``."""
        return await self._native.refresh_access_token_async()

    async def jsapi_ticket(self) -> _Token:
        """See ``OfficialAccount.jsapi_ticket``."""
        return await self._native.jsapi_ticket_async()

    async def jssdk_config(self, url: str) -> dict[str, Any]:
        """See ``OfficialAccount.jssdk_config``."""
        return _object(await self._native.jssdk_config_async(url))

    async def get(self, path: str, query: Query = None) -> dict[str, Any]:
        """See ``OfficialAccount.get``."""
        return _object(await self._native.get_async(path, _pairs(query)))

    async def post_json(self, path: str, body: Any) -> dict[str, Any]:
        """See ``OfficialAccount.post_json``."""
        return _object(await self._native.post_json_async(path, _body(body)))
