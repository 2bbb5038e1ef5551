//! Users signing in and the Official Account's server URL, against the local WeChat server:
//! web authorization (code → user token → refresh → check → profile), the documented code
//! errors, follower records and the subscribe check, website QR login, mini program login
//! with its own secret, the state helper, the message handler with its replies, and the
//! authorizers' JS-SDK ticket and background refresh.

use std::sync::Arc;
use std::time::Duration;

use sha1::{Digest, Sha1};
use weixinkit::store::MemoryStore;
use weixinkit::token::SystemClock;
use weixinkit::{
    jssdk_signature, CallbackRequest, Error, Event, HttpOptions, MessageCrypto, OAuthState,
    OfficialAccount, OfficialAccountConfig, Reply, RetryPolicy, StoreConfig, WebsiteApp,
    WebsiteAppConfig,
};
use weixinkit_sim::{App, RunningSim, MINI_APPID, MINI_SECRET, OA_APPID, OA_SECRET};

use super::open_platform::{authorize, component, push_ticket, sim, AUTHORIZER};

const TOKEN: &str = "oatoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const WEB_APPID: &str = "wxweb000000000001";
const WEB_SECRET: &str = "web-secret";

fn http(sim: &RunningSim) -> HttpOptions {
    HttpOptions {
        api_base_uri: sim.base_url.clone(),
        timeout_ms: 2_000,
        retry: RetryPolicy {
            delay_ms: 5,
            ..RetryPolicy::default()
        },
        ..HttpOptions::default()
    }
}

fn account_for(sim: &RunningSim, appid: &str, secret: &str) -> OfficialAccount {
    let config = OfficialAccountConfig {
        token: Some(TOKEN.into()),
        encoding_aes_key: Some(AES_KEY.into()),
        http: http(sim),
        store: StoreConfig::Memory,
        ..OfficialAccountConfig::new(appid, secret)
    };
    OfficialAccount::with_store(config, Arc::new(MemoryStore::new()), Arc::new(SystemClock))
        .unwrap()
}

fn account(sim: &RunningSim) -> OfficialAccount {
    account_for(sim, OA_APPID, OA_SECRET)
}

fn code_error(e: &Error, errcode: i64, words: &str) {
    assert_eq!(e.kind(), "oauth_code", "{e}");
    assert_eq!(e.errcode(), Some(errcode), "{e}");
    assert_eq!(e.code() as i64, errcode);
    assert!(e.to_string().contains(words), "{e}");
}

#[tokio::test]
async fn web_authorization_from_code_to_profile() {
    let sim = sim().await;
    let a = account(&sim);
    let url = a
        .oauth_url("https://example.com/cb?x=1", "snsapi_userinfo", "st1")
        .unwrap();
    assert_eq!(
        url,
        format!(
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid={OA_APPID}\
             &redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1&response_type=code\
             &scope=snsapi_userinfo&state=st1#wechat_redirect"
        )
    );
    let bad = a
        .oauth_url("https://e.com", "snsapi_login", "")
        .unwrap_err();
    assert_eq!(bad.code(), weixinkit::codes::INVALID_ARGUMENT);

    let code = sim.oauth_code(OA_APPID, None, None).unwrap();
    let user = a.oauth_access_token(&code.code).await.unwrap();
    assert_eq!(user.openid, code.openid);
    assert_eq!(user.scope, "snsapi_userinfo");
    assert_eq!(user.expires_in, 7200);
    assert!(user.unionid.is_some());
    assert!(!user.is_snapshotuser);
    let shown = format!("{user:?}");
    assert!(
        !shown.contains(&user.access_token) && !shown.contains(&user.refresh_token),
        "{shown}"
    );

    assert!(a
        .oauth_check(&user.access_token, &user.openid)
        .await
        .unwrap());
    assert!(!a
        .oauth_check(&user.access_token, "o-someone-else")
        .await
        .unwrap());

    let renewed = a.oauth_refresh_token(&user.refresh_token).await.unwrap();
    assert_eq!(renewed.openid, user.openid);
    assert_ne!(renewed.access_token, user.access_token);
    let profile = a
        .oauth_user_info(&renewed.access_token, &renewed.openid, "en")
        .await
        .unwrap();
    assert_eq!(profile.openid, code.openid);
    assert_eq!(profile.nickname, "Sim User");
    assert_eq!(profile.unionid, user.unionid);

    let lang = a
        .oauth_user_info(&renewed.access_token, &renewed.openid, "fr")
        .await
        .unwrap_err();
    assert_eq!(lang.kind(), "invalid_input");
    let refresh = a.oauth_refresh_token("REFRESH_nope").await.unwrap_err();
    assert_eq!((refresh.kind(), refresh.errcode()), ("api", Some(40030)));
}

