//! `weixinkit-sim`: a local HTTP server that plays `api.weixin.qq.com` for weixinkit's tests and
//! demo. It issues, rotates, expires and revokes tokens the way WeChat does, walks the Open
//! Platform authorisation flow (verify tickets, pre-auth codes, authorisation codes, authorizer
//! refresh tokens) with encrypted pushes, and injects faults on demand. Not part of weixinkit's
//! public API.
//!
//! ```no_run
//! use weixinkit_sim::{client, Fault, OptionsPatch, Sim, SimConfig};
//! # async fn demo() -> std::io::Result<()> {
//! let sim = Sim::start(SimConfig::default()).await?;
//! sim.set_options(OptionsPatch { grace_secs: Some(0), ..Default::default() });
//! sim.inject(Fault::errcode("/cgi-bin/token", -1));
//! let url = format!("{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
//!     sim.base_url, weixinkit_sim::OA_APPID, weixinkit_sim::OA_SECRET);
//! assert_eq!(client::get(&url).await?.json()?["errcode"], -1);
//! assert_eq!(sim.calls("/cgi-bin/token"), 1);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The HTTP control API (`/_sim/...`, used by the Python/Kotlin/PHP tests through the
//! `wechat-sim` binary) mirrors the methods on [`Sim`]; see the crate's README.

pub mod client;
pub mod crypto;
mod server;
mod state;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use state::State;

/// Default Official Account appid.
pub const OA_APPID: &str = "wxoa00000000000001";
/// Its secret.
pub const OA_SECRET: &str = "oa-secret";
/// Default Mini Program appid.
pub const MINI_APPID: &str = "wxmini0000000000001";
/// Its secret.
pub const MINI_SECRET: &str = "mini-secret";
/// Default component (third-party platform) appid; also the receiver id of its pushes.
pub const COMPONENT_APPID: &str = "wxcomponent0000001";
/// Its secret.
pub const COMPONENT_SECRET: &str = "component-secret";
/// Its push token.
pub const COMPONENT_TOKEN: &str = "componenttoken";
/// Its EncodingAESKey.
pub const COMPONENT_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// Default WeCom service provider's corp id.
pub const PROVIDER_CORPID: &str = "wwprovider00000001";
/// Its provider secret.
pub const PROVIDER_SECRET: &str = "provider-secret";
/// Default WeCom third-party app (suite) id; also the receiver id of its pushes.
pub const SUITE_ID: &str = "wwsuite00000000001";
/// Its suite secret.
pub const SUITE_SECRET: &str = "suite-secret";
/// Its callback Token.
pub const SUITE_TOKEN: &str = "suitetoken";
/// Its callback EncodingAESKey.
pub const SUITE_AES_KEY: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
/// A second suite of the same provider (two suites must never mix).
pub const SUITE2_ID: &str = "wwsuite00000000002";
/// Its suite secret.
pub const SUITE2_SECRET: &str = "suite2-secret";
/// Its callback Token.
pub const SUITE2_TOKEN: &str = "suitetoken2";
/// Its callback EncodingAESKey.
pub const SUITE2_AES_KEY: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg";
/// Default corp with a self-built app (`cgi-bin/gettoken`).
pub const WORK_CORPID: &str = "wwcorp000000000001";
/// That app's secret.
pub const WORK_SECRET: &str = "corp-app-secret";

/// What kind of account an [`App`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// 公众号: gets tokens from `cgi-bin/token` / `stable_token`.
    OfficialAccount,
    /// 小程序: same token endpoints.
    MiniProgram,
    /// 第三方平台: gets its token from `api_component_token`; `cgi-bin/token` answers 61024.
    Component,
    /// WeCom 服务商: `appid` is the provider's corp id, `secret` the provider secret.
    WecomProvider,
    /// WeCom 第三方应用: `appid` is the suite id, with its callback token and EncodingAESKey.
    WecomSuite,
    /// A WeCom corp's self-built app: `appid` is the corp id, `secret` the app's secret.
    WecomApp,
    /// 网站应用: an Open Platform website app ("log in with WeChat"); uses `sns/oauth2/*`
    /// with its own secret.
    WebsiteApp,
}

/// An account the sim knows (the body of `POST /_sim/apps`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// The appid.
    pub appid: String,
    /// The AppSecret the token endpoints check.
    pub secret: String,
    /// The kind of account.
    pub kind: AppKind,
    /// Push token (components; needed to sign pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// 43-character EncodingAESKey (components; needed to encrypt pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_aes_key: Option<String>,
    /// Where pushes are POSTed (plain `http://`); `None` = pushes are only returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

