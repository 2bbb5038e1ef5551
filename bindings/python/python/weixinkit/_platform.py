"""Open Platform third-party platform clients: blocking and asyncio.

The operations are the native classes' own typed methods (``weixinkit._native.Component`` /
``AsyncComponent``, one per row of the core's endpoint table); the classes here only add the
configuration forms of the ``weixinkit`` package and the push handler of ``handle_callback``.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._config import ComponentConfig, StoreLike

__all__ = [
    "AsyncAuthorizer",
    "AsyncComponent",
    "Authorization",
    "AuthorizationUrlOptions",
    "Authorizer",
    "AuthorizerList",
    "AuthorizerListItem",
    "CallbackResult",
    "Component",
    "PlatformToken",
    "PreAuthCode",
]

#: What ``Component(...)`` accepts: the dataclass, or the shared JSON record itself as a
#: ``dict`` or a JSON string (the same record the PHP and Kotlin bindings take).
ComponentConfigLike = Union[ComponentConfig, Mapping[str, Any], str]

#: The query of a request to the authorization event URL: a mapping (Flask's ``request.args``,
#: Django's ``request.GET``, a ``dict``) or (name, value) pairs.
CallbackQuery = Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]

#: A push handler: called with the typed ``Message`` of every push answered 200.
Handler = Callable[[_native.Message], Any]

#: A push handler of ``AsyncComponent.handle_callback``: a plain or a coroutine function.
AsyncHandler = Callable[[_native.Message], Union[Awaitable[Any], Any]]

def _rereadable(query: Any) -> Any:
    """The query, readable twice (to handle the push, then to forget it if the handler
    raises): an iterable of pairs becomes a list."""
    return query if query is None or isinstance(query, (Mapping, str)) else list(query)


def _note(error: BaseException, failure: Exception) -> None:
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(
            f"weixinkit could not forget the push ({failure}): WeChat's retry is refused as a "
            "replay until the window ends"
        )


def _forget(client: Any, query: Any, error: BaseException) -> None:
    """Handling a push answered 200 failed here: forget it in the replay window, so that
    WeChat's retry is handled rather than refused as a replay (409). ``error`` is what
    propagates; a failure to forget is noted on it."""
    try:
        client.forget_push(query)
    except Exception as failure:
        _note(error, failure)


async def _forget_async(client: Any, query: Any, error: BaseException) -> None:
    """``_forget`` for the asyncio clients."""
    try:
        await client.forget_push(query)
    except Exception as failure:
        _note(error, failure)


def _call_handler(client: Any, query: Any, handler: Handler, message: Any, use: str) -> Any:
    """``handler(message)`` for a push answered 200; what it returns. A coroutine handler is a
    ``TypeError`` naming ``use`` instead. Whatever it raises propagates, and the push is
    forgotten first."""
    try:
        outcome = handler(message)
        if inspect.isawaitable(outcome):
            if inspect.iscoroutine(outcome):
                outcome.close()
            raise TypeError(f"the handler returned an awaitable: use {use} for coroutine handlers")
        return outcome
    except BaseException as error:
        _forget(client, query, error)
        raise


async def _call_handler_async(client: Any, query: Any, handler: AsyncHandler, message: Any) -> Any:
    """``_call_handler`` for the asyncio clients: a coroutine handler is awaited."""
    try:
        outcome = handler(message)
        return await outcome if inspect.isawaitable(outcome) else outcome
    except BaseException as error:
        await _forget_async(client, query, error)
        raise


# The records are the native classes: read-only attributes, tokens hidden from their repr.
Authorization = _native.Authorization
PreAuthCode = _native.PreAuthCode
AuthorizerList = _native.AuthorizerList
AuthorizerListItem = _native.AuthorizerListItem
Authorizer = _native.Authorizer
AsyncAuthorizer = _native.AsyncAuthorizer
#: What ``handle_callback`` answers: ``status``, ``body``, ``message``, ``plaintext``, ``ok``;
#: unpacks as ``status, body, message = …``.
CallbackResult = _native.CallbackResponse
#: The component's and the authorizers' access tokens are ``Token`` records.
PlatformToken = _native.Token


@dataclass(frozen=True, kw_only=True)
class AuthorizationUrlOptions:
    """Options of an authorization link (a ``dict`` of the same fields works too)."""

    #: 1: Official Accounts only, 2: mini programs only, 3: both (WeChat's default).
    auth_type: Optional[int] = None
    #: Only this account may authorize (excludes ``auth_type``).
    biz_appid: Optional[str] = None
    #: Permission-set ids to request (``category_id_list=1|2``).
    category_id_list: Sequence[int] = ()
    #: The H5 page opened inside WeChat (``bindcomponent``) instead of the PC QR-code page.
    mobile: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of these options, unset ones left out."""
        out: dict[str, Any] = {}
        if self.auth_type is not None:
            out["auth_type"] = self.auth_type
        if self.biz_appid is not None:
            out["biz_appid"] = self.biz_appid
        if self.category_id_list:
            out["category_id_list"] = list(self.category_id_list)
        if self.mobile:
            out["mobile"] = True
        return out


