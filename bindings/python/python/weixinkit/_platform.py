"""Open Platform third-party platform clients over the native core: blocking and asyncio.

Every method is one call of the native ``Component.call(method, args_json)`` (or
``call_async``), the generic entry point every binding shares (``src/ffi/dispatch.rs`` lists
the methods and their argument names); this module only adds the types.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from . import _native
from ._account import Query, _pairs
from ._config import ComponentConfig

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


# --- typed results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformToken:
    """The component access token or an authorizer's access token, and when it expires (Unix
    seconds; 0 for a token given to ``authorizer_with_access_token``). The same fields as
    ``Token``; its ``repr`` hides the value."""

    value: str = field(repr=False)
    expires_at: int
    issued_at: int

    def __repr__(self) -> str:
        return f"PlatformToken(value='***', expires_at={self.expires_at}, issued_at={self.issued_at})"

    @classmethod
    def _from(cls, data: Mapping[str, Any]) -> "PlatformToken":
        return cls(data["value"], int(data["expires_at"]), int(data["issued_at"]))


@dataclass(frozen=True)
class PreAuthCode:
    """A pre-auth code (``preauthcode@@@…``) from ``api_create_preauthcode``; one per link."""

    pre_auth_code: str
    #: Seconds.
    expires_in: int


@dataclass(frozen=True)
class Authorization:
    """What ``api_query_auth`` granted. weixinkit has already stored the refresh token durably
    and cached the access token when you see this. Its ``repr`` hides both tokens."""

    #: The authorizing Official Account or mini program.
    authorizer_appid: str
    #: Its access token (``None`` when it granted no API permission).
    authorizer_access_token: Optional[str] = field(repr=False)
    #: The access token's lifetime in seconds.
    expires_in: int
    #: Its refresh token (``None`` when it granted no API permission).
    authorizer_refresh_token: Optional[str] = field(repr=False)
    #: The permission-set ids granted (``func_info[].funcscope_category.id``): read them, the
    #: merchant may grant only part of what the platform declared.
    func_info: Tuple[int, ...]

    @classmethod
    def _from(cls, data: Mapping[str, Any]) -> "Authorization":
        return cls(
            authorizer_appid=data["authorizer_appid"],
            authorizer_access_token=data.get("authorizer_access_token"),
            expires_in=int(data.get("expires_in") or 0),
            authorizer_refresh_token=data.get("authorizer_refresh_token"),
            func_info=tuple(int(i) for i in data.get("func_info") or ()),
        )


@dataclass(frozen=True)
class AuthorizerListItem:
    """One authorizer of ``api_get_authorizer_list``; its ``repr`` hides the refresh token."""

    authorizer_appid: str
    #: Absent when its authorization code was never exchanged.
    refresh_token: Optional[str] = field(repr=False)
    #: When it authorized (Unix seconds).
    auth_time: int


@dataclass(frozen=True)
class AuthorizerList:
    """One page of ``api_get_authorizer_list``."""

    #: Authorizers in all pages.
    total_count: int
    #: This page.
    list: Tuple[AuthorizerListItem, ...]

    @classmethod
    def _from(cls, data: Mapping[str, Any]) -> "AuthorizerList":
        return cls(
            total_count=int(data["total_count"]),
            list=tuple(
                AuthorizerListItem(
                    i["authorizer_appid"], i.get("refresh_token"), int(i.get("auth_time") or 0)
                )
                for i in data.get("list") or ()
            ),
        )


@dataclass(frozen=True, kw_only=True)
class AuthorizationUrlOptions:
    """Options of an authorization link (A.4 of the WeChat API notes)."""

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


UrlOptionsLike = Union[AuthorizationUrlOptions, Mapping[str, Any], None]


class CallbackResult(NamedTuple):
    """What to answer the authorization event URL's request with, and what arrived.

    ``status``: 200 (``body`` is ``success``), 400 (malformed request), 403 (signature or
    receiver check failed: nothing was stored and the handler was not called), 405 (not a
    POST) or 500 (the lifecycle step failed, e.g. the code exchange: WeChat pushes again).
    ``message``: the verified, decrypted push as a typed ``Message`` (``None`` unless it
    decrypted). Unpacks as ``status, body, message = …``.
    """

    status: int
    body: str
    message: Optional[_native.Message]


# --- shared plumbing ------------------------------------------------------------------------


def _open(config: ComponentConfigLike) -> Any:
    if isinstance(config, ComponentConfig):
        return _native.Component(config.to_json(), config.host_store)
    if isinstance(config, Mapping):
        return _native.Component(json.dumps(dict(config), ensure_ascii=False), None)
    if isinstance(config, str):
        return _native.Component(config, None)
    raise TypeError(
        "config must be a ComponentConfig, a dict or a JSON string, not " + type(config).__name__
    )


def _args(**kwargs: Any) -> str:
    """The JSON arguments of a native call; ``None`` values are left out."""
    return json.dumps(
        {k: v for k, v in kwargs.items() if v is not None},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _options(options: UrlOptionsLike) -> Optional[dict[str, Any]]:
    if options is None:
        return None
    if isinstance(options, AuthorizationUrlOptions):
        return options.to_dict()
    if isinstance(options, Mapping):
        return AuthorizationUrlOptions(**options).to_dict()
    raise TypeError(
        "options must be AuthorizationUrlOptions or a dict, not " + type(options).__name__
    )


def _callback_args(method: str, query: CallbackQuery, body: Union[str, bytes, None]) -> str:
    if isinstance(body, (bytes, bytearray, memoryview)):
        # A body that is not UTF-8 cannot carry a valid signature: it is refused with 403.
        body = bytes(body).decode("utf-8", errors="replace")
    return _args(method=str(method), query=_pairs(query), body=body or "")


def _callback_result(answer: str) -> CallbackResult:
    data = json.loads(answer)
    plaintext = data.get("plaintext")
    message = _native.parse_message(plaintext) if plaintext is not None else None
    return CallbackResult(int(data["status"]), data["body"], message)


#: A push handler: called with the typed ``Message`` of every push answered 200.
Handler = Callable[[Any], Any]


def _authorizer_args(appid: str, fixed: Optional[str], **more: Any) -> dict[str, Any]:
    return dict(authorizer_appid=appid, access_token=fixed, **more)


# --- blocking -------------------------------------------------------------------------------


class Component:
    """An Open Platform third-party platform; blocking calls that release the GIL.

    Thread-safe: build one per platform and share it. The pushed ``component_verify_ticket``
    and every authorizer's refresh token are kept durably in the configured store; the
    component token and the authorizers' access tokens are cached there and fetched once for
    every thread, process and machine sharing it. Errors are ``WeixinkitError`` subclasses:
    ``Ticket`` (-50040 no ticket ever stored; 61005 / 61006 WeChat refused it),
    ``ReauthorizationNeeded`` (61023, 61003, or -50041 no refresh token stored), ``Api``, and
    the transport, store and configuration errors of ``OfficialAccount``.

    Do not call it from a coroutine: use ``AsyncComponent`` there.
    """

    __slots__ = ("_native",)

    def __init__(self, config: ComponentConfigLike) -> None:
        """``config``: a ``ComponentConfig``, or the shared JSON record (``dict`` or ``str``).
        Raises ``WeixinkitError.Config`` for an unusable configuration and
        ``WeixinkitError.InvalidAesKey`` for a bad EncodingAESKey."""
        self._native = _open(config)

    def _call(self, method: str, **args: Any) -> Any:
        return json.loads(self._native.call(method, _args(**args)))

    @property
    def app_id(self) -> str:
        """The platform's AppID."""
        return self._native.app_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self._native.app_id!r})"

    # ticket

    def store_verify_ticket(self, ticket: str) -> None:
        """Store a pushed ``component_verify_ticket`` durably (``handle_callback`` does this)."""
        self._call("store_verify_ticket", ticket=ticket)

    def verify_ticket(self) -> Optional[str]:
        """The stored ticket, or ``None`` if none was ever pushed."""
        return self._call("verify_ticket")

    def start_push_ticket(self) -> None:
        """``api_start_push_ticket``: ask WeChat to (re)start pushing tickets."""
        self._call("start_push_ticket")

    # component token

    def component_access_token(self) -> PlatformToken:
        """The ``component_access_token``: cached, fetched with the stored ticket once when due."""
        return PlatformToken._from(self._call("component_access_token"))

    def call(self, path: str, query: Query = None, body: Any = None) -> dict[str, Any]:
        """Any component endpoint with ``component_access_token`` added: ``GET`` when ``body`` is
        ``None``, else ``POST`` with ``body`` as JSON. A token error refreshes the component
        token and retries once."""
        return self._call("call", path=path, query=_pairs(query), body=body)

    # authorization

    def create_pre_auth_code(self) -> PreAuthCode:
        """``api_create_preauthcode``."""
        data = self._call("create_pre_auth_code")
        return PreAuthCode(data["pre_auth_code"], int(data["expires_in"]))

    def authorization_url(
        self, pre_auth_code: str, redirect_uri: str, options: UrlOptionsLike = None
    ) -> str:
        """The authorization link for a pre-auth code: the PC QR-code page
        (``componentloginpage``) or, with ``mobile``, the H5 page (``bindcomponent``)."""
        return self._call(
            "authorization_url",
            pre_auth_code=pre_auth_code,
            redirect_uri=redirect_uri,
            options=_options(options),
        )

    def create_authorization_url(self, redirect_uri: str, options: UrlOptionsLike = None) -> str:
        """A new pre-auth code and its authorization link in one call."""
        return self._call(
            "create_authorization_url", redirect_uri=redirect_uri, options=_options(options)
        )

    def query_auth(self, authorization_code: str) -> Authorization:
        """``api_query_auth``: exchange an authorization code (the ``auth_code`` of the
        redirect, or of the ``authorized`` push). The refresh token is stored durably and the
        access token cached before this returns."""
        return Authorization._from(self._call("query_auth", authorization_code=authorization_code))

    def refresh_token(self, authorizer_appid: str) -> Optional[str]:
        """An authorizer's stored refresh token, or ``None``."""
        return self._call("refresh_token", authorizer_appid=authorizer_appid)

    def store_refresh_token(self, authorizer_appid: str, refresh_token: str) -> None:
        """Store an authorizer's refresh token durably (e.g. one kept by another system)."""
        self._call(
            "store_refresh_token", authorizer_appid=authorizer_appid, refresh_token=refresh_token
        )

    def forget_authorizer(self, authorizer_appid: str) -> None:
        """Remove everything stored for an authorizer (``handle_callback`` does this on
        ``unauthorized``)."""
        self._call("forget_authorizer", authorizer_appid=authorizer_appid)

    def authorizer_access_token(self, authorizer_appid: str) -> PlatformToken:
        """An authorizer's access token: cached, else fetched from its stored refresh token
        (a rotated refresh token is stored before it is used)."""
        return PlatformToken._from(
            self._call("authorizer_access_token", authorizer_appid=authorizer_appid)
        )

    def authorizer_info(self, authorizer_appid: str) -> dict[str, Any]:
        """``api_get_authorizer_info``: WeChat's JSON (``authorizer_info``,
        ``authorization_info``)."""
        return self._call("authorizer_info", authorizer_appid=authorizer_appid)

    def authorizer_list(self, offset: int = 0, count: int = 500) -> AuthorizerList:
        """``api_get_authorizer_list``: one page (``count`` ≤ 500)."""
        return AuthorizerList._from(self._call("authorizer_list", offset=offset, count=count))

    def reseed_refresh_tokens(self) -> int:
        """Page through every authorizer and store each refresh token WeChat lists: the
        recovery after a lost store. Returns how many were stored."""
        return int(self._call("reseed_refresh_tokens"))

    def authorizer_option(self, authorizer_appid: str, option_name: str) -> str:
        """``api_get_authorizer_option`` (component token): the option's value."""
        return self._call(
            "authorizer_option", authorizer_appid=authorizer_appid, option_name=option_name
        )

    def set_authorizer_option(
        self, authorizer_appid: str, option_name: str, option_value: str
    ) -> None:
        """``api_set_authorizer_option`` (component token)."""
        self._call(
            "set_authorizer_option",
            authorizer_appid=authorizer_appid,
            option_name=option_name,
            option_value=option_value,
        )

    def clear_quota(self) -> None:
        """``component/clear_quota`` (component token): reset the platform's own counters."""
        self._call("clear_quota")

    def clear_quota_v2(self, appid: Optional[str] = None) -> None:
        """``component/clear_quota/v2`` with the AppSecret (works when the token quota itself is
        used up); with ``appid``, resets that authorizer on its behalf."""
        self._call("clear_quota_v2", appid=appid)

    # web OAuth and mini program login on behalf

    def oauth_authorize_url(self, appid: str, redirect_uri: str, scope: str, state: str = "") -> str:
        """The web OAuth link for an authorizer Official Account (``snsapi_base`` or
        ``snsapi_userinfo``), with ``component_appid`` and ``#wechat_redirect``."""
        return self._call(
            "oauth_authorize_url", appid=appid, redirect_uri=redirect_uri, scope=scope, state=state
        )

    def oauth_access_token(self, appid: str, code: str) -> dict[str, Any]:
        """``sns/oauth2/component/access_token``: a user's code → ``access_token``, ``openid``,
        ``refresh_token``, ``scope``."""
        return self._call("oauth_access_token", appid=appid, code=code)

    def oauth_refresh_token(self, appid: str, refresh_token: str) -> dict[str, Any]:
        """``sns/oauth2/component/refresh_token``."""
        return self._call("oauth_refresh_token", appid=appid, refresh_token=refresh_token)

    def oauth_user_info(self, access_token: str, openid: str) -> dict[str, Any]:
        """``sns/userinfo`` with a user token from ``oauth_access_token``."""
        return self._call("oauth_user_info", access_token=access_token, openid=openid)

    def jscode2session(self, appid: str, js_code: str) -> dict[str, Any]:
        """``sns/component/jscode2session``: a mini program's ``wx.login`` code → ``openid``,
        ``session_key`` (keep it on the server), ``unionid``."""
        return self._call("jscode2session", appid=appid, js_code=js_code)

    # acting on behalf

    def authorizer(self, authorizer_appid: str) -> "Authorizer":
        """A client for an authorizer whose refresh token is stored (after ``query_auth`` or the
        ``authorized`` push): its token is refreshed automatically. Raises
        ``WeixinkitError.Config`` for an appid that cannot be part of a store key."""
        return Authorizer(self, authorizer_appid, None)

    def authorizer_with_refresh_token(
        self, authorizer_appid: str, refresh_token: str
    ) -> "Authorizer":
        """A client for an authorizer from a refresh token you kept (stored durably first)."""
        self.store_refresh_token(authorizer_appid, refresh_token)
        return self.authorizer(authorizer_appid)

    def authorizer_with_access_token(self, authorizer_appid: str, access_token: str) -> "Authorizer":
        """A client that uses ``access_token`` as is: never refreshed, token errors surface."""
        return Authorizer(self, authorizer_appid, access_token)

    # callback

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
        (your framework answers 500 and WeChat pushes again), and a coroutine function is a
        ``TypeError`` (use ``AsyncComponent``). Answer the request with the result's ``body``
        and ``status``."""
        result = _callback_result(
            self._native.call("handle_callback", _callback_args(method, query, body))
        )
        if handler is not None and result.status == 200 and result.message is not None:
            outcome = handler(result.message)
            if inspect.isawaitable(outcome):
                if inspect.iscoroutine(outcome):
                    outcome.close()
                raise TypeError(
                    "the handler returned an awaitable: use AsyncComponent.handle_callback "
                    "for coroutine handlers"
                )
        return result


class Authorizer:
    """An Official Account or mini program the platform acts for (from
    ``Component.authorizer``). Its token comes from the stored refresh token, or is the one
    given to ``authorizer_with_access_token``."""

    __slots__ = ("_component", "_appid", "_fixed")

    def __init__(self, component: Component, authorizer_appid: str, access_token: Optional[str]):
        # The core checks the appid while building an authorizer over a given token, which
        # does no I/O; an unusable appid raises WeixinkitError.Config here, as in Rust.
        component._call("authorizer_access_token", authorizer_appid=authorizer_appid,
                        access_token=access_token or "")
        self._component = component
        self._appid = authorizer_appid
        self._fixed = access_token

    def _call(self, method: str, **args: Any) -> Any:
        return self._component._call(method, **_authorizer_args(self._appid, self._fixed, **args))

    @property
    def app_id(self) -> str:
        """The authorizer's AppID."""
        return self._appid

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(app_id={self._appid!r}, "
            f"component={self._component.app_id!r}, fixed_token={self._fixed is not None})"
        )

    def access_token(self) -> PlatformToken:
        """Its access token (cached; refreshed from the stored refresh token when due)."""
        return PlatformToken._from(self._call("authorizer_access_token"))

    def get(self, path: str, query: Query = None) -> dict[str, Any]:
        """``GET path?query&access_token=…`` as the authorizer; WeChat's answer as a ``dict``.
        A token error (40001, 40014, 42001) refreshes the token and retries once."""
        return self._call("authorizer_get", path=path, query=_pairs(query))

    def post_json(self, path: str, body: Any) -> dict[str, Any]:
        """``POST path?access_token=…`` with ``body`` as JSON, as the authorizer."""
        return self._call("authorizer_post_json", path=path, body=body)

    def option(self, option_name: str) -> dict[str, Any]:
        """New-form ``component/get_authorizer_option`` with the authorizer's token: WeChat's
        answer (``{"option_name", "option_value", …}``)."""
        return self.post_json(
            "/cgi-bin/component/get_authorizer_option", {"option_name": option_name}
        )

    def set_option(self, option_name: str, option_value: str) -> None:
        """New-form ``component/set_authorizer_option`` with the authorizer's token."""
        self.post_json(
            "/cgi-bin/component/set_authorizer_option",
            {"option_name": option_name, "option_value": option_value},
        )

    def clear_quota(self) -> None:
        """``cgi-bin/clear_quota`` for this authorizer, with its own token."""
        self._call("authorizer_clear_quota")