#[tokio::test]
async fn a_used_expired_or_unknown_code_is_one_clear_error_and_never_retried() {
    let sim = sim().await;
    let a = account(&sim);
    let code = sim.oauth_code(OA_APPID, None, Some("snsapi_base")).unwrap();
    let user = a.oauth_access_token(&code.code).await.unwrap();
    assert_eq!(user.unionid, None);
    sim.reset_counters();
    code_error(
        &a.oauth_access_token(&code.code).await.unwrap_err(),
        40163,
        "already used",
    );
    assert_eq!(sim.calls("/sns/oauth2/access_token"), 1);

    let stale = sim.oauth_code(OA_APPID, None, None).unwrap();
    assert!(sim.expire_oauth_code(&stale.code));
    code_error(
        &a.oauth_access_token(&stale.code).await.unwrap_err(),
        42003,
        "has expired",
    );
    code_error(
        &a.oauth_access_token("CODE_unknown").await.unwrap_err(),
        40029,
        "invalid",
    );
    // A code minted for another account is unknown to this one.
    let other = sim.oauth_code(MINI_APPID, None, None).unwrap();
    code_error(
        &a.oauth_access_token(&other.code).await.unwrap_err(),
        40029,
        "invalid",
    );
    assert_eq!(
        a.oauth_access_token("").await.unwrap_err().kind(),
        "invalid_input"
    );

    // A snsapi_base token has no profile: WeChat's 48001 stays an API error.
    let e = a
        .oauth_user_info(&user.access_token, &user.openid, "zh_CN")
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.errcode()), ("api", Some(48001)));

    // A wrong secret is the account's configuration, not the user's code.
    let wrong = account_for(&sim, OA_APPID, "not-the-secret");
    let fresh = sim.oauth_code(OA_APPID, None, None).unwrap();
    let e = wrong.oauth_access_token(&fresh.code).await.unwrap_err();
    assert_eq!((e.kind(), e.errcode()), ("api", Some(40125)));
}

#[tokio::test]
async fn follower_records_and_the_subscribe_check() {
    let sim = sim().await;
    let a = account(&sim);
    let follower = sim.oauth_code(OA_APPID, None, Some("snsapi_base")).unwrap();
    let info = a.user_info_by_code(&follower.code).await.unwrap();
    assert!(info.subscribe);
    assert_eq!(info.openid, follower.openid);
    assert_eq!(info.subscribe_scene, "ADD_SCENE_QR_CODE");
    assert!(info.subscribe_time > 0);

    let visitor = sim.oauth_code(OA_APPID, None, Some("snsapi_base")).unwrap();
    sim.set_following(OA_APPID, &visitor.openid, false);
    let info = a.user_info_by_code(&visitor.code).await.unwrap();
    assert!(!info.subscribe);
    assert_eq!(info.openid, visitor.openid);
    assert_eq!((info.subscribe_time, info.unionid), (0, None));
    // The same check without the code.
    assert!(!a.user_info(&visitor.openid).await.unwrap().subscribe);
    sim.set_following(OA_APPID, &visitor.openid, true);
    assert!(a.user_info(&visitor.openid).await.unwrap().subscribe);

    let e = a.user_info("not-an-openid").await.unwrap_err();
    assert_eq!((e.kind(), e.errcode()), ("api", Some(40003)));
    assert_eq!(a.user_info("").await.unwrap_err().kind(), "invalid_input");
    code_error(
        &a.user_info_by_code(&visitor.code).await.unwrap_err(),
        40163,
        "already used",
    );
}

