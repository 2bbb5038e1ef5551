"""A third-party platform's authorization event URL (授权事件接收URL) in Flask, with weixinkit.

Run it (Python >= 3.10):

    python3 -m pip install ./bindings/python flask
    export WEIXINKIT_COMPONENT_APPID=wx… WEIXINKIT_COMPONENT_SECRET=… \
           WEIXINKIT_COMPONENT_TOKEN=… WEIXINKIT_COMPONENT_AES_KEY=…
    # optional: WEIXINKIT_API_BASE_URI (e.g. a local wechat-sim), WEIXINKIT_STORE_DIR
    # (where the ticket and refresh tokens are kept), PORT (default 8080)
    PORT=8080 python3 examples/python/flask_app.py

then set http(s)://your.host/wechat/authorization-events as the platform's authorization event
URL, and send merchants to /authorize. In production run it under a WSGI server instead, e.g.
`gunicorn -w 4 -b 0.0.0.0:8080 flask_app:app` from this directory: the workers share the
ticket, refresh tokens and access tokens through the store directory (or use a RedisStore).

A WeCom third-party app (suite) can share the app: set WEIXINKIT_SUITE_ID,
WEIXINKIT_SUITE_SECRET, WEIXINKIT_SUITE_TOKEN and WEIXINKIT_SUITE_AES_KEY (optional:
WEIXINKIT_PROVIDER_CORPID, WEIXINKIT_WORK_BASE_URI) and use
http(s)://your.host/wecom/suite-events as the suite's data/command callback URL: URL
verification (GET), the suite_ticket, create_auth / reset_permanent_code (permanent code stored)
and cancel_auth are handled there, then `on_suite_push` runs.

Try it against the local WeChat server (sim/README.md): register
http://127.0.0.1:$PORT/wechat/authorization-events as the callback_url of the sim's component
(`POST /_sim/apps`), then `POST /_sim/component/ticket` and `POST /_sim/authorize`.
"""

import logging
import os

from flask import Flask, redirect, request

import weixinkit

store_dir = os.environ.get("WEIXINKIT_STORE_DIR")
component = weixinkit.Component(weixinkit.ComponentConfig(
    os.environ["WEIXINKIT_COMPONENT_APPID"],
    os.environ["WEIXINKIT_COMPONENT_SECRET"],
    os.environ["WEIXINKIT_COMPONENT_TOKEN"],
    os.environ["WEIXINKIT_COMPONENT_AES_KEY"],
    http=weixinkit.HttpOptions(api_base_uri=os.environ.get("WEIXINKIT_API_BASE_URI")),
    store=weixinkit.FileStore(store_dir) if store_dir else None,  # None: the default file store
))
app = Flask(__name__)


def on_push(message):
    """Your part: weixinkit has already stored the ticket, exchanged the authorization code
    and stored the refresh token (or forgotten an authorizer) when this runs."""
    event = message.event
    if isinstance(event, (weixinkit.Event.AUTHORIZED, weixinkit.Event.UPDATE_AUTHORIZED)):
        app.logger.info("authorized by %s", event.notice.authorizer_appid)
    elif isinstance(event, weixinkit.Event.UNAUTHORIZED):
        app.logger.info("authorization cancelled by %s", event.authorizer_appid)


@app.route("/wechat/authorization-events", methods=["GET", "POST"])
def authorization_events():
    status, body, _message = component.handle_callback(
        request.method, request.args, request.get_data(as_text=True), on_push)
    return body, status, {"Content-Type": "text/plain; charset=utf-8"}


suite = None
if os.environ.get("WEIXINKIT_SUITE_ID"):
    suite = weixinkit.Suite(weixinkit.SuiteConfig(
        os.environ["WEIXINKIT_SUITE_ID"],
        os.environ["WEIXINKIT_SUITE_SECRET"],
        os.environ["WEIXINKIT_SUITE_TOKEN"],
        os.environ["WEIXINKIT_SUITE_AES_KEY"],
        provider_corp_id=os.environ.get("WEIXINKIT_PROVIDER_CORPID"),
        http=weixinkit.HttpOptions(work_base_uri=os.environ.get("WEIXINKIT_WORK_BASE_URI")),
        store=weixinkit.FileStore(store_dir) if store_dir else None,
    ))


def on_suite_push(message):
    """Your part for the suite: the ticket is stored, the permanent code stored (or the corp
    forgotten) when this runs; change_auth, change_contact and the rest arrive here too."""
    event = message.event
    if isinstance(event, weixinkit.Event.CHANGE_AUTH):
        app.logger.info("authorization changed by %s", event.auth_corp_id)
    elif isinstance(event, weixinkit.Event.CANCEL_AUTH):
        app.logger.info("uninstalled by %s", event.auth_corp_id)


@app.route("/wecom/suite-events", methods=["GET", "POST"])
def suite_events():
    if suite is None:
        return "no suite configured", 404
    status, body, _message = suite.handle_callback(
        request.method, request.args, request.get_data(as_text=True), on_suite_push)
    return body, status, {"Content-Type": "text/plain; charset=utf-8"}


@app.route("/authorize")
def authorize():
    """Send the merchant's browser to WeChat's authorization page (a new pre-auth code)."""
    return redirect(component.create_authorization_url(request.url_root + "authorized"))


@app.route("/authorized")
def authorized():
    """Where WeChat sends the browser back (`?auth_code=…`). The `authorized` push exchanges
    the code; exchanging it here too would make that push fail (a code is single-use)."""
    return "Authorized. Thank you!"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
