"""The base class of stores implemented in Python (a Django cache, a database table, …)."""

from __future__ import annotations

import abc
from typing import Optional

__all__ = ["HostStore"]


class HostStore(abc.ABC):
    """A token store implemented in Python, passed as ``OfficialAccountConfig(store=...)``.

    weixinkit calls these five methods from its own worker threads (never from the thread that
    called ``access_token()``, and possibly from several threads at once), holding the GIL only
    for the call. An implementation must therefore be thread-safe, and it must not call
    weixinkit's blocking API itself (such a call is refused with ``WeixinkitError.InvalidInput``).
    Any exception it raises, or a return value of the wrong type, becomes
    ``WeixinkitError.Store`` for the caller of ``access_token()`` / ``get()`` / … .

    Keys follow the one schema every language shares, ``{prefix}:{kind}:{owner}:{subject}``
    (e.g. ``weixinkit:access_token:wx123:wx123``); refresh locks are
    ``{prefix}:lock:{kind}:{owner}:{subject}``. Values are JSON text such as
    ``{"value":"…","expires_at":1700007200,"issued_at":1700000000}``: store them verbatim.

    Sharing the store between processes or machines gives one refresh per token across all of
    them, provided ``try_lock`` is atomic where the data lives (e.g. Redis ``SET NX PX``, an
    ``INSERT`` on a unique key). Subclassing is optional: any object with these methods works;
    the base class documents the contract and makes a missing method an immediate
    ``TypeError``.
    """

    __slots__ = ()

    @abc.abstractmethod
    def get(self, key: str) -> Optional[str]:
        """The value stored under ``key``, or ``None`` if absent or past its TTL."""

    @abc.abstractmethod
    def set(self, key: str, value: str, ttl_ms: Optional[int]) -> None:
        """Store ``value`` under ``key``, replacing any previous one. With ``ttl_ms`` the
        value must disappear (``get`` → ``None``) after that many milliseconds; with ``None``
        it is durable and must never be evicted."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; no error if it is absent."""

    @abc.abstractmethod
    def try_lock(self, lock_key: str, ttl_ms: int) -> Optional[str]:
        """Take the lock ``lock_key`` if nobody holds it and return a fresh, unique fence
        string that proves ownership; return ``None`` if it is held. Check-and-take must be
        atomic. A lock whose holder never releases it (it crashed) must free itself after
        ``ttl_ms`` milliseconds."""

    @abc.abstractmethod
    def unlock(self, lock_key: str, fence: str) -> None:
        """Release ``lock_key`` if it is still held with ``fence``; a lock since taken by
        someone else (after it expired) must be left alone."""