#[tokio::test]
async fn website_login_with_its_own_secret() {
    let sim = sim().await;
    sim.add_app(App::website_app(WEB_APPID, WEB_SECRET))
        .unwrap();
    let app = WebsiteApp::new(WebsiteAppConfig {
        http: http(&sim),
        ..WebsiteAppConfig::new(WEB_APPID, WEB_SECRET)
    })
    .unwrap();
    assert_eq!(
        app.qrconnect_url("https://example.com/login", "st", Some("en"))
            .unwrap(),
        format!(
            "https://open.weixin.qq.com/connect/qrconnect?appid={WEB_APPID}\
             &redirect_uri=https%3A%2F%2Fexample.com%2Flogin&response_type=code\
             &scope=snsapi_login&state=st&lang=en#wechat_redirect"
        )
    );
    assert!(app
        .qrconnect_url("https://e.com", "st", Some("de"))
        .is_err());

    let code = sim
        .oauth_code(WEB_APPID, None, Some("snsapi_login"))
        .unwrap();
    let user = app.oauth_access_token(&code.code).await.unwrap();
    assert_eq!(
        (user.openid.as_str(), user.scope.as_str()),
        (code.openid.as_str(), "snsapi_login")
    );
    assert!(app
        .oauth_check(&user.access_token, &user.openid)
        .await
        .unwrap());
    let renewed = app.oauth_refresh_token(&user.refresh_token).await.unwrap();
    assert_eq!(renewed.openid, user.openid);
    code_error(
        &app.oauth_access_token(&code.code).await.unwrap_err(),
        40163,
        "already used",
    );
    // The Official Account cannot exchange the website app's code.
    let other = sim.oauth_code(WEB_APPID, None, None).unwrap();
    code_error(
        &account(&sim)
            .oauth_access_token(&other.code)
            .await
            .unwrap_err(),
        40029,
        "invalid",
    );
    // snsapi_login reads the user's profile (wechat-api.md D.10).
    let profile = app
        .oauth_user_info(&renewed.access_token, &renewed.openid, "en")
        .await
        .unwrap();
    assert_eq!(profile.openid, user.openid);
    assert!(!profile.nickname.is_empty());
    let config_error = WebsiteApp::new(WebsiteAppConfig::new(WEB_APPID, "")).unwrap_err();
    assert_eq!(config_error.kind(), "config");
    assert!(!format!("{app:?}").contains(WEB_SECRET));
}

#[tokio::test]
async fn mini_program_login_with_its_own_secret() {
    let sim = sim().await;
    let mini = account_for(&sim, MINI_APPID, MINI_SECRET);
    let code = sim.oauth_code(MINI_APPID, None, None).unwrap();
    let session = mini.jscode2session(&code.code).await.unwrap();
    assert_eq!(session.openid, code.openid);
    assert!(!session.session_key.is_empty());
    assert!(!format!("{session:?}").contains(&session.session_key));
    code_error(
        &mini.jscode2session(&code.code).await.unwrap_err(),
        40163,
        "already used",
    );
    // An expired js_code is just invalid (40029), as WeChat documents for jscode2session.
    let stale = sim.oauth_code(MINI_APPID, None, None).unwrap();
    sim.expire_oauth_code(&stale.code);
    code_error(
        &mini.jscode2session(&stale.code).await.unwrap_err(),
        40029,
        "invalid",
    );
    let wrong = account_for(&sim, MINI_APPID, "nope");
    let fresh = sim.oauth_code(MINI_APPID, None, None).unwrap();
    assert_eq!(
        wrong
            .jscode2session(&fresh.code)
            .await
            .unwrap_err()
            .errcode(),
        Some(40125)
    );
}

#[tokio::test]
async fn the_state_ties_the_redirect_to_the_session() {
    let sim = sim().await;
    let a = account(&sim);
    let states = OAuthState::new("a server-side key of enough bytes").unwrap();
    let state = states.issue("session-1").unwrap();
    let url = a
        .oauth_url("https://e.com/cb", "snsapi_base", &state)
        .unwrap();
    assert!(url.contains(&format!("&state={state}#")), "{url}");
    states.verify(&state, "session-1").unwrap();
    let e = states.verify(&state, "session-2").unwrap_err();
    assert_eq!(e.code(), weixinkit::codes::INVALID_ARGUMENT);
    assert!(states.verify("", "session-1").is_err());
}

// --- the server URL ---------------------------------------------------------------------

