//! WeCom against the local server: the suite's install lifecycle through its callback handler
//! (URL verification → suite_ticket → suite token → install link → create_auth → permanent
//! code stored → acting for the corp → token recovery → cancel_auth), every endpoint and its
//! documented errors, two suites and two corps side by side, restarts, forged pushes, and
//! concurrent cold tokens.

use std::sync::Arc;

use serde_json::json;
use weixinkit::store::{FileStore, MemoryStore, Store};
use weixinkit::token::SystemClock;
use weixinkit::wecom::{
    Provider, ProviderConfig, Suite, SuiteConfig, WorkAccount, WorkAccountConfig,
};
use weixinkit::{CallbackRequest, Event, HttpOptions, RetryPolicy, StoreConfig, TokenOptions};
use weixinkit_sim::{
    InstallRequest, OptionsPatch, RunningSim, Sim, SimConfig, SuitePush, PROVIDER_CORPID,
    PROVIDER_SECRET, SUITE2_AES_KEY, SUITE2_ID, SUITE2_SECRET, SUITE2_TOKEN, SUITE_AES_KEY,
    SUITE_ID, SUITE_SECRET, SUITE_TOKEN, WORK_CORPID, WORK_SECRET,
};

const CORP: &str = "wwinstalledcorp001";
const CORP2: &str = "wwinstalledcorp002";

async fn sim() -> RunningSim {
    Sim::start(SimConfig::default()).await.expect("sim starts")
}

fn http(sim: &RunningSim) -> HttpOptions {
    HttpOptions {
        work_base_uri: sim.base_url.clone(),
        retry: RetryPolicy {
            delay_ms: 5,
            ..RetryPolicy::default()
        },
        ..HttpOptions::default()
    }
}

fn suite_config(sim: &RunningSim, second: bool) -> SuiteConfig {
    let (id, secret, token, key) = if second {
        (SUITE2_ID, SUITE2_SECRET, SUITE2_TOKEN, SUITE2_AES_KEY)
    } else {
        (SUITE_ID, SUITE_SECRET, SUITE_TOKEN, SUITE_AES_KEY)
    };
    SuiteConfig {
        suite_id: id.into(),
        suite_secret: secret.into(),
        token: token.into(),
        encoding_aes_key: key.into(),
        provider_corp_id: Some(PROVIDER_CORPID.into()),
        http: http(sim),
        tokens: TokenOptions::default(),
        store: StoreConfig::Memory,
        callback: Default::default(),
    }
}

fn suite_on(sim: &RunningSim, store: Arc<dyn Store>, second: bool) -> Suite {
    Suite::with_store(suite_config(sim, second), store, Arc::new(SystemClock)).unwrap()
}

fn suite(sim: &RunningSim) -> Suite {
    suite_on(sim, Arc::new(MemoryStore::new()), false)
}

fn request(push: &SuitePush) -> CallbackRequest {
    let q = &push.query;
    CallbackRequest {
        method: "POST".into(),
        query: vec![
            ("msg_signature".into(), q.msg_signature.clone()),
            ("timestamp".into(), q.timestamp.clone()),
            ("nonce".into(), q.nonce.clone()),
        ],
        body: push.body.clone(),
    }
}

async fn deliver(s: &Suite, push: &SuitePush) -> weixinkit::CallbackResponse {
    s.handle_callback(&request(push)).await
}

/// Push a fresh suite_ticket through the handler.
async fn push_ticket(sim: &RunningSim, s: &Suite) -> String {
    let id = s.suite_id().to_string();
    let issued = sim.issue_suite_ticket(&id).await.unwrap();
    let response = deliver(s, &issued.outcome.unwrap().push).await;
    assert_eq!((response.status, response.body.as_str()), (200, "success"));
    issued.ticket.unwrap()
}

/// `corp` installs the suite from the app market; the `create_auth` push goes through the
/// handler, which stores the permanent code.
async fn install(sim: &RunningSim, s: &Suite, corp: &str) {
    let id = s.suite_id().to_string();
    let installed = sim
        .wecom_install(InstallRequest::new(&id, corp))
        .await
        .unwrap();
    let response = deliver(s, &installed.outcome.unwrap().push).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(matches!(
        response.message.unwrap().event,
        Event::CreateAuth { .. }
    ));
    assert!(s.stored_permanent_code(corp).await.unwrap().is_some());
}

