//! Configuration records: HTTP options, the retry policy, the store choice, and each client's
//! own record (the Official Account's, the third-party platform's). The same records, with the
//! same defaults, exist in every binding.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where WeChat lives. Tests and the demo point these at the local WeChat server.
pub const DEFAULT_API_BASE_URI: &str = "https://api.weixin.qq.com";
/// WeCom's API host.
pub const DEFAULT_WORK_BASE_URI: &str = "https://qyapi.weixin.qq.com";

/// Bounded retry for calls that failed for reasons a retry can fix: transport errors, the
/// configured HTTP statuses, and `errcode` -1 (system busy). Quota (45009), permission and
/// IP allow-list errors are never retried. The knobs are EasyWeChat's `http.retry`.
///
/// ```
/// let r = weixinkit::RetryPolicy::default();
/// assert_eq!(r.max_retries, 2);
/// assert_eq!(r.delay_before(0).as_millis(), 200);
/// assert_eq!(r.delay_before(1).as_millis(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry, in milliseconds.
    pub delay_ms: u64,
    /// Each further retry waits this many times longer.
    pub multiplier: f64,
    /// Up to this fraction of the delay is added at random (0.0–1.0), so a fleet does not
    /// retry in step.
    pub jitter: f64,
    /// HTTP statuses that are retried.
    pub statuses: Vec<u16>,
    /// No retry starts after this many milliseconds since the first attempt (0: no deadline).
    pub deadline_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            delay_ms: 200,
            multiplier: 2.0,
            jitter: 0.0,
            statuses: vec![429, 500, 502, 503, 504],
            deadline_ms: 15_000,
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0-based), without jitter.
    pub fn delay_before(&self, retry: u32) -> Duration {
        let factor = self.multiplier.max(1.0).powi(retry as i32);
        Duration::from_millis((self.delay_ms as f64 * factor).min(60_000.0) as u64)
    }
}

/// HTTP options.
///
/// ```
/// let h = weixinkit::HttpOptions::default();
/// assert_eq!(h.api_base_uri, "https://api.weixin.qq.com");
/// assert_eq!(h.timeout_ms, 5_000);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpOptions {
    /// Per-attempt timeout in milliseconds (connect + request + body).
    pub timeout_ms: u64,
    /// Base URI for `api.weixin.qq.com` (Official Account, mini program, Open Platform).
    pub api_base_uri: String,
    /// Base URI for `qyapi.weixin.qq.com` (WeCom).
    pub work_base_uri: String,
    /// Retry policy.
    pub retry: RetryPolicy,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout_ms: 5_000,
            api_base_uri: DEFAULT_API_BASE_URI.into(),
            work_base_uri: DEFAULT_WORK_BASE_URI.into(),
            retry: RetryPolicy::default(),
        }
    }
}

/// Which store keeps tokens and credentials. A host-implemented store is passed as an object
/// instead (see [`crate::store::Store`]).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StoreConfig {
    /// In this process only: tests and single-process programs.
    Memory,
    /// A directory shared by the processes of one machine (the default).
    File {
        /// The directory; created with mode 0700 if missing.
        dir: String,
    },
    /// A Redis server shared by a fleet.
    Redis {
        /// `redis://[:password@]host:port[/db]`; the password is never printed.
        url: String,
    },
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig::File {
            dir: default_store_dir().to_string_lossy().into_owned(),
        }
    }
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreConfig::Memory => f.write_str("Memory"),
            StoreConfig::File { dir } => f.debug_struct("File").field("dir", dir).finish(),
            StoreConfig::Redis { url } => f
                .debug_struct("Redis")
                .field("url", &redact_url(url))
                .finish(),
        }
    }
}

/// `Memory`, `File(/dir)`, `Redis(redis://:***@host:6379/0)`: what a log line or a Kotlin
/// `toString()` shows (uniffi maps the foreign `toString` to this), never the Redis password.
impl fmt::Display for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreConfig::Memory => f.write_str("Memory"),
            StoreConfig::File { dir } => write!(f, "File({dir})"),
            StoreConfig::Redis { url } => write!(f, "Redis({})", redact_url(url)),
        }
    }
}