impl App {
    /// An Official Account.
    pub fn official_account(appid: &str, secret: &str) -> App {
        App::plain(appid, secret, AppKind::OfficialAccount)
    }

    /// An Open Platform website app.
    pub fn website_app(appid: &str, secret: &str) -> App {
        App::plain(appid, secret, AppKind::WebsiteApp)
    }

    /// A Mini Program.
    pub fn mini_program(appid: &str, secret: &str) -> App {
        App::plain(appid, secret, AppKind::MiniProgram)
    }

    /// A component with its push token and EncodingAESKey.
    pub fn component(appid: &str, secret: &str, token: &str, encoding_aes_key: &str) -> App {
        App {
            token: Some(token.to_owned()),
            encoding_aes_key: Some(encoding_aes_key.to_owned()),
            ..App::plain(appid, secret, AppKind::Component)
        }
    }

    /// A WeCom suite with its callback token and EncodingAESKey.
    pub fn wecom_suite(suite_id: &str, secret: &str, token: &str, encoding_aes_key: &str) -> App {
        App {
            token: Some(token.to_owned()),
            encoding_aes_key: Some(encoding_aes_key.to_owned()),
            ..App::plain(suite_id, secret, AppKind::WecomSuite)
        }
    }

    /// Set the URL pushes are POSTed to.
    pub fn with_callback_url(mut self, url: &str) -> App {
        self.callback_url = Some(url.to_owned());
        self
    }

    fn plain(appid: &str, secret: &str, kind: AppKind) -> App {
        App {
            appid: appid.to_owned(),
            secret: secret.to_owned(),
            kind,
            token: None,
            encoding_aes_key: None,
            callback_url: None,
        }
    }

    /// The default accounts (see the README).
    pub fn defaults() -> Vec<App> {
        vec![
            App::plain(PROVIDER_CORPID, PROVIDER_SECRET, AppKind::WecomProvider),
            App::wecom_suite(SUITE_ID, SUITE_SECRET, SUITE_TOKEN, SUITE_AES_KEY),
            App::wecom_suite(SUITE2_ID, SUITE2_SECRET, SUITE2_TOKEN, SUITE2_AES_KEY),
            App::plain(WORK_CORPID, WORK_SECRET, AppKind::WecomApp),
            App::official_account(OA_APPID, OA_SECRET),
            App::mini_program(MINI_APPID, MINI_SECRET),
            App::component(
                COMPONENT_APPID,
                COMPONENT_SECRET,
                COMPONENT_TOKEN,
                COMPONENT_AES_KEY,
            ),
        ]
    }
}

/// Behaviour knobs (`POST /_sim/config` patches them; `POST /_sim/reset` restores the values
/// the sim started with).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimOptions {
    /// Lifetime of every issued token and ticket, seconds (default 7200).
    pub expires_in: u64,
    /// How long a superseded token (or rotated refresh token) keeps working, seconds
    /// (default 300; 0 = it dies the moment the new one is issued).
    pub grace_secs: u64,
    /// `api_authorizer_token` returns a new refresh token each time (default false).
    pub rotate_refresh_token: bool,
    /// `stable_token` (normal mode) reuses the current token while it has more than this many
    /// seconds left; `None` = min(300, expires_in / 2).
    pub stable_min_life: Option<u64>,
    /// A component_verify_ticket is accepted this long after it was issued (default 43200,
    /// 12 h); older → 61005.
    pub ticket_ttl_secs: u64,
    /// Authorization codes (`queryauthcode@@@…`) live this long (default 600); older → 61010.
    /// WeCom's install auth codes too (older → 40029).
    pub auth_code_ttl_secs: u64,
    /// A WeCom suite_ticket is accepted this long after it was pushed (default 1800); older →
    /// 40085.
    pub suite_ticket_ttl_secs: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            expires_in: 7200,
            grace_secs: 300,
            rotate_refresh_token: false,
            stable_min_life: None,
            ticket_ttl_secs: 43_200,
            auth_code_ttl_secs: 600,
            suite_ticket_ttl_secs: 1800,
        }
    }
}