#[tokio::test]
async fn the_whole_install_lifecycle_through_the_callback_handler() {
    let sim = sim().await;
    let s = suite(&sim);

    // URL verification: the echostr decrypted, answered bare.
    let check = sim.wecom_verify_url(SUITE_ID, None).unwrap();
    let get = CallbackRequest {
        method: "GET".into(),
        query: check.query.clone().into_iter().collect(),
        body: String::new(),
    };
    let answer = s.handle_callback(&get).await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, check.echo.as_str())
    );

    let ticket = push_ticket(&sim, &s).await;
    assert_eq!(
        s.suite_ticket().await.unwrap().as_deref(),
        Some(ticket.as_str())
    );
    let token = s.suite_access_token().await.unwrap();
    assert_eq!(s.suite_access_token().await.unwrap(), token);
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 1);

    // The one-call install link: pre-auth code, session info, URL.
    let url = s
        .create_install_url("https://example.com/installed", "s1", Some(1))
        .await
        .unwrap();
    assert!(
        url.starts_with(
            "https://open.work.weixin.qq.com/3rdapp/install?suite_id=wwsuite00000000001&pre_auth_code=preauth"
        ),
        "{url}"
    );
    assert!(url.ends_with("&redirect_uri=https%3A%2F%2Fexample.com%2Finstalled&state=s1"));
    assert_eq!(sim.calls("/cgi-bin/service/get_pre_auth_code"), 1);
    assert_eq!(sim.calls("/cgi-bin/service/set_session_info"), 1);

    install(&sim, &s, CORP).await;
    let corp = s.corp(CORP).unwrap();
    let echoed = corp
        .post_json("/cgi-bin/message/send", &json!({"touser": "@all"}))
        .await
        .unwrap();
    assert_eq!(echoed["echo"]["body"]["touser"], "@all");
    assert!(echoed["echo"]["query"]["access_token"]
        .as_str()
        .unwrap()
        .starts_with("CORP_"));
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), 1);
    corp.get("/cgi-bin/department/list", &[("id", "1")])
        .await
        .unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), 1);

    // Expiry (42001) and revocation (40014) are recovered: refreshed once, retried once.
    sim.expire_tokens(Some(CORP));
    corp.get("/cgi-bin/department/list", &[]).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), 2);
    sim.revoke_tokens(Some(CORP));
    corp.get("/cgi-bin/department/list", &[]).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), 3);

    // change_auth / change_contact are only parsed: for the user's handler.
    let changed = sim.wecom_change(SUITE_ID, CORP, None).await.unwrap();
    let response = deliver(&s, &changed.outcome.unwrap().push).await;
    assert_eq!(response.status, 200);
    match response.message.unwrap().event {
        Event::ChangeAuth { auth_corp_id, .. } => assert_eq!(auth_corp_id, CORP),
        other => panic!("unexpected {other:?}"),
    }
    let contact = sim
        .wecom_change(SUITE_ID, CORP, Some("create_user"))
        .await
        .unwrap();
    let response = deliver(&s, &contact.outcome.unwrap().push).await;
    match response.message.unwrap().event {
        Event::ChangeContact { change_type, .. } => assert_eq!(change_type, "create_user"),
        other => panic!("unexpected {other:?}"),
    }

    // cancel_auth forgets the corp; acting for it then needs a re-install, asking nobody.
    let cancelled = sim.wecom_cancel(SUITE_ID, CORP).await.unwrap();
    let response = deliver(&s, &cancelled.outcome.unwrap().push).await;
    assert_eq!(response.status, 200);
    assert_eq!(s.stored_permanent_code(CORP).await.unwrap(), None);
    let before = sim.calls("/cgi-bin/service/get_corp_token");
    let e = corp.get("/cgi-bin/department/list", &[]).await.unwrap_err();
    assert_eq!(e.kind(), "reauthorization_needed");
    assert!(e.to_string().contains(CORP), "{e}");
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), before);
}

#[tokio::test]
async fn url_verification_accepts_the_provider_corp_id_and_refuses_forgeries() {
    let sim = sim().await;
    let s = suite(&sim);
    let check = sim
        .wecom_verify_url(SUITE_ID, Some(PROVIDER_CORPID))
        .unwrap();
    let mut get = CallbackRequest {
        method: "GET".into(),
        query: check.query.clone().into_iter().collect(),
        body: String::new(),
    };
    assert_eq!(s.handle_callback(&get).await.body, check.echo);
    for (k, v) in get.query.iter_mut() {
        if k == "msg_signature" {
            v.replace_range(0..1, if v.starts_with('0') { "1" } else { "0" });
        }
    }
    assert_eq!(s.handle_callback(&get).await.status, 403);

    // Another id as receiver: refused.
    let other = sim
        .wecom_verify_url(SUITE_ID, Some("wwsomeoneelse"))
        .unwrap();
    let get = CallbackRequest {
        method: "GET".into(),
        query: other.query.into_iter().collect(),
        body: String::new(),
    };
    assert_eq!(s.handle_callback(&get).await.status, 403);
    // Without provider_corp_id, only the suite id verifies.
    let strict = Suite::with_store(
        SuiteConfig {
            provider_corp_id: None,
            ..suite_config(&sim, false)
        },
        Arc::new(MemoryStore::new()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let get = CallbackRequest {
        method: "GET".into(),
        query: check.query.into_iter().collect(),
        body: String::new(),
    };
    assert_eq!(strict.handle_callback(&get).await.status, 403);
}

#[tokio::test]
async fn a_forged_push_is_refused_and_stores_nothing() {
    let sim = sim().await;
    let s = suite(&sim);
    let issued = sim.issue_suite_ticket(SUITE_ID).await.unwrap();
    let push = issued.outcome.unwrap().push;
    let mut forged = request(&push);
    for (k, v) in forged.query.iter_mut() {
        if k == "msg_signature" {
            v.replace_range(0..1, if v.starts_with('0') { "1" } else { "0" });
        }
    }
    let response = s.handle_callback(&forged).await;
    assert_eq!(response.status, 403);
    assert!(response.message.is_none());
    assert_eq!(s.suite_ticket().await.unwrap(), None);

    // The other suite's push (its own token and key) is not this suite's.
    let other = sim.issue_suite_ticket(SUITE2_ID).await.unwrap();
    let response = deliver(&s, &other.outcome.unwrap().push).await;
    assert_eq!(response.status, 403);
    assert_eq!(s.suite_ticket().await.unwrap(), None);

    let mut missing = request(&push);
    missing.query.retain(|(k, _)| k != "nonce");
    assert_eq!(s.handle_callback(&missing).await.status, 400);
    let mut put = request(&push);
    put.method = "PUT".into();
    assert_eq!(s.handle_callback(&put).await.status, 405);
}

#[tokio::test]
async fn a_failed_lifecycle_step_is_a_500_so_wecom_pushes_again() {
    let sim = sim().await;
    let s = suite(&sim);
    // No suite ticket yet: the create_auth exchange cannot get a suite token.
    let installed = sim
        .wecom_install(InstallRequest::new(SUITE_ID, CORP))
        .await
        .unwrap();
    let push = installed.outcome.unwrap().push;
    let response = deliver(&s, &push).await;
    assert_eq!(response.status, 500, "{}", response.body);
    assert!(response.body.contains("suite_ticket"), "{}", response.body);
    assert_eq!(s.stored_permanent_code(CORP).await.unwrap(), None);
    // Once the ticket arrives, the same push (pushed again) succeeds.
    push_ticket(&sim, &s).await;
    assert_eq!(deliver(&s, &push).await.status, 200);
    assert!(s.stored_permanent_code(CORP).await.unwrap().is_some());
}

#[tokio::test]
async fn no_ticket_names_the_suite_and_a_refused_ticket_is_never_retried() {
    let sim = sim().await;
    let s = suite(&sim);
    let e = s.suite_access_token().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        ("ticket", weixinkit::codes::TICKET_MISSING)
    );
    assert!(e.to_string().contains(SUITE_ID), "{e}");
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 0);

    // A ticket WeCom refuses (40085): one call, a ticket error, no loop.
    s.store_suite_ticket("suiteticket-forged").await.unwrap();
    let e = s.pre_auth_code().await.unwrap_err();
    assert_eq!((e.kind(), e.code()), ("ticket", 40085));
    assert!(e.to_string().contains(SUITE_ID), "{e}");
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 1);
    assert_eq!(sim.calls("/cgi-bin/service/get_pre_auth_code"), 0);

    // An expired ticket is refused the same way.
    sim.set_options(OptionsPatch {
        suite_ticket_ttl_secs: Some(0),
        ..OptionsPatch::default()
    });
    push_ticket(&sim, &s).await;
    let e = s.suite_access_token().await.unwrap_err();
    assert_eq!(e.code(), 40085);
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 2);
}

