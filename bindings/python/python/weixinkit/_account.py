"""Official Account clients over the native token engine: blocking and asyncio."""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional, Tuple, Union

from . import _native
from ._config import OfficialAccountConfig, WebsiteAppConfig
from ._platform import _call_handler, _call_handler_async, _forget, _forget_async

__all__ = ["AsyncOfficialAccount", "AsyncWebsiteApp", "OAuthState", "OfficialAccount", "WebsiteApp"]

#: The ``state`` helper is the native class: ``OAuthState(key, ttl_secs=None)``,
#: ``.issue(session_value)``, ``.verify(state, session_value)``.
OAuthState = _native.OAuthState

#: What ``OfficialAccount(...)`` accepts: the dataclass, or the shared JSON record itself as a
#: ``dict`` or a JSON string (the same record the PHP and Kotlin bindings take).
ConfigLike = Union[OfficialAccountConfig, Mapping[str, Any], str]

#: Query parameters: a mapping or (name, value) pairs; values are str, int, float or bool.
Query = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]

def _config_json(config: ConfigLike) -> tuple[str, Any]:
    """The native constructor's arguments: the JSON record and the host store, if any."""
    if isinstance(config, OfficialAccountConfig):
        return config.to_json(), config.host_store
    if isinstance(config, Mapping):
        return json.dumps(dict(config), ensure_ascii=False), None
    if isinstance(config, str):
        return config, None
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


#: A reply to a user's message: a ``dict`` such as ``{"type": "text", "content": "hi"}``
#: (``image`` / ``voice`` with ``media_id``; ``video``; ``music``; ``news`` with
#: ``articles``; ``transfer_customer_service``), or a ``str`` for a text reply.
ReplyLike = Union[Mapping[str, Any], str]

#: A message handler: the typed ``Message`` in, a reply (or ``None`` for ``success``) out.
MessageHandler = Callable[[_native.Message], Optional[ReplyLike]]

#: A message handler of ``AsyncOfficialAccount.handle_message``: plain or coroutine function.
AsyncMessageHandler = Callable[
    [_native.Message], Union[Awaitable[Optional[ReplyLike]], Optional[ReplyLike]]
]


def _reply(reply: ReplyLike) -> dict[str, Any]:
    if isinstance(reply, str):
        return {"type": "text", "content": reply}
    if isinstance(reply, Mapping):
        return dict(reply)
    raise TypeError("a reply is a dict such as {'type': 'text', 'content': …} or a str")


def _query_strings(query: Any) -> list[tuple[str, str]]:
    if query is None:
        return []
    items = query.items() if isinstance(query, Mapping) else query
    return [(str(k), str(v)) for k, v in items]


class OfficialAccount(_native.OfficialAccount):
    """An Official Account (or mini program) client; blocking calls that release the GIL.

    Thread-safe: share one per account. Tokens are cached in the configured store and fetched
    once for every thread, process and machine sharing it. Errors are ``WeixinkitError``
    subclasses (``Api`` with WeChat's ``errcode`` as ``code``, ``OauthCode`` for a used or
    expired user code, ``Transport``, ``Timeout``, ``HttpStatus``, ``Decode``, ``Store``,
    ``Config``, ``TokenUnavailable``, ``InvalidInput``).

    The operations are the native class's, one per row of the core's endpoint table
    (``oauth_url``, ``oauth_access_token``, ``user_info``, ``jscode2session``, …). Do not call
    it from a coroutine (it would block the event loop): use ``AsyncOfficialAccount`` there.
    """

    __slots__ = ()

    def __new__(cls, config: ConfigLike) -> "OfficialAccount":
        """``config``: an ``OfficialAccountConfig``, or the shared JSON record (``dict`` or
        ``str``). Raises ``WeixinkitError.Config`` for an unusable configuration (unknown
        field, empty app id or secret, bad base URI or Redis URL, …)."""
        return super().__new__(cls, *_config_json(config))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self.app_id!r})"

    def get(self, path: str, query: Query = None) -> dict[str, Any]:
        """``GET path?query&access_token=…`` on the API host; WeChat's JSON answer as a
        ``dict``. A token error (40001, 40014, 42001) refreshes the token and retries once.
        Query values may be str, int, float or bool (sent as ``true`` / ``false``)."""
        return super().get(path, _pairs(query))

    def handle_message(
        self,
        method: str,
        query: Any,
        body: Union[str, bytes, None],
        handler: Optional[MessageHandler] = None,
    ) -> _native.CallbackResponse:
        """Handle a request to the account's server URL, from any web framework: GET checks
        ``signature`` and answers ``echostr``; POST checks the signature, decrypts when
        ``encrypt_type=aes`` and parses the message; on status 200, ``handler(message)`` may
        return a reply, which becomes the body (encrypted when the request was); otherwise the
        body is ``success``. Forged requests answer 403 and never reach the handler. With
        ``callback=CallbackOptions(replay_window_seconds=…)`` in the configuration, a POST
        outside the window answers 403 and one already received within it 409 (every process
        sharing the store agrees); when the handler raises, or its reply cannot be built, the
        message is forgotten before the error propagates, so that WeChat's retry is handled
        rather than refused. A coroutine handler is a ``TypeError`` (use
        ``AsyncOfficialAccount``)."""
        pairs = _query_strings(query)
        result = super().handle_message(method, pairs, "" if body is None else body)
        if handler is None or not result.ok or result.message is None or result.plaintext is None:
            return result
        reply = _call_handler(self, pairs, handler, result.message, "AsyncOfficialAccount.handle_message")
        if reply is None:
            return result
        try:
            return result.with_body(super().reply_body(pairs, result.plaintext, _reply(reply)))
        except BaseException as error:
            _forget(self, pairs, error)
            raise