/// A partial update of [`SimOptions`] (the body of `POST /_sim/config`); `None` = unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptionsPatch {
    /// See [`SimOptions::expires_in`].
    pub expires_in: Option<u64>,
    /// See [`SimOptions::grace_secs`].
    pub grace_secs: Option<u64>,
    /// See [`SimOptions::rotate_refresh_token`].
    pub rotate_refresh_token: Option<bool>,
    /// See [`SimOptions::stable_min_life`].
    pub stable_min_life: Option<u64>,
    /// See [`SimOptions::ticket_ttl_secs`].
    pub ticket_ttl_secs: Option<u64>,
    /// See [`SimOptions::auth_code_ttl_secs`].
    pub auth_code_ttl_secs: Option<u64>,
    /// See [`SimOptions::suite_ticket_ttl_secs`].
    pub suite_ticket_ttl_secs: Option<u64>,
}

/// How the sim starts (also the format of the binary's `--config FILE.json`; every field is
/// optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 = any free port (default).
    pub port: u16,
    /// Start with the three default accounts (default true).
    pub default_apps: bool,
    /// Extra accounts (replace defaults with the same appid).
    pub apps: Vec<App>,
    /// Initial options; also what `reset` goes back to.
    pub options: SimOptions,
    /// Log one line per request to stderr.
    pub log: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            default_apps: true,
            apps: Vec::new(),
            options: SimOptions::default(),
            log: false,
        }
    }
}

fn one() -> u32 {
    1
}

/// A fault for the next `times` requests to `path` (the body of `POST /_sim/faults`). Faults
/// queue FIFO per path; the path `*` matches any non-`/_sim` path when the path's own queue is
/// empty. `delay_ms` sleeps first; then `drop` closes the connection without a response, else
/// `status` answers with that HTTP status, else `errcode` answers HTTP 200
/// `{"errcode":E,"errmsg":"injected"}`; a fault with only a delay is then handled normally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Request path without query, e.g. `/cgi-bin/token`, or `*`.
    pub path: String,
    /// How many requests it applies to (default 1).
    #[serde(default = "one")]
    pub times: u32,
    /// WeChat error code to answer with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    /// errmsg for `errcode` (default `injected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
    /// HTTP status to answer with (body: a short text, or the errcode JSON if `errcode` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Sleep this long before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Close the connection without any response.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
}

impl Fault {
    fn on(path: &str) -> Fault {
        Fault {
            path: path.to_owned(),
            times: 1,
            errcode: None,
            errmsg: None,
            status: None,
            delay_ms: None,
            drop: false,
        }
    }

    /// Answer `{"errcode":code,"errmsg":"injected"}` (HTTP 200).
    pub fn errcode(path: &str, code: i64) -> Fault {
        Fault {
            errcode: Some(code),
            ..Fault::on(path)
        }
    }

    /// Answer with this HTTP status.
    pub fn status(path: &str, status: u16) -> Fault {
        Fault {
            status: Some(status),
            ..Fault::on(path)
        }
    }

    /// Close the connection without a response.
    pub fn drop_connection(path: &str) -> Fault {
        Fault {
            drop: true,
            ..Fault::on(path)
        }
    }

    /// Sleep `ms` milliseconds, then handle the request normally.
    pub fn delay(path: &str, ms: u64) -> Fault {
        Fault {
            delay_ms: Some(ms),
            ..Fault::on(path)
        }
    }

    /// Apply to the next `n` requests instead of one.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }

    /// Also sleep `ms` milliseconds first.
    pub fn with_delay(mut self, ms: u64) -> Fault {
        self.delay_ms = Some(ms);
        self
    }

    fn validate(&self) -> Result<(), SimError> {
        if !(self.path.starts_with('/') || self.path == "*") {
            return Err(SimError::new("fault path must start with / (or be *)"));
        }
        if self.times == 0 {
            return Err(SimError::new("fault times must be at least 1"));
        }
        if self.status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Err(SimError::new("fault status must be 100..=599"));
        }
        Ok(())
    }
}

/// The kinds of credential the sim issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// `cgi-bin/token`.
    AccessToken,
    /// `cgi-bin/stable_token`.
    StableToken,
    /// `api_component_token`.
    ComponentAccessToken,
    /// `api_query_auth` / `api_authorizer_token`.
    AuthorizerAccessToken,
    /// `getticket?type=jsapi`.
    JsapiTicket,
    /// `getticket?type=wx_card`.
    WxCardTicket,
    /// User OAuth token (`sns/oauth2/...`).
    SnsAccessToken,
    /// WeCom `service/get_provider_token`.
    ProviderAccessToken,
    /// WeCom `service/get_suite_token`.
    SuiteAccessToken,
    /// WeCom `service/get_corp_token` (owner: the corp; via: the suite).
    CorpAccessToken,
    /// WeCom `cgi-bin/gettoken` (a self-built app's corp token).
    WorkAccessToken,
}