# --- asyncio --------------------------------------------------------------------------------


class AsyncComponent:
    """``Component`` for asyncio: the same methods, as coroutines (``app_id``,
    ``authorization_url``, ``oauth_authorize_url`` and ``authorizer`` do no I/O and stay plain
    methods). The I/O runs on weixinkit's own runtime, never on the event loop's thread."""

    __slots__ = ("_native", "_sync")

    def __init__(self, config: ComponentConfigLike) -> None:
        """As ``Component(config)``."""
        self._native = _open(config)
        sync = Component.__new__(Component)
        sync._native = self._native
        self._sync = sync

    async def _call(self, method: str, **args: Any) -> Any:
        return json.loads(await self._native.call_async(method, _args(**args)))

    @property
    def app_id(self) -> str:
        """The platform's AppID."""
        return self._native.app_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_id={self._native.app_id!r})"

    async def store_verify_ticket(self, ticket: str) -> None:
        """See ``Component.store_verify_ticket``."""
        await self._call("store_verify_ticket", ticket=ticket)

    async def verify_ticket(self) -> Optional[str]:
        """See ``Component.verify_ticket``."""
        return await self._call("verify_ticket")

    async def start_push_ticket(self) -> None:
        """See ``Component.start_push_ticket``."""
        await self._call("start_push_ticket")

    async def component_access_token(self) -> PlatformToken:
        """See ``Component.component_access_token``."""
        return PlatformToken._from(await self._call("component_access_token"))

    async def call(self, path: str, query: Query = None, body: Any = None) -> dict[str, Any]:
        """See ``Component.call``."""
        return await self._call("call", path=path, query=_pairs(query), body=body)

    async def create_pre_auth_code(self) -> PreAuthCode:
        """See ``Component.create_pre_auth_code``."""
        data = await self._call("create_pre_auth_code")
        return PreAuthCode(data["pre_auth_code"], int(data["expires_in"]))

    def authorization_url(
        self, pre_auth_code: str, redirect_uri: str, options: UrlOptionsLike = None
    ) -> str:
        """See ``Component.authorization_url`` (no I/O: a plain method)."""
        return self._sync.authorization_url(pre_auth_code, redirect_uri, options)

    async def create_authorization_url(
        self, redirect_uri: str, options: UrlOptionsLike = None
    ) -> str:
        """See ``Component.create_authorization_url``."""
        return await self._call(
            "create_authorization_url", redirect_uri=redirect_uri, options=_options(options)
        )

    async def query_auth(self, authorization_code: str) -> Authorization:
        """See ``Component.query_auth``."""
        return Authorization._from(
            await self._call("query_auth", authorization_code=authorization_code)
        )

    async def refresh_token(self, authorizer_appid: str) -> Optional[str]:
        """See ``Component.refresh_token``."""
        return await self._call("refresh_token", authorizer_appid=authorizer_appid)

    async def store_refresh_token(self, authorizer_appid: str, refresh_token: str) -> None:
        """See ``Component.store_refresh_token``."""
        await self._call(
            "store_refresh_token", authorizer_appid=authorizer_appid, refresh_token=refresh_token
        )

    async def forget_authorizer(self, authorizer_appid: str) -> None:
        """See ``Component.forget_authorizer``."""
        await self._call("forget_authorizer", authorizer_appid=authorizer_appid)

    async def authorizer_access_token(self, authorizer_appid: str) -> PlatformToken:
        """See ``Component.authorizer_access_token``."""
        return PlatformToken._from(
            await self._call("authorizer_access_token", authorizer_appid=authorizer_appid)
        )

    async def authorizer_info(self, authorizer_appid: str) -> dict[str, Any]:
        """See ``Component.authorizer_info``."""
        return await self._call("authorizer_info", authorizer_appid=authorizer_appid)

    async def authorizer_list(self, offset: int = 0, count: int = 500) -> AuthorizerList:
        """See ``Component.authorizer_list``."""
        return AuthorizerList._from(await self._call("authorizer_list", offset=offset, count=count))

    async def reseed_refresh_tokens(self) -> int:
        """See ``Component.reseed_refresh_tokens``."""
        return int(await self._call("reseed_refresh_tokens"))

    async def authorizer_option(self, authorizer_appid: str, option_name: str) -> str:
        """See ``Component.authorizer_option``."""
        return await self._call(
            "authorizer_option", authorizer_appid=authorizer_appid, option_name=option_name
        )

    async def set_authorizer_option(
        self, authorizer_appid: str, option_name: str, option_value: str
    ) -> None:
        """See ``Component.set_authorizer_option``."""
        await self._call(
            "set_authorizer_option",
            authorizer_appid=authorizer_appid,
            option_name=option_name,
            option_value=option_value,
        )

    async def clear_quota(self) -> None:
        """See ``Component.clear_quota``."""
        await self._call("clear_quota")

    async def clear_quota_v2(self, appid: Optional[str] = None) -> None:
        """See ``Component.clear_quota_v2``."""
        await self._call("clear_quota_v2", appid=appid)

    def oauth_authorize_url(self, appid: str, redirect_uri: str, scope: str, state: str = "") -> str:
        """See ``Component.oauth_authorize_url`` (no I/O: a plain method)."""
        return self._sync.oauth_authorize_url(appid, redirect_uri, scope, state)

    async def oauth_access_token(self, appid: str, code: str) -> dict[str, Any]:
        """See ``Component.oauth_access_token``."""
        return await self._call("oauth_access_token", appid=appid, code=code)

    async def oauth_refresh_token(self, appid: str, refresh_token: str) -> dict[str, Any]:
        """See ``Component.oauth_refresh_token``."""
        return await self._call("oauth_refresh_token", appid=appid, refresh_token=refresh_token)

    async def oauth_user_info(self, access_token: str, openid: str) -> dict[str, Any]:
        """See ``Component.oauth_user_info``."""
        return await self._call("oauth_user_info", access_token=access_token, openid=openid)

    async def jscode2session(self, appid: str, js_code: str) -> dict[str, Any]:
        """See ``Component.jscode2session``."""
        return await self._call("jscode2session", appid=appid, js_code=js_code)

    def authorizer(self, authorizer_appid: str) -> "AsyncAuthorizer":
        """See ``Component.authorizer`` (no I/O: a plain method)."""
        return AsyncAuthorizer(self, authorizer_appid, None)

    async def authorizer_with_refresh_token(
        self, authorizer_appid: str, refresh_token: str
    ) -> "AsyncAuthorizer":
        """See ``Component.authorizer_with_refresh_token``."""
        await self.store_refresh_token(authorizer_appid, refresh_token)
        return self.authorizer(authorizer_appid)

    def authorizer_with_access_token(
        self, authorizer_appid: str, access_token: str
    ) -> "AsyncAuthorizer":
        """See ``Component.authorizer_with_access_token`` (no I/O: a plain method)."""
        return AsyncAuthorizer(self, authorizer_appid, access_token)

    async def handle_callback(
        self,
        method: str,
        query: CallbackQuery,
        body: Union[str, bytes, None],
        handler: Optional[Handler] = None,
    ) -> CallbackResult:
        """See ``Component.handle_callback``; ``handler`` may be a plain function or a
        coroutine function (it is awaited)."""
        answer = await self._native.call_async(
            "handle_callback", _callback_args(method, query, body)
        )
        result = _callback_result(answer)
        if handler is not None and result.status == 200 and result.message is not None:
            outcome = handler(result.message)
            if inspect.isawaitable(outcome):
                await outcome
        return result