class AsyncOfficialAccount(_native.AsyncOfficialAccount):
    """``OfficialAccount`` for asyncio: the same methods, returning awaitables (``app_id``,
    ``oauth_url``, ``reply_body`` and ``keep_fresh`` do no network I/O and stay plain;
    ``handle_message`` is a coroutine, as its replay window may read the store).
    The I/O runs on weixinkit's own runtime, never on the event loop's thread; fifty tasks
    asking for a cold token cause one fetch."""

    __slots__ = ()

    def __new__(cls, config: ConfigLike) -> "AsyncOfficialAccount":
        """As ``OfficialAccount(config)``."""
        return super().__new__(cls, *_config_json(config))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self.app_id!r})"

    async def get(self, path: str, query: Query = None) -> dict[str, Any]:
        """See ``OfficialAccount.get``."""
        return await super().get(path, _pairs(query))

    async def handle_message(
        self,
        method: str,
        query: Any,
        body: Union[str, bytes, None],
        handler: Optional[AsyncMessageHandler] = None,
    ) -> _native.CallbackResponse:
        """See ``OfficialAccount.handle_message``; ``handler`` may be a coroutine function."""
        pairs = _query_strings(query)
        result = await super().handle_message(method, pairs, "" if body is None else body)
        if handler is None or not result.ok or result.message is None or result.plaintext is None:
            return result
        reply = await _call_handler_async(self, pairs, handler, result.message)
        if reply is None:
            return result
        try:
            return result.with_body(super().reply_body(pairs, result.plaintext, _reply(reply)))
        except BaseException as error:
            await _forget_async(self, pairs, error)
            raise


#: What ``WebsiteApp(...)`` accepts: the dataclass, or the shared JSON record.
WebsiteConfigLike = Union[WebsiteAppConfig, Mapping[str, Any], str]


def _website_json(config: WebsiteConfigLike) -> str:
    if isinstance(config, WebsiteAppConfig):
        return config.to_json()
    if isinstance(config, Mapping):
        return json.dumps(dict(config), ensure_ascii=False)
    if isinstance(config, str):
        return config
    raise TypeError(
        "config must be a WebsiteAppConfig, a dict or a JSON string, not " + type(config).__name__
    )


class WebsiteApp(_native.WebsiteApp):
    """An Open Platform website app ("log in with WeChat" on a PC site): the QR login page
    (``qrconnect_url``), the code exchange (``oauth_access_token``; a used, expired or unknown
    code raises ``WeixinkitError.OauthCode``), ``oauth_refresh_token``, ``oauth_check`` and
    the user's profile (``oauth_user_info``). Blocking calls that release the GIL; use
    ``AsyncWebsiteApp`` from coroutines."""

    __slots__ = ()

    def __new__(cls, config: WebsiteConfigLike) -> "WebsiteApp":
        """``config``: a ``WebsiteAppConfig``, or the shared JSON record (``dict`` or ``str``).
        Raises ``WeixinkitError.Config`` for an unusable configuration."""
        return super().__new__(cls, _website_json(config))


class AsyncWebsiteApp(_native.AsyncWebsiteApp):
    """``WebsiteApp`` for asyncio: the same methods, returning awaitables (``app_id`` and
    ``qrconnect_url`` do no network I/O and stay plain)."""

    __slots__ = ()

    def __new__(cls, config: WebsiteConfigLike) -> "AsyncWebsiteApp":
        """As ``WebsiteApp(config)``."""
        return super().__new__(cls, _website_json(config))
