//! An Official Account (or mini program) calling WeChat with its own AppSecret: the access
//! token (`cgi-bin/token` or `cgi-bin/stable_token`), the JS-SDK `jsapi_ticket` and config
//! signature, and a generic `get` / `post_json` for every endpoint nobody wrapped — all
//! through the token manager.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::api::TokenCall;
use crate::config::{OfficialAccountConfig, TokenEndpoint};
use crate::http::{Host, HttpClient, Method, Request};
use crate::store::{self, Key, Kind, Store};
use crate::token::{Clock, Fetched, SystemClock, Token, TokenManager, TokenSource};
use crate::{Error, Result};

/// `errcode`s that mean "the access token sent is bad": drop it (if still cached), refresh,
/// retry the call once.
pub const TOKEN_ERRORS: &[i64] = &[40001, 40014, 42001];

/// An Official Account client. Cheap to clone; clones share the HTTP pool and the token
/// manager.
///
/// ```no_run
/// use weixinkit::{OfficialAccount, OfficialAccountConfig};
/// # async fn demo() -> weixinkit::Result<()> {
/// let account = OfficialAccount::new(OfficialAccountConfig::new("wx123", "secret"))?;
/// let token = account.access_token().await?;       // cached, refreshed once when due
/// let ips = account.get("/cgi-bin/get_api_domain_ip", &[]).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OfficialAccount {
    inner: Arc<Inner>,
}

struct Inner {
    config: OfficialAccountConfig,
    http: HttpClient,
    tokens: TokenManager,
    token_key: Key,
    ticket_key: Key,
}

impl std::fmt::Debug for OfficialAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficialAccount")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// A background refresh started by [`OfficialAccount::keep_fresh`]; dropping it stops it.
#[derive(Debug)]
pub struct BackgroundRefresh(tokio::task::JoinHandle<()>);

impl BackgroundRefresh {
    /// Stop refreshing (also done on drop).
    pub fn stop(&self) {
        self.0.abort();
    }
}

impl Drop for BackgroundRefresh {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What `wx.config` needs on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsSdkConfig {
    /// The AppID.
    pub app_id: String,
    /// The timestamp signed (Unix seconds).
    pub timestamp: i64,
    /// The random string signed.
    pub nonce_str: String,
    /// The SHA-1 signature.
    pub signature: String,
    /// The page URL signed (without its `#` fragment).
    pub url: String,
}

/// The JS-SDK signature: SHA-1 hex of
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, with the URL's `#` fragment removed.
///
/// ```
/// let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
/// assert_eq!(
///     weixinkit::jssdk_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"),
///     "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
/// ```
pub fn jssdk_signature(jsapi_ticket: &str, nonce_str: &str, timestamp: i64, url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let plain =
        format!("jsapi_ticket={jsapi_ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={url}");
    let digest = Sha1::digest(plain.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

struct AccessTokenSource<'a>(&'a Inner);

#[async_trait::async_trait]
impl TokenSource for AccessTokenSource<'_> {
    async fn fetch(&self, failed: Option<&str>) -> Result<Fetched> {
        let c = &self.0.config;
        let body = match c.token_endpoint {
            TokenEndpoint::Token => {
                let request = Request::get(
                    Host::Api,
                    "/cgi-bin/token",
                    &[
                        ("grant_type", "client_credential"),
                        ("appid", &c.app_id),
                        ("secret", &c.secret),
                    ],
                );
                self.0.http.send(&request).await?
            }
            TokenEndpoint::Stable => {
                let fetched = self.0.stable_token(false).await?;
                // stable_token hands back the same token until it rotates: if that is the
                // one that just failed, ask for a new one.
                if failed.is_some() && fetched.get("access_token").and_then(Value::as_str) == failed
                {
                    self.0.stable_token(true).await?
                } else {
                    fetched
                }
            }
        };
        fetched_from(&body, "access_token", endpoint_of(c.token_endpoint))
    }
}

fn endpoint_of(e: TokenEndpoint) -> &'static str {
    match e {
        TokenEndpoint::Token => "/cgi-bin/token",
        TokenEndpoint::Stable => "/cgi-bin/stable_token",
    }
}