class AsyncAuthorizer:
    """``Authorizer`` for asyncio (from ``AsyncComponent.authorizer``): the same methods, as
    coroutines."""

    __slots__ = ("_component", "_appid", "_fixed")

    def __init__(
        self, component: AsyncComponent, authorizer_appid: str, access_token: Optional[str]
    ):
        # As Authorizer: the core checks the appid, without I/O.
        component._sync._call("authorizer_access_token", authorizer_appid=authorizer_appid,
                              access_token=access_token or "")
        self._component = component
        self._appid = authorizer_appid
        self._fixed = access_token

    async def _call(self, method: str, **args: Any) -> Any:
        return await self._component._call(
            method, **_authorizer_args(self._appid, self._fixed, **args)
        )

    @property
    def app_id(self) -> str:
        """The authorizer's AppID."""
        return self._appid

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(app_id={self._appid!r}, "
            f"component={self._component.app_id!r}, fixed_token={self._fixed is not None})"
        )

    async def access_token(self) -> PlatformToken:
        """See ``Authorizer.access_token``."""
        return PlatformToken._from(await self._call("authorizer_access_token"))

    async def get(self, path: str, query: Query = None) -> dict[str, Any]:
        """See ``Authorizer.get``."""
        return await self._call("authorizer_get", path=path, query=_pairs(query))

    async def post_json(self, path: str, body: Any) -> dict[str, Any]:
        """See ``Authorizer.post_json``."""
        return await self._call("authorizer_post_json", path=path, body=body)

    async def option(self, option_name: str) -> dict[str, Any]:
        """See ``Authorizer.option``."""
        return await self.post_json(
            "/cgi-bin/component/get_authorizer_option", {"option_name": option_name}
        )

    async def set_option(self, option_name: str, option_value: str) -> None:
        """See ``Authorizer.set_option``."""
        await self.post_json(
            "/cgi-bin/component/set_authorizer_option",
            {"option_name": option_name, "option_value": option_value},
        )

    async def clear_quota(self) -> None:
        """See ``Authorizer.clear_quota``."""
        await self._call("authorizer_clear_quota")
