//! The Open Platform lifecycle against the local WeChat server: ticket push → component
//! token → pre-auth code → authorization push → query_auth persisted → acting on behalf →
//! token recovery → unauthorization cleans up.

use std::sync::Arc;

use serde_json::json;
use weixinkit::open_platform::AuthorizationUrlOptions;
use weixinkit::store::{FileStore, MemoryStore, Store};
use weixinkit::token::SystemClock;
use weixinkit::{
    CallbackRequest, Component, ComponentConfig, Event, HttpOptions, RetryPolicy, StoreConfig,
    TokenOptions,
};
use weixinkit_sim::{
    AuthorizeRequest, OptionsPatch, Push, RunningSim, Sim, SimConfig, COMPONENT_AES_KEY,
    COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN,
};

pub(super) const AUTHORIZER: &str = "wxauthorizer000001";
const OTHER: &str = "wxauthorizer000002";

pub(super) async fn sim() -> RunningSim {
    Sim::start(SimConfig::default()).await.expect("sim starts")
}

pub(super) fn config(sim: &RunningSim) -> ComponentConfig {
    ComponentConfig {
        component_app_id: COMPONENT_APPID.into(),
        component_secret: COMPONENT_SECRET.into(),
        token: COMPONENT_TOKEN.into(),
        encoding_aes_key: COMPONENT_AES_KEY.into(),
        http: HttpOptions {
            api_base_uri: sim.base_url.clone(),
            retry: RetryPolicy {
                delay_ms: 5,
                ..RetryPolicy::default()
            },
            ..HttpOptions::default()
        },
        tokens: TokenOptions::default(),
        store: StoreConfig::Memory,
        callback: Default::default(),
    }
}

pub(super) fn component(sim: &RunningSim, store: Arc<dyn Store>) -> Component {
    Component::with_store(config(sim), store, Arc::new(SystemClock)).unwrap()
}

pub(super) fn request(push: &Push) -> CallbackRequest {
    let q = &push.query;
    CallbackRequest {
        method: "POST".into(),
        query: vec![
            ("signature".into(), q.signature.clone()),
            ("timestamp".into(), q.timestamp.clone()),
            ("nonce".into(), q.nonce.clone()),
            ("encrypt_type".into(), q.encrypt_type.clone()),
            ("msg_signature".into(), q.msg_signature.clone()),
        ],
        body: push.body.clone(),
    }
}

/// Push a fresh ticket through the callback handler.
pub(super) async fn push_ticket(sim: &RunningSim, c: &Component) -> String {
    let issued = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    let response = c
        .handle_callback(&request(issued.outcome.push.as_ref().unwrap()))
        .await;
    assert_eq!((response.status, response.body.as_str()), (200, "success"));
    issued.ticket
}

/// Authorize `appid` and deliver the `authorized` push through the handler.
pub(super) async fn authorize(sim: &RunningSim, c: &Component, appid: &str) {
    let auth = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, appid))
        .await
        .unwrap();
    let response = c
        .handle_callback(&request(auth.outcome.push.as_ref().unwrap()))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    match response.message.unwrap().event {
        Event::Authorized { notice } => assert_eq!(notice.authorizer_appid, appid),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn the_whole_lifecycle_from_ticket_to_unauthorization() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));

    let ticket = push_ticket(&sim, &c).await;
    assert_eq!(
        c.verify_ticket().await.unwrap().as_deref(),
        Some(ticket.as_str())
    );
    let t = c.component_access_token().await.unwrap();
    assert_eq!(c.component_access_token().await.unwrap(), t);
    assert_eq!(sim.calls("/cgi-bin/component/api_component_token"), 1);

    let url = c
        .create_authorization_url(
            "https://example.com/back",
            &AuthorizationUrlOptions {
                auth_type: Some(3),
                ..AuthorizationUrlOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(url.starts_with("https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001&pre_auth_code=preauthcode%40%40%40"), "{url}");
    assert!(url.ends_with("&redirect_uri=https%3A%2F%2Fexample.com%2Fback&auth_type=3"));

    authorize(&sim, &c, AUTHORIZER).await;
    assert!(c.refresh_token(AUTHORIZER).await.unwrap().is_some());
    // The access token from query_auth is cached: no api_authorizer_token call needed.
    let a = c.authorizer(AUTHORIZER).unwrap();
    let answer = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert!(answer["ip_list"].is_array());
    assert_eq!(sim.calls("/cgi-bin/component/api_authorizer_token"), 0);

    // Expiry and 40001 are recovered through the stored refresh token.
    sim.expire_tokens(Some(AUTHORIZER));
    a.post_json("/cgi-bin/message/custom/send", &json!({"touser": "o1"}))
        .await
        .unwrap();
    assert_eq!(sim.calls("/cgi-bin/component/api_authorizer_token"), 1);

    // unauthorized removes what was stored; acting on behalf then needs re-authorization.
    let gone = sim.unauthorize(COMPONENT_APPID, AUTHORIZER).await.unwrap();
    let response = c
        .handle_callback(&request(gone.push.as_ref().unwrap()))
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(c.refresh_token(AUTHORIZER).await.unwrap(), None);
    let e = a.access_token().await.unwrap_err();
    assert_eq!(e.kind(), "reauthorization_needed");
}

#[tokio::test]
async fn a_bad_signature_is_refused_with_403_and_stores_nothing() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    let issued = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    let mut req = request(issued.outcome.push.as_ref().unwrap());
    for (k, v) in req.query.iter_mut() {
        if k == "msg_signature" {
            v.replace_range(0..1, if v.starts_with('0') { "1" } else { "0" });
        }
    }
    let response = c.handle_callback(&req).await;
    assert_eq!(response.status, 403);
    assert!(response.message.is_none());
    assert_eq!(c.verify_ticket().await.unwrap(), None);

    let mut get = request(issued.outcome.push.as_ref().unwrap());
    get.method = "GET".into();
    assert_eq!(c.handle_callback(&get).await.status, 405);
    let mut missing = request(issued.outcome.push.as_ref().unwrap());
    missing.query.retain(|(k, _)| k != "nonce");
    assert_eq!(c.handle_callback(&missing).await.status, 400);
}

