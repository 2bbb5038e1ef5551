"""WeCom clients for service providers and third-party apps, and corps' own apps: blocking and
asyncio.

The operations are the native classes' own typed methods (``weixinkit._native.Suite`` /
``AsyncSuite``, … one per row of the core's endpoint table); the classes here only add the
configuration forms of the ``weixinkit`` package and the push handler of ``handle_callback``.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Union

from . import _native
from ._config import ProviderConfig, StoreLike, SuiteConfig, WorkAccountConfig
from ._platform import (
    AsyncHandler,
    CallbackQuery,
    CallbackResult,
    Handler,
    _call_handler,
    _call_handler_async,
    _rereadable,
)

__all__ = [
    "AsyncCorp",
    "AsyncProvider",
    "AsyncSuite",
    "AsyncWorkAccount",
    "Corp",
    "PermanentCode",
    "Provider",
    "Suite",
    "WorkAccount",
]

# The records and the corp clients are the native classes.
PermanentCode = _native.PermanentCode
Corp = _native.Corp
AsyncCorp = _native.AsyncCorp

_Config = Union[ProviderConfig, SuiteConfig, WorkAccountConfig]


def _native_args(
    config: Union[_Config, Mapping[str, Any], str], store: Optional[StoreLike], kind: type
) -> tuple[str, Optional[StoreLike]]:
    """The native constructor's arguments: the JSON record and the host store, if any."""
    if isinstance(config, kind):
        if store is not None and config.host_store is not None:  # type: ignore[union-attr]
            raise TypeError(f"the host store is given twice: in the {kind.__name__} and as store=")
        host = config.host_store  # type: ignore[union-attr]
        return config.to_json(), store if store is not None else host  # type: ignore[union-attr]
    if isinstance(config, Mapping):
        return json.dumps(dict(config), ensure_ascii=False), store
    if isinstance(config, str):
        return config, store
    raise TypeError(
        f"config must be a {kind.__name__}, a dict or a JSON string, not {type(config).__name__}"
    )


class Provider(_native.Provider):
    """A WeCom service provider; blocking calls that release the GIL. The provider token is
    cached in the store and fetched once for every thread, process and machine sharing it."""

    __slots__ = ()

    def __new__(
        cls, config: Union[ProviderConfig, Mapping[str, Any], str], store: Optional[StoreLike] = None
    ) -> "Provider":
        """``config``: a ``ProviderConfig``, or the shared JSON record (``dict`` or ``str``)."""
        return super().__new__(cls, *_native_args(config, store, ProviderConfig))


class AsyncProvider(_native.AsyncProvider):
    """``Provider`` for asyncio: the same methods, returning awaitables."""

    __slots__ = ()

    def __new__(
        cls, config: Union[ProviderConfig, Mapping[str, Any], str], store: Optional[StoreLike] = None
    ) -> "AsyncProvider":
        """As ``Provider(config, store)``."""
        return super().__new__(cls, *_native_args(config, store, ProviderConfig))


class Suite(_native.Suite):
    """A WeCom third-party app; blocking calls that release the GIL.

    The pushed ``suite_ticket`` and every corp's permanent code are kept durably in the
    configured store; the suite token and the corps' tokens are cached there and fetched once
    for every thread, process and machine sharing it. ``suite.corp(corp_id)`` acts for a corp.
    Do not call it from a coroutine: use ``AsyncSuite`` there.
    """

    __slots__ = ()

    def __new__(
        cls, config: Union[SuiteConfig, Mapping[str, Any], str], store: Optional[StoreLike] = None
    ) -> "Suite":
        """``config``: a ``SuiteConfig``, or the shared JSON record (``dict`` or ``str``).
        Raises ``WeixinkitError.Config`` for an unusable configuration and
        ``WeixinkitError.InvalidAesKey`` for a bad EncodingAESKey."""
        return super().__new__(cls, *_native_args(config, store, SuiteConfig))

    def handle_callback(
        self,
        method: str,
        query: CallbackQuery,
        body: Union[str, bytes, None],
        handler: Optional[Handler] = None,
    ) -> CallbackResult:
        """Handle a request to the suite's callback URL, from any web framework: ``GET``
        verifies the URL (the body of the result is the decrypted ``echostr``); ``POST``
        verifies, decrypts and parses the push and runs its lifecycle step (store the
        ``suite_ticket``; on ``create_auth`` / ``reset_permanent_code`` exchange the auth code
        and store the permanent code; on ``cancel_auth`` forget the corp). Then, for a push
        answered 200, ``handler(message)`` is called with the typed ``Message``
        (``change_auth``, ``change_contact`` and every other push included); an exception it
        raises propagates (with the replay window on, the push is forgotten first, so that
        WeCom's retry is handled rather than refused with 409). Answer the request with the
        result's ``body`` and ``status``."""
        query = _rereadable(query)
        result = super().handle_callback(method, query, "" if body is None else body)
        if handler is not None and result.ok and result.message is not None:
            _call_handler(self, query, handler, result.message, "AsyncSuite.handle_callback")
        return result


class AsyncSuite(_native.AsyncSuite):
    """``Suite`` for asyncio: the same methods, returning awaitables (``suite_id``,
    ``install_url``, ``oauth_url`` and ``corp`` do no network I/O and stay plain)."""

    __slots__ = ()

    def __new__(
        cls, config: Union[SuiteConfig, Mapping[str, Any], str], store: Optional[StoreLike] = None
    ) -> "AsyncSuite":
        """As ``Suite(config, store)``."""
        return super().__new__(cls, *_native_args(config, store, SuiteConfig))

    async def handle_callback(
        self,
        method: str,
        query: CallbackQuery,
        body: Union[str, bytes, None],
        handler: Optional[AsyncHandler] = None,
    ) -> CallbackResult:
        """See ``Suite.handle_callback``; ``handler`` may be a plain function or a coroutine
        function (it is awaited)."""
        query = _rereadable(query)
        result = await super().handle_callback(method, query, "" if body is None else body)
        if handler is not None and result.ok and result.message is not None:
            await _call_handler_async(self, query, handler, result.message)
        return result


class WorkAccount(_native.WorkAccount):
    """A WeCom corp's own app (``cgi-bin/gettoken``); blocking calls that release the GIL."""

    __slots__ = ()

    def __new__(
        cls,
        config: Union[WorkAccountConfig, Mapping[str, Any], str],
        store: Optional[StoreLike] = None,
    ) -> "WorkAccount":
        """``config``: a ``WorkAccountConfig``, or the shared JSON record."""
        return super().__new__(cls, *_native_args(config, store, WorkAccountConfig))


class AsyncWorkAccount(_native.AsyncWorkAccount):
    """``WorkAccount`` for asyncio."""

    __slots__ = ()

    def __new__(
        cls,
        config: Union[WorkAccountConfig, Mapping[str, Any], str],
        store: Optional[StoreLike] = None,
    ) -> "AsyncWorkAccount":
        """As ``WorkAccount(config, store)``."""
        return super().__new__(cls, *_native_args(config, store, WorkAccountConfig))