fn plain_signature(timestamp: &str, nonce: &str) -> String {
    let mut parts = [TOKEN, timestamp, nonce];
    parts.sort_unstable();
    Sha1::digest(parts.concat().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const TEXT: &str = "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>\
    <FromUserName><![CDATA[o-user-1]]></FromUserName><CreateTime>1700000000</CreateTime>\
    <MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
    <MsgId>1234567890</MsgId></xml>";

fn plain_post(body: &str) -> CallbackRequest {
    plain_post_at(body, "1700000000", "n1")
}

fn plain_post_at(body: &str, ts: &str, nonce: &str) -> CallbackRequest {
    CallbackRequest {
        method: "POST".into(),
        query: query(&[
            ("signature", &plain_signature(ts, nonce)),
            ("timestamp", ts),
            ("nonce", nonce),
            ("openid", "o-user-1"),
        ]),
        body: body.into(),
    }
}

fn encrypted_post(body: &str) -> CallbackRequest {
    encrypted_post_at(body, "1700000001", "n2")
}

fn encrypted_post_at(body: &str, ts: &str, nonce: &str) -> CallbackRequest {
    let crypto = MessageCrypto::new(TOKEN, AES_KEY, OA_APPID).unwrap();
    let encrypt = crypto.encrypt(body).unwrap();
    let msg_signature = weixinkit::msg_signature(TOKEN, ts, nonce, &encrypt);
    CallbackRequest {
        method: "POST".into(),
        query: query(&[
            ("signature", &plain_signature(ts, nonce)),
            ("timestamp", ts),
            ("nonce", nonce),
            ("openid", "o-user-1"),
            ("encrypt_type", "aes"),
            ("msg_signature", &msg_signature),
        ]),
        body: format!(
            "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>\
             <Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ),
    }
}

fn echo_text(message: &weixinkit::Message) -> Option<Reply> {
    match &message.event {
        Event::Text { content, .. } => Some(Reply::Text {
            content: format!("you said {content}"),
        }),
        _ => None,
    }
}

#[tokio::test]
async fn the_server_url_checks_get_and_answers_messages_in_every_mode() {
    let sim = sim().await;
    let a = account(&sim);
    // URL verification.
    let (ts, nonce) = ("1700000000", "n0");
    let mut get = CallbackRequest {
        method: "GET".into(),
        query: query(&[
            ("signature", &plain_signature(ts, nonce)),
            ("timestamp", ts),
            ("nonce", nonce),
            ("echostr", "echo-123"),
        ]),
        body: String::new(),
    };
    let r = a.handle_message(&get).await;
    assert_eq!((r.status, r.body.as_str()), (200, "echo-123"));
    get.query[0].1 = "0".repeat(40);
    let r = a.handle_message(&get).await;
    assert_eq!(r.status, 403);
    assert_ne!(r.body, "echo-123");

    // Plain mode: the reply comes back as XML addressed to the user.
    let r = a.handle_message_with(&plain_post(TEXT), echo_text).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let reply = weixinkit::parse_message(&r.body).unwrap();
    assert_eq!(reply.field("ToUserName"), Some("o-user-1"));
    assert_eq!(reply.field("FromUserName"), Some("gh_account"));
    assert_eq!(reply.field("Content"), Some("you said hello"));
    // No reply: `success`.
    let r = a.handle_message_with(&plain_post(TEXT), |_| None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "success"));
    assert!(matches!(r.message.unwrap().event, Event::Text { .. }));

    // Safe mode: decrypted, and the reply encrypted with a fresh signature.
    let request = encrypted_post(TEXT);
    let r = a.handle_message_with(&request, echo_text).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains("you said"), "{}", r.body);
    let envelope = weixinkit::message::parse_fields(&r.body).unwrap();
    let crypto = MessageCrypto::new(TOKEN, AES_KEY, OA_APPID).unwrap();
    let plain = crypto
        .decrypt_body(
            envelope.get("MsgSignature").unwrap(),
            envelope.get("TimeStamp").unwrap(),
            envelope.get("Nonce").unwrap(),
            &r.body,
        )
        .unwrap();
    let reply = weixinkit::parse_message(&plain).unwrap();
    assert_eq!(reply.field("Content"), Some("you said hello"));
    assert_eq!(reply.field("ToUserName"), Some("o-user-1"));

    // Compatible mode sends both; the encrypted part is what counts. A transfer reply.
    let r = a
        .handle_message_with(&request, |_| {
            Some(Reply::TransferCustomerService { kf_account: None })
        })
        .await;
    let envelope = weixinkit::message::parse_fields(&r.body).unwrap();
    let plain = crypto
        .decrypt_body(
            envelope.get("MsgSignature").unwrap(),
            envelope.get("TimeStamp").unwrap(),
            envelope.get("Nonce").unwrap(),
            &r.body,
        )
        .unwrap();
    assert_eq!(
        weixinkit::parse_message(&plain).unwrap().field("MsgType"),
        Some("transfer_customer_service")
    );
}

#[tokio::test]
async fn forged_or_malformed_requests_are_refused_and_the_handler_never_runs() {
    let sim = sim().await;
    let a = account(&sim);
    let mut ran = false;
    let mut forged = plain_post(TEXT);
    forged.query[0].1 = "f".repeat(40);
    assert_eq!(
        a.handle_message_with(&forged, |_| {
            ran = true;
            None
        })
        .await
        .status,
        403
    );
    let mut forged = encrypted_post(TEXT);
    let last = forged.query.len() - 1;
    forged.query[last].1 = "0".repeat(40);
    let r = a
        .handle_message_with(&forged, |_| {
            ran = true;
            None
        })
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.message.is_none());
    assert!(!ran);

    let mut missing = plain_post(TEXT);
    missing.query.retain(|(k, _)| k != "nonce");
    assert_eq!(a.handle_message(&missing).await.status, 400);
    assert_eq!(
        a.handle_message(&plain_post("<xml><broken")).await.status,
        400
    );
    let mut put = plain_post(TEXT);
    put.method = "PUT".into();
    assert_eq!(a.handle_message(&put).await.status, 405);

    // Without a token nothing can be checked: 500, nothing parsed.
    let bare = OfficialAccount::with_store(
        OfficialAccountConfig {
            store: StoreConfig::Memory,
            ..OfficialAccountConfig::new(OA_APPID, OA_SECRET)
        },
        Arc::new(MemoryStore::new()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let r = bare.handle_message(&plain_post(TEXT)).await;
    assert_eq!(r.status, 500);
    assert!(r.message.is_none());

    // A reply that cannot be built is a 500 with the reason (WeChat tries again).
    let r = a
        .handle_message_with(&plain_post(TEXT), |_| {
            Some(Reply::News { articles: vec![] })
        })
        .await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("articles"), "{}", r.body);
}

/// A store for one client: each call opens a new connection, as a separate process would.
type OpenStore = Arc<dyn Fn() -> Arc<dyn weixinkit::store::Store> + Send + Sync>;

fn windowed_account(
    sim: &RunningSim,
    store: Arc<dyn weixinkit::store::Store>,
    prefix: &str,
    window: u64,
) -> OfficialAccount {
    let mut config = OfficialAccountConfig {
        token: Some(TOKEN.into()),
        encoding_aes_key: Some(AES_KEY.into()),
        http: http(sim),
        store: StoreConfig::Memory,
        ..OfficialAccountConfig::new(OA_APPID, OA_SECRET)
    };
    config.tokens.key_prefix = prefix.into();
    config.callback.replay_window_seconds = window;
    OfficialAccount::with_store(config, store, Arc::new(SystemClock)).unwrap()
}

fn now() -> i64 {
    weixinkit::token::Clock::now(&SystemClock)
}

async fn official_account_refuses_a_replayed_message(open: OpenStore, prefix: &str) {
    let sim = sim().await;
    // Two processes behind one server URL, sharing the store.
    let a = windowed_account(&sim, open(), prefix, 300);
    let b = windowed_account(&sim, open(), prefix, 300);
    let ts = now().to_string();

    // Plain mode: recognised by its signature.
    let push = plain_post_at(TEXT, &ts, "replay-plain");
    let first = a.handle_message(&push).await;
    assert_eq!((first.status, first.body.as_str()), (200, "success"));
    for account in [&a, &b] {
        let again = account.handle_message(&push).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(again.body.contains("replay"), "{}", again.body);
        assert!(again.message.is_none() && again.plaintext.is_none());
    }
    // A forgery of the same timestamp and nonce is a forgery, not a replay.
    let mut forged = push.clone();
    forged.query[0].1 = "f".repeat(40);
    assert_eq!(a.handle_message(&forged).await.status, 403);

    // Safe mode: recognised by its msg_signature; the handler never sees the replay.
    let push = encrypted_post_at(TEXT, &ts, "replay-aes");
    let mut runs = 0;
    let first = a
        .handle_message_with(&push, |m| {
            runs += 1;
            echo_text(m)
        })
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("<Encrypt>"), "{}", first.body);
    let again = b
        .handle_message_with(&push, |m| {
            runs += 1;
            echo_text(m)
        })
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("replay"), "{}", again.body);
    assert_eq!(runs, 1);
    // Compatible mode carries the plaintext beside `Encrypt`: the same push with `encrypt_type`
    // and `msg_signature` dropped is still the same push.
    let mut stripped = push.clone();
    stripped
        .query
        .retain(|(k, _)| k != "encrypt_type" && k != "msg_signature");
    stripped.body = TEXT.into();
    let r = a.handle_message(&stripped).await;
    assert_eq!(r.status, 409, "{}", r.body);

    // Outside the window, in the past or the future: 403, whatever the signature says.
    for skew in [-301, 301] {
        let stale = plain_post_at(TEXT, &(now() + skew).to_string(), "replay-stale");
        let r = a.handle_message(&stale).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("replay window"), "{}", r.body);
        assert!(r.message.is_none());
    }

    // A reply that cannot be built (500) forgets the push: WeChat's retry is handled.
    let push = plain_post_at(TEXT, &ts, "replay-retry");
    let failed = a
        .handle_message_with(&push, |_| Some(Reply::News { articles: vec![] }))
        .await;
    assert_eq!(failed.status, 500, "{}", failed.body);
    let retried = b.handle_message_with(&push, echo_text).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert!(retried.body.contains("you said hello"), "{}", retried.body);
    assert_eq!(a.handle_message(&push).await.status, 409);

    // A message the caller's own handling failed on, after a 200: forget_push (in another
    // process) lets WeChat's retry through once more.
    let push = plain_post_at(TEXT, &ts, "replay-forgotten");
    assert_eq!(a.handle_message(&push).await.status, 200);
    assert_eq!(a.handle_message(&push).await.status, 409);
    b.forget_push(&push.query).await.unwrap();
    assert_eq!(a.handle_message(&push).await.status, 200);
    assert_eq!(b.handle_message(&push).await.status, 409);
    // Keyed by `signature`, as admitted: a query without it is an error, not a silent no-op.
    let mut unsigned = push.query.clone();
    unsigned.retain(|(k, _)| k != "signature");
    let err = a.forget_push(&unsigned).await.unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");

    // So does a message that cannot be parsed: its retry is a 400 again, not a replay.
    let broken = plain_post_at("<xml><broken", &ts, "replay-broken");
    assert_eq!(a.handle_message(&broken).await.status, 400);
    assert_eq!(b.handle_message(&broken).await.status, 400);

    // URL verification is not a push: it may be repeated.
    let get = CallbackRequest {
        method: "GET".into(),
        query: query(&[
            ("signature", &plain_signature(&ts, "replay-get")),
            ("timestamp", &ts),
            ("nonce", "replay-get"),
            ("echostr", "echo-1"),
        ]),
        body: String::new(),
    };
    for _ in 0..2 {
        let r = a.handle_message(&get).await;
        assert_eq!((r.status, r.body.as_str()), (200, "echo-1"));
    }
}