#[tokio::test]
async fn no_ticket_is_a_clear_ticket_error_and_a_bad_ticket_is_not_retried() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    let e = c.component_access_token().await.unwrap_err();
    assert_eq!(e.kind(), "ticket");
    assert_eq!(e.code(), weixinkit::codes::TICKET_MISSING);
    assert!(e.to_string().contains(COMPONENT_APPID), "{e}");
    assert_eq!(sim.calls("/cgi-bin/component/api_component_token"), 0);

    c.store_verify_ticket("ticket@@@forged").await.unwrap();
    let e = c.component_access_token().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), ("ticket", 61006));
    assert_eq!(sim.calls("/cgi-bin/component/api_component_token"), 1);
}

#[tokio::test]
async fn a_restart_loses_nothing() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-op-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let c = component(&sim, Arc::new(FileStore::open(&dir).unwrap()));
        push_ticket(&sim, &c).await;
        authorize(&sim, &c, AUTHORIZER).await;
    }
    // A new process: a new client on the same directory.
    let c = component(&sim, Arc::new(FileStore::open(&dir).unwrap()));
    assert!(c.verify_ticket().await.unwrap().is_some());
    assert!(c.refresh_token(AUTHORIZER).await.unwrap().is_some());
    sim.expire_tokens(None);
    c.authorizer(AUTHORIZER)
        .unwrap()
        .get("/cgi-bin/get_api_domain_ip", &[])
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn two_authorizers_tokens_never_mix() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    authorize(&sim, &c, OTHER).await;
    let (a, b) = (
        c.authorizer(AUTHORIZER).unwrap(),
        c.authorizer(OTHER).unwrap(),
    );
    let (ta, tb) = (
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap(),
    );
    assert_ne!(ta.value, tb.value);
    // The sim knows whose token each is.
    let owner_of = |value: &str| {
        sim.tokens()
            .into_iter()
            .find(|t| t.value == value)
            .map(|t| t.owner)
    };
    assert_eq!(owner_of(&ta.value).as_deref(), Some(AUTHORIZER));
    assert_eq!(owner_of(&tb.value).as_deref(), Some(OTHER));
    // Refreshing one leaves the other alone.
    sim.expire_tokens(Some(AUTHORIZER));
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert_ne!(a.access_token().await.unwrap().value, ta.value);
    assert_eq!(b.access_token().await.unwrap().value, tb.value);
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_before_the_old_one_is_forgotten() {
    let sim = sim().await;
    sim.set_options(OptionsPatch {
        rotate_refresh_token: Some(true),
        grace_secs: Some(0),
        ..OptionsPatch::default()
    });
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    let before = c.refresh_token(AUTHORIZER).await.unwrap().unwrap();
    sim.expire_tokens(Some(AUTHORIZER));
    c.authorizer(AUTHORIZER)
        .unwrap()
        .get("/cgi-bin/get_api_domain_ip", &[])
        .await
        .unwrap();
    let after = c.refresh_token(AUTHORIZER).await.unwrap().unwrap();
    assert_ne!(before, after);
    // The rotated one works (the old one is dead with grace 0).
    sim.expire_tokens(Some(AUTHORIZER));
    c.authorizer(AUTHORIZER)
        .unwrap()
        .get("/cgi-bin/get_api_domain_ip", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_dead_refresh_token_is_recovered_from_the_authorizer_list() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    let good = c.refresh_token(AUTHORIZER).await.unwrap().unwrap();
    c.store_refresh_token(AUTHORIZER, "refreshtoken@@@lost")
        .await
        .unwrap();
    sim.expire_tokens(Some(AUTHORIZER));
    c.authorizer(AUTHORIZER)
        .unwrap()
        .get("/cgi-bin/get_api_domain_ip", &[])
        .await
        .unwrap();
    assert_eq!(c.refresh_token(AUTHORIZER).await.unwrap().unwrap(), good);
    assert_eq!(sim.calls("/cgi-bin/component/api_get_authorizer_list"), 1);
}

#[tokio::test]
async fn the_authorizer_list_reseeds_a_lost_store() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    authorize(&sim, &c, OTHER).await;
    let list = c.authorizer_list(0, 1).await.unwrap();
    assert_eq!((list.total_count, list.list.len()), (2, 1));

    let fresh = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &fresh).await;
    assert_eq!(fresh.reseed_refresh_tokens().await.unwrap(), 2);
    for appid in [AUTHORIZER, OTHER] {
        assert_eq!(
            fresh.refresh_token(appid).await.unwrap(),
            c.refresh_token(appid).await.unwrap()
        );
    }
}

