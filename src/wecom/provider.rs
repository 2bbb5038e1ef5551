//! The service provider: `provider_access_token`, provider login, any provider API.

use std::fmt;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::api::TokenCall;
use crate::http::{Host, HttpClient, Method, Request};
use crate::official_account::fetched_from;
use crate::store::{self, Key, Kind, Store};
use crate::token::{Clock, Fetched, SystemClock, Token, TokenManager, TokenSource};
use crate::Result;

use super::{ProviderConfig, PROVIDER_TOKEN_ERRORS};

/// A WeCom service provider. Cheap to clone.
///
/// ```no_run
/// use weixinkit::wecom::{Provider, ProviderConfig};
/// # async fn demo() -> weixinkit::Result<()> {
/// let provider = Provider::new(ProviderConfig::new("wwprovider", "provider-secret"))?;
/// let login = provider.get_login_info("auth-code-from-the-redirect").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    config: ProviderConfig,
    http: HttpClient,
    tokens: TokenManager,
    token_key: Key,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("config", &self.inner.config)
            .finish()
    }
}

struct ProviderTokenSource<'a>(&'a Provider);

#[async_trait::async_trait]
impl TokenSource for ProviderTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let c = &self.0.inner.config;
        let endpoint = "/cgi-bin/service/get_provider_token";
        let request = Request::post(
            Host::Work,
            endpoint,
            &[],
            json!({"corpid": c.corp_id, "provider_secret": c.provider_secret}),
        );
        let body = self.0.inner.http.send(&request).await?;
        fetched_from(&body, "provider_access_token", endpoint)
    }
}

impl Provider {
    /// A client with the store its configuration names.
    pub fn new(config: ProviderConfig) -> Result<Self> {
        let store = store::open(&config.store)?;
        Self::with_store(config, store, Arc::new(SystemClock))
    }

    /// A client over a given store and clock.
    pub fn with_store(
        config: ProviderConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        let token_key = Key::new(
            &config.tokens.key_prefix,
            Kind::ProviderAccessToken,
            &config.corp_id,
            &config.corp_id,
        );
        let tokens = TokenManager::new(store, clock, config.tokens.clone());
        Ok(Provider {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                token_key,
            }),
        })
    }

    /// The provider's corp id.
    pub fn corp_id(&self) -> &str {
        &self.inner.config.corp_id
    }

    /// The token manager.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The `provider_access_token`, through the token manager.
    pub async fn provider_access_token(&self) -> Result<Token> {
        self.inner
            .tokens
            .get(&self.inner.token_key, &ProviderTokenSource(self))
            .await
    }

    async fn send(
        &self,
        method: Method,
        param: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let source = ProviderTokenSource(self);
        let call = TokenCall {
            http: &self.inner.http,
            tokens: &self.inner.tokens,
            key: &self.inner.token_key,
            source: &source,
            token_errors: PROVIDER_TOKEN_ERRORS,
            param,
        };
        call.send(method, Host::Work, path, query, body).await
    }

    /// `GET` any provider endpoint with `?provider_access_token=`.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.send(Method::Get, "provider_access_token", path, query, None)
            .await
    }

    /// `POST` a JSON body to any provider endpoint with `?provider_access_token=`.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::Post, "provider_access_token", path, &[], Some(body))
            .await
    }

    /// `service/get_login_info`: who logged in to the provider's website with WeCom (the
    /// `auth_code` of the login redirect); WeCom's answer (`usertype`, `user_info`,
    /// `corp_info`, `agent`, `auth_info`).
    pub async fn get_login_info(&self, auth_code: &str) -> Result<Value> {
        if auth_code.is_empty() {
            return Err(crate::Error::invalid_argument("auth_code is empty"));
        }
        // This endpoint names the provider token `access_token`.
        self.send(
            Method::Post,
            "access_token",
            "/cgi-bin/service/get_login_info",
            &[],
            Some(&json!({"auth_code": auth_code})),
        )
        .await
    }
}
