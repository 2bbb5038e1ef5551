//! The Open Platform third-party platform (开放平台第三方平台): the pushed ticket, the
//! component token, pre-auth codes and authorization links, the authorization exchange, the
//! authorizers' tokens from their durably stored refresh tokens, the callback handler, and
//! acting on behalf of an authorizer.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::{send_with_token, TokenCall};
use crate::config::{validate_key_part, HttpOptions, StoreConfig, TokenOptions};
use crate::http::{Host, HttpClient, Method, Request};
use crate::official_account::{fetched_from, TOKEN_ERRORS};
use crate::store::{self, Key, Kind, Store, StoredCredential};
use crate::token::{Clock, Fetched, SystemClock, Token, TokenManager, TokenSource};
use crate::{Error, Event, Message, MessageCrypto, Result};

/// Where the browser pages live.
const MP_BASE: &str = "https://mp.weixin.qq.com";
const OPEN_BASE: &str = "https://open.weixin.qq.com";

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
}

impl ComponentConfig {
    /// Parse the JSON form every binding uses.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = crate::config::parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
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
            .finish()
    }
}

/// What `api_query_auth` granted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authorization {
    /// The authorizing Official Account / mini program.
    pub authorizer_appid: String,
    /// Its access token (absent when no API permission was granted).
    pub authorizer_access_token: Option<String>,
    /// The access token's lifetime in seconds.
    pub expires_in: i64,
    /// The refresh token (stored durably by weixinkit).
    pub authorizer_refresh_token: Option<String>,
    /// The permission-set ids granted (`func_info[].funcscope_category.id`).
    pub func_info: Vec<i64>,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("authorizer_appid", &self.authorizer_appid)
            .field("expires_in", &self.expires_in)
            .field("func_info", &self.func_info)
            .finish_non_exhaustive()
    }
}

/// A pre-auth code and its lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreAuthCode {
    /// `preauthcode@@@…`
    pub pre_auth_code: String,
    /// Seconds.
    pub expires_in: i64,
}

/// Options of an authorization link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorizationUrlOptions {
    /// 1: Official Accounts only, 2: mini programs only, 3: both (WeChat's default).
    pub auth_type: Option<u8>,
    /// Only this account may authorize (excludes `auth_type`).
    pub biz_appid: Option<String>,
    /// Permission-set ids to request (`category_id_list=1|2`).
    pub category_id_list: Vec<u32>,
    /// The H5 page opened inside WeChat (`bindcomponent`) instead of the PC QR page.
    pub mobile: bool,
}

/// One page of `api_get_authorizer_list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizerList {
    /// Authorizers in all pages.
    pub total_count: i64,
    /// This page.
    pub list: Vec<AuthorizerListItem>,
}

/// One authorizer in [`AuthorizerList`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizerListItem {
    /// The authorizer.
    pub authorizer_appid: String,
    /// Its refresh token (absent if its authorization code was never exchanged).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When it authorized (Unix seconds).
    #[serde(default)]
    pub auth_time: i64,
}

impl fmt::Debug for AuthorizerListItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizerListItem")
            .field("authorizer_appid", &self.authorizer_appid)
            .field("auth_time", &self.auth_time)
            .finish_non_exhaustive()
    }
}

/// An HTTP request to the authorization event URL, as any web framework sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The query parameters (`msg_signature`, `timestamp`, `nonce`, …), URL-decoded.
    pub query: Vec<(String, String)>,
    /// The raw body.
    pub body: String,
}

/// What to answer, and what arrived.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackResponse {
    /// HTTP status: 200, 400 (malformed), 403 (signature or receiver check failed), 405,
    /// or 500 (the lifecycle step failed: WeChat will push again).
    pub status: u16,
    /// The body: `success` on 200, a short reason otherwise.
    pub body: String,
    /// The verified, decrypted push (after the built-in lifecycle step ran).
    pub message: Option<Message>,
    /// The decrypted XML the message was parsed from.
    pub plaintext: Option<String>,
}

/// A third-party platform client. Cheap to clone.
#[derive(Clone)]
pub struct Component {
    inner: Arc<Inner>,
}

struct Inner {
    config: ComponentConfig,
    http: HttpClient,
    tokens: TokenManager,
    crypto: MessageCrypto,
    ticket_key: Key,
    token_key: Key,
}