#[tokio::test]
async fn official_account_refuses_a_replayed_message_on_the_memory_store() {
    let store: Arc<dyn weixinkit::store::Store> = Arc::new(MemoryStore::new());
    official_account_refuses_a_replayed_message(Arc::new(move || store.clone()), "weixinkit").await;
}

#[tokio::test]
async fn official_account_refuses_a_replayed_message_on_redis() {
    let Ok(url) = std::env::var("WEIXINKIT_REDIS_URL") else {
        assert!(
            std::env::var_os("WEIXINKIT_REQUIRE_SERVICES").is_none(),
            "WEIXINKIT_REDIS_URL must be set when services are required"
        );
        eprintln!("WEIXINKIT_REDIS_URL unset: `source scripts/services.sh` to run this test");
        return;
    };
    let open: OpenStore =
        Arc::new(move || Arc::new(weixinkit::store::RedisStore::connect(&url).unwrap()));
    let prefix = format!("oareplay{}x{}", std::process::id(), now());
    official_account_refuses_a_replayed_message(open, &prefix).await;
}

#[tokio::test]
async fn official_account_replay_window_off_never_touches_the_store() {
    let sim = sim().await;
    // A store that cannot be reached: any access would answer 500.
    let unreachable = || -> Arc<dyn weixinkit::store::Store> {
        Arc::new(weixinkit::store::RedisStore::connect("redis://127.0.0.1:1/0").unwrap())
    };
    let off = windowed_account(&sim, unreachable(), "weixinkit", 0);
    let push = plain_post_at(TEXT, &now().to_string(), "off");
    for _ in 0..2 {
        let r = off.handle_message(&push).await;
        assert_eq!((r.status, r.body.as_str()), (200, "success"));
        assert!(r.message.is_some());
    }
    // Nothing to forget either.
    off.forget_push(&push.query).await.unwrap();
    // Stale timestamps are not checked either when the window is off.
    let old = plain_post_at(TEXT, "1700000000", "off-old");
    assert_eq!(off.handle_message(&old).await.status, 200);
    // With the window on, the same store failing is a 500 (WeChat pushes again).
    let on = windowed_account(&sim, unreachable(), "weixinkit", 300);
    let r = on.handle_message(&push).await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert!(r.body.contains("replay window"), "{}", r.body);
    assert!(r.message.is_none());
}