impl TokenKind {
    fn prefix(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "ACCESS_",
            TokenKind::StableToken => "STABLE_",
            TokenKind::ComponentAccessToken => "COMPONENT_",
            TokenKind::AuthorizerAccessToken => "AUTHORIZER_",
            TokenKind::JsapiTicket => "JSAPI_",
            TokenKind::WxCardTicket => "WXCARD_",
            TokenKind::SnsAccessToken => "SNS_",
            TokenKind::ProviderAccessToken => "PROVIDER_",
            TokenKind::SuiteAccessToken => "SUITE_",
            TokenKind::CorpAccessToken => "CORP_",
            TokenKind::WorkAccessToken => "WORK_",
        }
    }
}

/// One issued token as `GET /_sim/tokens` lists it (times in Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The token string.
    pub value: String,
    /// Its kind.
    pub kind: TokenKind,
    /// The account it belongs to.
    pub owner: String,
    /// The component it was issued through, if any.
    pub via: Option<String>,
    /// The user, for sns tokens.
    pub openid: Option<String>,
    /// Issue time.
    pub issued_at: u64,
    /// Expiry time.
    pub expires_at: u64,
    /// When it was (or will be) superseded.
    pub retire_at: Option<u64>,
    /// Past `expires_at` (42001).
    pub expired: bool,
    /// Past `retire_at` (40001).
    pub retired: bool,
    /// Its authorizer cancelled the authorisation (61003).
    pub unauthorized: bool,
}

/// The query string WeChat sends with a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushQuery {
    /// sha1(sorted[token, timestamp, nonce]).
    pub signature: String,
    /// Unix seconds.
    pub timestamp: String,
    /// Random digits.
    pub nonce: String,
    /// Always `aes`.
    pub encrypt_type: String,
    /// sha1(sorted[token, timestamp, nonce, Encrypt]).
    pub msg_signature: String,
}

/// An encrypted push as WeChat would POST it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// The full URL it is (or would be) POSTed to: callback_url + query; `None` without one.
    pub url: Option<String>,
    /// The query parameters.
    pub query: PushQuery,
    /// `<xml><AppId>…</AppId><Encrypt>…</Encrypt></xml>`.
    pub body: String,
    /// The decrypted message inside (for debugging and assertions).
    pub plaintext: String,
}

/// A push and what happened when it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushOutcome {
    /// `None` when the component has no token/EncodingAESKey configured.
    pub push: Option<Push>,
    /// A callback_url was set and answered with HTTP 2xx.
    pub delivered: bool,
    /// The callback's HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The callback's response body (WeChat expects `success`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Why delivery failed (connection refused, timeout, non-2xx status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The query string WeCom sends with a suite push (no `signature`, no `encrypt_type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuitePushQuery {
    /// sha1(sorted[token, timestamp, nonce, Encrypt]).
    pub msg_signature: String,
    /// Unix seconds.
    pub timestamp: String,
    /// Random digits.
    pub nonce: String,
}

/// An encrypted suite push as WeCom would POST it to the suite's callback URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuitePush {
    /// callback_url + query; `None` without a callback_url.
    pub url: Option<String>,
    /// The query parameters.
    pub query: SuitePushQuery,
    /// `<xml><ToUserName>SUITE</ToUserName><Encrypt>…</Encrypt><AgentID></AgentID></xml>`.
    pub body: String,
    /// The decrypted message inside.
    pub plaintext: String,
}

/// A suite push and what happened when it was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuitePushOutcome {
    /// The push.
    pub push: SuitePush,
    /// A callback_url was set and answered with HTTP 2xx.
    pub delivered: bool,
    /// The callback's HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The callback's response body (WeCom expects `success`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Why delivery failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a WeCom control call minted (a ticket or an auth code, when it minted one), and its
/// push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteEvent {
    /// The `suite_ticket` pushed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The temporary auth code (install, reset_permanent_code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<String>,
    /// The push (absent when an install was asked for without one: the website flow, whose
    /// browser redirect carries the auth code instead).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<SuitePushOutcome>,
}

