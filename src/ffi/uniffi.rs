//! The uniffi facade: the objects and functions `udl/weixinkit.udl` declares.
//!
//! The scaffolding is included here, not at the crate root, so that the foreign
//! `MessageCrypto` (whose errors are [`WeixinkitError`]) can share its name with the core one.

use std::collections::HashMap;

pub use crate::config::{StoreConfig, TokenEndpoint};
pub use crate::crypto::{CryptoOptions, ReceiverIdPolicy};
pub use crate::message::{Article, AuthorizationNotice, Event, MessageHeader};
pub use crate::official_account::JsSdkConfig;
pub use crate::token::Token;
use crate::Error;

/// The error every foreign call raises: one variant per failed check, each with the
/// WXBizMsgCrypt `code` and a human `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeixinkitError {
    #[error("{reason} ({code})")]
    InvalidAesKey { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidSignature { code: i32, reason: String },
    #[error("{reason} ({code})")]
    StaleTimestamp { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidBase64 { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidCiphertext { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidPadding { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidBuffer { code: i32, reason: String },
    #[error("{reason} ({code})")]
    ReceiverIdMismatch { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Parse { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidInput { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Api {
        code: i32,
        reason: String,
        errcode: i64,
        errmsg: String,
        endpoint: String,
    },
    #[error("{reason} ({code})")]
    Transport { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Timeout { code: i32, reason: String },
    #[error("{reason} ({code})")]
    HttpStatus { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Decode { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Store { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Config { code: i32, reason: String },
    #[error("{reason} ({code})")]
    TokenUnavailable { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Ticket { code: i32, reason: String },
    #[error("{reason} ({code})")]
    ReauthorizationNeeded { code: i32, reason: String },
    #[error("{reason} ({code})")]
    OauthCode { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Internal { code: i32, reason: String },
}

impl From<Error> for WeixinkitError {
    fn from(e: Error) -> Self {
        let (code, reason) = (e.code(), e.to_string());
        match e {
            Error::InvalidAesKey(_) => Self::InvalidAesKey { code, reason },
            Error::InvalidSignature => Self::InvalidSignature { code, reason },
            Error::StaleTimestamp(_) => Self::StaleTimestamp { code, reason },
            Error::InvalidBase64 => Self::InvalidBase64 { code, reason },
            Error::InvalidCiphertext(_) => Self::InvalidCiphertext { code, reason },
            Error::InvalidPadding => Self::InvalidPadding { code, reason },
            Error::InvalidBuffer(_) => Self::InvalidBuffer { code, reason },
            Error::ReceiverIdMismatch { .. } => Self::ReceiverIdMismatch { code, reason },
            Error::Parse(_) => Self::Parse { code, reason },
            Error::InvalidInput { .. } => Self::InvalidInput { code, reason },
            Error::Api {
                errcode,
                errmsg,
                endpoint,
            } => Self::Api {
                code,
                reason,
                errcode,
                errmsg,
                endpoint,
            },
            Error::Transport { .. } => Self::Transport { code, reason },
            Error::Timeout { .. } => Self::Timeout { code, reason },
            Error::HttpStatus { .. } => Self::HttpStatus { code, reason },
            Error::Decode { .. } => Self::Decode { code, reason },
            Error::Store(_) => Self::Store { code, reason },
            Error::Config(_) => Self::Config { code, reason },
            Error::TokenUnavailable(_) => Self::TokenUnavailable { code, reason },
            Error::Ticket { .. } => Self::Ticket { code, reason },
            Error::ReauthorizationNeeded { .. } => Self::ReauthorizationNeeded { code, reason },
            Error::OAuthCode { .. } => Self::OauthCode { code, reason },
            Error::Internal(_) => Self::Internal { code, reason },
        }
    }
}

impl From<WeixinkitError> for Error {
    /// A host store's exception, back into the core.
    fn from(e: WeixinkitError) -> Self {
        match e {
            WeixinkitError::Store { reason, .. } => {
                Error::Store(reason.trim_start_matches("store error: ").to_string())
            }
            other => Error::Store(format!("host store raised: {other}")),
        }
    }
}

impl From<::uniffi::UnexpectedUniFFICallbackError> for WeixinkitError {
    fn from(e: ::uniffi::UnexpectedUniFFICallbackError) -> Self {
        // The host's message only: its first line (no stack trace).
        let first = e.reason.lines().next().unwrap_or("").to_string();
        WeixinkitError::Store {
            code: crate::codes::STORE,
            reason: format!("host store raised: {first}"),
        }
    }
}

type R<T> = Result<T, WeixinkitError>;

/// A parsed push as the foreign languages see it: the fields grouped by path.
pub struct Message {
    pub event: Event,
    pub fields: HashMap<String, Vec<String>>,
}

/// Like [`crate::Message`]'s: the event's and the fields' credentials (see
/// [`crate::message::is_credential_field`]) print as `***`; fields in path order.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: std::collections::BTreeMap<&str, Vec<&str>> = self
            .fields
            .iter()
            .map(|(path, texts)| {
                let shown = if crate::message::is_credential_field(path) {
                    vec!["***"; texts.len()]
                } else {
                    texts.iter().map(String::as_str).collect()
                };
                (path.as_str(), shown)
            })
            .collect();
        f.debug_struct("Message")
            .field("event", &self.event)
            .field("fields", &fields)
            .finish()
    }
}

impl From<crate::Message> for Message {
    fn from(m: crate::Message) -> Self {
        Message {
            event: m.event,
            fields: m.fields.into_map(),
        }
    }
}

/// WXBizMsgCrypt for one account (see [`crate::MessageCrypto`]).
pub struct MessageCrypto(crate::MessageCrypto);

impl MessageCrypto {
    pub fn new(token: &str, encoding_aes_key: &str, receiver_id: &str) -> R<Self> {
        Ok(Self(crate::MessageCrypto::new(
            token,
            encoding_aes_key,
            receiver_id,
        )?))
    }

    pub fn with_options(token: &str, encoding_aes_key: &str, options: CryptoOptions) -> R<Self> {
        Ok(Self(crate::MessageCrypto::with_options(
            token,
            encoding_aes_key,
            options,
        )?))
    }

    pub fn decrypt(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> R<String> {
        Ok(self.0.decrypt(msg_signature, timestamp, nonce, encrypt)?)
    }

    pub fn decrypt_body(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> R<String> {
        Ok(self.0.decrypt_body(msg_signature, timestamp, nonce, body)?)
    }

    pub fn decrypt_message(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> R<Message> {
        Ok(self
            .0
            .decrypt_message(msg_signature, timestamp, nonce, body)?
            .into())
    }

    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> R<String> {
        Ok(self
            .0
            .verify_url(msg_signature, timestamp, nonce, echostr)?)
    }

    pub fn encrypt_reply(&self, plaintext: &str, timestamp: &str, nonce: &str) -> R<String> {
        Ok(self.0.encrypt_reply(plaintext, timestamp, nonce)?)
    }

    pub fn encrypt_reply_json(&self, plaintext: &str, timestamp: &str, nonce: &str) -> R<String> {
        Ok(self.0.encrypt_reply_json(plaintext, timestamp, nonce)?)
    }
}

pub fn check_signature(token: &str, signature: &str, timestamp: &str, nonce: &str) -> bool {
    crate::check_signature(token, signature, timestamp, nonce)
}

pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    crate::msg_signature(token, timestamp, nonce, encrypt)
}

pub fn decode_aes_key(encoding_aes_key: &str) -> R<Vec<u8>> {
    Ok(crate::decode_aes_key(encoding_aes_key)?.to_vec())
}

pub fn parse_message(xml_or_json: &str) -> R<Message> {
    Ok(crate::parse_message(xml_or_json)?.into())
}

pub fn text_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    content: &str,
) -> String {
    crate::text_reply(to_user_name, from_user_name, create_time, content)
}

pub fn image_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    media_id: &str,
) -> String {
    crate::image_reply(to_user_name, from_user_name, create_time, media_id)
}

pub fn news_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    articles: Vec<Article>,
) -> R<String> {
    Ok(crate::news_reply(
        to_user_name,
        from_user_name,
        create_time,
        &articles,
    )?)
}

pub fn jssdk_signature(jsapi_ticket: &str, nonce_str: &str, timestamp: i64, url: &str) -> String {
    crate::jssdk_signature(jsapi_ticket, nonce_str, timestamp, url)
}

// --- token engine ---------------------------------------------------------------------------

/// A secret the host passes in; never printed.
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

// The foreign configuration records: every option optional, so hosts name only what they
// change. They serialize (unset fields left out) to the JSON form every binding shares and
// are read by the core's one parser, so defaults and validation live in one place.

#[derive(Debug, Clone, serde::Serialize)]
pub struct RetryPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HttpOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_base_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_base_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_margin_secs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_ttl_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_wait_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_max_age_ms: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CallbackOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_window_seconds: Option<i64>,
}

pub struct OfficialAccountConfig {
    pub app_id: String,
    pub secret: std::sync::Arc<Secret>,
    pub token: Option<std::sync::Arc<Secret>>,
    pub encoding_aes_key: Option<std::sync::Arc<Secret>>,
    pub token_endpoint: Option<TokenEndpoint>,
    pub http: Option<HttpOptions>,
    pub tokens: Option<TokenOptions>,
    pub store: Option<StoreConfig>,
    pub callback: Option<CallbackOptions>,
}

impl OfficialAccountConfig {
    fn into_core(self) -> R<crate::OfficialAccountConfig> {
        let mut json = serde_json::json!({
            "app_id": self.app_id,
            "secret": self.secret.0,
        });
        let fields = [
            ("token", self.token.map(|s| serde_json::json!(s.0))),
            (
                "encoding_aes_key",
                self.encoding_aes_key.map(|s| serde_json::json!(s.0)),
            ),
            (
                "token_endpoint",
                self.token_endpoint.map(|e| serde_json::json!(e)),
            ),
            ("http", self.http.map(|h| serde_json::json!(h))),
            ("tokens", self.tokens.map(|t| serde_json::json!(t))),
            ("store", self.store.map(|s| serde_json::json!(s))),
            ("callback", self.callback.map(|c| serde_json::json!(c))),
        ];
        set_present(&mut json, fields);
        Ok(crate::OfficialAccountConfig::from_json(&json.to_string())?)
    }
}

/// Add the options the host set to a configuration record (unset ones take the defaults).
fn set_present<const N: usize>(
    json: &mut serde_json::Value,
    fields: [(&str, Option<serde_json::Value>); N],
) {
    for (name, value) in fields {
        if let Some(value) = value {
            json[name] = value;
        }
    }
}

// --- logging ---------------------------------------------------------------------------------

/// One of the core's log records, as a [`LogSink`] receives it.
#[derive(Debug, Clone, PartialEq, Eq, ::uniffi::Record)]
pub struct LogRecord {
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// Where it comes from, e.g. `weixinkit::token`.
    pub target: String,
    /// What happened, in words.
    pub message: String,
    /// Its fields (store key, kind, app ids, errcodes, attempts; never a secret or token),
    /// then those of the spans it happened in.
    pub fields: Vec<LogField>,
}

/// A field of a [`LogRecord`].
#[derive(Debug, Clone, PartialEq, Eq, ::uniffi::Record)]
pub struct LogField {
    /// Its name.
    pub name: String,
    /// Its value, as text.
    pub value: String,
}

/// Where the core's records go (the Kotlin package forwards them to SLF4J). Called on the
/// thread that emitted the event, often one of weixinkit's worker threads: be quick, and do
/// not throw.
#[::uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// Take one record.
    fn log(&self, record: LogRecord);
}

struct LogSinkAdapter(std::sync::Arc<dyn LogSink>);

impl crate::logging::LogSink for LogSinkAdapter {
    fn log(&self, record: crate::logging::LogRecord) {
        let record = LogRecord {
            level: record.level.as_str().to_string(),
            target: record.target,
            message: record.message,
            fields: record
                .fields
                .into_iter()
                .map(|(name, value)| LogField { name, value })
                .collect(),
        };
        // A sink that fails must not fail (or unwind through) the work that logged.
        let sink = &self.0;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.log(record)));
    }
}

/// Send the core's records at `level` (`error`, `warn`, `info`, `debug`, `trace`) or above to
/// `sink`, replacing any previous one. Logging is off until this is called.
#[::uniffi::export]
pub fn set_log_sink(sink: std::sync::Arc<dyn LogSink>, level: String) -> R<()> {
    let level = crate::logging::LogLevel::parse(&level)?;
    crate::logging::set_log_sink(std::sync::Arc::new(LogSinkAdapter(sink)), level)?;
    Ok(())
}

/// Stop sending the core's records anywhere.
#[::uniffi::export]
pub fn clear_log_sink() {
    crate::logging::clear_log_sink();
}

/// The host's store, as the foreign trait uniffi generates.
#[::uniffi::trait_interface]
pub trait HostStore: Send + Sync {
    fn get(&self, key: String) -> R<Option<String>>;
    fn set(&self, key: String, value: String, ttl_ms: Option<i64>) -> R<()>;
    fn delete(&self, key: String) -> R<()>;
    fn try_lock(&self, lock_key: String, ttl_ms: i64) -> R<Option<String>>;
    fn unlock(&self, lock_key: String, fence: String) -> R<()>;
}

/// A [`HostStore`] as a core [`crate::store::Store`]: each call runs on a blocking thread,
/// so a slow host cache never stalls the runtime.
struct HostStoreAdapter(std::sync::Arc<dyn HostStore>);

impl HostStoreAdapter {
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn HostStore) -> R<T> + Send + 'static,
    ) -> crate::Result<T> {
        let host = self.0.clone();
        match tokio::task::spawn_blocking(move || f(host.as_ref())).await {
            Ok(result) => result.map_err(Error::from),
            Err(e) => Err(Error::Store(format!("host store call failed: {e}"))),
        }
    }
}

#[async_trait::async_trait]
impl crate::store::Store for HostStoreAdapter {
    async fn get(&self, key: &str) -> crate::Result<Option<String>> {
        let key = key.to_string();
        self.run(move |h| h.get(key)).await
    }

    async fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<std::time::Duration>,
    ) -> crate::Result<()> {
        let (key, value) = (key.to_string(), value.to_string());
        let ttl_ms = ttl.map(|t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX));
        self.run(move |h| h.set(key, value, ttl_ms)).await
    }

    async fn delete(&self, key: &str) -> crate::Result<()> {
        let key = key.to_string();
        self.run(move |h| h.delete(key)).await
    }

    async fn try_lock(
        &self,
        lock_key: &str,
        ttl: std::time::Duration,
    ) -> crate::Result<Option<String>> {
        let lock_key = lock_key.to_string();
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        self.run(move |h| h.try_lock(lock_key, ttl_ms)).await
    }

    async fn unlock(&self, lock_key: &str, fence: &str) -> crate::Result<()> {
        let (lock_key, fence) = (lock_key.to_string(), fence.to_string());
        self.run(move |h| h.unlock(lock_key, fence)).await
    }
}

/// See [`crate::official_account::BackgroundRefresh`].
pub struct BackgroundRefresh(crate::official_account::BackgroundRefresh);

impl BackgroundRefresh {
    pub fn stop(&self) {
        self.0.stop()
    }
}

/// See [`crate::OfficialAccount`]; blocking methods and `_async` ones.
pub struct OfficialAccount(crate::OfficialAccount);

impl OfficialAccount {
    pub fn new(
        config: OfficialAccountConfig,
        store: Option<std::sync::Arc<dyn HostStore>>,
    ) -> R<Self> {
        let config = config.into_core()?;
        Ok(Self(match store {
            None => crate::OfficialAccount::new(config)?,
            Some(host) => crate::OfficialAccount::with_store(
                config,
                std::sync::Arc::new(HostStoreAdapter(host)),
                std::sync::Arc::new(crate::token::SystemClock),
            )?,
        }))
    }

    pub fn app_id(&self) -> String {
        self.0.app_id().to_string()
    }

    pub fn keep_fresh(&self) -> std::sync::Arc<BackgroundRefresh> {
        std::sync::Arc::new(BackgroundRefresh(self.0.keep_fresh()))
    }
}

pub struct ComponentConfig {
    pub component_app_id: String,
    pub component_secret: std::sync::Arc<Secret>,
    pub token: std::sync::Arc<Secret>,
    pub encoding_aes_key: std::sync::Arc<Secret>,
    pub http: Option<HttpOptions>,
    pub tokens: Option<TokenOptions>,
    pub store: Option<StoreConfig>,
    pub callback: Option<CallbackOptions>,
}

impl ComponentConfig {
    fn into_core(self) -> R<crate::ComponentConfig> {
        let mut json = serde_json::json!({
            "component_app_id": self.component_app_id,
            "component_secret": self.component_secret.0,
            "token": self.token.0,
            "encoding_aes_key": self.encoding_aes_key.0,
        });
        let fields = [
            ("http", self.http.map(|h| serde_json::json!(h))),
            ("tokens", self.tokens.map(|t| serde_json::json!(t))),
            ("store", self.store.map(|s| serde_json::json!(s))),
            ("callback", self.callback.map(|c| serde_json::json!(c))),
        ];
        set_present(&mut json, fields);
        Ok(crate::ComponentConfig::from_json(&json.to_string())?)
    }
}

/// See [`crate::Component`]; the operations come from [`super::endpoints`].
pub struct Component(crate::Component);

impl Component {
    pub fn new(config: ComponentConfig, store: Option<std::sync::Arc<dyn HostStore>>) -> R<Self> {
        let config = config.into_core()?;
        Ok(Self(match store {
            None => crate::Component::new(config)?,
            Some(host) => crate::Component::with_store(
                config,
                std::sync::Arc::new(HostStoreAdapter(host)),
                std::sync::Arc::new(crate::token::SystemClock),
            )?,
        }))
    }

    pub fn app_id(&self) -> String {
        self.0.app_id().to_string()
    }
}

/// An Official Account or mini program the platform acts for (see [`crate::Authorizer`]).
#[derive(::uniffi::Object)]
pub struct Authorizer(crate::Authorizer);

#[::uniffi::export]
impl Authorizer {
    /// The authorizer's AppID.
    pub fn app_id(&self) -> String {
        self.0.app_id().to_string()
    }

    /// Central-control mode: keep this authorizer's access token fresh from a background task
    /// until the returned handle's `stop()` (or its destruction).
    pub fn keep_fresh(&self) -> std::sync::Arc<BackgroundRefresh> {
        std::sync::Arc::new(BackgroundRefresh(self.0.keep_fresh()))
    }
}

#[::uniffi::export]
impl Component {
    /// Central-control mode: keep the component access token fresh from a background task
    /// until the returned handle's `stop()` (or its destruction).
    pub fn keep_fresh(&self) -> std::sync::Arc<BackgroundRefresh> {
        std::sync::Arc::new(BackgroundRefresh(self.0.keep_fresh()))
    }

    /// A client for an authorizer whose refresh token is stored: its token is refreshed
    /// automatically.
    pub fn authorizer(&self, authorizer_appid: String) -> R<std::sync::Arc<Authorizer>> {
        Ok(std::sync::Arc::new(Authorizer(
            self.0.authorizer(&authorizer_appid)?,
        )))
    }

    /// A client for an authorizer from a refresh token kept elsewhere (stored durably first).
    pub fn authorizer_with_refresh_token(
        &self,
        authorizer_appid: String,
        refresh_token: String,
    ) -> R<std::sync::Arc<Authorizer>> {
        let a = crate::runtime::block_on(
            self.0
                .authorizer_with_refresh_token(&authorizer_appid, &refresh_token),
        )?;
        Ok(std::sync::Arc::new(Authorizer(a)))
    }

    /// `authorizer_with_refresh_token` without blocking the caller's thread.
    pub async fn authorizer_with_refresh_token_async(
        &self,
        authorizer_appid: String,
        refresh_token: String,
    ) -> R<std::sync::Arc<Authorizer>> {
        let c = self.0.clone();
        let a = crate::runtime::spawn(async move {
            c.authorizer_with_refresh_token(&authorizer_appid, &refresh_token)
                .await
        })
        .await?;
        Ok(std::sync::Arc::new(Authorizer(a)))
    }

    /// A client that uses the given access token as is (never refreshed).
    pub fn authorizer_with_access_token(
        &self,
        authorizer_appid: String,
        access_token: String,
    ) -> R<std::sync::Arc<Authorizer>> {
        Ok(std::sync::Arc::new(Authorizer(
            self.0
                .authorizer_with_access_token(&authorizer_appid, &access_token)?,
        )))
    }
}

// --- WeCom ----------------------------------------------------------------------------------

fn host_store(
    store: Option<std::sync::Arc<dyn HostStore>>,
) -> Option<std::sync::Arc<dyn crate::store::Store>> {
    store.map(|host| {
        std::sync::Arc::new(HostStoreAdapter(host)) as std::sync::Arc<dyn crate::store::Store>
    })
}

fn common_fields(
    json: &mut serde_json::Value,
    http: Option<HttpOptions>,
    tokens: Option<TokenOptions>,
    store: Option<StoreConfig>,
) {
    let fields = [
        ("http", http.map(|h| serde_json::json!(h))),
        ("tokens", tokens.map(|t| serde_json::json!(t))),
        ("store", store.map(|s| serde_json::json!(s))),
    ];
    set_present(json, fields);
}

pub struct ProviderConfig {
    pub corp_id: String,
    pub provider_secret: std::sync::Arc<Secret>,
    pub http: Option<HttpOptions>,
    pub tokens: Option<TokenOptions>,
    pub store: Option<StoreConfig>,
}

pub struct SuiteConfig {
    pub suite_id: String,
    pub suite_secret: std::sync::Arc<Secret>,
    pub token: std::sync::Arc<Secret>,
    pub encoding_aes_key: std::sync::Arc<Secret>,
    pub provider_corp_id: Option<String>,
    pub http: Option<HttpOptions>,
    pub tokens: Option<TokenOptions>,
    pub store: Option<StoreConfig>,
    pub callback: Option<CallbackOptions>,
}

pub struct WorkAccountConfig {
    pub corp_id: String,
    pub corp_secret: std::sync::Arc<Secret>,
    pub http: Option<HttpOptions>,
    pub tokens: Option<TokenOptions>,
    pub store: Option<StoreConfig>,
}

/// See [`crate::wecom::Provider`]; the operations come from [`super::endpoints`].
pub struct Provider(crate::wecom::Provider);

impl Provider {
    pub fn new(config: ProviderConfig, store: Option<std::sync::Arc<dyn HostStore>>) -> R<Self> {
        let mut json = serde_json::json!({
            "corp_id": config.corp_id,
            "provider_secret": config.provider_secret.0,
        });
        common_fields(&mut json, config.http, config.tokens, config.store);
        let config = crate::wecom::ProviderConfig::from_json(&json.to_string())?;
        Ok(Self(match host_store(store) {
            None => crate::wecom::Provider::new(config)?,
            Some(store) => crate::wecom::Provider::with_store(
                config,
                store,
                std::sync::Arc::new(crate::token::SystemClock),
            )?,
        }))
    }

    pub fn corp_id(&self) -> String {
        self.0.corp_id().to_string()
    }
}

/// See [`crate::wecom::Suite`]; the operations come from [`super::endpoints`].
pub struct Suite(crate::wecom::Suite);

impl Suite {
    pub fn new(config: SuiteConfig, store: Option<std::sync::Arc<dyn HostStore>>) -> R<Self> {
        let mut json = serde_json::json!({
            "suite_id": config.suite_id,
            "suite_secret": config.suite_secret.0,
            "token": config.token.0,
            "encoding_aes_key": config.encoding_aes_key.0,
            "provider_corp_id": config.provider_corp_id,
        });
        common_fields(&mut json, config.http, config.tokens, config.store);
        set_present(
            &mut json,
            [("callback", config.callback.map(|c| serde_json::json!(c)))],
        );
        let config = crate::wecom::SuiteConfig::from_json(&json.to_string())?;
        Ok(Self(match host_store(store) {
            None => crate::wecom::Suite::new(config)?,
            Some(store) => crate::wecom::Suite::with_store(
                config,
                store,
                std::sync::Arc::new(crate::token::SystemClock),
            )?,
        }))
    }

    pub fn suite_id(&self) -> String {
        self.0.suite_id().to_string()
    }
}

/// A corp the suite acts for (see [`crate::wecom::Corp`]).
#[derive(::uniffi::Object)]
pub struct Corp(crate::wecom::Corp);

#[::uniffi::export]
impl Corp {
    /// The corp id.
    pub fn corp_id(&self) -> String {
        self.0.corp_id().to_string()
    }
}

#[::uniffi::export]
impl Suite {
    /// A client for a corp that installed the suite (its permanent code stored): its corp
    /// token is cached per corp and refreshed automatically.
    pub fn corp(&self, corp_id: String) -> R<std::sync::Arc<Corp>> {
        Ok(std::sync::Arc::new(Corp(self.0.corp(&corp_id)?)))
    }
}

/// See [`crate::wecom::WorkAccount`]; the operations come from [`super::endpoints`].
pub struct WorkAccount(crate::wecom::WorkAccount);

impl WorkAccount {
    pub fn new(config: WorkAccountConfig, store: Option<std::sync::Arc<dyn HostStore>>) -> R<Self> {
        let mut json = serde_json::json!({
            "corp_id": config.corp_id,
            "corp_secret": config.corp_secret.0,
        });
        common_fields(&mut json, config.http, config.tokens, config.store);
        let config = crate::wecom::WorkAccountConfig::from_json(&json.to_string())?;
        Ok(Self(match host_store(store) {
            None => crate::wecom::WorkAccount::new(config)?,
            Some(store) => crate::wecom::WorkAccount::with_store(
                config,
                store,
                std::sync::Arc::new(crate::token::SystemClock),
            )?,
        }))
    }

    pub fn corp_id(&self) -> String {
        self.0.corp_id().to_string()
    }
}

pub struct WebsiteAppConfig {
    pub app_id: String,
    pub secret: std::sync::Arc<Secret>,
    pub http: Option<HttpOptions>,
}

/// See [`crate::WebsiteApp`]; the operations come from [`super::endpoints`].
pub struct WebsiteApp(crate::WebsiteApp);

impl WebsiteApp {
    pub fn new(config: WebsiteAppConfig) -> R<Self> {
        let mut json = serde_json::json!({
            "app_id": config.app_id,
            "secret": config.secret.0,
        });
        set_present(
            &mut json,
            [("http", config.http.map(|h| serde_json::json!(h)))],
        );
        let config = crate::WebsiteAppConfig::from_json(&json.to_string())?;
        Ok(Self(crate::WebsiteApp::new(config)?))
    }

    pub fn app_id(&self) -> String {
        self.0.app_id().to_string()
    }
}

/// See [`crate::OAuthState`]; `issue` and `verify` come from [`super::endpoints`].
pub struct OAuthState(crate::OAuthState);

impl OAuthState {
    pub fn new(key: String, ttl_secs: Option<i64>) -> R<Self> {
        Ok(Self(crate::OAuthState::with_ttl(
            &key,
            ttl_secs.unwrap_or(crate::oauth::DEFAULT_STATE_TTL_SECS),
        )?))
    }

    pub fn ttl_secs(&self) -> i64 {
        self.0.ttl_secs()
    }
}

// JSON crosses to Kotlin as its text.
::uniffi::custom_type!(Json, String, {
    lower: |json| json.0.to_string(),
    try_lift: |text| Ok(Json(serde_json::from_str(&text).map_err(|e| {
        WeixinkitError::from(crate::Error::invalid_argument(format!("not JSON: {e}")))
    })?)),
});

// A request body crosses from Kotlin as a string (always UTF-8 there).
::uniffi::custom_type!(Body, String, {
    lower: |body| body.0.unwrap_or_default(),
    try_lift: |text| Ok(Body(Some(text))),
});

// Query parameters cross to Kotlin as a `Map` (sent sorted by name).
::uniffi::custom_type!(Query, HashMap<String, String>, {
    lower: |query| query.0.into_iter().collect(),
    try_lift: |map| {
        let mut pairs: Vec<(String, String)> = map.into_iter().collect();
        pairs.sort_unstable();
        Ok(Query(pairs))
    },
});

/// What to answer the authorization event URL, and what arrived (see
/// [`crate::CallbackResponse`]); `message` is the parsed push, `plaintext` its decrypted XML.
/// Printed (Kotlin `toString()`), it shows the status and body only: the push holds tickets
/// and authorization codes.
#[derive(::uniffi::Record)]
#[uniffi::export(Debug)]
pub struct CallbackResponse {
    /// 200, 400 (malformed), 403 (signature, receiver or timestamp check failed), 405, 409
    /// (a replayed push, with `callback.replay_window_seconds` on), or 500 (the lifecycle
    /// step failed: WeChat will push again).
    pub status: i32,
    /// `success` on 200, a short reason otherwise.
    pub body: String,
    /// The verified, decrypted push.
    pub message: Option<Message>,
    /// The decrypted XML.
    pub plaintext: Option<String>,
}

impl std::fmt::Debug for CallbackResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackResponse")
            .field("status", &self.status)
            .field("body", &self.body)
            .field("message", &self.message.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl From<crate::CallbackResponse> for CallbackResponse {
    fn from(r: crate::CallbackResponse) -> Self {
        CallbackResponse {
            status: i32::from(r.status),
            body: r.body,
            message: r.message.map(Message::from),
            plaintext: r.plaintext,
        }
    }
}

// The names the table's rows use for their argument and result types.
pub use super::{Body, Json, Query};
pub use crate::open_platform::{
    Authorization, AuthorizationUrlOptions, AuthorizerList, AuthorizerListItem, PreAuthCode,
};
pub use crate::wecom::PermanentCode;
pub use crate::{MiniProgramSession, OAuthUserInfo, UserAccessToken, UserInfo};

/// Expands a table into a uniffi export: a blocking method and an `_async` one per `io` row,
/// a plain method per `pure` row.
macro_rules! uniffi_methods {
    (
        extra { $Recv:ident }
        io { $( $(#[$m:meta])* fn $name:ident / $name_async:ident ( $recv:ident $(, $arg:ident : $ty:ty $(= $default:ident)?)* $(,)? ) -> $ret:ty $body:block )* }
        pure { $( $(#[$pm:meta])* fn $pname:ident ( $precv:ident $(, $parg:ident : $pty:ty $(= $pdefault:ident)?)* $(,)? ) -> $pret:ty $pbody:block )* }
    ) => {
        #[::uniffi::export]
        impl $Recv {
            $(
                $(#[$m])*
                #[uniffi::method(default($($($arg = $default,)?)*))]
                pub fn $name(&self $(, $arg: $ty)*) -> R<$ret> {
                    let $recv = &self.0;
                    let value = crate::runtime::block_on(async move { $body })?;
                    Ok(value.into())
                }

                $(#[$m])*
                #[uniffi::method(default($($($arg = $default,)?)*))]
                pub async fn $name_async(&self $(, $arg: $ty)*) -> R<$ret> {
                    let owned = self.0.clone();
                    let value = crate::runtime::spawn(async move {
                        let $recv = &owned;
                        $body
                    })
                    .await?;
                    Ok(value.into())
                }
            )*
            $(
                $(#[$pm])*
                #[uniffi::method(default($($($parg = $pdefault,)?)*))]
                pub fn $pname(&self $(, $parg: $pty)*) -> R<$pret> {
                    let $precv = &self.0;
                    let value = $pbody?;
                    Ok(value.into())
                }
            )*
        }
    };
}

official_account_endpoints!(uniffi_methods { OfficialAccount });
component_endpoints!(uniffi_methods { Component });
authorizer_endpoints!(uniffi_methods { Authorizer });
provider_endpoints!(uniffi_methods { Provider });
suite_endpoints!(uniffi_methods { Suite });
corp_endpoints!(uniffi_methods { Corp });
work_account_endpoints!(uniffi_methods { WorkAccount });
website_app_endpoints!(uniffi_methods { WebsiteApp });
oauth_state_endpoints!(uniffi_methods { OAuthState });

uniffi::include_scaffolding!("weixinkit");

#[cfg(test)]
mod tests {
    use super::{parse_message, Message};

    #[test]
    fn a_printed_message_hides_credentials_in_the_event_and_the_fields() {
        let m: Message = parse_message(
            "<xml><AppId>wx0c1a</AppId><CreateTime>1413192605</CreateTime>\
             <InfoType>component_verify_ticket</InfoType>\
             <ComponentVerifyTicket>ticket@@@5f3a</ComponentVerifyTicket></xml>",
        )
        .unwrap();
        let shown = format!("{m:?}");
        assert!(!shown.contains("ticket@@@5f3a"), "{shown}");
        assert!(shown.contains(r#""ticket":"***""#), "{shown}");
        assert!(
            shown.contains(r#""ComponentVerifyTicket": ["***"]"#),
            "{shown}"
        );
        assert!(
            shown.contains("wx0c1a") && shown.contains("1413192605"),
            "{shown}"
        );
        // Display, which uniffi also exports for the event, is the same redacted form.
        assert_eq!(m.event.to_string(), format!("{:?}", m.event));

        let m = parse_message(
            "<xml><AppId>wx0c1a</AppId><InfoType>authorized</InfoType>\
             <AuthorizerAppid>wxauth1</AuthorizerAppid>\
             <AuthorizationCode>queryauthcode@@@b7</AuthorizationCode>\
             <PreAuthCode>preauthcode@@@c9</PreAuthCode></xml>",
        )
        .unwrap();
        let shown = format!("{m:?}");
        for secret in ["queryauthcode@@@b7", "preauthcode@@@c9"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("wxauth1"), "{shown}");
        // The values themselves are intact.
        assert_eq!(m.fields["AuthorizationCode"], ["queryauthcode@@@b7"]);
    }
}