impl fmt::Debug for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Component")
            .field("config", &self.inner.config)
            .finish()
    }
}

struct ComponentTokenSource<'a>(&'a Component);

#[async_trait::async_trait]
impl TokenSource for ComponentTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let c = self.0;
        let appid = &c.inner.config.component_app_id;
        let ticket = c.verify_ticket().await?.ok_or_else(|| Error::Ticket {
            component_appid: appid.clone(),
            errcode: crate::codes::TICKET_MISSING as i64,
            reason: "no component_verify_ticket was ever received (is the authorization event \
                     URL reachable? api_start_push_ticket restarts pushing)"
                .into(),
        })?;
        let endpoint = "/cgi-bin/component/api_component_token";
        let request = Request::post(
            Host::Api,
            endpoint,
            &[],
            json!({
                "component_appid": appid,
                "component_appsecret": c.inner.config.component_secret,
                "component_verify_ticket": ticket,
            }),
        );
        match c.inner.http.send(&request).await {
            Ok(body) => fetched_from(&body, "component_access_token", endpoint),
            Err(Error::Api {
                errcode: errcode @ (61005 | 61006),
                errmsg,
                ..
            }) => Err(Error::Ticket {
                component_appid: appid.clone(),
                errcode,
                reason: format!("WeChat refused the stored ticket ({errcode}: {errmsg})"),
            }),
            Err(e) => Err(e),
        }
    }
}

struct AuthorizerTokenSource<'a> {
    component: &'a Component,
    appid: &'a str,
}

#[async_trait::async_trait]
impl TokenSource for AuthorizerTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let c = self.component;
        let refresh =
            c.refresh_token(self.appid)
                .await?
                .ok_or_else(|| Error::ReauthorizationNeeded {
                    authorizer_appid: self.appid.to_string(),
                    errcode: crate::codes::NOT_AUTHORIZED as i64,
                    reason: "no refresh token is stored for it".into(),
                })?;
        match c.exchange_refresh_token(self.appid, &refresh).await {
            Err(Error::Api { errcode: 61023, .. }) => {
                // The stored refresh token is dead: WeChat's list may hold a newer one.
                let listed = c.find_listed_refresh_token(self.appid).await?;
                match listed {
                    Some(other) if other != refresh => {
                        c.store_refresh_token(self.appid, &other).await?;
                        c.exchange_refresh_token(self.appid, &other).await
                    }
                    _ => Err(Error::ReauthorizationNeeded {
                        authorizer_appid: self.appid.to_string(),
                        errcode: 61023,
                        reason: "its refresh token is invalid and WeChat lists no other".into(),
                    }),
                }
            }
            other => other,
        }
    }
}