#[tokio::test]
async fn every_component_endpoint_answers() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    c.start_push_ticket().await.unwrap();
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;

    let info = c.authorizer_info(AUTHORIZER).await.unwrap();
    assert_eq!(info["authorization_info"]["authorizer_appid"], AUTHORIZER);
    c.set_authorizer_option(AUTHORIZER, "voice_recognize", "1")
        .await
        .unwrap();
    assert_eq!(
        c.authorizer_option(AUTHORIZER, "voice_recognize")
            .await
            .unwrap(),
        "1"
    );
    let a = c.authorizer(AUTHORIZER).unwrap();
    a.set_option("location_report", "2").await.unwrap();
    assert_eq!(
        a.option("location_report").await.unwrap()["option_value"],
        "2"
    );
    c.clear_quota().await.unwrap();
    c.clear_quota_v2(None).await.unwrap();
    c.clear_quota_v2(Some(AUTHORIZER)).await.unwrap();
    a.clear_quota().await.unwrap();

    // Web OAuth on behalf of the authorizer, and mini program login.
    let url = c.oauth_authorize_url(
        AUTHORIZER,
        "https://example.com/cb",
        "snsapi_userinfo",
        "s1",
    );
    assert!(
        url.contains("&component_appid=wxcomponent0000001#wechat_redirect"),
        "{url}"
    );
    let code = sim.oauth_code(AUTHORIZER, None, None).unwrap();
    let user = c.oauth_access_token(AUTHORIZER, &code.code).await.unwrap();
    assert_eq!(user["openid"], code.openid.as_str());
    let refreshed = c
        .oauth_refresh_token(AUTHORIZER, user["refresh_token"].as_str().unwrap())
        .await
        .unwrap();
    let profile = c
        .oauth_user_info(
            refreshed["access_token"].as_str().unwrap(),
            refreshed["openid"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(profile["openid"], code.openid.as_str());
    let reused = c
        .oauth_access_token(AUTHORIZER, &code.code)
        .await
        .unwrap_err();
    assert_eq!(reused.errcode(), Some(40163));
    let js = sim.oauth_code(AUTHORIZER, None, None).unwrap();
    let session = c.jscode2session(AUTHORIZER, &js.code).await.unwrap();
    assert!(session["session_key"].is_string());

    // A given access token is used as is.
    let t = a.access_token().await.unwrap();
    let fixed = c
        .authorizer_with_access_token(AUTHORIZER, &t.value)
        .unwrap();
    fixed.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    // A given refresh token is stored and used.
    let refresh = c.refresh_token(AUTHORIZER).await.unwrap().unwrap();
    let other = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &other).await;
    let seeded = other
        .authorizer_with_refresh_token(AUTHORIZER, &refresh)
        .await
        .unwrap();
    seeded.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
}

