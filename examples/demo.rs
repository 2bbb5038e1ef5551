//! weixinkit demo: a third-party platform's whole authorization lifecycle, against the
//! local WeChat server (sim/) started in this process.
//!
//! encrypted ticket push → component token → pre-auth code and link → the merchant
//! authorizes → `authorized` push → query_auth persisted → a call on the authorizer's behalf
//! → its token expires and is revoked, both recovered → `unauthorized` cleans up.
//!
//! State lives in the file store (`$WEIXINKIT_STORE_DIR`, default `target/demo-store`), so a
//! second run finds the first run's ticket and tokens. The local server starts afresh each
//! run (its tokens die with it), which the second run shows being recovered.
//!
//! Then the WeCom leg, a third-party app (suite) on the same store: suite_ticket push → suite
//! token → install link → the corp installs (`create_auth` push) → permanent code stored → a
//! call for the corp → its token expires and is recovered → `cancel_auth` cleans up.
//!
//! Run: `cargo run --example demo` (or `make demo`); `cargo run --example pushes` shows
//! the push crypto on its own.

use std::sync::Arc;

use serde_json::json;
use weixinkit::open_platform::AuthorizationUrlOptions;
use weixinkit::store::{FileStore, Store};
use weixinkit::token::SystemClock;
use weixinkit::wecom::{Suite, SuiteConfig};
use weixinkit::{
    CallbackRequest, CallbackResponse, Component, ComponentConfig, Event, HttpOptions, StoreConfig,
    TokenOptions,
};
use weixinkit_sim::{
    AuthorizeRequest, InstallRequest, Push, Sim, SimConfig, SuitePush, COMPONENT_AES_KEY,
    COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, PROVIDER_CORPID, SUITE_AES_KEY, SUITE_ID,
    SUITE_SECRET, SUITE_TOKEN,
};

const AUTHORIZER: &str = "wxf8b4f85f3a794e77";
const CORP: &str = "wwd8c4f2a1e5b70936";

