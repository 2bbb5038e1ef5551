//! The sim over real loopback HTTP: token rotation, expiry, faults, counters, the Open Platform
//! flow with encrypted pushes delivered to a callback server, sns codes, concurrency, the binary.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use weixinkit_sim::crypto::PushCrypto;
use weixinkit_sim::{
    client, AuthorizeRequest, Fault, OptionsPatch, RunningSim, Sim, SimConfig, COMPONENT_AES_KEY,
    COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, MINI_APPID, OA_APPID, OA_SECRET,
};

async fn start() -> RunningSim {
    Sim::start(SimConfig::default()).await.expect("sim starts")
}

async fn get(sim: &RunningSim, path_and_query: &str) -> Value {
    let resp = client::get(&sim.url(path_and_query)).await.expect("GET");
    assert_eq!(resp.status, 200, "{path_and_query}: {}", resp.text());
    resp.json().expect("JSON")
}

async fn post(sim: &RunningSim, path_and_query: &str, body: Value) -> Value {
    let resp = client::post_json(&sim.url(path_and_query), &body)
        .await
        .expect("POST");
    assert_eq!(resp.status, 200, "{path_and_query}: {}", resp.text());
    resp.json().expect("JSON")
}

fn errcode(v: &Value) -> i64 {
    v.get("errcode").and_then(Value::as_i64).unwrap_or(0)
}

fn token_path() -> String {
    format!("/cgi-bin/token?grant_type=client_credential&appid={OA_APPID}&secret={OA_SECRET}")
}

async fn oa_token(sim: &RunningSim) -> String {
    let v = get(sim, &token_path()).await;
    assert_eq!(v["expires_in"], 7200, "{v}");
    v["access_token"].as_str().expect("access_token").to_owned()
}