/// `{field, expires_in}` out of a token endpoint's answer.
pub(crate) fn fetched_from(body: &Value, field: &str, endpoint: &str) -> Result<Fetched> {
    let value = body
        .get(field)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Decode {
            endpoint: endpoint.into(),
            reason: format!("no {field} in the answer"),
        })?;
    let expires_in = match body.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0)
    .ok_or_else(|| Error::Decode {
        endpoint: endpoint.into(),
        reason: "no positive expires_in in the answer".into(),
    })?;
    Ok(Fetched {
        value: value.to_string(),
        expires_in,
    })
}

struct JsapiTicketSource<'a>(&'a OfficialAccount);

#[async_trait::async_trait]
impl TokenSource for JsapiTicketSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let body = self
            .0
            .get("/cgi-bin/ticket/getticket", &[("type", "jsapi")])
            .await?;
        fetched_from(&body, "ticket", "/cgi-bin/ticket/getticket")
    }
}

impl Inner {
    async fn stable_token(&self, force_refresh: bool) -> Result<Value> {
        let c = &self.config;
        let request = Request::post(
            Host::Api,
            "/cgi-bin/stable_token",
            &[],
            json!({
                "grant_type": "client_credential",
                "appid": c.app_id,
                "secret": c.secret,
                "force_refresh": force_refresh,
            }),
        );
        self.http.send(&request).await
    }
}

impl OfficialAccount {
    /// A client with the store its configuration names.
    pub fn new(config: OfficialAccountConfig) -> Result<Self> {
        let store = store::open(&config.store)?;
        Self::with_store(config, store, Arc::new(SystemClock))
    }

    /// A client over a given store (a host store, or one shared with other clients) and
    /// clock (tests).
    pub fn with_store(
        config: OfficialAccountConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        let prefix = &config.tokens.key_prefix;
        let token_kind = match config.token_endpoint {
            TokenEndpoint::Token => Kind::AccessToken,
            TokenEndpoint::Stable => Kind::StableAccessToken,
        };
        let token_key = Key::new(prefix, token_kind, &config.app_id, &config.app_id);
        let ticket_key = Key::new(prefix, Kind::JsapiTicket, &config.app_id, &config.app_id);
        let tokens = TokenManager::new(store, clock, config.tokens.clone());
        Ok(OfficialAccount {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                token_key,
                ticket_key,
            }),
        })
    }

    /// The AppID.
    pub fn app_id(&self) -> &str {
        &self.inner.config.app_id
    }

    /// The token manager (store, clock, options).
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The store key of the access token (see the README's key schema).
    pub fn access_token_key(&self) -> &Key {
        &self.inner.token_key
    }

    /// A fresh access token: cached, or fetched once for every caller sharing the store.
    pub async fn access_token(&self) -> Result<Token> {
        let source = AccessTokenSource(&self.inner);
        self.inner.tokens.get(&self.inner.token_key, &source).await
    }

    /// The access token this process holds in its near cache, if it can be used as is: the
    /// synchronous fast path of [`access_token`](Self::access_token) (no store read, no
    /// waiting). `None` means "call `access_token`".
    pub fn cached_access_token(&self) -> Option<Token> {
        self.inner.tokens.cached(&self.inner.token_key)
    }

    /// Replace the cached access token now (e.g. after it leaked), unless another caller
    /// just did. With `stable_token` this uses `force_refresh` (20 a day).
    pub async fn refresh_access_token(&self) -> Result<Token> {
        let source = AccessTokenSource(&self.inner);
        let tokens = &self.inner.tokens;
        match tokens.read(&self.inner.token_key).await? {
            // Nothing stored: one ordinary fetch is the refresh.
            None => tokens.get(&self.inner.token_key, &source).await,
            Some(current) => {
                tokens
                    .refresh_after_failure(&self.inner.token_key, &source, &current.value)
                    .await
            }
        }
    }

    /// Central-control mode, the refreshing side: keep the access token fresh from a
    /// background task on the library's runtime, fetching it as soon as this client's margin
    /// is reached (give this process a larger `refresh_margin_secs` than the readers, which
    /// run with `read_only`, so they never see it stale). Failures are retried every 5 s.
    /// Dropping the returned guard stops the task.
    pub fn keep_fresh(&self) -> BackgroundRefresh {
        let account = self.clone();
        let task = crate::runtime::handle().spawn(async move {
            loop {
                let margin = account.inner.config.tokens.refresh_margin_secs as i64;
                let wait = match account.access_token().await {
                    Ok(token) => {
                        let now = account.inner.tokens.clock().now();
                        (token.refresh_at(margin) - now).max(1) as u64
                    }
                    Err(_) => 5,
                };
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            }
        });
        BackgroundRefresh(task)
    }

    /// The JS-SDK `jsapi_ticket`, cached like a token.
    pub async fn jsapi_ticket(&self) -> Result<Token> {
        let source = JsapiTicketSource(self);
        self.inner.tokens.get(&self.inner.ticket_key, &source).await
    }

    /// Everything `wx.config` needs for the page at `url`.
    pub async fn jssdk_config(&self, url: &str) -> Result<JsSdkConfig> {
        if url.is_empty() {
            return Err(Error::InvalidInput {
                code: crate::codes::INVALID_ARGUMENT,
                reason: "url is empty".into(),
            });
        }
        let ticket = self.jsapi_ticket().await?;
        let timestamp = self.inner.tokens.clock().now();
        let nonce_str = nonce();
        let url = url.split('#').next().unwrap_or(url).to_string();
        Ok(JsSdkConfig {
            app_id: self.inner.config.app_id.clone(),
            signature: jssdk_signature(&ticket.value, &nonce_str, timestamp, &url),
            timestamp,
            nonce_str,
            url,
        })
    }

    fn call(&self) -> (AccessTokenSource<'_>, &Inner) {
        (AccessTokenSource(&self.inner), &self.inner)
    }

    /// `GET path?query&access_token=…` on `api.weixin.qq.com`: any endpoint, its JSON answer.
    /// A token error refreshes the token and retries once.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        let (source, inner) = self.call();
        inner
            .token_call(&source)
            .send(Method::Get, Host::Api, path, query, None)
            .await
    }

    /// `POST path?access_token=…` with a JSON body: any endpoint, its JSON answer.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        let (source, inner) = self.call();
        inner
            .token_call(&source)
            .send(Method::Post, Host::Api, path, &[], Some(body))
            .await
    }
}

