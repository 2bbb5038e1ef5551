//! The core's events through the host bridge (`weixinkit::logging`): a token refresh against
//! the local WeChat server arrives with its fields, and a whole Open Platform lifecycle logged
//! at the most verbose level prints no secret or token anywhere a program would print it.

use std::sync::{Arc, Mutex, OnceLock};

use serde_json::json;
use weixinkit::logging::{set_log_sink, LogLevel, LogRecord, LogSink};
use weixinkit::store::MemoryStore;
use weixinkit_sim::{
    AuthorizeRequest, COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN,
};

use super::open_platform::{component, config, push_ticket, request, sim};

/// Every record of this test binary (the bridge is process-wide): each test looks for its
/// own by the app ids in their fields.
struct Capture(Mutex<Vec<LogRecord>>);

impl LogSink for Capture {
    fn log(&self, record: LogRecord) {
        self.0.lock().unwrap().push(record);
    }
}

fn capture() -> &'static Arc<Capture> {
    static CAPTURE: OnceLock<Arc<Capture>> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Arc::new(Capture(Mutex::new(Vec::new())));
        set_log_sink(capture.clone(), LogLevel::Trace).expect("the bridge installs");
        capture
    })
}

fn records() -> Vec<LogRecord> {
    capture().0.lock().unwrap().clone()
}

const AUTHORIZER: &str = "wxauthorizerlog0001";

#[tokio::test]
async fn a_token_refresh_arrives_with_its_fields_and_without_its_value() {
    capture();
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    let ticket = push_ticket(&sim, &c).await;
    let token = c.component_access_token().await.unwrap();

    let key = format!("weixinkit:component_access_token:{COMPONENT_APPID}:{COMPONENT_APPID}");
    let all = records();
    let refreshed = all
        .iter()
        .find(|r| r.message == "token refreshed" && r.field("key") == Some(key.as_str()))
        .unwrap_or_else(|| panic!("no refresh of {key} among {all:#?}"));
    assert_eq!(refreshed.level, LogLevel::Info);
    assert_eq!(refreshed.target, "weixinkit::token");
    assert_eq!(refreshed.field("span"), Some("token_refresh"));
    assert_eq!(refreshed.field("kind"), Some("component_access_token"));
    assert_eq!(refreshed.field("after_token_error"), Some("false"));
    assert_eq!(refreshed.field("expires_in"), Some("7200"));
    assert!(all
        .iter()
        .any(|r| r.message == "component_verify_ticket stored"
            && r.field("component_appid") == Some(COMPONENT_APPID)));
    assert!(all
        .iter()
        .any(|r| r.message == "refresh lock taken" && r.field("key") == Some(key.as_str())));
    for line in all.iter().map(LogRecord::to_line) {
        for secret in [token.value.as_str(), ticket.as_str(), COMPONENT_SECRET] {
            assert!(!line.contains(secret), "{line}");
        }
    }
}

#[tokio::test]
async fn a_whole_lifecycle_prints_no_secret_or_token() {
    capture();
    let sim = sim().await;
    let c = component(&sim, Arc::new(MemoryStore::new()));
    let mut printed: Vec<String> = vec![
        format!("{:?}", config(&sim)),
        format!("{c:?}"),
        format!("{:?}", weixinkit::logging::LogLevel::Trace),
    ];
    let mut secrets: Vec<String> = vec![
        COMPONENT_SECRET.into(),
        COMPONENT_AES_KEY.into(),
        COMPONENT_TOKEN.into(),
    ];

    // Ticket push → component token.
    let issued = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    secrets.push(issued.ticket.clone());
    let push = request(issued.outcome.push.as_ref().unwrap());
    let response = c.handle_callback(&push).await;
    assert_eq!(response.status, 200, "{}", response.body);
    printed.push(format!("{response:?}"));
    let token = c.component_access_token().await.unwrap();
    secrets.push(token.value.clone());
    printed.push(format!("{token:?}"));

    // Authorization push → query_auth → refresh token stored.
    let auth = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, AUTHORIZER))
        .await
        .unwrap();
    secrets.push(auth.authorization_code.clone());
    let response = c
        .handle_callback(&request(auth.outcome.push.as_ref().unwrap()))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    printed.push(format!("{response:?}"));
    secrets.push(c.refresh_token(AUTHORIZER).await.unwrap().unwrap());

    // An authorizer call, then a refresh through the stored refresh token.
    let a = c.authorizer(AUTHORIZER).unwrap();
    printed.push(format!("{a:?}"));
    let first = a.access_token().await.unwrap();
    secrets.push(first.value.clone());
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    sim.expire_tokens(Some(AUTHORIZER));
    a.post_json("/cgi-bin/message/custom/send", &json!({"touser": "o1"}))
        .await
        .unwrap();
    let second = a.access_token().await.unwrap();
    assert_ne!(second.value, first.value, "the token was refreshed");
    secrets.push(second.value.clone());
    secrets.push(c.refresh_token(AUTHORIZER).await.unwrap().unwrap());
    printed.push(format!("{second:?}"));

    // Errors a program prints: a bad argument, and re-authorization after unauthorized.
    let bad = a.get("/cgi-bin/x?access_token=1", &[]).await.unwrap_err();
    printed.push(format!("{bad} {bad:?}"));
    let gone = sim.unauthorize(COMPONENT_APPID, AUTHORIZER).await.unwrap();
    let response = c
        .handle_callback(&request(gone.push.as_ref().unwrap()))
        .await;
    printed.push(format!("{response:?}"));
    let e = a.access_token().await.unwrap_err();
    assert_eq!(e.kind(), "reauthorization_needed");
    printed.push(format!("{e} {e:?}"));

    let mine: Vec<String> = records()
        .iter()
        .map(|r| format!("{r:?} {}", r.to_line()))
        .collect();
    assert!(
        mine.iter()
            .any(|l| l.contains("authorization stored") && l.contains(AUTHORIZER)),
        "the lifecycle was logged: {mine:#?}"
    );
    assert!(mine
        .iter()
        .any(|l| l.contains("must authorize again") && l.contains(AUTHORIZER)));
    printed.extend(mine);
    for secret in &secrets {
        assert!(secret.len() >= 8, "{secret:?} is too short to look for");
        for shown in &printed {
            assert!(
                !shown.contains(secret.as_str()),
                "{secret:?} leaked into: {shown}"
            );
        }
    }
}
