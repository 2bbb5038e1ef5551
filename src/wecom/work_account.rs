//! A corp's own (self-built) app: `cgi-bin/gettoken` with the corp id and the app's secret.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::api::TokenCall;
use crate::http::{Host, HttpClient, Method, Request};
use crate::official_account::fetched_from;
use crate::store::{self, Key, Kind, Store};
use crate::token::{Clock, Fetched, SystemClock, Token, TokenManager, TokenSource};
use crate::Result;

use super::{WorkAccountConfig, CORP_TOKEN_ERRORS};

/// A corp's own app. Cheap to clone.
///
/// Its token is stored under `{prefix}:corp_access_token:{corp_id}:app-{fingerprint}`, where
/// the fingerprint is the first 16 hex digits of SHA-1 over the app's secret: each app of a
/// corp has its own token, and no secret appears in a key.
///
/// ```no_run
/// use weixinkit::wecom::{WorkAccount, WorkAccountConfig};
/// # async fn demo() -> weixinkit::Result<()> {
/// let app = WorkAccount::new(WorkAccountConfig::new("wwcorp", "app-secret"))?;
/// let departments = app.get("/cgi-bin/department/list", &[]).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WorkAccount {
    inner: Arc<Inner>,
}

struct Inner {
    config: WorkAccountConfig,
    http: HttpClient,
    tokens: TokenManager,
    token_key: Key,
}

impl fmt::Debug for WorkAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkAccount")
            .field("config", &self.inner.config)
            .finish()
    }
}

struct GetTokenSource<'a>(&'a WorkAccount);

#[async_trait::async_trait]
impl TokenSource for GetTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let c = &self.0.inner.config;
        let endpoint = "/cgi-bin/gettoken";
        let request = Request::get(
            Host::Work,
            endpoint,
            &[("corpid", &c.corp_id), ("corpsecret", &c.corp_secret)],
        );
        let body = self.0.inner.http.send(&request).await?;
        fetched_from(&body, "access_token", endpoint)
    }
}

fn secret_fingerprint(secret: &str) -> String {
    format!("app-{}", crate::store::fingerprint(secret))
}

impl WorkAccount {
    /// A client with the store its configuration names.
    pub fn new(config: WorkAccountConfig) -> Result<Self> {
        let store = store::open(&config.store)?;
        Self::with_store(config, store, Arc::new(SystemClock))
    }

    /// A client over a given store and clock.
    pub fn with_store(
        config: WorkAccountConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        let token_key = Key::new(
            &config.tokens.key_prefix,
            Kind::CorpAccessToken,
            &config.corp_id,
            &secret_fingerprint(&config.corp_secret),
        );
        let tokens = TokenManager::new(store, clock, config.tokens.clone());
        Ok(WorkAccount {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                token_key,
            }),
        })
    }

    /// The corp id.
    pub fn corp_id(&self) -> &str {
        &self.inner.config.corp_id
    }

    /// The token manager.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The app's access token, through the token manager.
    pub async fn access_token(&self) -> Result<Token> {
        self.inner
            .tokens
            .get(&self.inner.token_key, &GetTokenSource(self))
            .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let source = GetTokenSource(self);
        let call = TokenCall {
            http: &self.inner.http,
            tokens: &self.inner.tokens,
            key: &self.inner.token_key,
            source: &source,
            token_errors: CORP_TOKEN_ERRORS,
            param: "access_token",
        };
        call.send(method, Host::Work, path, query, body).await
    }

    /// `GET` any WeCom endpoint as the app.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.send(Method::Get, path, query, None).await
    }

    /// `POST` a JSON body to any WeCom endpoint as the app.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::Post, path, &[], Some(body)).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_names_the_app_without_its_secret() {
        let a = super::secret_fingerprint("secret-one");
        assert_eq!(a.len(), 20);
        assert!(!a.contains("secret"));
        assert_ne!(a, super::secret_fingerprint("secret-two"));
    }
}