impl Inner {
    fn token_call<'a>(&'a self, source: &'a AccessTokenSource<'a>) -> TokenCall<'a> {
        TokenCall {
            http: &self.http,
            tokens: &self.tokens,
            key: &self.token_key,
            source,
            token_errors: TOKEN_ERRORS,
            param: "access_token",
        }
    }
}

/// 16 random letters and digits.
pub(crate) fn nonce() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("OS randomness");
    b.iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jssdk_signature_matches_the_documented_vectors() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        assert_eq!(
            jssdk_signature(
                ticket,
                "Wm3WZYTPz0wzccnW",
                1414587457,
                "http://mp.weixin.qq.com"
            ),
            "f4d90daf4b3bca3078ab155816175ba34c443a7b"
        );
        assert_eq!(
            jssdk_signature(
                ticket,
                "Wm3WZYTPz0wzccnW",
                1414587457,
                "http://mp.weixin.qq.com?params=value#section"
            ),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
    }

    #[test]
    fn fetched_needs_a_token_and_a_lifetime() {
        let ok = fetched_from(
            &json!({"access_token":"A","expires_in":7200}),
            "access_token",
            "/t",
        );
        assert_eq!(ok.unwrap().expires_in, 7200);
        let s = fetched_from(
            &json!({"access_token":"A","expires_in":"7200"}),
            "access_token",
            "/t",
        );
        assert_eq!(s.unwrap().expires_in, 7200);
        for bad in [
            json!({"expires_in":7200}),
            json!({"access_token":"","expires_in":7200}),
            json!({"access_token":"A"}),
            json!({"access_token":"A","expires_in":0}),
        ] {
            assert_eq!(
                fetched_from(&bad, "access_token", "/t").unwrap_err().kind(),
                "decode"
            );
        }
    }
}