/// The file store's default directory: `$WEIXINKIT_STORE_DIR`, else `<temp dir>/weixinkit`.
pub fn default_store_dir() -> PathBuf {
    match std::env::var_os("WEIXINKIT_STORE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => std::env::temp_dir().join("weixinkit"),
    }
}

/// `redis://user:secret@host` → `redis://user:***@host`.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// How the token manager behaves.
///
/// ```
/// let t = weixinkit::TokenOptions::default();
/// assert_eq!(t.refresh_margin_secs, 300);
/// assert!(!t.read_only);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenOptions {
    /// A cached token is used only if it expires more than this many seconds from now
    /// (halved for tokens that live less than twice as long).
    pub refresh_margin_secs: u64,
    /// Central-control mode: this process never fetches tokens, it only reads what the
    /// refreshing process stored, waiting up to `lock_wait_ms` for it.
    pub read_only: bool,
    /// How long the cross-process refresh lock lives if its holder dies (Redis, memory;
    /// the file store's lock dies with its process).
    pub lock_ttl_ms: u64,
    /// How long a caller waits for another process's refresh before giving up.
    pub lock_wait_ms: u64,
    /// Prefix of every store key (`{prefix}:{kind}:{owner}:{subject}`).
    pub key_prefix: String,
    /// The near cache for shared stores (file, Redis, host): a token read from the store is
    /// served from this process's memory for at most this long before the store is read
    /// again; a token error reads the store at once. 0 reads the store on every call. Keep it
    /// well under WeChat's 5-minute overlap of an old and a new token.
    pub local_max_age_ms: u64,
}

impl Default for TokenOptions {
    fn default() -> Self {
        TokenOptions {
            refresh_margin_secs: 300,
            read_only: false,
            lock_ttl_ms: 30_000,
            lock_wait_ms: 20_000,
            key_prefix: "weixinkit".into(),
            local_max_age_ms: 30_000,
        }
    }
}

/// How a callback handler (the Open Platform's authorization event URL, a WeCom suite's
/// callback URL, an Official Account's server URL) treats the pushes it receives.
///
/// ```
/// let c = weixinkit::ComponentConfig::from_json(r#"{"component_app_id":"wx1",
///     "component_secret":"s","token":"t","encoding_aes_key":"k",
///     "callback":{"replay_window_seconds":300}}"#)?;
/// assert_eq!(c.callback.replay_window_seconds, 300);
/// let oa = weixinkit::OfficialAccountConfig::from_json(
///     r#"{"app_id":"wx1","secret":"s","callback":{"replay_window_seconds":300}}"#)?;
/// assert_eq!(oa.callback.replay_window_seconds, 300);
/// assert_eq!(weixinkit::CallbackOptions::default().replay_window_seconds, 0);
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallbackOptions {
    /// The replay window, in seconds; 0 (the default) turns it off. When on, a push whose
    /// timestamp is further than this from now is refused (403), and so is a push whose
    /// `(timestamp, nonce, msg_signature)` was already accepted within the window (409): the
    /// triple is recorded in the store (`{prefix}:seen_push:{owner}:{fingerprint}`, expiring
    /// after the window) with an atomic set-if-absent, so every process sharing the store
    /// refuses it. A push whose lifecycle step failed (500) is forgotten again, so WeChat's
    /// retry of it goes through. An Official Account's message is recognised by its
    /// `signature` (over timestamp and nonce, present in every mode); one that could not be
    /// parsed (400) or answered (500) is forgotten again too. URL verification (`GET`) is
    /// never recorded.
    pub replay_window_seconds: u64,
}