#[tokio::test]
async fn an_unknown_authorizer_needs_authorization_first() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    let e = c
        .authorizer(OTHER)
        .unwrap()
        .get("/cgi-bin/get_api_domain_ip", &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "reauthorization_needed");
    assert_eq!(e.code(), weixinkit::codes::NOT_AUTHORIZED);
    assert!(c.authorizer("wx:bad").is_err());
}

#[tokio::test]
async fn a_repeated_authorized_push_is_answered_success_once_the_code_is_exchanged() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    let auth = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, AUTHORIZER))
        .await
        .unwrap();
    let push = request(auth.outcome.push.as_ref().unwrap());
    assert_eq!(c.handle_callback(&push).await.status, 200);
    // WeChat delivers the same push again: the code is spent (61009) but the authorizer is
    // stored, so the answer is success, not an endless 500.
    assert_eq!(c.handle_callback(&push).await.status, 200);
    assert_eq!(sim.calls("/cgi-bin/component/api_query_auth"), 2);

    // A spent code for an authorizer never stored is still a failure WeChat should retry.
    let other = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, OTHER))
        .await
        .unwrap();
    c.query_auth(&other.authorization_code).await.unwrap();
    c.forget_authorizer(OTHER).await.unwrap();
    let again = c
        .handle_callback(&request(other.outcome.push.as_ref().unwrap()))
        .await;
    assert_eq!(again.status, 500, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_facade_has_every_table_operation() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    authorize(&sim, &c, OTHER).await;
    sim.inject(weixinkit_sim::Fault::errcode("/cgi-bin/user/info", 45009).times(1));
    let platform = weixinkit::blocking::Component::from_async(c.clone());
    // A plain thread: blocking calls refuse to run on the runtime's threads.
    let (all, ips, url, error) = std::thread::spawn(move || {
        let mut all: Vec<String> = platform
            .all_authorizers()
            .unwrap()
            .into_iter()
            .map(|item| item.authorizer_appid)
            .collect();
        all.sort();
        let a = platform.authorizer(AUTHORIZER).unwrap();
        let ips = a.api_domain_ip().unwrap();
        let url = platform
            .authorization_url("pre".into(), "https://x.example/".into(), None)
            .unwrap();
        let error = a
            .get("/cgi-bin/user/info".into(), Default::default())
            .unwrap_err();
        (all, ips, url, error)
    })
    .join()
    .unwrap();
    assert_eq!(all, [AUTHORIZER, OTHER]);
    assert_eq!(ips, ["127.0.0.1"]);
    assert!(url.contains("pre_auth_code=pre"), "{url}");
    // One error shape: WeChat's errcode and errmsg, and the path called, as attributes.
    assert_eq!(error.kind(), "api");
    assert_eq!(error.errcode(), Some(45009));
    assert_eq!(error.endpoint(), Some("/cgi-bin/user/info"));
    assert!(error.errmsg().is_some_and(|m| !m.is_empty()), "{error}");
}

/// Every upstream call the sim counted.
fn upstream_calls(sim: &RunningSim) -> u64 {
    sim.stats().values().sum()
}

#[tokio::test]
async fn a_revoked_authorization_is_remembered_and_costs_no_more_upstream_calls() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    let a = c.authorizer(AUTHORIZER).unwrap();
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();

    // The merchant cancels, but the `unauthorized` push never reaches us: the next call is
    // refused with 61003 and that is remembered.
    sim.unauthorize(COMPONENT_APPID, AUTHORIZER).await.unwrap();
    let e = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.errcode()),
        ("reauthorization_needed", Some(61003))
    );
    let before = upstream_calls(&sim);
    for _ in 0..3 {
        let e = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.errcode()),
            ("reauthorization_needed", Some(61003))
        );
        assert!(e.to_string().contains("remembered"), "{e}");
        let e = a.access_token().await.unwrap_err();
        assert_eq!(e.kind(), "reauthorization_needed");
    }
    assert_eq!(upstream_calls(&sim), before, "{:?}", sim.stats());

    // A new authorization clears it.
    authorize(&sim, &c, AUTHORIZER).await;
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
}

