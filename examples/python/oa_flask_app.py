"""An Official Account's own web pages and server URL in Flask, with weixinkit: "is this
visitor following us?" through web authorization, and answering users' text messages.

Run it (Python >= 3.10):

    python3 -m pip install ./bindings/python flask
    export WEIXINKIT_OA_APPID=wx… WEIXINKIT_OA_SECRET=… WEIXINKIT_OA_TOKEN=… \
           WEIXINKIT_OA_AES_KEY=… WEIXINKIT_STATE_KEY=… FLASK_SECRET_KEY=…
    # optional: WEIXINKIT_API_BASE_URI (e.g. a local wechat-sim), PORT (default 8080)
    python3 examples/python/oa_flask_app.py

Open /subscribed inside WeChat: it sends the visitor to WeChat's silent authorization
(snsapi_base) with a state bound to the Flask session (``OAuthState``), WeChat redirects
back to /oauth/callback with a code, and the page says
whether the visitor follows the account. Set http(s)://your.host/wechat as the account's
server URL: text messages are answered "you said …" (encrypted in safe mode).
"""

import os
import secrets

from flask import Flask, abort, redirect, request, session, url_for

import weixinkit

account = weixinkit.OfficialAccount(weixinkit.OfficialAccountConfig(
    os.environ["WEIXINKIT_OA_APPID"],
    os.environ["WEIXINKIT_OA_SECRET"],
    token=os.environ["WEIXINKIT_OA_TOKEN"],
    encoding_aes_key=os.environ.get("WEIXINKIT_OA_AES_KEY"),
    http=weixinkit.HttpOptions(api_base_uri=os.environ.get("WEIXINKIT_API_BASE_URI")),
    store=weixinkit.MemoryStore(),
    # A replayed push (same timestamp, nonce and signature) within 5 minutes answers 409, an
    # older or forged-date one 403.
    callback=weixinkit.CallbackOptions(replay_window_seconds=300),
))
# The state ties WeChat's redirect to the visitor's session: an HMAC with this key (at least
# 16 bytes, shared by every worker), expiring after 10 minutes.
states = weixinkit.OAuthState(os.environ["WEIXINKIT_STATE_KEY"])
app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.get("/subscribed")
def start():
    session.setdefault("sid", secrets.token_hex(16))
    callback = url_for("callback", _external=True)
    return redirect(account.oauth_url(callback, "snsapi_base", states.issue(session["sid"])))


@app.get("/oauth/callback")
def callback():
    try:
        # Forged, from another session, or expired: refused before the code is used.
        states.verify(request.args.get("state", ""), session.get("sid", "-"))
    except weixinkit.WeixinkitError.InvalidInput as e:
        abort(400, str(e))
    code = request.args.get("code")
    if not code:
        abort(400, "the user refused the authorization")
    try:
        user = account.user_info_by_code(code)
    except weixinkit.WeixinkitError.OauthCode:
        # Used or expired (a reload of this page): start again.
        return redirect(url_for("start"))
    return "subscribed" if user.subscribe else "not subscribed"


@app.route("/wechat", methods=["GET", "POST"])
def server_url():
    def answer(message):
        content = message.fields.get("Content")
        if content:
            return {"type": "text", "content": "you said " + content[0]}
        return None

    result = account.handle_message(request.method, request.args, request.get_data(), answer)
    return result.body, result.status, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "8080")))
