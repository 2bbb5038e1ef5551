//! The HTTP side: accept loop, one hyper HTTP/1.1 connection task per socket (so a `drop`
//! fault can close the socket without a response), counters and faults, the `/_sim` control
//! API, and push delivery.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::state::{ApiReply, ApiRequest};
use crate::{
    client, now_ms, App, AuthorizeRequest, Fault, InstallRequest, OptionsPatch, Push, PushOutcome,
    Sim, SimError, SuitePush, SuitePushOutcome,
};

const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

type Resp = Response<Full<Bytes>>;

pub(crate) async fn accept_loop(
    listener: TcpListener,
    sim: Sim,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(serve_connection(stream, sim.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.abort_all();
}

async fn serve_connection(stream: TcpStream, sim: Sim, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let handler_kill = kill.clone();
    let service = service_fn(move |req| handle(sim.clone(), req, handler_kill.clone()));
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut shutting_down = *shutdown.borrow();
    if shutting_down {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            // A `drop` fault: dropping the connection future closes the socket unanswered.
            _ = kill.notified() => break,
            _ = shutdown.changed(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

fn respond(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn json_response(status: u16, body: &Value) -> Resp {
    respond(status, "application/json; charset=utf-8", body.to_string())
}

fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn handle(sim: Sim, req: Request<Incoming>, kill: Arc<Notify>) -> Result<Resp, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = parse_query(req.uri().query());
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(respond(400, "text/plain", "unreadable request body")),
    };
    if path == "/_sim" || path.starts_with("/_sim/") {
        return Ok(control(&sim, &method, &path, &body).await);
    }

    let (fault, log) = {
        let mut st = sim.lock();
        st.count(&path);
        (st.take_fault(&path), st.log)
    };
    if let Some(fault) = fault {
        if let Some(ms) = fault.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if fault.drop {
            if log {
                eprintln!("wechat-sim: {method} {path} -> dropped (fault)");
            }
            kill.notify_one();
            std::future::pending::<()>().await;
        }
        let errbody = fault.errcode.map(|code| {
            json!({"errcode": code, "errmsg": fault.errmsg.as_deref().unwrap_or("injected")})
        });
        if let Some(status) = fault.status {
            if log {
                eprintln!("wechat-sim: {method} {path} -> HTTP {status} (fault)");
            }
            return Ok(match errbody {
                Some(b) => json_response(status, &b),
                None => respond(
                    status,
                    "text/plain; charset=utf-8",
                    format!("weixinkit-sim: injected HTTP {status}"),
                ),
            });
        }
        if let Some(b) = errbody {
            if log {
                eprintln!(
                    "wechat-sim: {method} {path} -> errcode {} (fault)",
                    b["errcode"]
                );
            }
            return Ok(json_response(200, &b));
        }
    }

    let ApiReply {
        status,
        body: reply,
        push,
    } = sim.lock().api(
        &ApiRequest {
            method: method.as_str(),
            path: &path,
            query: &query,
            body: &body,
        },
        now_ms(),
    );
    if log {
        eprintln!(
            "wechat-sim: {method} {path} -> {status} errcode {}",
            reply.get("errcode").unwrap_or(&json!(0))
        );
    }
    if push.is_some() {
        // WeChat pushes asynchronously; the caller may be the callback's own process.
        tokio::spawn(deliver(push));
    }
    Ok(json_response(status, &reply))
}

/// POST a push to its callback URL, if it has one, and report what happened.
pub(crate) async fn deliver(push: Option<Push>) -> PushOutcome {
    let target = push
        .as_ref()
        .and_then(|p| p.url.clone().map(|u| (u, p.body.clone())));
    let (delivered, status, response, error) = post_push(target).await;
    PushOutcome {
        push,
        delivered,
        status,
        response,
        error,
    }
}

/// The same for a WeCom suite push.
pub(crate) async fn deliver_suite(push: SuitePush) -> SuitePushOutcome {
    let target = push.url.clone().map(|u| (u, push.body.clone()));
    let (delivered, status, response, error) = post_push(target).await;
    SuitePushOutcome {
        push,
        delivered,
        status,
        response,
        error,
    }
}

type Delivery = (bool, Option<u16>, Option<String>, Option<String>);

async fn post_push(target: Option<(String, String)>) -> Delivery {
    let Some((url, body)) = target else {
        return (false, None, None, None);
    };
    let sent = tokio::time::timeout(
        DELIVERY_TIMEOUT,
        client::request("POST", &url, Some("text/xml; charset=utf-8"), body),
    )
    .await;
    match sent {
        Ok(Ok(resp)) => {
            let delivered = (200..300).contains(&resp.status);
            let error = (!delivered).then(|| format!("callback answered HTTP {}", resp.status));
            (delivered, Some(resp.status), Some(resp.text()), error)
        }
        Ok(Err(e)) => (
            false,
            None,
            None,
            Some(format!("delivery to {url} failed: {e}")),
        ),
        Err(_) => (
            false,
            None,
            None,
            Some(format!("delivery to {url} timed out")),
        ),
    }
}

// ----- the /_sim control API -------------------------------------------------------------------

fn bad_request(msg: impl std::fmt::Display) -> Resp {
    json_response(400, &json!({"error": msg.to_string()}))
}

/// Parse a control body; an empty body is `{}`.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, SimError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| SimError::new(format!("bad JSON body: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn sim_result<T: serde::Serialize>(r: Result<T, SimError>) -> Resp {
    match r {
        Ok(v) => json_response(200, &to_json(&v)),
        Err(e) => bad_request(e),
    }
}

#[derive(Deserialize)]
struct AppidBody {
    #[serde(default)]
    appid: Option<String>,
}

#[derive(Deserialize)]
struct ComponentBody {
    component_appid: String,
}

#[derive(Deserialize)]
struct UnauthorizeBody {
    component_appid: String,
    authorizer_appid: String,
}

#[derive(Deserialize)]
struct OAuthCodeBody {
    appid: String,
    #[serde(default)]
    openid: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    /// Whether the user follows the account (default true).
    #[serde(default)]
    subscribed: Option<bool>,
    /// Mint the code already expired (42003 on exchange).
    #[serde(default)]
    expired: bool,
}

#[derive(Deserialize)]
struct SuiteBody {
    suite_id: String,
}

#[derive(Deserialize)]
struct SuiteCorpBody {
    suite_id: String,
    corpid: String,
    #[serde(default)]
    change_type: Option<String>,
    #[serde(default)]
    userid: Option<String>,
}

#[derive(Deserialize)]
struct VerifyUrlBody {
    suite_id: String,
    #[serde(default)]
    receiver_id: Option<String>,
}

#[derive(Deserialize)]
struct LoginCodeBody {
    provider_corpid: String,
    corpid: String,
    #[serde(default)]
    userid: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Fault),
    Many(Vec<Fault>),
}

async fn control(sim: &Sim, method: &Method, path: &str, body: &[u8]) -> Resp {
    control_inner(sim, method, path, body)
        .await
        .unwrap_or_else(bad_request)
}

/// Control endpoints; an `Err` is a refused request (HTTP 400).
async fn control_inner(
    sim: &Sim,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Resp, SimError> {
    let get = method == Method::GET;
    let post = method == Method::POST;
    let resp = match (path, get, post) {
        ("/_sim/health", true, _) => json_response(200, &json!({"ok": true})),
        ("/_sim/stats", true, _) => json_response(200, &json!({"calls": sim.stats()})),
        ("/_sim/reset", _, true) => {
            sim.reset();
            json_response(200, &json!({"ok": true}))
        }
        ("/_sim/config", true, _) => json_response(200, &json!({"options": sim.options()})),
        ("/_sim/config", _, true) => {
            let patch: OptionsPatch = parse(body)?;
            json_response(200, &json!({"ok": true, "options": sim.set_options(patch)}))
        }
        ("/_sim/faults", true, _) => json_response(200, &json!({"faults": sim.pending_faults()})),
        ("/_sim/faults", _, true) => {
            let faults = match parse::<OneOrMany>(body)? {
                OneOrMany::One(f) => vec![f],
                OneOrMany::Many(v) => v,
            };
            for f in &faults {
                f.validate()?;
            }
            let n = faults.len();
            for f in faults {
                sim.inject(f);
            }
            json_response(200, &json!({"ok": true, "queued": n}))
        }
        ("/_sim/expire", _, true) => {
            let b: AppidBody = parse(body)?;
            let n = sim.expire_tokens(b.appid.as_deref());
            json_response(200, &json!({"ok": true, "affected": n}))
        }
        ("/_sim/revoke", _, true) => {
            let b: AppidBody = parse(body)?;
            let n = sim.revoke_tokens(b.appid.as_deref());
            json_response(200, &json!({"ok": true, "affected": n}))
        }
        ("/_sim/tokens", true, _) => json_response(200, &json!({"tokens": sim.tokens()})),
        ("/_sim/apps", true, _) => json_response(200, &json!({"apps": sim.apps()})),
        ("/_sim/apps", _, true) => {
            let app: App = parse(body)?;
            sim.add_app(app)?;
            json_response(200, &json!({"ok": true}))
        }
        ("/_sim/component/ticket", _, true) => {
            let b: ComponentBody = parse(body)?;
            sim_result(sim.issue_component_ticket(&b.component_appid).await)
        }
        ("/_sim/authorize", _, true) => {
            let req: AuthorizeRequest = parse(body)?;
            sim_result(sim.authorize(req).await)
        }
        ("/_sim/unauthorize", _, true) => {
            let b: UnauthorizeBody = parse(body)?;
            sim_result(
                sim.unauthorize(&b.component_appid, &b.authorizer_appid)
                    .await,
            )
        }
        ("/_sim/oauth_code", _, true) => {
            let b: OAuthCodeBody = parse(body)?;
            let code = sim.oauth_code(&b.appid, b.openid.as_deref(), b.scope.as_deref());
            if let Ok(c) = &code {
                if let Some(following) = b.subscribed {
                    sim.set_following(&c.appid, &c.openid, following);
                }
                if b.expired {
                    sim.expire_oauth_code(&c.code);
                }
            }
            sim_result(code)
        }
        ("/_sim/wecom/suite_ticket", _, true) => {
            let b: SuiteBody = parse(body)?;
            sim_result(sim.issue_suite_ticket(&b.suite_id).await)
        }
        ("/_sim/wecom/install", _, true) => {
            let req: InstallRequest = parse(body)?;
            sim_result(sim.wecom_install(req).await)
        }
        ("/_sim/wecom/cancel", _, true) => {
            let b: SuiteCorpBody = parse(body)?;
            sim_result(sim.wecom_cancel(&b.suite_id, &b.corpid).await)
        }
        ("/_sim/wecom/revoke_permanent_code", _, true) => {
            let b: SuiteCorpBody = parse(body)?;
            sim.wecom_revoke_permanent_code(&b.suite_id, &b.corpid)?;
            json_response(200, &json!({"ok": true}))
        }
        ("/_sim/wecom/reset_permanent_code", _, true) => {
            let b: SuiteCorpBody = parse(body)?;
            sim_result(sim.wecom_reset_permanent_code(&b.suite_id, &b.corpid).await)
        }
        ("/_sim/wecom/change_auth", _, true) => {
            let b: SuiteCorpBody = parse(body)?;
            sim_result(sim.wecom_change(&b.suite_id, &b.corpid, None).await)
        }
        ("/_sim/wecom/change_contact", _, true) => {
            let b: SuiteCorpBody = parse(body)?;
            let kind = b.change_type.as_deref().unwrap_or("update_user");
            sim_result(sim.wecom_change(&b.suite_id, &b.corpid, Some(kind)).await)
        }
        ("/_sim/wecom/verify_url", _, true) => {
            let b: VerifyUrlBody = parse(body)?;
            sim_result(sim.wecom_verify_url(&b.suite_id, b.receiver_id.as_deref()))
        }
        ("/_sim/wecom/oauth_code", _, true) => {
            let b: SuiteCorpBody = parse(body)?;
            sim_result(sim.wecom_oauth_code(&b.suite_id, &b.corpid, b.userid.as_deref()))
        }
        ("/_sim/wecom/login_code", _, true) => {
            let b: LoginCodeBody = parse(body)?;
            sim_result(sim.wecom_login_code(&b.provider_corpid, &b.corpid, b.userid.as_deref()))
        }
        (
            "/_sim/wecom/suite_ticket"
            | "/_sim/wecom/install"
            | "/_sim/wecom/cancel"
            | "/_sim/wecom/revoke_permanent_code"
            | "/_sim/wecom/reset_permanent_code"
            | "/_sim/wecom/change_auth"
            | "/_sim/wecom/change_contact"
            | "/_sim/wecom/verify_url"
            | "/_sim/wecom/oauth_code"
            | "/_sim/wecom/login_code"
            | "/_sim/health"
            | "/_sim/stats"
            | "/_sim/reset"
            | "/_sim/config"
            | "/_sim/faults"
            | "/_sim/expire"
            | "/_sim/revoke"
            | "/_sim/tokens"
            | "/_sim/apps"
            | "/_sim/component/ticket"
            | "/_sim/authorize"
            | "/_sim/unauthorize"
            | "/_sim/oauth_code",
            _,
            _,
        ) => json_response(
            405,
            &json!({"error": format!("{method} is not allowed on {path}")}),
        ),
        _ => json_response(
            404,
            &json!({"error": format!("no control endpoint {path}")}),
        ),
    };
    Ok(resp)
}