#[tokio::test]
async fn suite_token_errors_refresh_once_and_retry_once() {
    let sim = sim().await;
    let s = suite(&sim);
    push_ticket(&sim, &s).await;
    s.pre_auth_code().await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 1);

    // 42009: expired.
    sim.expire_tokens(Some(SUITE_ID));
    // The cached token still looks fresh to the client: the call is refused, then retried.
    s.pre_auth_code().await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 2);
    assert_eq!(sim.calls("/cgi-bin/service/get_pre_auth_code"), 3);

    // 40082: invalid.
    sim.revoke_tokens(Some(SUITE_ID));
    s.pre_auth_code().await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 3);

    // A persistent token error surfaces after one retry.
    sim.inject(weixinkit_sim::Fault::errcode("/cgi-bin/service/get_pre_auth_code", 42009).times(2));
    let e = s.pre_auth_code().await.unwrap_err();
    assert_eq!(e.errcode(), Some(42009));
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 4);
}

#[tokio::test]
async fn install_flow_endpoints_and_their_errors() {
    let sim = sim().await;
    let s = suite(&sim);
    push_ticket(&sim, &s).await;

    let pre = s.pre_auth_code().await.unwrap();
    assert_eq!(pre.expires_in, 1200);
    s.set_session_info(&pre.pre_auth_code, 0).await.unwrap();
    let e = s.set_session_info("preauth-unknown", 1).await.unwrap_err();
    assert_eq!(e.errcode(), Some(42007));
    let e = s.set_session_info(&pre.pre_auth_code, 2).await.unwrap_err();
    assert_eq!(e.code(), weixinkit::codes::INVALID_ARGUMENT);
    assert!(s
        .install_url(&pre.pre_auth_code, "https://a.example/b", "bad state")
        .is_err());
    assert!(s
        .create_install_url("https://a.example/b", "bad-state", None)
        .await
        .is_err());

    // The website flow: no push; the redirect's auth_code goes through permanent_code (v1).
    let mut req = InstallRequest::new(SUITE_ID, CORP);
    req.pre_auth_code = Some(pre.pre_auth_code.clone());
    req.state = Some("s1".into());
    req.push = false;
    let installed = sim.wecom_install(req).await.unwrap();
    assert!(installed.outcome.is_none());
    let code = installed.auth_code.unwrap();
    let granted = s.permanent_code(&code).await.unwrap();
    assert_eq!(granted.corp_id, CORP);
    assert_eq!(granted.state, "s1");
    assert_eq!(granted.agent_ids, vec![1000001]);
    assert!(granted.access_token.is_some() && granted.expires_in > 0);
    assert!(!format!("{granted:?}").contains(&granted.permanent_code));
    assert_eq!(
        s.stored_permanent_code(CORP).await.unwrap().as_deref(),
        Some(granted.permanent_code.as_str())
    );
    // The v1 corp token is cached: no get_corp_token call.
    assert_eq!(
        s.corp(CORP).unwrap().access_token().await.unwrap().value,
        granted.access_token.clone().unwrap()
    );
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), 0);

    // Auth codes are single use; too short is 40058.
    let e = s.permanent_code(&code).await.unwrap_err();
    assert_eq!(e.errcode(), Some(40029));
    let e = s.permanent_code_v2("short").await.unwrap_err();
    assert_eq!(e.errcode(), Some(40058));
    assert_eq!(
        s.permanent_code("").await.unwrap_err().kind(),
        "invalid_input"
    );

    // v2: permanent code and corp, no token.
    let again = sim
        .wecom_install(InstallRequest {
            push: false,
            ..InstallRequest::new(SUITE_ID, CORP2)
        })
        .await
        .unwrap();
    let v2 = s
        .permanent_code_v2(&again.auth_code.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (
            v2.corp_id.as_str(),
            v2.access_token.as_deref(),
            v2.expires_in
        ),
        (CORP2, None, 0)
    );
    assert!(v2.auth_user_id.is_some());

    // auth_info v1/v2 and the admin list.
    let info = s.auth_info(CORP).await.unwrap();
    assert_eq!(info["auth_corp_info"]["corpid"], CORP);
    assert!(info["auth_corp_info"]["corp_wxqrcode"].is_string());
    let info2 = s.auth_info_v2(CORP).await.unwrap();
    assert!(info2["auth_corp_info"]["corp_ex_name"].is_object());
    let admins = s.admin_list(CORP, 1000001).await.unwrap();
    assert_eq!(admins["admin"][0]["auth_type"], 1);
    assert_eq!(
        s.admin_list(CORP, 7).await.unwrap_err().errcode(),
        Some(40056)
    );
    assert_eq!(
        s.admin_list("wwneverinstalled", 1000001)
            .await
            .unwrap_err()
            .errcode(),
        Some(40082)
    );
    let e = s.auth_info("wwneverinstalled").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        ("reauthorization_needed", weixinkit::codes::NOT_AUTHORIZED)
    );
    assert_eq!(
        s.corp("ww:bad").unwrap_err().code(),
        weixinkit::codes::INVALID_ARGUMENT
    );
}