async fn user_info(sim: &RunningSim, token: &str) -> Value {
    get(
        sim,
        &format!("/cgi-bin/user/info?access_token={token}&openid=o1&lang=zh_CN"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_token_retires_the_previous_one_after_the_grace_period() {
    let sim = start().await;
    sim.set_options(OptionsPatch {
        grace_secs: Some(0),
        ..Default::default()
    });
    let t1 = oa_token(&sim).await;
    assert!(t1.starts_with("ACCESS_"));
    let info = user_info(&sim, &t1).await;
    assert_eq!(errcode(&info), 0, "{info}");
    assert_eq!(info["openid"], "o1");
    assert_eq!(info["subscribe"], 1);

    let t2 = oa_token(&sim).await;
    assert_ne!(t1, t2);
    let dead = user_info(&sim, &t1).await;
    assert_eq!(errcode(&dead), 40001, "{dead}");
    let msg = dead["errmsg"].as_str().unwrap();
    assert!(msg.starts_with("invalid credential, access_token is invalid or not latest rid: "));
    assert_eq!(errcode(&user_info(&sim, &t2).await), 0);

    // With a grace period the superseded token keeps working.
    sim.set_options(OptionsPatch {
        grace_secs: Some(300),
        ..Default::default()
    });
    let t3 = oa_token(&sim).await;
    assert_eq!(errcode(&user_info(&sim, &t2).await), 0);
    assert_eq!(errcode(&user_info(&sim, &t3).await), 0);

    assert_eq!(sim.calls("/cgi-bin/token"), 3);
    assert_eq!(sim.calls("/cgi-bin/user/info"), 5);
    sim.reset_counters();
    assert_eq!(sim.calls("/cgi-bin/token"), 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_errors_expiry_and_revocation() {
    let sim = start().await;
    let code = |v: Value| errcode(&v);
    assert_eq!(code(get(&sim, "/cgi-bin/user/info?openid=o1").await), 41001);
    assert_eq!(
        code(get(&sim, "/cgi-bin/user/info?access_token=nope&openid=o1").await),
        40001
    );
    assert_eq!(
        code(
            get(
                &sim,
                &format!(
                    "/cgi-bin/token?grant_type=client_credential&appid={OA_APPID}&secret=wrong"
                )
            )
            .await
        ),
        40001
    );
    assert_eq!(
        code(
            get(
                &sim,
                "/cgi-bin/token?grant_type=client_credential&appid=wxunknown&secret=x"
            )
            .await
        ),
        40013
    );
    assert_eq!(
        code(
            get(
                &sim,
                &format!("/cgi-bin/token?grant_type=password&appid={OA_APPID}&secret={OA_SECRET}")
            )
            .await
        ),
        40002
    );
    assert_eq!(
        code(get(&sim, &format!("/cgi-bin/token?grant_type=client_credential&appid={COMPONENT_APPID}&secret={COMPONENT_SECRET}")).await),
        61024
    );
    let wrong_method = post(&sim, &token_path(), json!({})).await;
    assert_eq!(code(wrong_method), 43001);

    // Expire (Rust API) → 42001; a fresh token works again.
    let t = oa_token(&sim).await;
    assert_eq!(sim.expire_tokens(Some(OA_APPID)), 1);
    let expired = user_info(&sim, &t).await;
    assert_eq!(errcode(&expired), 42001, "{expired}");
    assert!(expired["errmsg"]
        .as_str()
        .unwrap()
        .starts_with("access_token expired rid: "));
    let t = oa_token(&sim).await;
    assert_eq!(errcode(&user_info(&sim, &t).await), 0);

    // Expire over HTTP for another owner leaves this one alone; revoke over HTTP → 40001.
    let r = post(&sim, "/_sim/expire", json!({"appid": "wxsomeoneelse"})).await;
    assert_eq!(r["affected"], 0);
    assert_eq!(errcode(&user_info(&sim, &t).await), 0);
    let r = post(&sim, "/_sim/revoke", json!({})).await;
    assert!(r["affected"].as_u64().unwrap() >= 1);
    assert_eq!(errcode(&user_info(&sim, &t).await), 40001);
    let t = oa_token(&sim).await;
    let r = client::post_json(&sim.url("/_sim/expire"), &Value::Null).await;
    assert_eq!(r.unwrap().status, 400, "null is not a control body");
    let r = client::request("POST", &sim.url("/_sim/expire"), None, "")
        .await
        .unwrap();
    assert_eq!(r.status, 200, "an empty body means all tokens");
    assert_eq!(errcode(&user_info(&sim, &t).await), 42001);

    // The debug listing shows the states.
    let tokens = get(&sim, "/_sim/tokens").await;
    let list = tokens["tokens"].as_array().unwrap();
    assert!(list
        .iter()
        .any(|x| x["value"] == t.as_str() && x["expired"] == true));
    assert!(list
        .iter()
        .all(|x| x["owner"] == OA_APPID && x["kind"] == "access_token"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stable_token_reuses_swaps_and_force_refreshes() {
    let sim = start().await;
    let body = json!({"grant_type": "client_credential", "appid": OA_APPID, "secret": OA_SECRET});
    let a = post(&sim, "/cgi-bin/stable_token", body.clone()).await;
    let b = post(&sim, "/cgi-bin/stable_token", body.clone()).await;
    let s1 = a["access_token"].as_str().unwrap().to_owned();
    assert!(s1.starts_with("STABLE_"));
    assert_eq!(
        b["access_token"],
        s1.as_str(),
        "normal mode returns the same token"
    );
    assert!(b["expires_in"].as_u64().unwrap() <= 7200);

    // Independent of cgi-bin/token.
    sim.set_options(OptionsPatch {
        grace_secs: Some(0),
        ..Default::default()
    });
    oa_token(&sim).await;
    oa_token(&sim).await;
    assert_eq!(errcode(&user_info(&sim, &s1).await), 0);

    let mut forced = body.clone();
    forced["force_refresh"] = json!(true);
    let c = post(&sim, "/cgi-bin/stable_token", forced).await;
    let s2 = c["access_token"].as_str().unwrap().to_owned();
    assert_ne!(s1, s2);
    assert_eq!(
        errcode(&user_info(&sim, &s1).await),
        40001,
        "force retires at once"
    );
    assert_eq!(errcode(&user_info(&sim, &s2).await), 0);

    // Near expiry normal mode swaps, and the old token stays valid until it expires.
    post(
        &sim,
        "/_sim/config",
        json!({"expires_in": 2, "stable_min_life": 1}),
    )
    .await;
    let mut forced = body.clone();
    forced["force_refresh"] = json!(true);
    let s3 = post(&sim, "/cgi-bin/stable_token", forced).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&sim, "/cgi-bin/stable_token", body.clone()).await["access_token"],
        s3.as_str()
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let s4 = post(&sim, "/cgi-bin/stable_token", body.clone()).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(s3, s4);
    assert_eq!(errcode(&user_info(&sim, &s3).await), 0);

    let bad = post(
        &sim,
        "/cgi-bin/stable_token",
        json!({"grant_type": "client_credential", "appid": OA_APPID, "secret": "x"}),
    )
    .await;
    assert_eq!(errcode(&bad), 40001);
    let empty = client::request("POST", &sim.url("/cgi-bin/stable_token"), None, "")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(errcode(&empty), 44002);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_errcode_status_drop_and_delay_are_observed_and_counted() {
    let sim = start().await;
    // errcode ×2 through the HTTP control API.
    let r = post(
        &sim,
        "/_sim/faults",
        json!({"path": "/cgi-bin/token", "times": 2, "errcode": 45009}),
    )
    .await;
    assert_eq!(r["queued"], 1);
    let pending = get(&sim, "/_sim/faults").await;
    assert_eq!(pending["faults"][0]["times"], 2);
    for _ in 0..2 {
        let v = get(&sim, &token_path()).await;
        assert_eq!(v, json!({"errcode": 45009, "errmsg": "injected"}));
    }
    oa_token(&sim).await;

    // HTTP status, then a dropped connection, queued FIFO on one path.
    sim.inject(Fault::status("/cgi-bin/token", 503));
    sim.inject(Fault::drop_connection("/cgi-bin/token"));
    let resp = client::get(&sim.url(&token_path())).await.unwrap();
    assert_eq!(resp.status, 503);
    assert!(resp.text().contains("503"));
    let dropped = client::get(&sim.url(&token_path())).await;
    assert!(
        dropped.is_err(),
        "a dropped connection is a transport error: {dropped:?}"
    );
    oa_token(&sim).await;

    // Delay, then normal handling.
    sim.inject(Fault::delay("/cgi-bin/token", 300));
    let t0 = Instant::now();
    oa_token(&sim).await;
    assert!(t0.elapsed() >= Duration::from_millis(300));

    // `*` matches any path; status + errcode answers the JSON with that status.
    post(
        &sim,
        "/_sim/faults",
        json!([{"path": "*", "status": 500, "errcode": -1}]),
    )
    .await;
    let resp = client::get(&sim.url("/cgi-bin/get_api_domain_ip"))
        .await
        .unwrap();
    assert_eq!(resp.status, 500);
    assert_eq!(errcode(&resp.json().unwrap()), -1);

    // Invalid faults are refused.
    let bad = client::post_json(
        &sim.url("/_sim/faults"),
        &json!({"path": "x", "errcode": 1}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status, 400);

    let stats = get(&sim, "/_sim/stats").await;
    // 2 errcode + 1 ok + 503 + drop + 1 ok + delayed ok
    assert_eq!(stats["calls"]["/cgi-bin/token"], 7, "{stats}");
    assert_eq!(stats["calls"]["/cgi-bin/get_api_domain_ip"], 1);
    assert!(stats["calls"].get("/_sim/stats").is_none());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_all_echoes_and_unknown_paths_are_404() {
    let sim = start().await;
    let t = oa_token(&sim).await;
    let v = get(
        &sim,
        &format!("/cgi-bin/menu/get?access_token={t}&x=%E4%B8%AD"),
    )
    .await;
    assert_eq!(v["errcode"], 0);
    assert_eq!(v["echo"]["method"], "GET");
    assert_eq!(v["echo"]["path"], "/cgi-bin/menu/get");
    assert_eq!(v["echo"]["query"]["x"], "中");
    assert_eq!(v["echo"]["body"], Value::Null);
    let v = post(
        &sim,
        &format!("/wxa/getwxacode?access_token={t}"),
        json!({"path": "pages/index", "width": 430}),
    )
    .await;
    assert_eq!(
        v["echo"]["body"],
        json!({"path": "pages/index", "width": 430})
    );
    assert_eq!(v["echo"]["method"], "POST");
    let v = post(&sim, "/datacube/getusersummary", json!({})).await;
    assert_eq!(errcode(&v), 41001);
    let v = get(
        &sim,
        &format!("/cgi-bin/get_api_domain_ip?access_token={t}"),
    )
    .await;
    assert_eq!(v["ip_list"], json!(["127.0.0.1"]));

    let resp = client::get(&sim.url("/nope/at/all?access_token=x"))
        .await
        .unwrap();
    assert_eq!(resp.status, 404);
    let v = resp.json().unwrap();
    assert_eq!(v["errcode"], 40066);
    assert_eq!(
        v["errmsg"],
        "invalid url (weixinkit-sim has no route for /nope/at/all)"
    );
    assert_eq!(sim.calls("/nope/at/all"), 1);
    sim.shutdown().await;
}

/// A callback receiver that answers `success` and hands over (query, body).
async fn callback_server() -> (String, mpsc::UnboundedReceiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let tx = tx.clone();
                    async move {
                        let q = req.uri().query().unwrap_or("").to_owned();
                        let b = req.into_body().collect().await.unwrap().to_bytes();
                        let _ = tx.send((q, String::from_utf8_lossy(&b).into_owned()));
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("success"))))
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (format!("http://{addr}/wechat/callback"), rx)
}

fn query_param(query: &str, key: &str) -> String {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_owned()
}

/// Check signatures and decrypt a push exactly as a receiver must; returns the plaintext.
fn open_push(query: &str, body: &str) -> String {
    let crypto = PushCrypto::new(COMPONENT_TOKEN, COMPONENT_AES_KEY, COMPONENT_APPID).unwrap();
    let encrypt = body
        .split("<Encrypt><![CDATA[")
        .nth(1)
        .and_then(|s| s.split("]]></Encrypt>").next())
        .expect("Encrypt element");
    assert!(body.starts_with(&format!(
        "<xml><AppId><![CDATA[{COMPONENT_APPID}]]></AppId>"
    )));
    let (ts, nonce) = (query_param(query, "timestamp"), query_param(query, "nonce"));
    assert_eq!(query_param(query, "encrypt_type"), "aes");
    assert_eq!(
        query_param(query, "msg_signature"),
        crypto.msg_signature(&ts, &nonce, encrypt)
    );
    assert_eq!(
        query_param(query, "signature"),
        crypto.signature(&ts, &nonce)
    );
    let (plain, receiver) = crypto.decrypt(encrypt).unwrap();
    assert_eq!(receiver, COMPONENT_APPID);
    plain
}

fn xml_field(xml: &str, name: &str) -> String {
    let inner = xml
        .split(&format!("<{name}>"))
        .nth(1)
        .and_then(|s| s.split(&format!("</{name}>")).next())
        .unwrap_or_default();
    inner
        .strip_prefix("<![CDATA[")
        .and_then(|s| s.strip_suffix("]]>"))
        .unwrap_or(inner)
        .to_owned()
}

async fn component_token(sim: &RunningSim) -> String {
    let issued = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    let v = post(
        sim,
        "/cgi-bin/component/api_component_token",
        json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
               "component_verify_ticket": issued.ticket}),
    )
    .await;
    v["component_access_token"]
        .as_str()
        .expect("component token")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_platform_flow_with_pushes_rotation_and_unauthorize() {
    let sim = start().await;
    let (callback, mut pushes) = callback_server().await;
    // Replace the default component with one that has a callback URL (HTTP control API).
    post(
        &sim,
        "/_sim/apps",
        json!({"appid": COMPONENT_APPID, "secret": COMPONENT_SECRET, "kind": "component",
               "token": COMPONENT_TOKEN, "encoding_aes_key": COMPONENT_AES_KEY,
               "callback_url": callback}),
    )
    .await;

    // 1. A verify ticket, pushed encrypted to the callback.
    let t = post(
        &sim,
        "/_sim/component/ticket",
        json!({"component_appid": COMPONENT_APPID}),
    )
    .await;
    let ticket = t["ticket"].as_str().unwrap().to_owned();
    assert!(ticket.starts_with("ticket@@@"));
    assert_eq!(t["delivered"], true, "{t}");
    assert_eq!(t["response"], "success");
    let (q, body) = pushes.recv().await.unwrap();
    assert_eq!(body, t["push"]["body"].as_str().unwrap());
    assert_eq!(
        q,
        t["push"]["url"]
            .as_str()
            .unwrap()
            .split_once('?')
            .unwrap()
            .1
    );
    let plain = open_push(&q, &body);
    assert_eq!(plain, t["push"]["plaintext"].as_str().unwrap());
    assert_eq!(xml_field(&plain, "InfoType"), "component_verify_ticket");
    assert_eq!(xml_field(&plain, "ComponentVerifyTicket"), ticket);
    assert_eq!(xml_field(&plain, "AppId"), COMPONENT_APPID);

    // 2. Component token: bad ticket / secret refused, the pushed ticket accepted.
    let token_req = |ticket: &str, secret: &str| {
        json!({"component_appid": COMPONENT_APPID, "component_appsecret": secret,
               "component_verify_ticket": ticket})
    };
    let path = "/cgi-bin/component/api_component_token";
    assert_eq!(
        errcode(&post(&sim, path, token_req("ticket@@@bogus", COMPONENT_SECRET)).await),
        61006
    );
    assert_eq!(
        errcode(&post(&sim, path, token_req("", COMPONENT_SECRET)).await),
        61006
    );
    assert_eq!(
        errcode(&post(&sim, path, token_req(&ticket, "wrong")).await),
        40125
    );
    let v = post(&sim, path, token_req(&ticket, COMPONENT_SECRET)).await;
    let ctoken = v["component_access_token"].as_str().unwrap().to_owned();
    assert!(ctoken.starts_with("COMPONENT_"));
    assert_eq!(v["expires_in"], 7200);

    // 3. Pre-auth code (an OA token is the wrong kind).
    let oa = oa_token(&sim).await;
    let pre_req = json!({"component_appid": COMPONENT_APPID});
    let wrong = post(
        &sim,
        &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={oa}"),
        pre_req.clone(),
    )
    .await;
    assert_eq!(errcode(&wrong), 40001);
    let v = post(
        &sim,
        &format!("/cgi-bin/component/api_create_preauthcode?component_access_token={ctoken}"),
        pre_req.clone(),
    )
    .await;
    let pre = v["pre_auth_code"].as_str().unwrap().to_owned();
    assert!(pre.starts_with("preauthcode@@@"));
    assert_eq!(v["expires_in"], 600);

    // 4. The merchant authorises; the `authorized` push carries the code.
    let a = post(
        &sim,
        "/_sim/authorize",
        json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID,
               "pre_auth_code": pre, "func_ids": [1, 15]}),
    )
    .await;
    let auth_code = a["authorization_code"].as_str().unwrap().to_owned();
    assert_eq!(a["delivered"], true);
    let (q, body) = pushes.recv().await.unwrap();
    let plain = open_push(&q, &body);
    assert_eq!(xml_field(&plain, "InfoType"), "authorized");
    assert_eq!(xml_field(&plain, "AuthorizerAppid"), OA_APPID);
    assert_eq!(xml_field(&plain, "AuthorizationCode"), auth_code);
    assert_eq!(xml_field(&plain, "PreAuthCode"), pre);
    assert_eq!(
        xml_field(&plain, "AuthorizationCodeExpiredTime"),
        a["expires_at"].to_string()
    );

    // 5. Exchange the code (access_token= spelling works too); single use.
    let qa = format!("/cgi-bin/component/api_query_auth?access_token={ctoken}");
    let qa_req = json!({"component_appid": COMPONENT_APPID, "authorization_code": auth_code});
    let v = post(&sim, &qa, qa_req.clone()).await;
    let info = &v["authorization_info"];
    assert_eq!(info["authorizer_appid"], OA_APPID);
    assert_eq!(
        info["func_info"],
        json!([{"funcscope_category": {"id": 1}}, {"funcscope_category": {"id": 15}}])
    );
    let atoken1 = info["authorizer_access_token"].as_str().unwrap().to_owned();
    let rt1 = info["authorizer_refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(rt1.starts_with("refreshtoken@@@"));
    assert_eq!(
        errcode(&post(&sim, &qa, qa_req).await),
        61009,
        "codes are single use"
    );
    assert_eq!(
        errcode(&user_info(&sim, &atoken1).await),
        0,
        "authorizer tokens call APIs"
    );
    let ticket = get(
        &sim,
        &format!("/cgi-bin/ticket/getticket?access_token={atoken1}&type=jsapi"),
    )
    .await;
    assert_eq!(ticket["errcode"], 0);
    assert!(ticket["ticket"].as_str().unwrap().starts_with("JSAPI_"));
    assert_eq!(
        errcode(&user_info(&sim, &ctoken).await),
        40001,
        "a component token is the wrong kind for account APIs"
    );

    // 6. Account list, info and options.
    let c = |p: &str| format!("/cgi-bin/component/{p}?component_access_token={ctoken}");
    let list = post(
        &sim,
        &c("api_get_authorizer_list"),
        json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 100}),
    )
    .await;
    assert_eq!(list["total_count"], 1);
    assert_eq!(list["list"][0]["authorizer_appid"], OA_APPID);
    assert_eq!(list["list"][0]["refresh_token"], rt1.as_str());
    let info = post(
        &sim,
        &c("api_get_authorizer_info"),
        json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID}),
    )
    .await;
    assert_eq!(info["authorizer_info"]["service_type_info"]["id"], 2);
    assert_eq!(
        info["authorization_info"]["authorizer_refresh_token"],
        rt1.as_str()
    );
    let set = post(&sim, &c("api_set_authorizer_option"), json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID, "option_name": "location_report", "option_value": "2"})).await;
    assert_eq!(set, json!({"errcode": 0, "errmsg": "ok"}));
    let got = post(
        &sim,
        &format!("/cgi-bin/component/get_authorizer_option?access_token={atoken1}"),
        json!({"option_name": "location_report"}),
    )
    .await;
    assert_eq!(got["option_value"], "2");
    let bad = post(&sim, &c("api_set_authorizer_option"), json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID, "option_name": "voice_recognize", "option_value": "7"})).await;
    assert_eq!(errcode(&bad), 40097);

    // 7. Refresh with rotation: a new refresh token; with grace 0 the old ones die.
    post(
        &sim,
        "/_sim/config",
        json!({"rotate_refresh_token": true, "grace_secs": 0}),
    )
    .await;
    let at = c("api_authorizer_token");
    let refresh = |rt: &str| {
        json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID,
               "authorizer_refresh_token": rt})
    };
    let v = post(&sim, &at, refresh(&rt1)).await;
    let atoken2 = v["authorizer_access_token"].as_str().unwrap().to_owned();
    let rt2 = v["authorizer_refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_ne!(atoken1, atoken2);
    assert_eq!(errcode(&user_info(&sim, &atoken1).await), 40001);
    assert_eq!(errcode(&user_info(&sim, &atoken2).await), 0);
    assert_eq!(errcode(&post(&sim, &at, refresh(&rt1)).await), 61023);
    assert_eq!(
        errcode(&post(&sim, &at, refresh("refreshtoken@@@nope")).await),
        61023
    );
    // Without rotation the same refresh token comes back.
    post(&sim, "/_sim/config", json!({"rotate_refresh_token": false})).await;
    let v = post(&sim, &at, refresh(&rt2)).await;
    assert_eq!(v["authorizer_refresh_token"], rt2.as_str());
    let atoken3 = v["authorizer_access_token"].as_str().unwrap().to_owned();

    // 8. Unauthorize: push, then 61003 everywhere.
    let u = post(
        &sim,
        "/_sim/unauthorize",
        json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID}),
    )
    .await;
    assert_eq!(u["delivered"], true);
    let (q, body) = pushes.recv().await.unwrap();
    let plain = open_push(&q, &body);
    assert_eq!(xml_field(&plain, "InfoType"), "unauthorized");
    assert_eq!(xml_field(&plain, "AuthorizerAppid"), OA_APPID);
    assert_eq!(errcode(&post(&sim, &at, refresh(&rt2)).await), 61003);
    assert_eq!(errcode(&user_info(&sim, &atoken3).await), 61003);
    let list = post(
        &sim,
        &c("api_get_authorizer_list"),
        json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 100}),
    )
    .await;
    assert_eq!(list["total_count"], 0);
    let again = client::post_json(
        &sim.url("/_sim/unauthorize"),
        &json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID}),
    )
    .await
    .unwrap();
    assert_eq!(again.status, 400);

    // 9. api_start_push_ticket pushes a new ticket in the background.
    let v = post(
        &sim,
        "/cgi-bin/component/api_start_push_ticket",
        json!({"component_appid": COMPONENT_APPID, "component_secret": COMPONENT_SECRET}),
    )
    .await;
    assert_eq!(v, json!({"errcode": 0, "errmsg": "ok"}));
    let (q, body) = tokio::time::timeout(Duration::from_secs(5), pushes.recv())
        .await
        .unwrap()
        .unwrap();
    let plain = open_push(&q, &body);
    assert_eq!(
        xml_field(&plain, "ComponentVerifyTicket"),
        sim.latest_component_ticket(COMPONENT_APPID).unwrap()
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_tickets_and_authorization_codes_go_stale() {
    let sim = start().await;
    let path = "/cgi-bin/component/api_component_token";
    let req = |ticket: &str| {
        json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
               "component_verify_ticket": ticket})
    };
    // Without a callback the push is only returned, still decryptable.
    let t1 = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    assert!(!t1.outcome.delivered);
    let push = t1.outcome.push.as_ref().unwrap();
    let query = format!(
        "timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}&signature={}",
        push.query.timestamp, push.query.nonce, push.query.msg_signature, push.query.signature
    );
    assert_eq!(open_push(&query, &push.body), push.plaintext);
    let t2 = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    let t3 = sim.issue_component_ticket(COMPONENT_APPID).await.unwrap();
    assert_eq!(
        errcode(&post(&sim, path, req(&t1.ticket)).await),
        61006,
        "only the newest two count"
    );
    assert_eq!(errcode(&post(&sim, path, req(&t2.ticket)).await), 0);
    assert_eq!(errcode(&post(&sim, path, req(&t3.ticket)).await), 0);
    sim.set_options(OptionsPatch {
        ticket_ttl_secs: Some(0),
        ..Default::default()
    });
    assert_eq!(errcode(&post(&sim, path, req(&t3.ticket)).await), 61005);
    sim.set_options(OptionsPatch {
        ticket_ttl_secs: Some(43_200),
        auth_code_ttl_secs: Some(0),
        ..Default::default()
    });
    let ctoken = component_token(&sim).await;
    let a = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, MINI_APPID))
        .await
        .unwrap();
    let v = post(
        &sim,
        &format!("/cgi-bin/component/api_query_auth?component_access_token={ctoken}"),
        json!({"component_appid": COMPONENT_APPID, "authorization_code": a.authorization_code}),
    )
    .await;
    assert_eq!(errcode(&v), 61010);
    // The authorizer exists but the code was never exchanged: no refresh token in the list.
    let list = post(
        &sim,
        &format!("/cgi-bin/component/api_get_authorizer_list?component_access_token={ctoken}"),
        json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 10}),
    )
    .await;
    assert_eq!(list["total_count"], 1);
    assert!(list["list"][0].get("refresh_token").is_none());
    // An unknown pre_auth_code is refused by the control endpoint.
    let bad = client::post_json(
        &sim.url("/_sim/authorize"),
        &json!({"component_appid": COMPONENT_APPID, "authorizer_appid": OA_APPID, "pre_auth_code": "preauthcode@@@x"}),
    )
    .await
    .unwrap();
    assert_eq!(bad.status, 400);

    // reset: counters, tokens and options go, apps stay.
    post(
        &sim,
        "/_sim/apps",
        json!({"appid": "wxextra", "secret": "s", "kind": "official_account"}),
    )
    .await;
    post(&sim, "/_sim/reset", json!({})).await;
    assert_eq!(get(&sim, "/_sim/stats").await, json!({"calls": {}}));
    assert_eq!(get(&sim, "/_sim/tokens").await, json!({"tokens": []}));
    assert_eq!(sim.options(), weixinkit_sim::SimOptions::default());
    assert_eq!(errcode(&post(&sim, path, req(&t3.ticket)).await), 61006);
    let v = get(
        &sim,
        "/cgi-bin/token?grant_type=client_credential&appid=wxextra&secret=s",
    )
    .await;
    assert!(v["access_token"].is_string());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_website_login_token_reads_the_profile_and_a_base_token_does_not() {
    let sim = start().await;
    sim.add_app(weixinkit_sim::App::website_app("wxweb1", "websecret"))
        .unwrap();
    let code = sim
        .oauth_code("wxweb1", None, Some("snsapi_login"))
        .unwrap();
    let v = get(
        &sim,
        &format!(
            "/sns/oauth2/access_token?appid=wxweb1&secret=websecret&code={}&grant_type=authorization_code",
            code.code
        ),
    )
    .await;
    assert_eq!(v["scope"], "snsapi_login", "{v}");
    let token = v["access_token"].as_str().unwrap();
    let u = get(
        &sim,
        &format!("/sns/userinfo?access_token={token}&openid={}", code.openid),
    )
    .await;
    assert_eq!(errcode(&u), 0, "{u}");
    assert_eq!(u["openid"], code.openid.as_str());
    assert!(u["nickname"].is_string(), "{u}");

    // The same app's snsapi_base code (not a scope a website app gets, but the rule is the
    // scope's): 48001.
    let base = sim.oauth_code("wxweb1", None, Some("snsapi_base")).unwrap();
    let v = get(
        &sim,
        &format!(
            "/sns/oauth2/access_token?appid=wxweb1&secret=websecret&code={}&grant_type=authorization_code",
            base.code
        ),
    )
    .await;
    let token = v["access_token"].as_str().unwrap();
    let denied = get(
        &sim,
        &format!("/sns/userinfo?access_token={token}&openid={}", base.openid),
    )
    .await;
    assert_eq!(errcode(&denied), 48001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_codes_for_component_oauth_and_mini_program_login() {
    let sim = start().await;
    let ctoken = component_token(&sim).await;
    sim.authorize(AuthorizeRequest::new(COMPONENT_APPID, OA_APPID))
        .await
        .unwrap();
    let code = post(
        &sim,
        "/_sim/oauth_code",
        json!({"appid": OA_APPID, "openid": "oUser1"}),
    )
    .await;
    assert_eq!(code["openid"], "oUser1");
    let code = code["code"].as_str().unwrap().to_owned();
    let exchange = format!(
        "/sns/oauth2/component/access_token?appid={OA_APPID}&code={code}&grant_type=authorization_code&component_appid={COMPONENT_APPID}&component_access_token={ctoken}"
    );
    let v = get(&sim, &exchange).await;
    assert_eq!(v["openid"], "oUser1");
    assert_eq!(v["scope"], "snsapi_userinfo");
    let user_token = v["access_token"].as_str().unwrap().to_owned();
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        errcode(&get(&sim, &exchange).await),
        40163,
        "codes are single use"
    );
    let u = get(
        &sim,
        &format!("/sns/userinfo?access_token={user_token}&openid=oUser1&lang=zh_CN"),
    )
    .await;
    assert_eq!(u["openid"], "oUser1");
    assert!(u["unionid"].is_string());
    let other = get(
        &sim,
        &format!("/sns/userinfo?access_token={user_token}&openid=oOther"),
    )
    .await;
    assert_eq!(errcode(&other), 40003);
    let v = get(&sim, &format!("/sns/oauth2/component/refresh_token?appid={OA_APPID}&grant_type=refresh_token&component_appid={COMPONENT_APPID}&component_access_token={ctoken}&refresh_token={refresh}")).await;
    assert_ne!(v["access_token"], user_token.as_str());
    assert_eq!(v["refresh_token"], refresh.as_str());

    // snsapi_base tokens cannot read user info.
    let base = sim.oauth_code(OA_APPID, None, Some("snsapi_base")).unwrap();
    let v = get(&sim, &exchange.replace(&code, &base.code)).await;
    let base_token = v["access_token"].as_str().unwrap();
    let denied = get(
        &sim,
        &format!(
            "/sns/userinfo?access_token={base_token}&openid={}",
            base.openid
        ),
    )
    .await;
    assert_eq!(errcode(&denied), 48001);

    // Mini Program login on behalf: needs the authorisation (61003), then a js_code.
    let js = sim.oauth_code(MINI_APPID, None, None).unwrap();
    let login = |js_code: &str| {
        format!("/sns/component/jscode2session?appid={MINI_APPID}&js_code={js_code}&grant_type=authorization_code&component_appid={COMPONENT_APPID}&component_access_token={ctoken}")
    };
    assert_eq!(errcode(&get(&sim, &login(&js.code)).await), 61003);
    sim.authorize(AuthorizeRequest::new(COMPONENT_APPID, MINI_APPID))
        .await
        .unwrap();
    let v = get(&sim, &login(&js.code)).await;
    assert_eq!(v["openid"], js.openid.as_str());
    assert_eq!(v["session_key"].as_str().unwrap().len(), 24);
    assert_eq!(errcode(&get(&sim, &login(&js.code)).await), 40163);
    assert_eq!(errcode(&get(&sim, &login("CODE_unknown")).await), 40029);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_many_concurrent_requests_in_parallel() {
    let sim = start().await;
    let url = sim.url(&token_path());
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { client::get(&url).await.unwrap().json().unwrap() })
        })
        .collect();
    let mut tokens = HashSet::new();
    for t in tasks {
        let v: Value = t.await.unwrap();
        tokens.insert(v["access_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens.len(), 64);
    assert_eq!(sim.calls("/cgi-bin/token"), 64);

    // 60 requests each delayed 400 ms finish together, not one after another.
    sim.inject(Fault::delay("/cgi-bin/get_api_domain_ip", 400).times(60));
    let t = oa_token(&sim).await;
    let url = sim.url(&format!("/cgi-bin/get_api_domain_ip?access_token={t}"));
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { client::get(&url).await.unwrap().json().unwrap() })
        })
        .collect();
    for t in tasks {
        let v: Value = t.await.unwrap();
        assert_eq!(v["ip_list"][0], "127.0.0.1");
    }
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
    sim.shutdown().await;
}

#[test]
fn binary_prints_its_address_and_exits_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let config = std::env::temp_dir().join(format!("wechat-sim-test-{}.json", std::process::id()));
    std::fs::write(
        &config,
        r#"{"apps": [{"appid": "wxfromfile", "secret": "s", "kind": "mini_program"}],
            "options": {"expires_in": 60}}"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wechat-sim"))
        .args(["--port", "0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let v = rt.block_on(async {
        client::get(&format!(
            "{base}/cgi-bin/token?grant_type=client_credential&appid=wxfromfile&secret=s"
        ))
        .await
        .unwrap()
        .json()
        .unwrap()
    });
    assert_eq!(v["expires_in"], 60, "{v}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "wechat-sim did not exit on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let _ = std::fs::remove_file(config);
}