/// An Official Account (or mini program) with its own AppSecret.
///
/// `Debug` never prints the secret or the EncodingAESKey:
/// ```
/// let c = weixinkit::OfficialAccountConfig::new("wx123", "s3cret");
/// assert!(!format!("{c:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialAccountConfig {
    /// The AppID (`wx…`).
    pub app_id: String,
    /// The AppSecret.
    pub secret: String,
    /// The server-configuration Token (for pushes), if used.
    #[serde(default)]
    pub token: Option<String>,
    /// The EncodingAESKey (for encrypted pushes), if used.
    #[serde(default)]
    pub encoding_aes_key: Option<String>,
    /// `cgi-bin/token` (each fetch mints a new token) or `cgi-bin/stable_token`.
    #[serde(default)]
    pub token_endpoint: TokenEndpoint,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
    /// Token manager options.
    #[serde(default)]
    pub tokens: TokenOptions,
    /// The store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Server URL options (the replay window of pushed messages).
    #[serde(default)]
    pub callback: CallbackOptions,
}

impl OfficialAccountConfig {
    /// A configuration with every option at its default.
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        OfficialAccountConfig {
            app_id: app_id.into(),
            secret: secret.into(),
            token: None,
            encoding_aes_key: None,
            token_endpoint: TokenEndpoint::default(),
            http: HttpOptions::default(),
            tokens: TokenOptions::default(),
            store: StoreConfig::default(),
            callback: CallbackOptions::default(),
        }
    }

    /// Parse the JSON form every binding uses (field names as in this struct; omitted
    /// options take their defaults; unknown fields are refused).
    ///
    /// ```
    /// let c = weixinkit::OfficialAccountConfig::from_json(
    ///     r#"{"app_id":"wx1","secret":"s","store":{"type":"memory"}}"#)?;
    /// assert_eq!(c.store, weixinkit::StoreConfig::Memory);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.app_id.is_empty() {
            return Err(Error::Config("app_id is empty".into()));
        }
        if self.secret.is_empty() {
            return Err(Error::Config("secret is empty".into()));
        }
        validate_key_part("app_id", &self.app_id)?;
        validate_key_part("key_prefix", &self.tokens.key_prefix)
    }
}

impl fmt::Debug for OfficialAccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfficialAccountConfig")
            .field("app_id", &self.app_id)
            .field("secret", &"***")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field(
                "encoding_aes_key",
                &self.encoding_aes_key.as_ref().map(|_| "***"),
            )
            .field("token_endpoint", &self.token_endpoint)
            .field("http", &self.http)
            .field("tokens", &self.tokens)
            .field("store", &self.store)
            .field("callback", &self.callback)
            .finish()
    }
}

/// Which endpoint mints the Official Account access token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpoint {
    /// `GET cgi-bin/token`: every fetch mints a new token and retires the previous one
    /// about five minutes later, so fetches must be coordinated (the token manager does).
    #[default]
    Token,
    /// `POST cgi-bin/stable_token`: repeated fetches return the same token.
    Stable,
}

/// Parse a configuration record. serde quotes an offending value between backticks (a secret
/// given as a number would be echoed): such values are left out of the message.
pub(crate) fn parse_config<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        let text = e.to_string();
        let mut shown = String::with_capacity(text.len());
        for (i, part) in text.split('`').enumerate() {
            if i % 2 == 0 {
                shown.push_str(part);
            } else if part.starts_with(|c: char| c.is_ascii_lowercase()) && !part.contains(' ') {
                // A field name (`secret`, `app_id`) is safe and useful.
                shown.push('`');
                shown.push_str(part);
                shown.push('`');
            } else {
                shown.push_str("(value hidden)");
            }
        }
        Error::Config(format!("config JSON: {shown}"))
    })
}

/// App ids and prefixes become parts of store keys: keep them to a safe alphabet.
/// [`validate_key_part`] for an id given as an argument (an authorizer's appid): an
/// `InvalidInput` error (-50005), not a configuration error.
pub(crate) fn validate_id_arg(name: &str, value: &str) -> Result<()> {
    validate_key_part(name, value).map_err(|e| match e {
        Error::Config(reason) => Error::invalid_argument(reason),
        other => other,
    })
}

pub(crate) fn validate_key_part(name: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "{name} {value:?} must be non-empty ASCII letters, digits, '_', '-' or '.'"
        )))
    }
}