fn query_map(body: &Value, field: &str) -> Option<String> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Component {
    /// A client with the store its configuration names.
    pub fn new(config: ComponentConfig) -> Result<Self> {
        let store = store::open(&config.store)?;
        Self::with_store(config, store, Arc::new(SystemClock))
    }

    /// A client over a given store and clock.
    pub fn with_store(
        config: ComponentConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        let crypto = MessageCrypto::new(
            &config.token,
            &config.encoding_aes_key,
            config.component_app_id.as_str(),
        )?;
        let appid = &config.component_app_id;
        let prefix = &config.tokens.key_prefix;
        let ticket_key = Key::new(prefix, Kind::ComponentVerifyTicket, appid, appid);
        let token_key = Key::new(prefix, Kind::ComponentAccessToken, appid, appid);
        let tokens = TokenManager::new(store, clock, config.tokens.clone());
        Ok(Component {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                crypto,
                ticket_key,
                token_key,
            }),
        })
    }

    /// The platform's AppID.
    pub fn app_id(&self) -> &str {
        &self.inner.config.component_app_id
    }

    /// The token manager.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The push crypto of the authorization event URL.
    pub fn crypto(&self) -> &MessageCrypto {
        &self.inner.crypto
    }

    fn key(&self, kind: Kind, subject: &str) -> Key {
        let c = &self.inner.config;
        Key::new(&c.tokens.key_prefix, kind, &c.component_app_id, subject)
    }

    async fn read_credential(&self, key: &Key) -> Result<Option<String>> {
        Ok(self
            .inner
            .tokens
            .store()
            .get(key.data())
            .await?
            .and_then(|json| serde_json::from_str::<StoredCredential>(&json).ok())
            .map(|c| c.value))
    }

    async fn write_credential(&self, key: &Key, value: &str) -> Result<()> {
        let record = StoredCredential {
            value: value.to_string(),
            updated_at: self.inner.tokens.clock().now(),
        };
        let json = serde_json::to_string(&record).expect("credential serializes");
        self.inner.tokens.store().set(key.data(), &json, None).await
    }

    // --- ticket -------------------------------------------------------------------------

    /// Store a pushed `component_verify_ticket` durably (the callback handler does this).
    pub async fn store_verify_ticket(&self, ticket: &str) -> Result<()> {
        if ticket.is_empty() {
            return Err(Error::InvalidInput {
                code: crate::codes::INVALID_ARGUMENT,
                reason: "the ticket is empty".into(),
            });
        }
        self.write_credential(&self.inner.ticket_key, ticket).await
    }

    /// The stored ticket, if one was ever pushed.
    pub async fn verify_ticket(&self) -> Result<Option<String>> {
        self.read_credential(&self.inner.ticket_key).await
    }

    /// `api_start_push_ticket`: ask WeChat to (re)start pushing tickets.
    pub async fn start_push_ticket(&self) -> Result<()> {
        let c = &self.inner.config;
        let request = Request::post(
            Host::Api,
            "/cgi-bin/component/api_start_push_ticket",
            &[],
            json!({"component_appid": c.component_app_id, "component_secret": c.component_secret}),
        );
        self.inner.http.send(&request).await.map(|_| ())
    }

    // --- component token ----------------------------------------------------------------

    /// The `component_access_token`, through the token manager.
    pub async fn component_access_token(&self) -> Result<Token> {
        let source = ComponentTokenSource(self);
        self.inner.tokens.get(&self.inner.token_key, &source).await
    }

    /// Call a component endpoint (`?component_access_token=`): GET with `body` None, else POST.
    /// A token error refreshes the component token and retries once.
    pub async fn call(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let source = ComponentTokenSource(self);
        let call = TokenCall {
            http: &self.inner.http,
            tokens: &self.inner.tokens,
            key: &self.inner.token_key,
            source: &source,
            token_errors: TOKEN_ERRORS,
            param: "component_access_token",
        };
        let method = if body.is_some() {
            Method::Post
        } else {
            Method::Get
        };
        call.send(method, Host::Api, path, query, body).await
    }

    fn with_appid(&self, mut body: Value) -> Value {
        body["component_appid"] = json!(self.inner.config.component_app_id);
        body
    }

    // --- authorization ------------------------------------------------------------------

    /// `api_create_preauthcode`.
    pub async fn create_pre_auth_code(&self) -> Result<PreAuthCode> {
        let endpoint = "/cgi-bin/component/api_create_preauthcode";
        let body = self
            .call(endpoint, &[], Some(&self.with_appid(json!({}))))
            .await?;
        let f = fetched_from(&body, "pre_auth_code", endpoint)?;
        Ok(PreAuthCode {
            pre_auth_code: f.value,
            expires_in: f.expires_in,
        })
    }

    /// The authorization link for a pre-auth code: the PC QR page (`componentloginpage`) or,
    /// with `options.mobile`, the H5 page (`bindcomponent`).
    ///
    /// ```
    /// # use weixinkit::open_platform::AuthorizationUrlOptions;
    /// let url = weixinkit::open_platform::authorization_url("wxc", "preauthcode@@@x",
    ///     "https://example.com/back?a=1", &AuthorizationUrlOptions { auth_type: Some(1), ..Default::default() });
    /// assert_eq!(url, "https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxc\
    ///     &pre_auth_code=preauthcode%40%40%40x&redirect_uri=https%3A%2F%2Fexample.com%2Fback%3Fa%3D1&auth_type=1");
    /// ```
    pub fn authorization_url(
        &self,
        pre_auth_code: &str,
        redirect_uri: &str,
        options: &AuthorizationUrlOptions,
    ) -> String {
        authorization_url(self.app_id(), pre_auth_code, redirect_uri, options)
    }

    /// A new pre-auth code and its authorization link in one call.
    pub async fn create_authorization_url(
        &self,
        redirect_uri: &str,
        options: &AuthorizationUrlOptions,
    ) -> Result<String> {
        let code = self.create_pre_auth_code().await?;
        Ok(self.authorization_url(&code.pre_auth_code, redirect_uri, options))
    }

    /// `api_query_auth`: exchange an authorization code; the refresh token is written to the
    /// durable store and the access token to the token cache before this returns.
    pub async fn query_auth(&self, authorization_code: &str) -> Result<Authorization> {
        let endpoint = "/cgi-bin/component/api_query_auth";
        let body = self
            .call(
                endpoint,
                &[],
                Some(&self.with_appid(json!({"authorization_code": authorization_code}))),
            )
            .await?;
        let info = body
            .get("authorization_info")
            .ok_or_else(|| Error::Decode {
                endpoint: endpoint.into(),
                reason: "no authorization_info".into(),
            })?;
        let authorizer_appid =
            query_map(info, "authorizer_appid").ok_or_else(|| Error::Decode {
                endpoint: endpoint.into(),
                reason: "no authorizer_appid".into(),
            })?;
        validate_key_part("authorizer_appid", &authorizer_appid)?;
        let auth = Authorization {
            authorizer_access_token: query_map(info, "authorizer_access_token"),
            expires_in: info.get("expires_in").and_then(Value::as_i64).unwrap_or(0),
            authorizer_refresh_token: query_map(info, "authorizer_refresh_token"),
            func_info: info
                .get("func_info")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|f| f.pointer("/funcscope_category/id").and_then(Value::as_i64))
                        .collect()
                })
                .unwrap_or_default(),
            authorizer_appid,
        };
        if let Some(refresh) = &auth.authorizer_refresh_token {
            self.store_refresh_token(&auth.authorizer_appid, refresh)
                .await?;
        }
        if let (Some(token), true) = (&auth.authorizer_access_token, auth.expires_in > 0) {
            let key = self.key(Kind::AuthorizerAccessToken, &auth.authorizer_appid);
            self.inner.tokens.put(&key, token, auth.expires_in).await?;
        }
        Ok(auth)
    }

    /// The stored refresh token of an authorizer.
    pub async fn refresh_token(&self, authorizer_appid: &str) -> Result<Option<String>> {
        validate_key_part("authorizer_appid", authorizer_appid)?;
        self.read_credential(&self.key(Kind::AuthorizerRefreshToken, authorizer_appid))
            .await
    }

    /// Store an authorizer's refresh token durably (e.g. one kept from another system).
    pub async fn store_refresh_token(
        &self,
        authorizer_appid: &str,
        refresh_token: &str,
    ) -> Result<()> {
        validate_key_part("authorizer_appid", authorizer_appid)?;
        if refresh_token.is_empty() {
            return Err(Error::InvalidInput {
                code: crate::codes::INVALID_ARGUMENT,
                reason: "the refresh token is empty".into(),
            });
        }
        self.write_credential(
            &self.key(Kind::AuthorizerRefreshToken, authorizer_appid),
            refresh_token,
        )
        .await
    }

    /// Remove everything stored for an authorizer (after `unauthorized`).
    pub async fn forget_authorizer(&self, authorizer_appid: &str) -> Result<()> {
        validate_key_part("authorizer_appid", authorizer_appid)?;
        let store = self.inner.tokens.store();
        store
            .delete(
                self.key(Kind::AuthorizerRefreshToken, authorizer_appid)
                    .data(),
            )
            .await?;
        self.inner
            .tokens
            .invalidate(&self.key(Kind::AuthorizerAccessToken, authorizer_appid))
            .await
    }

    /// `api_authorizer_token` with a given refresh token; a rotated refresh token is written
    /// durably before this returns.
    async fn exchange_refresh_token(&self, appid: &str, refresh_token: &str) -> Result<Fetched> {
        let endpoint = "/cgi-bin/component/api_authorizer_token";
        let body = self
            .call(
                endpoint,
                &[],
                Some(&self.with_appid(json!({
                    "authorizer_appid": appid,
                    "authorizer_refresh_token": refresh_token,
                }))),
            )
            .await
            .map_err(|e| match e {
                Error::Api {
                    errcode: 61003,
                    errmsg,
                    ..
                } => Error::ReauthorizationNeeded {
                    authorizer_appid: appid.to_string(),
                    errcode: 61003,
                    reason: format!("it no longer authorizes this platform ({errmsg})"),
                },
                other => other,
            })?;
        let fetched = fetched_from(&body, "authorizer_access_token", endpoint)?;
        if let Some(rotated) = query_map(&body, "authorizer_refresh_token") {
            if rotated != refresh_token {
                self.store_refresh_token(appid, &rotated).await?;
            }
        }
        Ok(fetched)
    }

    async fn find_listed_refresh_token(&self, appid: &str) -> Result<Option<String>> {
        let mut offset = 0;
        loop {
            let page = self.authorizer_list(offset, 500).await?;
            if let Some(item) = page.list.iter().find(|i| i.authorizer_appid == appid) {
                return Ok(item.refresh_token.clone());
            }
            offset += page.list.len() as i64;
            if page.list.is_empty() || offset >= page.total_count {
                return Ok(None);
            }
        }
    }

    /// An authorizer's access token, through the token manager, from its stored refresh token.
    pub async fn authorizer_access_token(&self, authorizer_appid: &str) -> Result<Token> {
        validate_key_part("authorizer_appid", authorizer_appid)?;
        let source = AuthorizerTokenSource {
            component: self,
            appid: authorizer_appid,
        };
        self.inner
            .tokens
            .get(
                &self.key(Kind::AuthorizerAccessToken, authorizer_appid),
                &source,
            )
            .await
    }

    /// `api_get_authorizer_info`: the account's details (WeChat's JSON).
    pub async fn authorizer_info(&self, authorizer_appid: &str) -> Result<Value> {
        self.call(
            "/cgi-bin/component/api_get_authorizer_info",
            &[],
            Some(&self.with_appid(json!({"authorizer_appid": authorizer_appid}))),
        )
        .await
    }

    /// `api_get_authorizer_list`: one page (`count` ≤ 500).
    pub async fn authorizer_list(&self, offset: i64, count: i64) -> Result<AuthorizerList> {
        let endpoint = "/cgi-bin/component/api_get_authorizer_list";
        let body = self
            .call(
                endpoint,
                &[],
                Some(&self.with_appid(json!({"offset": offset, "count": count}))),
            )
            .await?;
        serde_json::from_value(body).map_err(|e| Error::Decode {
            endpoint: endpoint.into(),
            reason: e.to_string(),
        })
    }

    /// Page through every authorizer and store each refresh token WeChat returns: the
    /// recovery path after a lost store. Returns how many were stored.
    pub async fn reseed_refresh_tokens(&self) -> Result<usize> {
        let (mut offset, mut stored) = (0, 0);
        loop {
            let page = self.authorizer_list(offset, 500).await?;
            for item in &page.list {
                if let Some(token) = &item.refresh_token {
                    self.store_refresh_token(&item.authorizer_appid, token)
                        .await?;
                    stored += 1;
                }
            }
            offset += page.list.len() as i64;
            if page.list.is_empty() || offset >= page.total_count {
                return Ok(stored);
            }
        }
    }

    /// `api_get_authorizer_option` (component token): the option's value.
    pub async fn authorizer_option(
        &self,
        authorizer_appid: &str,
        option_name: &str,
    ) -> Result<String> {
        let body = self
            .call(
                "/cgi-bin/component/api_get_authorizer_option",
                &[],
                Some(&self.with_appid(
                    json!({"authorizer_appid": authorizer_appid, "option_name": option_name}),
                )),
            )
            .await?;
        Ok(body
            .get("option_value")
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default())
    }

    /// `api_set_authorizer_option` (component token).
    pub async fn set_authorizer_option(
        &self,
        authorizer_appid: &str,
        option_name: &str,
        option_value: &str,
    ) -> Result<()> {
        self.call(
            "/cgi-bin/component/api_set_authorizer_option",
            &[],
            Some(&self.with_appid(json!({
                "authorizer_appid": authorizer_appid,
                "option_name": option_name,
                "option_value": option_value,
            }))),
        )
        .await
        .map(|_| ())
    }

    /// `component/clear_quota` (component token): reset the platform's own API counters.
    pub async fn clear_quota(&self) -> Result<()> {
        self.call(
            "/cgi-bin/component/clear_quota",
            &[],
            Some(&self.with_appid(json!({}))),
        )
        .await
        .map(|_| ())
    }

    /// `component/clear_quota/v2` (AppSecret, no token: works when the token quota itself is
    /// exhausted); with `appid`, resets that authorizer on its behalf.
    pub async fn clear_quota_v2(&self, appid: Option<&str>) -> Result<()> {
        let c = &self.inner.config;
        let mut body =
            json!({"component_appid": c.component_app_id, "appsecret": c.component_secret});
        if let Some(appid) = appid {
            body["appid"] = json!(appid);
        }
        let request = Request::post(Host::Api, "/cgi-bin/component/clear_quota/v2", &[], body);
        self.inner.http.send(&request).await.map(|_| ())
    }

    // --- web OAuth and mini program login on behalf --------------------------------------

    /// The web OAuth link for an authorizer Official Account (`snsapi_base` or
    /// `snsapi_userinfo`), with `component_appid` and `#wechat_redirect`.
    pub fn oauth_authorize_url(
        &self,
        appid: &str,
        redirect_uri: &str,
        scope: &str,
        state: &str,
    ) -> String {
        let query = [
            ("appid", appid.to_string()),
            ("redirect_uri", redirect_uri.into()),
            ("response_type", "code".into()),
            ("scope", scope.into()),
            ("state", state.into()),
            ("component_appid", self.app_id().into()),
        ];
        page_url(
            &format!("{OPEN_BASE}/connect/oauth2/authorize"),
            &query,
            Some("wechat_redirect"),
        )
    }

    async fn sns(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.call(path, query, None).await
    }

    /// `sns/oauth2/component/access_token`: a user's OAuth code → user token, openid, scope.
    pub async fn oauth_access_token(&self, appid: &str, code: &str) -> Result<Value> {
        self.sns(
            "/sns/oauth2/component/access_token",
            &[
                ("appid", appid),
                ("code", code),
                ("grant_type", "authorization_code"),
                ("component_appid", self.app_id()),
            ],
        )
        .await
    }

    /// `sns/oauth2/component/refresh_token`.
    pub async fn oauth_refresh_token(&self, appid: &str, refresh_token: &str) -> Result<Value> {
        self.sns(
            "/sns/oauth2/component/refresh_token",
            &[
                ("appid", appid),
                ("grant_type", "refresh_token"),
                ("component_appid", self.app_id()),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// `sns/userinfo` with a user token from [`oauth_access_token`](Self::oauth_access_token).
    pub async fn oauth_user_info(&self, user_access_token: &str, openid: &str) -> Result<Value> {
        let request = Request::get(
            Host::Api,
            "/sns/userinfo",
            &[
                ("access_token", user_access_token),
                ("openid", openid),
                ("lang", "zh_CN"),
            ],
        );
        self.inner.http.send(&request).await
    }

    /// `sns/component/jscode2session`: a mini program's `wx.login` code → openid and
    /// session_key (keep the session_key on the server).
    pub async fn jscode2session(&self, appid: &str, js_code: &str) -> Result<Value> {
        self.sns(
            "/sns/component/jscode2session",
            &[
                ("appid", appid),
                ("js_code", js_code),
                ("grant_type", "authorization_code"),
                ("component_appid", self.app_id()),
            ],
        )
        .await
    }

    // --- acting on behalf -----------------------------------------------------------------

    /// A client for an authorizer whose refresh token is stored (after `query_auth`, or the
    /// callback handler's `authorized` step): its token is refreshed automatically.
    pub fn authorizer(&self, authorizer_appid: &str) -> Result<Authorizer> {
        validate_key_part("authorizer_appid", authorizer_appid)?;
        Ok(Authorizer {
            component: self.clone(),
            appid: authorizer_appid.to_string(),
            fixed: None,
        })
    }

    /// A client for an authorizer from a refresh token the caller kept (stored durably first).
    pub async fn authorizer_with_refresh_token(
        &self,
        authorizer_appid: &str,
        refresh_token: &str,
    ) -> Result<Authorizer> {
        self.store_refresh_token(authorizer_appid, refresh_token)
            .await?;
        self.authorizer(authorizer_appid)
    }

    /// A client that uses the given access token as is (no refresh; token errors surface).
    pub fn authorizer_with_access_token(
        &self,
        authorizer_appid: &str,
        access_token: &str,
    ) -> Result<Authorizer> {
        validate_key_part("authorizer_appid", authorizer_appid)?;
        Ok(Authorizer {
            component: self.clone(),
            appid: authorizer_appid.to_string(),
            fixed: Some(access_token.to_string()),
        })
    }

    // --- callback -------------------------------------------------------------------------

    /// Handle a request to the authorization event URL: verify, decrypt, parse, apply the
    /// lifecycle (store the ticket; on `authorized` / `updateauthorized` exchange the code and
    /// persist; on `unauthorized` forget the authorizer), and say what to answer. The caller
    /// then hands `message` to its own handler.
    pub async fn handle_callback(&self, request: &CallbackRequest) -> CallbackResponse {
        let reply = |status: u16, body: &str| CallbackResponse {
            status,
            body: body.to_string(),
            message: None,
            plaintext: None,
        };
        if !request.method.eq_ignore_ascii_case("POST") {
            return reply(405, "the authorization event URL takes POST");
        }
        let param = |name: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let (Some(signature), Some(timestamp), Some(nonce)) =
            (param("msg_signature"), param("timestamp"), param("nonce"))
        else {
            return reply(400, "msg_signature, timestamp and nonce are required");
        };
        let decrypted = self
            .inner
            .crypto
            .decrypt_body(signature, timestamp, nonce, &request.body)
            .and_then(|plain| crate::parse_message(&plain).map(|m| (m, plain)));
        let (message, plaintext) = match decrypted {
            Ok(m) => m,
            Err(
                e @ (Error::InvalidSignature
                | Error::StaleTimestamp(_)
                | Error::ReceiverIdMismatch { .. }),
            ) => return reply(403, &e.to_string()),
            Err(e) => return reply(400, &e.to_string()),
        };
        let step = match &message.event {
            Event::ComponentVerifyTicket { ticket, .. } => self.store_verify_ticket(ticket).await,
            Event::Authorized { notice } | Event::UpdateAuthorized { notice } => {
                match self.query_auth(&notice.authorization_code).await {
                    // The code was already exchanged (a repeated push, or the redirect's
                    // auth_code went through query_auth first): nothing is lost if a refresh
                    // token is stored, and answering 500 would make WeChat push forever.
                    Err(Error::Api { errcode: 61009, .. })
                        if self
                            .refresh_token(&notice.authorizer_appid)
                            .await
                            .is_ok_and(|t| t.is_some()) =>
                    {
                        Ok(())
                    }
                    other => other.map(|_| ()),
                }
            }
            Event::Unauthorized {
                authorizer_appid, ..
            } => self.forget_authorizer(authorizer_appid).await,
            _ => Ok(()),
        };
        match step {
            Ok(()) => CallbackResponse {
                status: 200,
                body: "success".into(),
                message: Some(message),
                plaintext: Some(plaintext),
            },
            Err(e) => CallbackResponse {
                status: 500,
                body: format!("lifecycle step failed: {e}"),
                message: Some(message),
                plaintext: Some(plaintext),
            },
        }
    }
}

/// An Official Account or mini program the platform acts for. Its token comes from the
/// stored refresh token (or is the one given); `get` / `post_json` reach any endpoint.
#[derive(Clone)]
pub struct Authorizer {
    component: Component,
    appid: String,
    fixed: Option<String>,
}

impl fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorizer")
            .field("component", &self.component.app_id())
            .field("appid", &self.appid)
            .field("fixed_token", &self.fixed.is_some())
            .finish()
    }
}