/// The body of `POST /_sim/wecom/install`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRequest {
    /// The suite being installed.
    pub suite_id: String,
    /// The installing corp (any id).
    pub corpid: String,
    /// If given, must be a live pre_auth_code of this suite.
    #[serde(default)]
    pub pre_auth_code: Option<String>,
    /// The install link's `state`.
    #[serde(default)]
    pub state: Option<String>,
    /// Push `create_auth` (the app-market flow, default) or not (the website flow).
    #[serde(default = "yes")]
    pub push: bool,
}

fn yes() -> bool {
    true
}

impl InstallRequest {
    /// `corpid` installs `suite_id` from the app market (a `create_auth` push).
    pub fn new(suite_id: &str, corpid: &str) -> InstallRequest {
        InstallRequest {
            suite_id: suite_id.to_owned(),
            corpid: corpid.to_owned(),
            pre_auth_code: None,
            state: None,
            push: true,
        }
    }
}

/// Result of [`Sim::issue_component_ticket`] / `POST /_sim/component/ticket`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketIssued {
    /// `ticket@@@…`.
    pub ticket: String,
    /// The push and its delivery.
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// The body of `POST /_sim/authorize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    /// The component being authorised.
    pub component_appid: String,
    /// The merchant's account (any appid; need not be a configured app).
    pub authorizer_appid: String,
    /// If given, must be a live pre_auth_code issued to this component.
    #[serde(default)]
    pub pre_auth_code: Option<String>,
    /// Granted permission sets (default `[1,2,3,4,5,6,7,11,15]`; an update keeps the old ones).
    #[serde(default)]
    pub func_ids: Option<Vec<u32>>,
    /// Send `updateauthorized` instead of `authorized` (keeps the refresh token).
    #[serde(default)]
    pub update: bool,
}

impl AuthorizeRequest {
    /// Authorise `authorizer_appid` for `component_appid` with the defaults.
    pub fn new(component_appid: &str, authorizer_appid: &str) -> AuthorizeRequest {
        AuthorizeRequest {
            component_appid: component_appid.to_owned(),
            authorizer_appid: authorizer_appid.to_owned(),
            pre_auth_code: None,
            func_ids: None,
            update: false,
        }
    }
}

/// Result of [`Sim::authorize`] / `POST /_sim/authorize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorized {
    /// `queryauthcode@@@…`, for `api_query_auth`.
    pub authorization_code: String,
    /// The authorizer.
    pub authorizer_appid: String,
    /// `authorized` or `updateauthorized`.
    pub info_type: String,
    /// When the code expires (Unix seconds; also the push's AuthorizationCodeExpiredTime).
    pub expires_at: u64,
    /// The push and its delivery.
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// Result of [`Sim::oauth_code`] / `POST /_sim/oauth_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthCode {
    /// The code (single use, 300 s): `code` for sns/oauth2, `js_code` for jscode2session.
    pub code: String,
    /// The account it is for.
    pub appid: String,
    /// The user it stands for.
    pub openid: String,
    /// `snsapi_userinfo` unless another scope was asked for.
    pub scope: String,
    /// Seconds.
    pub expires_in: u64,
}

/// A control-side request the sim refuses (HTTP 400 on the control API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError(pub String);

impl SimError {
    fn new(msg: impl Into<String>) -> SimError {
        SimError(msg.into())
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SimError {}

impl From<SimError> for io::Error {
    fn from(e: SimError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e.0)
    }
}

/// The simulator's shared state; a cheap, cloneable handle. Every method is also reachable over
/// the HTTP control API.
#[derive(Clone)]
pub struct Sim {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim").finish_non_exhaustive()
    }
}

impl Sim {
    /// Build the state without serving (see [`Sim::serve`]). Fails on an invalid app (bad
    /// EncodingAESKey, non-http callback_url, empty appid).
    pub fn new(config: &SimConfig) -> Result<Sim, SimError> {
        Ok(Sim {
            state: Arc::new(Mutex::new(State::new(config)?)),
        })
    }

    /// Bind 127.0.0.1:`config.port` (0 = a free port) and serve in the background on the
    /// current tokio runtime (multi-thread recommended).
    pub async fn start(config: SimConfig) -> io::Result<RunningSim> {
        let sim = Sim::new(&config)?;
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        sim.serve(listener)
    }