#[tokio::test]
async fn a_dead_refresh_token_with_none_listed_is_remembered_across_processes() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-op-reauth-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let c = component(&sim, Arc::new(FileStore::open(&dir).unwrap()));
    push_ticket(&sim, &c).await;
    // Authorized at WeChat, but the code was never exchanged: the list has no refresh token,
    // and the one we hold is dead.
    let granted = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, OTHER))
        .await
        .unwrap();
    c.store_refresh_token(OTHER, "refreshtoken@@@dead")
        .await
        .unwrap();
    let e = c.authorizer_access_token(OTHER).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.errcode()),
        ("reauthorization_needed", Some(61023))
    );
    assert_eq!(sim.calls("/cgi-bin/component/api_authorizer_token"), 1);
    assert_eq!(sim.calls("/cgi-bin/component/api_get_authorizer_list"), 1);

    // This process and a new one on the same store raise at once, asking WeChat nothing.
    let before = upstream_calls(&sim);
    let other_process = component(&sim, Arc::new(FileStore::open(&dir).unwrap()));
    for client in [&c, &other_process] {
        let e = client
            .authorizer(OTHER)
            .unwrap()
            .post_json("/cgi-bin/message/custom/send", &json!({"touser": "o1"}))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.errcode()),
            ("reauthorization_needed", Some(61023))
        );
    }
    assert_eq!(upstream_calls(&sim), before, "{:?}", sim.stats());
    let key = format!("weixinkit:reauthorization_needed:{COMPONENT_APPID}:{OTHER}");
    let stored: serde_json::Value = serde_json::from_str(
        &FileStore::open(&dir)
            .unwrap()
            .get(&key)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["errcode"], 61023);
    assert!(stored["updated_at"].as_i64().unwrap() > 1_600_000_000);

    // The authorized push (query_auth) stores a new refresh token and clears the memory.
    let response = other_process
        .handle_callback(&request(granted.outcome.push.as_ref().unwrap()))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        FileStore::open(&dir).unwrap().get(&key).await.unwrap(),
        None
    );
    sim.expire_tokens(Some(OTHER));
    c.authorizer(OTHER)
        .unwrap()
        .get("/cgi-bin/get_api_domain_ip", &[])
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_unauthorized_push_is_remembered_until_a_refresh_token_is_stored() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    authorize(&sim, &c, AUTHORIZER).await;
    let kept = c.refresh_token(AUTHORIZER).await.unwrap().unwrap();
    let gone = sim.unauthorize(COMPONENT_APPID, AUTHORIZER).await.unwrap();
    let response = c
        .handle_callback(&request(gone.push.as_ref().unwrap()))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let before = upstream_calls(&sim);
    let a = c.authorizer(AUTHORIZER).unwrap();
    let e = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
    // WeChat said nothing: the code is weixinkit's own "not authorized".
    assert_eq!(
        (e.kind(), e.code(), e.errcode()),
        (
            "reauthorization_needed",
            weixinkit::codes::NOT_AUTHORIZED,
            None
        )
    );
    assert!(e.to_string().contains("unauthorized push"), "{e}");
    assert_eq!(upstream_calls(&sim), before);

    // Storing a refresh token clears it (here an old one, which WeChat then refuses: the
    // call is made, proving the memory was cleared, and the failure is remembered again).
    c.store_refresh_token(AUTHORIZER, &kept).await.unwrap();
    let e = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.errcode()),
        ("reauthorization_needed", Some(61003))
    );
    assert_eq!(sim.calls("/cgi-bin/component/api_authorizer_token"), 1);
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
    assert_eq!(sim.calls("/cgi-bin/component/api_authorizer_token"), 1);
}

#[tokio::test]
async fn a_refresh_refused_for_the_ticket_drops_the_revoked_component_token() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    let revoked = c.component_access_token().await.unwrap();
    sim.revoke_tokens(Some(COMPONENT_APPID));
    c.store_verify_ticket("ticket@@@forged").await.unwrap();
    assert_eq!(
        c.tokens().read(&component_key()).await.unwrap(),
        Some(revoked)
    );
    let e = c.create_pre_auth_code().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), ("ticket", 61006));
    assert_eq!(
        c.tokens().read(&component_key()).await.unwrap(),
        None,
        "the revoked token is dropped"
    );

    // A fresh ticket: the next call fetches a token first and spends nothing on 40001.
    push_ticket(&sim, &c).await;
    sim.reset_counters();
    c.create_pre_auth_code().await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/component/api_create_preauthcode"), 1);
    assert_eq!(sim.calls("/cgi-bin/component/api_component_token"), 1);
}

fn component_key() -> weixinkit::store::Key {
    weixinkit::store::Key::new(
        "weixinkit",
        weixinkit::store::Kind::ComponentAccessToken,
        COMPONENT_APPID,
        COMPONENT_APPID,
    )
}