// --- authorizers on par -------------------------------------------------------------------

#[tokio::test]
async fn an_authorizer_has_its_own_cached_jsapi_ticket_and_jssdk_config() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    let a = c.authorizer(AUTHORIZER).unwrap();
    sim.reset_counters();
    let ticket = a.jsapi_ticket().await.unwrap();
    assert_eq!(a.jsapi_ticket().await.unwrap(), ticket);
    assert_eq!(sim.calls("/cgi-bin/ticket/getticket"), 1);
    let config = a
        .jssdk_config("https://example.com/page?x=1#frag")
        .await
        .unwrap();
    assert_eq!(config.app_id, AUTHORIZER);
    assert_eq!(config.url, "https://example.com/page?x=1");
    assert_eq!(
        config.signature,
        jssdk_signature(
            &ticket.value,
            &config.nonce_str,
            config.timestamp,
            &config.url
        )
    );
    assert_eq!(sim.calls("/cgi-bin/ticket/getticket"), 1);
    assert_eq!(
        a.jssdk_config("").await.unwrap_err().kind(),
        "invalid_input"
    );

    // Followers of the authorizer, with its token.
    let info = a.user_info("o-follower").await.unwrap();
    assert!(info.subscribe);
}

async fn wait_for(sim: &RunningSim, path: &str) -> u64 {
    for _ in 0..250 {
        if sim.calls(path) >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sim.calls(path)
}

#[tokio::test]
async fn keep_fresh_fetches_the_component_and_authorizer_tokens_in_the_background() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    let refresh_token = c.refresh_token(AUTHORIZER).await.unwrap().unwrap();
    // A second platform process with an empty cache: each guard fetches once, then sleeps
    // until its token's refresh margin.
    let other = component(&sim, Arc::new(MemoryStore::new()));
    let ticket = sim
        .latest_component_ticket(weixinkit_sim::COMPONENT_APPID)
        .unwrap();
    other.store_verify_ticket(&ticket).await.unwrap();
    other
        .store_refresh_token(AUTHORIZER, &refresh_token)
        .await
        .unwrap();
    sim.reset_counters();
    let component_guard = other.keep_fresh();
    let authorizer_guard = other.authorizer(AUTHORIZER).unwrap().keep_fresh();
    assert_eq!(
        wait_for(&sim, "/cgi-bin/component/api_authorizer_token").await,
        1
    );
    assert_eq!(
        wait_for(&sim, "/cgi-bin/component/api_component_token").await,
        1
    );
    component_guard.stop();
    authorizer_guard.stop();
    // Both are cached now: asking again reaches WeChat no more.
    other.component_access_token().await.unwrap();
    other.authorizer_access_token(AUTHORIZER).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/component/api_component_token"), 1);
    assert_eq!(sim.calls("/cgi-bin/component/api_authorizer_token"), 1);
}
