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
//! Run: `cargo run --example demo` (or `make demo`); `cargo run --example pushes` shows
//! the push crypto on its own.

use std::sync::Arc;

use serde_json::json;
use weixinkit::open_platform::AuthorizationUrlOptions;
use weixinkit::store::{FileStore, Store};
use weixinkit::token::SystemClock;
use weixinkit::{
    CallbackRequest, CallbackResponse, Component, ComponentConfig, Event, HttpOptions, StoreConfig,
    TokenOptions,
};
use weixinkit_sim::{
    AuthorizeRequest, Push, Sim, SimConfig, COMPONENT_AES_KEY, COMPONENT_APPID, COMPONENT_SECRET,
    COMPONENT_TOKEN,
};

const AUTHORIZER: &str = "wxf8b4f85f3a794e77";

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