    /// Serve on an already bound listener.
    pub fn serve(&self, listener: TcpListener) -> io::Result<RunningSim> {
        let addr = listener.local_addr()?;
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(server::accept_loop(listener, self.clone(), rx));
        Ok(RunningSim {
            base_url: format!("http://{addr}"),
            addr,
            sim: self.clone(),
            shutdown: tx,
            task: Some(task),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests counted for `path` (no query), e.g. `/cgi-bin/token`; faulted and failed ones
    /// included, `/_sim/...` never.
    pub fn calls(&self, path: &str) -> u64 {
        self.lock().calls.get(path).copied().unwrap_or(0)
    }

    /// All counters (`GET /_sim/stats`).
    pub fn stats(&self) -> BTreeMap<String, u64> {
        self.lock().calls.clone()
    }

    /// Zero the counters only.
    pub fn reset_counters(&self) {
        self.lock().calls.clear();
    }

    /// Clear counters, tokens, tickets, codes, faults, authorisations and options back to the
    /// start-up values; apps stay (`POST /_sim/reset`).
    pub fn reset(&self) {
        self.lock().reset();
    }

    /// Queue a fault (`POST /_sim/faults`).
    ///
    /// # Panics
    /// On an invalid fault (path not starting with `/` or `*`, `times` 0, status outside
    /// 100..=599); [`Sim::try_inject`] returns the error instead.
    pub fn inject(&self, fault: Fault) {
        self.try_inject(fault).expect("invalid fault");
    }

    /// Queue a fault, rejecting an invalid one.
    pub fn try_inject(&self, fault: Fault) -> Result<(), SimError> {
        fault.validate()?;
        self.lock().push_fault(fault);
        Ok(())
    }

    /// Faults still queued (`times` = remaining uses).
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.lock().pending_faults()
    }

    /// Every token (of `appid`, or all) expires now → 42001. Returns how many changed
    /// (`POST /_sim/expire`).
    pub fn expire_tokens(&self, appid: Option<&str>) -> usize {
        self.lock().expire(appid, now_ms())
    }

    /// Every token (of `appid`, or all) is retired now → 40001 (`POST /_sim/revoke`).
    pub fn revoke_tokens(&self, appid: Option<&str>) -> usize {
        self.lock().revoke(appid, now_ms())
    }

    /// The options in force.
    pub fn options(&self) -> SimOptions {
        self.lock().options.clone()
    }

    /// Change some options; returns the result (`POST /_sim/config`).
    pub fn set_options(&self, patch: OptionsPatch) -> SimOptions {
        self.lock().patch_options(&patch)
    }

    /// Add or replace an account (`POST /_sim/apps`).
    pub fn add_app(&self, app: App) -> Result<(), SimError> {
        state::validate_app(&app)?;
        self.lock().apps.insert(app.appid.clone(), app);
        Ok(())
    }

    /// The configured accounts.
    pub fn apps(&self) -> Vec<App> {
        self.lock().apps.values().cloned().collect()
    }

    /// Every issued token, oldest first (`GET /_sim/tokens`).
    pub fn tokens(&self) -> Vec<TokenInfo> {
        self.lock().token_infos(now_ms())
    }

    /// The newest component_verify_ticket issued to `component_appid`.
    pub fn latest_component_ticket(&self, component_appid: &str) -> Option<String> {
        self.lock().latest_verify_ticket(component_appid)
    }

    /// Mint a component_verify_ticket and deliver its push to the component's callback_url, if
    /// any (`POST /_sim/component/ticket`). Only the newest two tickets are accepted by
    /// `api_component_token`.
    pub async fn issue_component_ticket(
        &self,
        component_appid: &str,
    ) -> Result<TicketIssued, SimError> {
        let (ticket, push) = self.lock().mint_verify_ticket(component_appid, now_ms())?;
        Ok(TicketIssued {
            ticket,
            outcome: server::deliver(push).await,
        })
    }

    /// A merchant authorises (or updates) `authorizer_appid` for a component: mints an
    /// authorization_code and delivers the `authorized`/`updateauthorized` push
    /// (`POST /_sim/authorize`).
    pub async fn authorize(&self, req: AuthorizeRequest) -> Result<Authorized, SimError> {
        let (code, expires_at, info_type, push) = self.lock().authorize(&req, now_ms())?;
        Ok(Authorized {
            authorization_code: code,
            authorizer_appid: req.authorizer_appid,
            info_type: info_type.to_owned(),
            expires_at,
            outcome: server::deliver(push).await,
        })
    }

    /// The merchant cancels: the authorizer's tokens answer 61003, its refresh tokens and
    /// unused codes die, and the `unauthorized` push is delivered (`POST /_sim/unauthorize`).
    pub async fn unauthorize(
        &self,
        component_appid: &str,
        authorizer_appid: &str,
    ) -> Result<PushOutcome, SimError> {
        let push = self
            .lock()
            .unauthorize(component_appid, authorizer_appid, now_ms())?;
        Ok(server::deliver(push).await)
    }

    /// Record whether `openid` follows `appid`: `cgi-bin/user/info` answers `subscribe` 0
    /// (and nothing but the openid) for a user who does not (`POST /_sim/oauth_code` with
    /// `"subscribed": false` does this for the code's user). Users follow by default.
    pub fn set_following(&self, appid: &str, openid: &str, following: bool) {
        self.lock().set_following(appid, openid, following);
    }

    /// Make an issued code expired now: its exchange answers 42003 (`POST /_sim/oauth_code`
    /// with `"expired": true` mints one so).
    pub fn expire_oauth_code(&self, code: &str) -> bool {
        self.lock().expire_oauth_code(code, now_ms())
    }

    /// Mint a user OAuth code / js_code for `appid` (`POST /_sim/oauth_code`); a random openid
    /// unless one is given, scope `snsapi_userinfo` unless given.
    pub fn oauth_code(
        &self,
        appid: &str,
        openid: Option<&str>,
        scope: Option<&str>,
    ) -> Result<OAuthCode, SimError> {
        let (code, openid, scope) = self.lock().oauth_code(appid, openid, scope, now_ms())?;
        Ok(OAuthCode {
            code,
            appid: appid.to_owned(),
            openid,
            scope,
            expires_in: 300,
        })
    }
}

impl Sim {
    /// The newest suite_ticket pushed for `suite_id`.
    pub fn latest_suite_ticket(&self, suite_id: &str) -> Option<String> {
        self.lock().latest_suite_ticket(suite_id)
    }

    /// Mint a suite_ticket and deliver its push to the suite's callback_url, if any
    /// (`POST /_sim/wecom/suite_ticket`). The newest two tickets are accepted by
    /// `get_suite_token`, each for `suite_ticket_ttl_secs`.
    pub async fn issue_suite_ticket(&self, suite_id: &str) -> Result<SuiteEvent, SimError> {
        let (ticket, push) = self.lock().wecom_suite_ticket(suite_id, now_ms())?;
        Ok(SuiteEvent {
            ticket: Some(ticket),
            auth_code: None,
            outcome: Some(server::deliver_suite(push).await),
        })
    }

    /// A corp installs the suite (`POST /_sim/wecom/install`): a single-use auth code and,
    /// unless `push` is false, the `create_auth` push.
    pub async fn wecom_install(&self, req: InstallRequest) -> Result<SuiteEvent, SimError> {
        let (code, push) = self.lock().wecom_install(&req, now_ms())?;
        let outcome = match push {
            Some(p) => Some(server::deliver_suite(p).await),
            None => None,
        };
        Ok(SuiteEvent {
            ticket: None,
            auth_code: Some(code),
            outcome,
        })
    }

    /// The corp removes the app (`POST /_sim/wecom/cancel`): its permanent code answers
    /// 40084, its corp tokens 40014, and `cancel_auth` is pushed.
    pub async fn wecom_cancel(&self, suite_id: &str, corpid: &str) -> Result<SuiteEvent, SimError> {
        let push = self.lock().wecom_cancel(suite_id, corpid, now_ms())?;
        Ok(SuiteEvent {
            ticket: None,
            auth_code: None,
            outcome: Some(server::deliver_suite(push).await),
        })
    }

    /// Revoke the corp's permanent code without a push (`POST
    /// /_sim/wecom/revoke_permanent_code`): later uses answer 40084.
    pub fn wecom_revoke_permanent_code(
        &self,
        suite_id: &str,
        corpid: &str,
    ) -> Result<(), SimError> {
        self.lock().wecom_revoke_permanent_code(suite_id, corpid)
    }

    /// A new auth code and the `reset_permanent_code` push (`POST
    /// /_sim/wecom/reset_permanent_code`).
    pub async fn wecom_reset_permanent_code(
        &self,
        suite_id: &str,
        corpid: &str,
    ) -> Result<SuiteEvent, SimError> {
        let (code, push) = self
            .lock()
            .wecom_reset_permanent_code(suite_id, corpid, now_ms())?;
        Ok(SuiteEvent {
            ticket: None,
            auth_code: Some(code),
            outcome: Some(server::deliver_suite(push).await),
        })
    }

    /// Push `change_auth`, or `change_contact` with a `change_type` (`POST
    /// /_sim/wecom/change_auth`, `/_sim/wecom/change_contact`).
    pub async fn wecom_change(
        &self,
        suite_id: &str,
        corpid: &str,
        change_type: Option<&str>,
    ) -> Result<SuiteEvent, SimError> {
        let push = self
            .lock()
            .wecom_change(suite_id, corpid, change_type, now_ms())?;
        Ok(SuiteEvent {
            ticket: None,
            auth_code: None,
            outcome: Some(server::deliver_suite(push).await),
        })
    }

    /// URL verification as WeCom sends it (`POST /_sim/wecom/verify_url`): the query
    /// (`msg_signature`, `timestamp`, `nonce`, `echostr`) for a GET to the callback URL, and
    /// the plaintext the callback must answer. The echostr is encrypted for `receiver_id`
    /// (default: the suite id).
    pub fn wecom_verify_url(
        &self,
        suite_id: &str,
        receiver_id: Option<&str>,
    ) -> Result<UrlVerification, SimError> {
        let (q, echostr, plain) = self.lock().wecom_echostr(suite_id, receiver_id, now_ms())?;
        Ok(UrlVerification {
            query: BTreeMap::from([
                ("msg_signature".to_owned(), q.msg_signature),
                ("timestamp".to_owned(), q.timestamp),
                ("nonce".to_owned(), q.nonce),
                ("echostr".to_owned(), echostr),
            ]),
            echo: plain,
        })
    }

    /// A suite OAuth code for a member of an installed corp (`POST /_sim/wecom/oauth_code`).
    pub fn wecom_oauth_code(
        &self,
        suite_id: &str,
        corpid: &str,
        userid: Option<&str>,
    ) -> Result<WeComCode, SimError> {
        let (code, userid) = self
            .lock()
            .wecom_oauth_code(suite_id, corpid, userid, now_ms())?;
        Ok(WeComCode { code, userid })
    }

    /// A provider web-login auth code (`POST /_sim/wecom/login_code`).
    pub fn wecom_login_code(
        &self,
        provider_corpid: &str,
        corpid: &str,
        userid: Option<&str>,
    ) -> Result<WeComCode, SimError> {
        let (code, userid) =
            self.lock()
                .wecom_login_code(provider_corpid, corpid, userid, now_ms())?;
        Ok(WeComCode { code, userid })
    }
}

/// Result of [`Sim::wecom_verify_url`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlVerification {
    /// `msg_signature`, `timestamp`, `nonce`, `echostr` (not URL-encoded).
    pub query: BTreeMap<String, String>,
    /// What the callback must answer.
    pub echo: String,
}

/// A WeCom user code (suite OAuth `code`, provider login `auth_code`) and the member it
/// stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeComCode {
    /// The code (single use, 300 s).
    pub code: String,
    /// The member's userid.
    pub userid: String,
}

/// A serving sim. Derefs to [`Sim`] for the control methods. Dropping it stops the server too
/// (without waiting); [`RunningSim::shutdown`] waits for connections to finish (≤ 2 s).
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    sim: Sim,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// The state handle (clone it into other tasks).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// `base_url` + `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }

    /// Stop accepting, let in-flight requests finish (at most 2 s), close everything.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Deref for RunningSim {
    type Target = Sim;

    fn deref(&self) -> &Sim {
        &self.sim
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

// ----- small helpers shared by the modules ---------------------------------------------------

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(crate) fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source failed");
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub(crate) fn random_alnum(n: usize) -> String {
    random_from(ALNUM, n)
}

pub(crate) fn random_digits(n: usize) -> String {
    random_from(b"0123456789", n)
}

fn random_from(alphabet: &[u8], n: usize) -> String {
    // Rejection sampling keeps the characters uniform.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        fill_random(&mut buf);
        for &b in &buf {
            if (b as usize) < limit && out.len() < n {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// A WeChat-style request id: `xxxxxxxx-xxxxxxxx-xxxxxxxx`.
pub(crate) fn rid() -> String {
    let mut b = [0u8; 12];
    fill_random(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}", &hex[..8], &hex[8..16], &hex[16..])
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