/// What a web framework hands the suite's handler for WeCom's POST.
fn as_suite_request(push: &SuitePush) -> CallbackRequest {
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

fn show_suite(response: &CallbackResponse) {
    let event = match response.message.as_ref().map(|m| &m.event) {
        Some(Event::SuiteTicket { .. }) => "suite_ticket".to_string(),
        Some(Event::CreateAuth { .. }) => "create_auth".to_string(),
        Some(Event::CancelAuth { auth_corp_id, .. }) => format!("cancel_auth by {auth_corp_id}"),
        Some(other) => format!("{other:?}"),
        None => "nothing (refused)".into(),
    };
    println!(
        "    handler answered {} {:?}; event: {event}",
        response.status, response.body
    );
}

fn step(n: u32, title: &str) {
    println!("\n[{n}] {title}");
}

/// What a web framework hands the handler for WeChat's POST.
fn as_request(push: &Push) -> CallbackRequest {
    let q = &push.query;
    CallbackRequest {
        method: "POST".into(),
        query: [
            ("signature", &q.signature),
            ("timestamp", &q.timestamp),
            ("nonce", &q.nonce),
            ("encrypt_type", &q.encrypt_type),
            ("msg_signature", &q.msg_signature),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect(),
        body: push.body.clone(),
    }
}

fn show(response: &CallbackResponse) {
    let event = match response.message.as_ref().map(|m| &m.event) {
        Some(Event::ComponentVerifyTicket { .. }) => "component_verify_ticket".to_string(),
        Some(Event::Authorized { notice }) => format!("authorized by {}", notice.authorizer_appid),
        Some(Event::Unauthorized {
            authorizer_appid, ..
        }) => format!("unauthorized by {authorizer_appid}"),
        Some(other) => format!("{other:?}"),
        None => "nothing (refused)".into(),
    };
    println!(
        "    handler answered {} {:?}; event: {event}",
        response.status, response.body
    );
}

fn short(secret: &str) -> String {
    format!("{}…", secret.chars().take(18).collect::<String>())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::var_os("WEIXINKIT_STORE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/demo-store")
        });

    step(0, "Start the local WeChat server and open the file store");
    let sim = Sim::start(SimConfig::default()).await?;
    println!("    api.weixin.qq.com is played by {}", sim.base_url);
    let store: Arc<dyn Store> = Arc::new(FileStore::open(&dir)?);
    let config = ComponentConfig {
        component_app_id: COMPONENT_APPID.into(),
        component_secret: COMPONENT_SECRET.into(),
        token: COMPONENT_TOKEN.into(),
        encoding_aes_key: COMPONENT_AES_KEY.into(),
        http: HttpOptions {
            api_base_uri: sim.base_url.clone(),
            ..HttpOptions::default()
        },
        tokens: TokenOptions::default(),
        store: StoreConfig::File {
            dir: dir.to_string_lossy().into_owned(),
        },
        callback: Default::default(),
    };
    println!("    config: {config:?}");
    let platform = Component::with_store(config, store, Arc::new(SystemClock))?;
    match (
        platform.verify_ticket().await?,
        platform.refresh_token(AUTHORIZER).await?,
    ) {
        (None, None) => println!("    {} is empty: first run", dir.display()),
        (ticket, refresh) => println!(
            "    found the previous run's state in {}: ticket {}, refresh token for {AUTHORIZER}: {}",
            dir.display(),
            ticket.as_deref().map(short).unwrap_or_else(|| "none".into()),
            refresh.as_deref().map(short).unwrap_or_else(|| "none".into()),
        ),
    }

    step(
        1,
        "WeChat pushes component_verify_ticket (encrypted) to the authorization event URL",
    );
    let issued = sim.issue_component_ticket(COMPONENT_APPID).await?;
    let push = issued
        .outcome
        .push
        .as_ref()
        .expect("the component has a push key");
    println!(
        "    POST /callback?msg_signature={}&timestamp={}&nonce={}",
        push.query.msg_signature, push.query.timestamp, push.query.nonce
    );
    let response = platform.handle_callback(&as_request(push)).await;
    show(&response);
    println!(
        "    stored ticket: {}",
        short(&platform.verify_ticket().await?.unwrap_or_default())
    );

    step(
        2,
        "component_access_token (single flight; cached in the store)",
    );
    let token = platform.component_access_token().await?;
    println!(
        "    {} expires at {} (api_component_token calls so far: {})",
        short(&token.value),
        token.expires_at,
        sim.calls("/cgi-bin/component/api_component_token")
    );

    let token_calls = sim.calls("/cgi-bin/component/api_component_token");
    step(
        3,
        "Pre-auth code and the authorization link the merchant opens",
    );
    let url = platform
        .create_authorization_url(
            "https://platform.example.com/authorized",
            &AuthorizationUrlOptions {
                auth_type: Some(3),
                ..AuthorizationUrlOptions::default()
            },
        )
        .await?;
    println!("    {url}");
    if sim.calls("/cgi-bin/component/api_component_token") > token_calls {
        println!("    (the cached component token was unknown to this fresh server: 40001, refreshed once with the new ticket, retried once)");
    }

    step(
        4,
        "The merchant authorizes; WeChat pushes `authorized`; the handler exchanges the code",
    );
    let auth = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, AUTHORIZER))
        .await?;
    let push = auth.outcome.push.as_ref().expect("push");
    let response = platform.handle_callback(&as_request(push)).await;
    show(&response);
    println!(
        "    refresh token stored durably: {}",
        short(
            &platform
                .refresh_token(AUTHORIZER)
                .await?
                .unwrap_or_default()
        )
    );

    step(5, "Call an Official Account API on the authorizer's behalf");
    let authorizer = platform.authorizer(AUTHORIZER)?;
    let ips = authorizer.get("/cgi-bin/get_api_domain_ip", &[]).await?;
    println!("    GET /cgi-bin/get_api_domain_ip → {ips}");
    let sent = authorizer
        .post_json(
            "/cgi-bin/message/custom/send",
            &json!({"touser": "oUser", "msgtype": "text", "text": {"content": "你好"}}),
        )
        .await?;
    println!(
        "    POST /cgi-bin/message/custom/send → errcode {}",
        sent["errcode"]
    );

    step(
        6,
        "The authorizer token expires (42001), then is revoked (40001): both recovered",
    );
    let before = sim.calls("/cgi-bin/component/api_authorizer_token");
    sim.expire_tokens(Some(AUTHORIZER));
    authorizer.get("/cgi-bin/get_api_domain_ip", &[]).await?;
    sim.revoke_tokens(Some(AUTHORIZER));
    authorizer.get("/cgi-bin/get_api_domain_ip", &[]).await?;
    println!(
        "    two failed calls, each refreshed once from the stored refresh token and retried once \
         (api_authorizer_token calls: {})",
        sim.calls("/cgi-bin/component/api_authorizer_token") - before
    );

    step(7, "A forged push is refused and changes nothing");
    let mut forged = as_request(push);
    forged.body = forged.body.replace("<Encrypt>", "<Encrypt>A");
    show(&platform.handle_callback(&forged).await);

    step(
        8,
        "The merchant cancels; WeChat pushes `unauthorized`; the handler forgets the authorizer",
    );
    let gone = sim.unauthorize(COMPONENT_APPID, AUTHORIZER).await?;
    let response = platform
        .handle_callback(&as_request(gone.push.as_ref().expect("push")))
        .await;
    show(&response);
    match authorizer.access_token().await {
        Err(e) => println!("    acting for {AUTHORIZER} now fails: {e}"),
        Ok(_) => println!("    unexpected: a token for {AUTHORIZER} is still available"),
    }

    step(
        9,
        "Authorize again, so the next run finds a stored authorizer",
    );
    let auth = sim
        .authorize(AuthorizeRequest::new(COMPONENT_APPID, AUTHORIZER))
        .await?;
    show(
        &platform
            .handle_callback(&as_request(auth.outcome.push.as_ref().expect("push")))
            .await,
    );

    wecom_leg(&sim, &dir).await?;

    println!("\nUpstream calls, as the local WeChat server counted them:");
    for (path, n) in sim.stats() {
        println!("    {n:>3}  {path}");
    }
    println!(
        "\nState kept in {} (run again to see it survive).",
        dir.display()
    );
    Ok(())
}

