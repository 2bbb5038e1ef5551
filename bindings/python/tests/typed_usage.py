"""A small typed program using the package, checked by mypy (bindings/python/test.sh) against
the package's annotations and the native module's stub. It is type-checked, not run: it only
defines functions. test_typing.py also checks that mypy rejects misuse of the same API."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Optional

import weixinkit
from weixinkit import (
    AsyncAuthorizer,
    AsyncComponent,
    Authorization,
    AuthorizationUrlOptions,
    Authorizer,
    AuthorizerList,
    AuthorizerListItem,
    CallbackResult,
    Component,
    ComponentConfig,
    Event,
    Message,
    MemoryStore,
    PreAuthCode,
    Token,
    WeixinkitError,
)

if TYPE_CHECKING:
    from typing_extensions import assert_type

CONFIG = ComponentConfig("wxcomponent0000001", "secret", "token", "k" * 43, store=MemoryStore())


def on_push(message: Message) -> None:
    event = message.event
    if isinstance(event, Event.AUTHORIZED):
        assert_type(event.notice.authorizer_appid, str)
    elif isinstance(event, Event.COMPONENT_VERIFY_TICKET):
        assert_type(event.ticket, str)


def blocking() -> list[str]:
    platform = Component(CONFIG)
    assert_type(platform, Component)
    assert_type(platform.app_id, str)
    assert_type(platform.verify_ticket(), Optional[str])
    assert_type(platform.component_access_token(), Token)
    assert_type(platform.create_pre_auth_code(), PreAuthCode)
    url = platform.create_authorization_url("https://you.example/back",
                                            AuthorizationUrlOptions(auth_type=1))
    assert_type(url, str)
    assert_type(platform.authorization_url("preauthcode@@@x", url, {"mobile": True}), str)
    auth = platform.query_auth("queryauthcode@@@x")
    assert_type(auth, Authorization)
    assert_type(auth.func_info, list[int])
    assert_type(platform.authorizer_list(offset=0, count=100), AuthorizerList)
    everyone = platform.all_authorizers()
    assert_type(everyone, list[AuthorizerListItem])
    assert_type(platform.reseed_refresh_tokens(), int)
    assert_type(platform.call("/cgi-bin/component/x", {"a": 1}, body={"b": [1]}), dict[str, Any])

    result = platform.handle_callback("POST", {"timestamp": "1"}, b"<xml/>", on_push)
    assert_type(result, CallbackResult)
    status, body, _message = result
    if result.ok and result.message is not None:
        on_push(result.message)

    official = platform.authorizer(auth.authorizer_appid)
    assert_type(official, Authorizer)
    assert_type(official.access_token(), Token)
    assert_type(official.get("/cgi-bin/user/info", [("openid", "o1")]), dict[str, Any])
    official.post_json("/cgi-bin/message/custom/send", {"touser": "o1", "msgtype": "text"})
    try:
        official.set_option("location_report", "2")
    except WeixinkitError.Api as e:
        assert_type(e.errcode, Optional[int])
        assert_type(e.endpoint, Optional[str])
        assert_type(e.kind, str)
    return official.api_domain_ip()


async def asynchronous() -> list[str]:
    platform = AsyncComponent(CONFIG.to_json())
    assert_type(await platform.component_access_token(), Token)
    tokens = await asyncio.gather(*(platform.component_access_token() for _ in range(3)))
    assert_type(tokens, list[Token])
    result = await platform.handle_callback("POST", {}, "", on_push)
    assert_type(result, CallbackResult)
    official = platform.authorizer("wxauthorizer000001")
    assert_type(official, AsyncAuthorizer)
    assert_type(await official.access_token(), Token)
    assert_type(await platform.all_authorizers(), list[AuthorizerListItem])
    assert_type(weixinkit.__version__, str)
    return await official.api_domain_ip()