#[tokio::test]
async fn suite_oauth_endpoints_and_their_errors() {
    let sim = sim().await;
    let s = suite(&sim);
    push_ticket(&sim, &s).await;
    install(&sim, &s, CORP).await;

    let url = s
        .oauth_url("https://example.com/cb", "snsapi_privateinfo", "s1")
        .unwrap();
    assert_eq!(url, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wwsuite00000000001&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=snsapi_privateinfo&state=s1#wechat_redirect");
    assert_eq!(
        s.oauth_url("https://example.com/cb", "snsapi_login", "")
            .unwrap_err()
            .code(),
        weixinkit::codes::INVALID_ARGUMENT
    );

    let code = sim
        .wecom_oauth_code(SUITE_ID, CORP, Some("zhangsan"))
        .unwrap();
    let who = s.getuserinfo3rd(&code.code).await.unwrap();
    assert_eq!(
        (who["corpid"].as_str(), who["userid"].as_str()),
        (Some(CORP), Some("zhangsan"))
    );
    assert!(who["open_userid"].is_string());
    let e = s.getuserinfo3rd(&code.code).await.unwrap_err();
    assert_eq!(e.errcode(), Some(40029));
    let detail = s
        .getuserdetail3rd(who["user_ticket"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(detail["userid"], "zhangsan");
    assert_eq!(detail["gender"], "1");
    let e = s.getuserdetail3rd("ticket-unknown").await.unwrap_err();
    assert_eq!(e.errcode(), Some(84014));
    assert_eq!(
        s.getuserinfo3rd("").await.unwrap_err().kind(),
        "invalid_input"
    );
}

#[tokio::test]
async fn a_revoked_permanent_code_needs_a_reinstall_and_is_remembered() {
    let sim = sim().await;
    let s = suite(&sim);
    push_ticket(&sim, &s).await;
    install(&sim, &s, CORP).await;
    let corp = s.corp(CORP).unwrap();
    corp.get("/cgi-bin/department/list", &[]).await.unwrap();

    // The code dies without a push reaching us (a lost cancel_auth); the token expires.
    sim.wecom_revoke_permanent_code(SUITE_ID, CORP).unwrap();
    sim.expire_tokens(Some(CORP));
    let before = sim.calls("/cgi-bin/service/get_corp_token");
    let e = corp.get("/cgi-bin/department/list", &[]).await.unwrap_err();
    assert_eq!((e.kind(), e.code()), ("reauthorization_needed", 40084));
    assert!(e.to_string().contains(CORP), "{e}");
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), before + 1);
    assert_eq!(s.stored_permanent_code(CORP).await.unwrap(), None);
    // Remembered: no further upstream calls.
    for _ in 0..3 {
        let e = corp.access_token().await.unwrap_err();
        assert_eq!(e.kind(), "reauthorization_needed");
    }
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), before + 1);

    // A new install stores a new permanent code: the corp works again.
    install(&sim, &s, CORP).await;
    corp.get("/cgi-bin/department/list", &[]).await.unwrap();
}