impl Authorizer {
    /// The authorizer's AppID.
    pub fn app_id(&self) -> &str {
        &self.appid
    }

    /// Its access token.
    pub async fn access_token(&self) -> Result<Token> {
        match &self.fixed {
            Some(token) => Ok(Token {
                value: token.clone(),
                expires_at: 0,
                issued_at: 0,
            }),
            None => self.component.authorizer_access_token(&self.appid).await,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let c = &self.component;
        if let Some(token) = &self.fixed {
            return send_with_token(&c.inner.http, token, method, Host::Api, path, query, body)
                .await;
        }
        let source = AuthorizerTokenSource {
            component: c,
            appid: &self.appid,
        };
        let key = c.key(Kind::AuthorizerAccessToken, &self.appid);
        let call = TokenCall {
            http: &c.inner.http,
            tokens: &c.inner.tokens,
            key: &key,
            source: &source,
            token_errors: TOKEN_ERRORS,
            param: "access_token",
        };
        call.send(method, Host::Api, path, query, body).await
    }

    /// `GET` any endpoint as the authorizer.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.send(Method::Get, path, query, None).await
    }

    /// `POST` a JSON body to any endpoint as the authorizer.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::Post, path, &[], Some(body)).await
    }

    /// New-form `component/get_authorizer_option` (authorizer token).
    pub async fn option(&self, option_name: &str) -> Result<Value> {
        self.post_json(
            "/cgi-bin/component/get_authorizer_option",
            &json!({"option_name": option_name}),
        )
        .await
    }

    /// New-form `component/set_authorizer_option` (authorizer token).
    pub async fn set_option(&self, option_name: &str, option_value: &str) -> Result<()> {
        self.post_json(
            "/cgi-bin/component/set_authorizer_option",
            &json!({"option_name": option_name, "option_value": option_value}),
        )
        .await
        .map(|_| ())
    }

    /// `cgi-bin/clear_quota` for this authorizer, with its own token.
    pub async fn clear_quota(&self) -> Result<()> {
        self.post_json("/cgi-bin/clear_quota", &json!({"appid": self.appid}))
            .await
            .map(|_| ())
    }
}