def _native_args(
    config: ComponentConfigLike, store: Optional[StoreLike]
) -> tuple[str, Optional[StoreLike]]:
    """The native constructor's arguments: the JSON record and the host store, if any."""
    if isinstance(config, ComponentConfig):
        if store is not None and config.host_store is not None:
            raise TypeError("the host store is given twice: in the ComponentConfig and as store=")
        return config.to_json(), store if store is not None else config.host_store
    if isinstance(config, Mapping):
        return json.dumps(dict(config), ensure_ascii=False), store
    if isinstance(config, str):
        return config, store
    raise TypeError(
        "config must be a ComponentConfig, a dict or a JSON string, not " + type(config).__name__
    )


class Component(_native.Component):
    """An Open Platform third-party platform; blocking calls that release the GIL.

    Thread-safe: build one per platform and share it. The pushed ``component_verify_ticket``
    and every authorizer's refresh token are kept durably in the configured store; the
    component token and the authorizers' access tokens are cached there and fetched once for
    every thread, process and machine sharing it. Errors are ``WeixinkitError`` subclasses.
    Do not call it from a coroutine: use ``AsyncComponent`` there.
    """

    __slots__ = ()

    def __new__(
        cls, config: ComponentConfigLike, store: Optional[StoreLike] = None
    ) -> "Component":
        """``config``: a ``ComponentConfig``, or the shared JSON record (``dict`` or ``str``);
        ``store``: a host store object (when the record itself cannot hold it). Raises
        ``WeixinkitError.Config`` for an unusable configuration and
        ``WeixinkitError.InvalidAesKey`` for a bad EncodingAESKey."""
        return super().__new__(cls, *_native_args(config, store))

    def handle_callback(
        self,
        method: str,
        query: CallbackQuery,
        body: Union[str, bytes, None],
        handler: Optional[Handler] = None,
    ) -> CallbackResult:
        """Handle a request to the authorization event URL, from any web framework: verify,
        decrypt, parse, and apply the lifecycle step (store the ticket; on ``authorized`` /
        ``updateauthorized`` exchange the code and store the refresh token; on
        ``unauthorized`` forget the authorizer). Then, on status 200 only, call
        ``handler(message)`` with the typed ``Message``; an exception it raises propagates
        (your framework answers 500 and WeChat pushes again; with the replay window on, the
        push is forgotten first so that the retry is handled, not refused with 409), and a
        coroutine function is a ``TypeError`` (use ``AsyncComponent``). Answer the request with the result's ``body``
        and ``status``."""
        query = _rereadable(query)
        result = super().handle_callback(method, query, "" if body is None else body)
        if handler is not None and result.ok and result.message is not None:
            _call_handler(self, query, handler, result.message, "AsyncComponent.handle_callback")
        return result


class AsyncComponent(_native.AsyncComponent):
    """``Component`` for asyncio: the same methods, returning awaitables (``app_id``,
    ``authorization_url``, ``oauth_authorize_url`` and the ``authorizer…`` factories do no
    network I/O and stay plain). The I/O runs on weixinkit's own runtime, never on the event
    loop's thread."""

    __slots__ = ()

    def __new__(
        cls, config: ComponentConfigLike, store: Optional[StoreLike] = None
    ) -> "AsyncComponent":
        """As ``Component(config, store)``."""
        return super().__new__(cls, *_native_args(config, store))

    async def handle_callback(
        self,
        method: str,
        query: CallbackQuery,
        body: Union[str, bytes, None],
        handler: Optional[AsyncHandler] = None,
    ) -> CallbackResult:
        """See ``Component.handle_callback``; ``handler`` may be a plain function or a
        coroutine function (it is awaited)."""
        query = _rereadable(query)
        result = await super().handle_callback(method, query, "" if body is None else body)
        if handler is not None and result.ok and result.message is not None:
            await _call_handler_async(self, query, handler, result.message)
        return result