/// The WeCom third-party app's install lifecycle, on the same file store.
async fn wecom_leg(
    sim: &weixinkit_sim::RunningSim,
    dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("\n--- WeCom: a third-party app (suite) ---");
    step(10, "Open the suite on the same file store");
    let store: Arc<dyn Store> = Arc::new(FileStore::open(dir)?);
    let config = SuiteConfig {
        suite_id: SUITE_ID.into(),
        suite_secret: SUITE_SECRET.into(),
        token: SUITE_TOKEN.into(),
        encoding_aes_key: SUITE_AES_KEY.into(),
        provider_corp_id: Some(PROVIDER_CORPID.into()),
        http: HttpOptions {
            work_base_uri: sim.base_url.clone(),
            ..HttpOptions::default()
        },
        tokens: TokenOptions::default(),
        store: StoreConfig::File {
            dir: dir.to_string_lossy().into_owned(),
        },
        callback: Default::default(),
    };
    println!("    config: {config:?}");
    let suite = Suite::with_store(config, store, Arc::new(SystemClock))?;
    match (
        suite.suite_ticket().await?,
        suite.stored_permanent_code(CORP).await?,
    ) {
        (None, None) => println!("    no suite state yet: first run"),
        (ticket, code) => println!(
            "    found the previous run's suite_ticket {} and permanent code for {CORP}: {}",
            ticket
                .as_deref()
                .map(short)
                .unwrap_or_else(|| "none".into()),
            code.as_deref().map(short).unwrap_or_else(|| "none".into()),
        ),
    }

    step(11, "WeCom pushes suite_ticket (encrypted for the suite id)");
    let issued = sim.issue_suite_ticket(SUITE_ID).await?;
    let push = issued.outcome.expect("a suite push").push;
    show_suite(&suite.handle_callback(&as_suite_request(&push)).await);

    step(
        12,
        "suite_access_token (single flight; cached in the store)",
    );
    let before = sim.calls("/cgi-bin/service/get_suite_token");
    let token = suite.suite_access_token().await?;
    println!(
        "    {} expires at {} (get_suite_token calls: {})",
        short(&token.value),
        token.expires_at,
        sim.calls("/cgi-bin/service/get_suite_token") - before
    );

    let token_calls = sim.calls("/cgi-bin/service/get_suite_token");
    step(
        13,
        "Pre-auth code, session info and the install link, in one call",
    );
    let url = suite
        .create_install_url("https://provider.example.com/installed", "demo", Some(1))
        .await?;
    println!("    {url}");
    if sim.calls("/cgi-bin/service/get_suite_token") > token_calls {
        println!("    (the cached suite token was unknown to this fresh server: 40082, refreshed once with the new ticket, retried once)");
    }

    step(
        14,
        "The corp installs; WeCom pushes `create_auth`; the handler stores the permanent code",
    );
    let installed = sim
        .wecom_install(InstallRequest::new(SUITE_ID, CORP))
        .await?;
    let push = installed.outcome.expect("a suite push").push;
    show_suite(&suite.handle_callback(&as_suite_request(&push)).await);
    println!(
        "    permanent code stored durably: {}",
        short(&suite.stored_permanent_code(CORP).await?.unwrap_or_default())
    );

    step(
        15,
        "Call a WeCom API for the corp (its token minted from the permanent code)",
    );
    let corp = suite.corp(CORP)?;
    let sent = corp
        .post_json(
            "/cgi-bin/message/send",
            &json!({"touser": "@all", "msgtype": "text", "agentid": 1000001, "text": {"content": "你好"}}),
        )
        .await?;
    println!(
        "    POST /cgi-bin/message/send → errcode {}",
        sent["errcode"]
    );

    step(
        16,
        "The corp token expires (42001): refreshed once, retried once",
    );
    let before = sim.calls("/cgi-bin/service/get_corp_token");
    sim.expire_tokens(Some(CORP));
    corp.get("/cgi-bin/user/list", &[("department_id", "1")])
        .await?;
    println!(
        "    recovered (get_corp_token calls: {})",
        sim.calls("/cgi-bin/service/get_corp_token") - before
    );

    step(
        17,
        "The corp removes the app; WeCom pushes `cancel_auth`; the handler forgets it",
    );
    let cancelled = sim.wecom_cancel(SUITE_ID, CORP).await?;
    let push = cancelled.outcome.expect("a suite push").push;
    show_suite(&suite.handle_callback(&as_suite_request(&push)).await);
    match corp.access_token().await {
        Err(e) => println!("    acting for {CORP} now fails without asking WeCom: {e}"),
        Ok(_) => println!("    unexpected: a token for {CORP} is still available"),
    }

    step(
        18,
        "Install again, so the next run finds a stored permanent code",
    );
    let installed = sim
        .wecom_install(InstallRequest::new(SUITE_ID, CORP))
        .await?;
    let push = installed.outcome.expect("a suite push").push;
    show_suite(&suite.handle_callback(&as_suite_request(&push)).await);
    Ok(())
}