/// See [`Component::authorization_url`].
pub fn authorization_url(
    component_appid: &str,
    pre_auth_code: &str,
    redirect_uri: &str,
    options: &AuthorizationUrlOptions,
) -> String {
    let mut query = Vec::new();
    if options.mobile {
        query.extend([
            ("action", "bindcomponent".to_string()),
            ("no_scan", "1".into()),
        ]);
    }
    query.extend([
        ("component_appid", component_appid.to_string()),
        ("pre_auth_code", pre_auth_code.into()),
        ("redirect_uri", redirect_uri.into()),
    ]);
    if let Some(t) = options.auth_type {
        query.push(("auth_type", t.to_string()));
    }
    if let Some(biz) = &options.biz_appid {
        query.push(("biz_appid", biz.clone()));
    }
    if !options.category_id_list.is_empty() {
        let ids: Vec<String> = options
            .category_id_list
            .iter()
            .map(u32::to_string)
            .collect();
        query.push(("category_id_list", ids.join("|")));
    }
    let (page, fragment) = if options.mobile {
        ("/safe/bindcomponent", Some("wechat_redirect"))
    } else {
        ("/cgi-bin/componentloginpage", None)
    };
    page_url(&format!("{MP_BASE}{page}"), &query, fragment)
}

/// `base?k=v&…#fragment`, parameters in the given order (WeChat's pages check the order),
/// values form-encoded.
fn page_url(base: &str, query: &[(&str, String)], fragment: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(base).expect("a constant base URL");
    url.query_pairs_mut().extend_pairs(query);
    url.set_fragment(fragment);
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_links_use_bindcomponent_and_carry_every_option() {
        let url = authorization_url(
            "wxc",
            "pre",
            "https://a.example/b",
            &AuthorizationUrlOptions {
                auth_type: None,
                biz_appid: Some("wxbiz".into()),
                category_id_list: vec![1, 2],
                mobile: true,
            },
        );
        assert_eq!(
            url,
            "https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxc&pre_auth_code=pre&redirect_uri=https%3A%2F%2Fa.example%2Fb&biz_appid=wxbiz&category_id_list=1%7C2#wechat_redirect"
        );
    }

    #[test]
    fn config_debug_hides_every_secret() {
        let c = ComponentConfig::from_json(
            r#"{"component_app_id":"wxc","component_secret":"SECRET1","token":"TOKEN1",
                "encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG","store":{"type":"memory"}}"#,
        )
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["SECRET1", "TOKEN1", "abcdefghij"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            ComponentConfig::from_json(r#"{"component_app_id":"wx:c","component_secret":"s","token":"t","encoding_aes_key":"k"}"#)
                .unwrap_err()
                .kind(),
            "config"
        );
    }
}