/// A third-party platform's configuration.
///
/// ```
/// let c = weixinkit::ComponentConfig::from_json(r#"{"component_app_id":"wxc","component_secret":"s",
///     "token":"t","encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG","store":{"type":"memory"}}"#)?;
/// assert!(!format!("{c:?}").contains("\"s\""));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    /// The platform's AppID.
    pub component_app_id: String,
    /// The platform's AppSecret.
    pub component_secret: String,
    /// The message-check Token of the authorization event URL.
    pub token: String,
    /// The EncodingAESKey of the authorization event URL.
    pub encoding_aes_key: String,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
    /// Token manager options.
    #[serde(default)]
    pub tokens: TokenOptions,
    /// The store (tickets and refresh tokens are durable there).
    #[serde(default)]
    pub store: StoreConfig,
    /// Callback handler options (the replay window).
    #[serde(default)]
    pub callback: CallbackOptions,
}

impl ComponentConfig {
    /// Parse the JSON form every binding uses.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = crate::config::parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.component_secret.is_empty() {
            return Err(Error::Config("component_secret is empty".into()));
        }
        validate_key_part("component_app_id", &self.component_app_id)?;
        validate_key_part("key_prefix", &self.tokens.key_prefix)
    }
}

impl fmt::Debug for ComponentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentConfig")
            .field("component_app_id", &self.component_app_id)
            .field("component_secret", &"***")
            .field("token", &"***")
            .field("encoding_aes_key", &"***")
            .field("http", &self.http)
            .field("tokens", &self.tokens)
            .field("store", &self.store)
            .field("callback", &self.callback)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_password_is_redacted() {
        assert_eq!(
            redact_url("redis://:pw@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(redact_url("redis://user:pw@h:1"), "redis://user:***@h:1");
        assert_eq!(redact_url("redis://h:1"), "redis://h:1");
        let c = StoreConfig::Redis {
            url: "redis://:topsecret@h".into(),
        };
        assert!(!format!("{c:?}").contains("topsecret"));
        assert_eq!(c.to_string(), "Redis(redis://:***@h)");
        let file = StoreConfig::File { dir: "/d".into() };
        assert_eq!(file.to_string(), "File(/d)");
        assert_eq!(StoreConfig::Memory.to_string(), "Memory");
    }

    #[test]
    fn config_json_defaults_and_rejections() {
        let c = OfficialAccountConfig::from_json(
            r#"{"app_id":"wx1","secret":"s","http":{"timeout_ms":10,"retry":{"max_retries":0}}}"#,
        )
        .unwrap();
        assert_eq!(c.http.timeout_ms, 10);
        assert_eq!(c.http.retry.max_retries, 0);
        assert_eq!(c.http.retry.delay_ms, 200);
        assert_eq!(c.tokens, TokenOptions::default());
        assert!(matches!(c.store, StoreConfig::File { .. }));

        for bad in [
            r#"{"app_id":"","secret":"s"}"#,
            r#"{"app_id":"wx1","secret":""}"#,
            r#"{"app_id":"wx:1","secret":"s"}"#,
            r#"{"app_id":"wx1","secret":"s","sekret":"x"}"#,
            r#"{"app_id":"wx1"}"#,
            r#"{"app_id":"wx1","secret":98765432}"#,
            r#"{"app_id":"wx1","secret":"s","token":12345678}"#,
        ] {
            let e = OfficialAccountConfig::from_json(bad).unwrap_err();
            assert_eq!(e.kind(), "config", "{bad}");
            assert!(!e.to_string().contains("\"s\""), "{e}");
            assert!(!e.to_string().contains("98765432"), "{e}");
            assert!(!e.to_string().contains("12345678"), "{e}");
        }
    }

    #[test]
    fn retry_delays_grow_and_are_capped() {
        let r = RetryPolicy {
            delay_ms: 100,
            multiplier: 3.0,
            ..RetryPolicy::default()
        };
        assert_eq!(r.delay_before(2), Duration::from_millis(900));
        assert_eq!(r.delay_before(40), Duration::from_secs(60));
    }
}