/// A push as WeChat would send it, encrypted with the component's crypto.
fn encrypted_push(c: &Component, plaintext: &str) -> CallbackRequest {
    let (timestamp, nonce) = ("1700000000", "n0nce");
    let envelope = c
        .crypto()
        .encrypt_reply(plaintext, timestamp, nonce)
        .unwrap();
    let fields = weixinkit::message::parse_fields(&envelope).unwrap();
    let signature = fields.get("MsgSignature").unwrap().to_string();
    let encrypt = fields.get("Encrypt").unwrap();
    CallbackRequest {
        method: "POST".into(),
        query: vec![
            ("timestamp".into(), timestamp.into()),
            ("nonce".into(), nonce.into()),
            ("encrypt_type".into(), "aes".into()),
            ("msg_signature".into(), signature),
        ],
        body: format!(
            "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ),
    }
}

#[tokio::test]
async fn an_authorized_push_with_a_malformed_expiry_still_runs_the_lifecycle_step() {
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    push_ticket(&sim, &c).await;
    let granted = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, AUTHORIZER))
        .await
        .unwrap();
    let plaintext = format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId><CreateTime>1700000000</CreateTime>\
         <InfoType><![CDATA[authorized]]></InfoType>\
         <AuthorizerAppid><![CDATA[{AUTHORIZER}]]></AuthorizerAppid>\
         <AuthorizationCode><![CDATA[{}]]></AuthorizationCode>\
         <AuthorizationCodeExpiredTime><![CDATA[one hour]]></AuthorizationCodeExpiredTime>\
         <PreAuthCode><![CDATA[preauthcode@@@x]]></PreAuthCode></xml>",
        granted.authorization_code
    );
    let response = c.handle_callback(&encrypted_push(&c, &plaintext)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let message = response.message.unwrap();
    let Event::Authorized { notice } = &message.event else {
        panic!("{:?}", message.event)
    };
    assert_eq!(notice.authorization_code_expired_time, None);
    assert_eq!(notice.create_time, Some(1_700_000_000));
    assert_eq!(
        message.field("AuthorizationCodeExpiredTime"),
        Some("one hour")
    );
    assert!(c.refresh_token(AUTHORIZER).await.unwrap().is_some());
    assert_eq!(sim.calls("/cgi-bin/component/api_query_auth"), 1);

    // Without the code the step cannot run: refused (400), nothing exchanged.
    let broken = plaintext.replace("AuthorizationCode>", "Code>");
    let response = c.handle_callback(&encrypted_push(&c, &broken)).await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert!(
        response.body.contains("AuthorizationCode"),
        "{}",
        response.body
    );
    assert_eq!(sim.calls("/cgi-bin/component/api_query_auth"), 1);
}

#[tokio::test]
async fn a_replayed_push_is_refused_within_the_replay_window() {
    let sim = sim().await;
    let mut c = config(&sim);
    c.callback.replay_window_seconds = 120;
    // Two clients on one store: two processes sharing it.
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let a = Component::with_store(c.clone(), store.clone(), Arc::new(SystemClock)).unwrap();
    let b = Component::with_store(c, store, Arc::new(SystemClock)).unwrap();
    let issued = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    let push = request(issued.outcome.push.as_ref().unwrap());
    assert_eq!(a.handle_callback(&push).await.status, 200);
    for client in [&a, &b] {
        let again = client.handle_callback(&push).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(again.body.contains("replay"), "{}", again.body);
    }
    assert_eq!(
        b.verify_ticket().await.unwrap().as_deref(),
        Some(issued.ticket.as_str())
    );
    // The caller's handler failed after the 200: forgotten (here by the other process), the
    // retry is handled once more, and only once.
    b.forget_push(&push.query).await.unwrap();
    assert_eq!(a.handle_callback(&push).await.status, 200);
    assert_eq!(b.handle_callback(&push).await.status, 409);
    let mut unsigned = push.query.clone();
    unsigned.retain(|(k, _)| k != "msg_signature");
    let err = a.forget_push(&unsigned).await.unwrap_err();
    assert!(err.to_string().contains("msg_signature"), "{err}");
    // Off by default: the same push is accepted again, and there is nothing to forget.
    let plain = component(&sim, Arc::new(MemoryStore::new()));
    assert_eq!(plain.handle_callback(&push).await.status, 200);
    assert_eq!(plain.handle_callback(&push).await.status, 200);
    plain.forget_push(&push.query).await.unwrap();
}