#[tokio::test]
async fn reset_permanent_code_renews_it() {
    let sim = sim().await;
    let s = suite(&sim);
    push_ticket(&sim, &s).await;
    install(&sim, &s, CORP).await;
    let old = s.stored_permanent_code(CORP).await.unwrap().unwrap();
    let reset = sim
        .wecom_reset_permanent_code(SUITE_ID, CORP)
        .await
        .unwrap();
    let response = deliver(&s, &reset.outcome.unwrap().push).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(matches!(
        response.message.unwrap().event,
        Event::ResetPermanentCode { .. }
    ));
    let new = s.stored_permanent_code(CORP).await.unwrap().unwrap();
    assert_ne!(old, new);
    // The renewed code mints tokens (the old one would answer 40084).
    s.corp(CORP)
        .unwrap()
        .get("/cgi-bin/user/list", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn two_suites_and_two_corps_never_mix() {
    let sim = sim().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let one = suite_on(&sim, store.clone(), false);
    let two = suite_on(&sim, store.clone(), true);
    let t1 = push_ticket(&sim, &one).await;
    let t2 = push_ticket(&sim, &two).await;
    assert_ne!(t1, t2);
    assert_eq!(one.suite_ticket().await.unwrap(), Some(t1));
    assert_eq!(two.suite_ticket().await.unwrap(), Some(t2));
    assert_ne!(
        one.suite_access_token().await.unwrap().value,
        two.suite_access_token().await.unwrap().value
    );

    install(&sim, &one, CORP).await;
    install(&sim, &two, CORP).await;
    install(&sim, &two, CORP2).await;
    assert_eq!(one.stored_permanent_code(CORP2).await.unwrap(), None);
    let codes = [
        one.stored_permanent_code(CORP).await.unwrap().unwrap(),
        two.stored_permanent_code(CORP).await.unwrap().unwrap(),
        two.stored_permanent_code(CORP2).await.unwrap().unwrap(),
    ];
    assert!(codes[0] != codes[1] && codes[1] != codes[2] && codes[0] != codes[2]);
    let tokens = [
        one.corp(CORP).unwrap().access_token().await.unwrap().value,
        two.corp(CORP).unwrap().access_token().await.unwrap().value,
        two.corp(CORP2).unwrap().access_token().await.unwrap().value,
    ];
    assert!(tokens[0] != tokens[1] && tokens[1] != tokens[2] && tokens[0] != tokens[2]);

    // One suite's cancel leaves the other suite's install of the same corp alone.
    let cancelled = sim.wecom_cancel(SUITE_ID, CORP).await.unwrap();
    assert_eq!(
        deliver(&one, &cancelled.outcome.unwrap().push).await.status,
        200
    );
    assert_eq!(one.stored_permanent_code(CORP).await.unwrap(), None);
    assert_eq!(
        two.stored_permanent_code(CORP).await.unwrap(),
        Some(codes[1].clone())
    );
    two.corp(CORP)
        .unwrap()
        .get("/cgi-bin/user/list", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_restart_loses_no_ticket_and_no_permanent_code() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-wecom-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ticket;
    {
        let s = suite_on(&sim, Arc::new(FileStore::open(&dir).unwrap()), false);
        ticket = push_ticket(&sim, &s).await;
        install(&sim, &s, CORP).await;
    }
    // A new process: a new client on the same directory.
    let s = suite_on(&sim, Arc::new(FileStore::open(&dir).unwrap()), false);
    assert_eq!(s.suite_ticket().await.unwrap(), Some(ticket));
    assert!(s.stored_permanent_code(CORP).await.unwrap().is_some());
    sim.expire_tokens(None);
    s.corp(CORP)
        .unwrap()
        .get("/cgi-bin/user/list", &[])
        .await
        .unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/v2/get_permanent_code"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// WeCom pushes `create_auth` again when an answer is slow or lost, and answers 40029 for the
/// used code: a repeated push of a code this suite exchanged (in this process, another one on
/// the store, or through the redirect's `permanent_code`) is `success` and changes nothing.
async fn a_repeated_create_auth_push_is_success_and_changes_nothing(
    sim: &RunningSim,
    open: OpenStore,
    prefix: &str,
) {
    let mut config = suite_config(sim, false);
    config.tokens.key_prefix = prefix.to_string();
    let a = Suite::with_store(config.clone(), open(), Arc::new(SystemClock)).unwrap();
    let b = Suite::with_store(config, open(), Arc::new(SystemClock)).unwrap();
    push_ticket(sim, &a).await;
    let installed = sim
        .wecom_install(InstallRequest::new(SUITE_ID, CORP))
        .await
        .unwrap();
    let push = installed.outcome.unwrap().push;
    let auth_code = installed.auth_code.unwrap();
    assert!(!b.auth_code_exchanged(&auth_code).await.unwrap());
    assert_eq!(deliver(&a, &push).await.status, 200);
    let code = a.stored_permanent_code(CORP).await.unwrap().unwrap();
    assert!(b.auth_code_exchanged(&auth_code).await.unwrap());
    for s in [&a, &b, &a] {
        let again = deliver(s, &push).await;
        assert_eq!((again.status, again.body.as_str()), (200, "success"));
        assert!(matches!(
            again.message.unwrap().event,
            Event::CreateAuth { .. }
        ));
    }
    assert_eq!(sim.calls("/cgi-bin/service/v2/get_permanent_code"), 1);
    assert_eq!(b.stored_permanent_code(CORP).await.unwrap(), Some(code));

    // The website flow exchanged the redirect's code first; its push arrives afterwards.
    let installed = sim
        .wecom_install(InstallRequest::new(SUITE_ID, CORP2))
        .await
        .unwrap();
    b.permanent_code(&installed.auth_code.unwrap())
        .await
        .unwrap();
    let response = deliver(&a, &installed.outcome.unwrap().push).await;
    assert_eq!((response.status, response.body.as_str()), (200, "success"));
    assert_eq!(sim.calls("/cgi-bin/service/v2/get_permanent_code"), 1);
    assert_eq!(sim.calls("/cgi-bin/service/get_permanent_code"), 1);

    // A used code this suite never exchanged is still a failed step.
    let mut other = suite_config(sim, false);
    other.tokens.key_prefix = format!("{prefix}other");
    let stranger = Suite::with_store(other, open(), Arc::new(SystemClock)).unwrap();
    push_ticket(sim, &stranger).await;
    let response = deliver(&stranger, &push).await;
    assert_eq!(response.status, 500, "{}", response.body);
    assert!(response.body.contains("40029"), "{}", response.body);
    assert_eq!(stranger.stored_permanent_code(CORP).await.unwrap(), None);
    for s in [&a, &stranger] {
        s.forget_corp(CORP).await.unwrap();
        s.forget_corp(CORP2).await.unwrap();
    }
}

#[tokio::test]
async fn a_repeated_create_auth_push_on_the_file_store_is_success() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-wecom-again-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.clone();
    let open: OpenStore = Arc::new(move || Arc::new(FileStore::open(&d).unwrap()));
    a_repeated_create_auth_push_is_success_and_changes_nothing(&sim, open, "weixinkit").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_repeated_create_auth_push_on_redis_is_success() {
    let Some(url) = redis_url() else { return };
    let sim = sim().await;
    let open: OpenStore =
        Arc::new(move || Arc::new(weixinkit::store::RedisStore::connect(&url).unwrap()));
    let prefix = format!(
        "wecomagain{}x{}",
        std::process::id(),
        weixinkit::token::Clock::now(&SystemClock)
    );
    a_repeated_create_auth_push_is_success_and_changes_nothing(&sim, open, &prefix).await;
}

/// With `callback.replay_window_seconds` on, a push already accepted within the window is a
/// 409 in this client and in another one on the store (another process), and changes
/// nothing; a timestamp outside the window is a 403; a push whose lifecycle step failed is
/// accepted again when WeCom retries it.
async fn a_replayed_push_is_refused(sim: &RunningSim, open: OpenStore, prefix: &str) {
    let mut config = suite_config(sim, false);
    config.tokens.key_prefix = prefix.to_string();
    config.callback.replay_window_seconds = 300;
    let a = Suite::with_store(config.clone(), open(), Arc::new(SystemClock)).unwrap();
    let b = Suite::with_store(config.clone(), open(), Arc::new(SystemClock)).unwrap();

    // A create_auth before any ticket fails (500) and is forgotten: its retry goes through.
    let installed = sim
        .wecom_install(InstallRequest::new(SUITE_ID, CORP))
        .await
        .unwrap();
    let install_push = installed.outcome.unwrap().push;
    assert_eq!(deliver(&a, &install_push).await.status, 500);

    let issued = sim.issue_suite_ticket(SUITE_ID).await.unwrap();
    let push = issued.outcome.unwrap().push;
    let first = deliver(&a, &push).await;
    assert_eq!((first.status, first.body.as_str()), (200, "success"));
    let ticket = a.suite_ticket().await.unwrap();
    assert_eq!(ticket, issued.ticket);
    for s in [&a, &b] {
        let again = deliver(s, &push).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert!(again.body.contains("replay"), "{}", again.body);
        assert!(again.message.is_none());
    }
    assert_eq!(b.suite_ticket().await.unwrap(), ticket);
    // The caller's handler failed after the 200: forgotten, WeCom's retry is handled again.
    b.forget_push(&request(&push).query).await.unwrap();
    assert_eq!(deliver(&a, &push).await.status, 200);
    assert_eq!(deliver(&b, &push).await.status, 409);

    let retried = deliver(&b, &install_push).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert!(b.stored_permanent_code(CORP).await.unwrap().is_some());
    assert_eq!(deliver(&a, &install_push).await.status, 409);
    assert_eq!(sim.calls("/cgi-bin/service/v2/get_permanent_code"), 1);

    // A push from further than the window in the past (or the future) is refused as stale.
    for skew in [301, -301] {
        let clock =
            weixinkit::token::ManualClock::new(weixinkit::token::Clock::now(&SystemClock) + skew);
        let late = Suite::with_store(config.clone(), open(), Arc::new(clock)).unwrap();
        let fresh = sim.issue_suite_ticket(SUITE_ID).await.unwrap();
        let response = deliver(&late, &fresh.outcome.unwrap().push).await;
        assert_eq!(response.status, 403, "{}", response.body);
        assert!(response.body.contains("replay window"), "{}", response.body);
        assert_eq!(late.suite_ticket().await.unwrap(), ticket);
    }

    // URL verification is not a push: it may be repeated.
    let check = sim.wecom_verify_url(SUITE_ID, None).unwrap();
    let get = CallbackRequest {
        method: "GET".into(),
        query: check.query.into_iter().collect(),
        body: String::new(),
    };
    assert_eq!(a.handle_callback(&get).await.status, 200);
    assert_eq!(a.handle_callback(&get).await.status, 200);
    a.forget_corp(CORP).await.unwrap();
}

#[tokio::test]
async fn a_replayed_push_is_refused_on_the_memory_store() {
    let sim = sim().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let open: OpenStore = Arc::new(move || store.clone());
    a_replayed_push_is_refused(&sim, open, "weixinkit").await;
}

#[tokio::test]
async fn a_replayed_push_is_refused_on_the_file_store() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-wecom-replay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.clone();
    let open: OpenStore = Arc::new(move || Arc::new(FileStore::open(&d).unwrap()));
    a_replayed_push_is_refused(&sim, open, "weixinkit").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_replayed_push_is_refused_on_redis() {
    let Some(url) = redis_url() else { return };
    let sim = sim().await;
    let open: OpenStore =
        Arc::new(move || Arc::new(weixinkit::store::RedisStore::connect(&url).unwrap()));
    let prefix = format!(
        "wecomreplay{}x{}",
        std::process::id(),
        weixinkit::token::Clock::now(&SystemClock)
    );
    a_replayed_push_is_refused(&sim, open, &prefix).await;
}

#[tokio::test]
async fn the_replay_window_is_off_by_default() {
    let sim = sim().await;
    let s = suite(&sim);
    let issued = sim.issue_suite_ticket(SUITE_ID).await.unwrap();
    let push = issued.outcome.unwrap().push;
    assert_eq!(deliver(&s, &push).await.status, 200);
    assert_eq!(deliver(&s, &push).await.status, 200);
}

/// A store for one client: each call opens a new connection or file handle, as a separate
/// process would.
type OpenStore = Arc<dyn Fn() -> Arc<dyn Store> + Send + Sync>;

/// `n` OS threads, each with its own client (own runtime, own token manager, own store
/// handle), ask for the same cold token at once.
fn cold_from_threads<F>(n: usize, open: OpenStore, make: F) -> Vec<String>
where
    F: Fn(Arc<dyn Store>) -> std::pin::Pin<Box<dyn std::future::Future<Output = String> + Send>>
        + Send
        + Sync
        + 'static,
{
    let make = Arc::new(make);
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (make, barrier, open) = (make.clone(), barrier.clone(), open.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let store = open();
                barrier.wait();
                rt.block_on(make(store))
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// A cold suite token, then a cold corp token, asked for by eight clients at once: one
/// upstream call each.
async fn cold_tokens_cost_one_call_each(sim: &RunningSim, open: OpenStore, prefix: &str) {
    let mut config = suite_config(sim, false);
    config.tokens.key_prefix = prefix.to_string();
    let first = Suite::with_store(config.clone(), open(), Arc::new(SystemClock)).unwrap();
    push_ticket(sim, &first).await;
    sim.inject(weixinkit_sim::Fault::delay(
        "/cgi-bin/service/get_suite_token",
        100,
    ));
    let c = config.clone();
    let tokens = tokio::task::spawn_blocking({
        let open = open.clone();
        move || {
            cold_from_threads(8, open, move |store| {
                let s = Suite::with_store(c.clone(), store, Arc::new(SystemClock)).unwrap();
                Box::pin(async move { s.suite_access_token().await.unwrap().value })
            })
        }
    })
    .await
    .unwrap();
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(sim.calls("/cgi-bin/service/get_suite_token"), 1);

    install(sim, &first, CORP).await;
    sim.inject(weixinkit_sim::Fault::delay(
        "/cgi-bin/service/get_corp_token",
        100,
    ));
    let c = config.clone();
    let tokens = tokio::task::spawn_blocking(move || {
        cold_from_threads(8, open, move |store| {
            let s = Suite::with_store(c.clone(), store, Arc::new(SystemClock)).unwrap();
            Box::pin(async move { s.corp(CORP).unwrap().access_token().await.unwrap().value })
        })
    })
    .await
    .unwrap();
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(sim.calls("/cgi-bin/service/get_corp_token"), 1);
    first.forget_corp(CORP).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_suite_and_corp_tokens_on_the_file_store_cost_one_call_each() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-wecom-cold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.clone();
    let open: OpenStore = Arc::new(move || Arc::new(FileStore::open(&d).unwrap()));
    cold_tokens_cost_one_call_each(&sim, open, "weixinkit").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_suite_and_corp_tokens_on_redis_cost_one_call_each() {
    let Some(url) = redis_url() else { return };
    let sim = sim().await;
    let open: OpenStore =
        Arc::new(move || Arc::new(weixinkit::store::RedisStore::connect(&url).unwrap()));
    // A prefix of this run only: other runs share the server.
    let prefix = format!(
        "wecom{}x{}",
        std::process::id(),
        weixinkit::token::Clock::now(&SystemClock)
    );
    cold_tokens_cost_one_call_each(&sim, open, &prefix).await;
}

/// The role of a child process of [`cold_from_processes`]: `suite` or `corp`.
const CHILD_ROLE: &str = "WEIXINKIT_WECOM_COLD_CHILD";
/// The child's suite configuration (JSON) and its rendezvous directory.
const CHILD_CONFIG: &str = "WEIXINKIT_WECOM_COLD_CONFIG";
const CHILD_DIR: &str = "WEIXINKIT_WECOM_COLD_DIR";
const CHILD_INDEX: &str = "WEIXINKIT_WECOM_COLD_INDEX";

/// Not a test of its own: the body of each child process [`cold_from_processes`] starts (this
/// binary, run for this test only). Without the role variable it returns at once.
#[test]
fn cold_token_child_process() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let config: SuiteConfig = serde_json::from_str(&std::env::var(CHILD_CONFIG).unwrap()).unwrap();
    let dir = std::path::PathBuf::from(std::env::var(CHILD_DIR).unwrap());
    let index = std::env::var(CHILD_INDEX).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Its own client on its own store handle, then wait until every child is ready.
    let s = Suite::new(config).unwrap();
    std::fs::write(dir.join(format!("ready-{index}")), "").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !dir.join("go").exists() {
        assert!(std::time::Instant::now() < deadline, "never told to go");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let token = rt.block_on(async {
        match role.as_str() {
            "suite" => s.suite_access_token().await,
            "corp" => s.corp(CORP).unwrap().access_token().await,
            other => panic!("unknown role {other}"),
        }
    });
    std::fs::write(dir.join(format!("token-{index}")), token.unwrap().value).unwrap();
}

/// `n` OS processes (this test binary, running [`cold_token_child_process`]), each with its
/// own client on `config`'s store, ask for the same cold token at once; their tokens.
fn cold_from_processes(n: usize, role: &str, config: &SuiteConfig) -> Vec<String> {
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "weixinkit-wecom-rendezvous-{}-{run}-{role}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..n)
        .map(|i| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "wecom::cold_token_child_process",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ROLE, role)
                .env(CHILD_CONFIG, serde_json::to_string(config).unwrap())
                .env(CHILD_DIR, &dir)
                .env(CHILD_INDEX, i.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while (0..n).any(|i| !dir.join(format!("ready-{i}")).exists()) {
        assert!(
            std::time::Instant::now() < deadline,
            "children never got ready"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::fs::write(dir.join("go"), "").unwrap();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a child process failed");
    }
    let tokens = (0..n)
        .map(|i| std::fs::read_to_string(dir.join(format!("token-{i}"))).unwrap())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    tokens
}

/// A cold suite token, then a cold corp token, asked for by four OS processes at once: one
/// upstream call each.
async fn cold_tokens_from_processes_cost_one_call_each(sim: &RunningSim, config: SuiteConfig) {
    let first = Suite::new(config.clone()).unwrap();
    push_ticket(sim, &first).await;
    for (role, endpoint) in [
        ("suite", "/cgi-bin/service/get_suite_token"),
        ("corp", "/cgi-bin/service/get_corp_token"),
    ] {
        if role == "corp" {
            install(sim, &first, CORP).await;
        }
        sim.inject(weixinkit_sim::Fault::delay(endpoint, 200));
        let c = config.clone();
        let role = role.to_string();
        let tokens = tokio::task::spawn_blocking(move || cold_from_processes(4, &role, &c))
            .await
            .unwrap();
        assert_eq!(tokens.len(), 4);
        assert!(!tokens[0].is_empty());
        assert!(tokens.iter().all(|t| t == &tokens[0]));
        assert_eq!(sim.calls(endpoint), 1, "{endpoint}");
    }
    first.forget_corp(CORP).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_on_cold_suite_and_corp_tokens_on_the_file_store_cost_one_call_each() {
    let sim = sim().await;
    let dir = std::env::temp_dir().join(format!("weixinkit-wecom-procs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = suite_config(&sim, false);
    config.store = StoreConfig::File {
        dir: dir.to_string_lossy().into_owned(),
    };
    cold_tokens_from_processes_cost_one_call_each(&sim, config).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_on_cold_suite_and_corp_tokens_on_redis_cost_one_call_each() {
    let Some(url) = redis_url() else { return };
    let sim = sim().await;
    let mut config = suite_config(&sim, false);
    config.store = StoreConfig::Redis { url };
    config.tokens.key_prefix = format!(
        "wecomprocs{}x{}",
        std::process::id(),
        weixinkit::token::Clock::now(&SystemClock)
    );
    cold_tokens_from_processes_cost_one_call_each(&sim, config).await;
}

fn redis_url() -> Option<String> {
    match std::env::var("WEIXINKIT_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("WEIXINKIT_REQUIRE_SERVICES").is_none(),
                "WEIXINKIT_REDIS_URL must be set when services are required"
            );
            eprintln!("WEIXINKIT_REDIS_URL unset: `source scripts/services.sh` to run this test");
            None
        }
    }
}

#[tokio::test]
async fn the_provider_token_login_and_generic_calls() {
    let sim = sim().await;
    let config = ProviderConfig {
        http: http(&sim),
        store: StoreConfig::Memory,
        ..ProviderConfig::new(PROVIDER_CORPID, PROVIDER_SECRET)
    };
    let p = Provider::with_store(
        config.clone(),
        Arc::new(MemoryStore::new()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let t = p.provider_access_token().await.unwrap();
    assert!(t.value.starts_with("PROVIDER_"));
    assert_eq!(p.provider_access_token().await.unwrap(), t);
    assert_eq!(sim.calls("/cgi-bin/service/get_provider_token"), 1);

    let code = sim
        .wecom_login_code(PROVIDER_CORPID, CORP, Some("lisi"))
        .unwrap();
    let login = p.get_login_info(&code.code).await.unwrap();
    assert_eq!(login["user_info"]["userid"], "lisi");
    assert_eq!(login["corp_info"]["corpid"], CORP);
    assert_eq!(
        p.get_login_info(&code.code).await.unwrap_err().errcode(),
        Some(40029)
    );

    let echoed = p
        .post_json(
            "/cgi-bin/service/get_register_code",
            &json!({"template_id": "tpl"}),
        )
        .await
        .unwrap();
    assert_eq!(
        echoed["echo"]["query"]["provider_access_token"],
        t.value.as_str()
    );
    // 40082 on a revoked provider token: refreshed once, retried once.
    sim.revoke_tokens(Some(PROVIDER_CORPID));
    p.get("/cgi-bin/service/get_order", &[("orderid", "1")])
        .await
        .unwrap();
    assert_eq!(sim.calls("/cgi-bin/service/get_provider_token"), 2);
    let e = p
        .get("/cgi-bin/x", &[("provider_access_token", "mine")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "invalid_input");

    let wrong = Provider::with_store(
        ProviderConfig {
            provider_secret: "wrong".into(),
            ..config
        },
        Arc::new(MemoryStore::new()),
        Arc::new(SystemClock),
    )
    .unwrap();
    assert_eq!(
        wrong.provider_access_token().await.unwrap_err().errcode(),
        Some(40001)
    );
}

#[tokio::test]
async fn a_self_built_app_beside_a_suite() {
    let sim = sim().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let config = WorkAccountConfig {
        http: http(&sim),
        store: StoreConfig::Memory,
        ..WorkAccountConfig::new(WORK_CORPID, WORK_SECRET)
    };
    let app =
        WorkAccount::with_store(config.clone(), store.clone(), Arc::new(SystemClock)).unwrap();
    let t = app.access_token().await.unwrap();
    assert!(t.value.starts_with("WORK_"));
    let echoed = app
        .get("/cgi-bin/user/get", &[("userid", "u1")])
        .await
        .unwrap();
    assert_eq!(echoed["echo"]["query"]["userid"], "u1");
    assert_eq!(sim.calls("/cgi-bin/gettoken"), 1);
    sim.revoke_tokens(Some(WORK_CORPID));
    app.post_json("/cgi-bin/message/send", &json!({"touser": "u1"}))
        .await
        .unwrap();
    assert_eq!(sim.calls("/cgi-bin/gettoken"), 2);

    // A suite in the same store and service: its corp tokens are its own.
    let s = suite_on(&sim, store.clone(), false);
    push_ticket(&sim, &s).await;
    install(&sim, &s, WORK_CORPID).await;
    let corp_token = s.corp(WORK_CORPID).unwrap().access_token().await.unwrap();
    assert_ne!(corp_token.value, app.access_token().await.unwrap().value);

    let wrong = WorkAccount::with_store(
        WorkAccountConfig {
            corp_secret: "wrong".into(),
            ..config
        },
        store,
        Arc::new(SystemClock),
    )
    .unwrap();
    assert_eq!(
        wrong.access_token().await.unwrap_err().errcode(),
        Some(40001)
    );
}
