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
use crate::oauth::{MiniProgramSession, OAuthUserInfo, UserAccessToken, UserInfo};
use crate::replay::Admitted;
use crate::store::{self, Key, Kind, Store};
use crate::token::{Clock, Fetched, SystemClock, Token, TokenManager, TokenSource};
use crate::{CallbackRequest, CallbackResponse, Reply};
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

/// A background task fetching a token through `fetch` whenever `margin_secs` before its
/// expiry is reached (failures retried every 5 s); what every `keep_fresh` runs.
pub(crate) fn keep_fresh_with<F, Fut>(
    clock: Arc<dyn Clock>,
    margin_secs: u64,
    fetch: F,
) -> BackgroundRefresh
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Token>> + Send,
{
    let task = crate::runtime::handle().spawn(async move {
        loop {
            let wait = match fetch().await {
                Ok(token) => (token.refresh_at(margin_secs as i64) - clock.now()).max(1) as u64,
                Err(_) => 5,
            };
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        }
    });
    BackgroundRefresh(task)
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

impl JsSdkConfig {
    /// A fresh nonce, signed with the ticket for `url` (its `#` fragment dropped).
    pub(crate) fn signed(app_id: &str, ticket: &str, timestamp: i64, url: &str) -> Self {
        let nonce_str = nonce();
        let url = url.split('#').next().unwrap_or(url).to_string();
        JsSdkConfig {
            app_id: app_id.to_string(),
            signature: jssdk_signature(ticket, &nonce_str, timestamp, &url),
            timestamp,
            nonce_str,
            url,
        }
    }
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

/// The `jsapi_ticket` answer of `cgi-bin/ticket/getticket`.
pub(crate) fn jsapi_ticket_from(body: &Value) -> Result<Fetched> {
    fetched_from(body, "ticket", "/cgi-bin/ticket/getticket")
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
        keep_fresh_with(
            self.inner.tokens.clock().clone(),
            self.inner.config.tokens.refresh_margin_secs,
            move || {
                let account = account.clone();
                async move { account.access_token().await }
            },
        )
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
        Ok(JsSdkConfig::signed(
            &self.inner.config.app_id,
            &ticket.value,
            timestamp,
            url,
        ))
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

/// User sign-in, followers, mini program login and the server URL.
impl OfficialAccount {
    fn user_oauth(&self) -> crate::oauth::UserOAuth<'_> {
        crate::oauth::UserOAuth {
            http: &self.inner.http,
            appid: &self.inner.config.app_id,
            secret: &self.inner.config.secret,
        }
    }

    /// The web authorization page (`connect/oauth2/authorize`) for a page opened inside
    /// WeChat: `scope` `snsapi_base` (silent, openid only) or `snsapi_userinfo` (consent,
    /// profile); `state` comes back on the redirect (see [`crate::OAuthState`]). Parameters
    /// are in the order WeChat checks, with `#wechat_redirect`.
    ///
    /// ```
    /// # let account = weixinkit::OfficialAccount::new(weixinkit::OfficialAccountConfig {
    /// #     store: weixinkit::StoreConfig::Memory, ..weixinkit::OfficialAccountConfig::new("wx1", "s") })?;
    /// assert_eq!(account.oauth_url("https://e.com/cb", "snsapi_base", "s1")?,
    ///     "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1\
    ///      &redirect_uri=https%3A%2F%2Fe.com%2Fcb&response_type=code&scope=snsapi_base\
    ///      &state=s1#wechat_redirect");
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn oauth_url(&self, redirect_uri: &str, scope: &str, state: &str) -> Result<String> {
        crate::oauth::authorize_url(&self.inner.config.app_id, redirect_uri, scope, state)
    }

    /// `sns/oauth2/access_token`: the redirect's `code` for the user's token and openid. A
    /// used (40163), expired (42003) or unknown (40029) code is [`Error::OAuthCode`], never
    /// retried.
    pub async fn oauth_access_token(&self, code: &str) -> Result<UserAccessToken> {
        self.user_oauth().access_token(code).await
    }

    /// `sns/oauth2/refresh_token`: a new user access token from the refresh token.
    pub async fn oauth_refresh_token(&self, refresh_token: &str) -> Result<UserAccessToken> {
        self.user_oauth().refresh_token(refresh_token).await
    }

    /// `sns/auth`: whether a user access token is still valid for `openid`.
    pub async fn oauth_check(&self, access_token: &str, openid: &str) -> Result<bool> {
        crate::oauth::check(&self.inner.http, access_token, openid).await
    }

    /// `sns/userinfo`: the user's profile (needs `snsapi_userinfo`; `lang` `zh_CN`, `zh_TW`
    /// or `en`).
    pub async fn oauth_user_info(
        &self,
        access_token: &str,
        openid: &str,
        lang: &str,
    ) -> Result<OAuthUserInfo> {
        crate::oauth::user_info(&self.inner.http, access_token, openid, lang).await
    }

    /// `cgi-bin/user/info`: a user's follower record (`subscribe` false when not following).
    pub async fn user_info(&self, openid: &str) -> Result<UserInfo> {
        let endpoint = "/cgi-bin/user/info";
        if openid.is_empty() {
            return Err(Error::invalid_argument("openid is empty"));
        }
        let body = self
            .get(endpoint, &[("openid", openid), ("lang", "zh_CN")])
            .await?;
        UserInfo::from_json(endpoint, &body)
    }

    /// The "is this visitor following us?" flow in one call: exchange the redirect's `code`
    /// (any scope; `snsapi_base` is silent) and look the openid up with `cgi-bin/user/info`.
    pub async fn user_info_by_code(&self, code: &str) -> Result<UserInfo> {
        let token = self.oauth_access_token(code).await?;
        self.user_info(&token.openid).await
    }

    /// `sns/jscode2session` for a mini program with its own AppSecret (this client's app id
    /// and secret): a `wx.login` code for the openid and session key. A used or unknown code
    /// is [`Error::OAuthCode`].
    pub async fn jscode2session(&self, js_code: &str) -> Result<MiniProgramSession> {
        if js_code.is_empty() {
            return Err(Error::invalid_argument("js_code is empty"));
        }
        let endpoint = "/sns/jscode2session";
        let c = &self.inner.config;
        let request = Request::get(
            Host::Api,
            endpoint,
            &[
                ("appid", c.app_id.as_str()),
                ("secret", c.secret.as_str()),
                ("js_code", js_code),
                ("grant_type", "authorization_code"),
            ],
        );
        let body = self
            .inner
            .http
            .send(&request)
            .await
            .map_err(Error::for_code_exchange)?;
        crate::oauth::decode(endpoint, body)
    }

    fn message_crypto(&self) -> Result<Option<crate::MessageCrypto>> {
        let c = &self.inner.config;
        match (&c.token, &c.encoding_aes_key) {
            (Some(token), Some(key)) => {
                crate::MessageCrypto::new(token, key, c.app_id.as_str()).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Handle a request to the account's server URL, from any web framework: `GET` checks
    /// `signature` and answers `echostr`; `POST` checks the signature, decrypts when
    /// `encrypt_type=aes` (safe or compatible mode) and parses the message. 200 with
    /// `success` and the message; 400 malformed, 403 forged (nothing parsed), 405, 500 when
    /// the configuration lacks the `token` (or the `encoding_aes_key` an encrypted message
    /// needs). With `callback.replay_window_seconds` on, a `POST` whose timestamp is further
    /// than the window from now is a 403 and one already received within it a 409
    /// ([`crate::CallbackOptions`]; the owner is the account's app id); URL verification
    /// (`GET`) is not recorded. Answer a message with [`reply`](Self::reply), or use
    /// [`handle_message_with`](Self::handle_message_with).
    ///
    /// ```
    /// use weixinkit::{CallbackRequest, OfficialAccount, OfficialAccountConfig, StoreConfig};
    /// let mut config = OfficialAccountConfig::new("wx1", "secret");
    /// config.token = Some("token".into());
    /// config.store = StoreConfig::Memory; // a fleet shares Redis instead
    /// config.callback.replay_window_seconds = 300;
    /// let account = OfficialAccount::new(config)?;
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    /// # let (ts, nonce) = (now.as_secs().to_string(), "n1".to_string());
    /// // As WeChat sends it: a plain-mode message signed over token, timestamp and nonce.
    /// let request = CallbackRequest {
    ///     method: "POST".into(),
    ///     query: vec![
    ///         ("signature".into(), weixinkit::msg_signature("token", &ts, &nonce, "")),
    ///         ("timestamp".into(), ts),
    ///         ("nonce".into(), nonce),
    ///     ],
    ///     body: "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>\
    ///            <CreateTime>1700000000</CreateTime><MsgType>text</MsgType>\
    ///            <Content>hi</Content><MsgId>1</MsgId></xml>"
    ///         .into(),
    /// };
    /// let runtime = weixinkit::runtime::runtime();
    /// assert_eq!(runtime.block_on(account.handle_message(&request)).status, 200);
    /// let again = runtime.block_on(account.handle_message(&request));
    /// assert_eq!(again.status, 409); // a replay: nothing parsed
    /// assert!(again.message.is_none());
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub async fn handle_message(&self, request: &CallbackRequest) -> CallbackResponse {
        self.handle(request).await.0
    }

    /// [`handle_message`](Self::handle_message), with the push's replay-window record (to
    /// forget when it is not answered 200).
    async fn handle(&self, request: &CallbackRequest) -> (CallbackResponse, Admitted) {
        let answer = |status: u16, body: &str| {
            (
                CallbackResponse {
                    status,
                    body: body.to_string(),
                    message: None,
                    plaintext: None,
                },
                Admitted::none(),
            )
        };
        let param = |name: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let Some(token) = self.inner.config.token.as_deref() else {
            return answer(500, "the account's configuration has no token");
        };
        let get = request.method.eq_ignore_ascii_case("GET");
        if !get && !request.method.eq_ignore_ascii_case("POST") {
            return answer(405, "the server URL takes GET and POST");
        }
        let (Some(signature), Some(timestamp), Some(nonce)) =
            (param("signature"), param("timestamp"), param("nonce"))
        else {
            return answer(400, "signature, timestamp and nonce are required");
        };
        if !crate::check_signature(token, signature, timestamp, nonce) {
            return answer(403, "signature mismatch");
        }
        if get {
            return match param("echostr") {
                Some(echo) => answer(200, echo),
                None => answer(400, "echostr is required"),
            };
        }
        let plaintext = if param("encrypt_type") == Some("aes") {
            let crypto = match self.message_crypto() {
                Ok(Some(c)) => c,
                Ok(None) => {
                    return answer(500, "the account's configuration has no encoding_aes_key")
                }
                Err(e) => return answer(500, &e.to_string()),
            };
            let Some(msg_signature) = param("msg_signature") else {
                return answer(400, "msg_signature is required with encrypt_type=aes");
            };
            match crypto.decrypt_body(msg_signature, timestamp, nonce, &request.body) {
                Ok(plain) => plain,
                Err(
                    e @ (Error::InvalidSignature
                    | Error::StaleTimestamp(_)
                    | Error::ReceiverIdMismatch { .. }),
                ) => return answer(403, &e.to_string()),
                Err(e) => return answer(400, &e.to_string()),
            }
        } else {
            request.body.clone()
        };
        // The push is recognised by `signature`, which every POST carries and which was checked
        // above: keyed by `msg_signature` instead, a compatible-mode push (plaintext beside
        // `Encrypt`) replayed without `encrypt_type=aes` would count as a new one.
        let admitted = match crate::replay::admit(
            &self.inner.config.callback,
            &self.inner.tokens,
            self.app_id(),
            timestamp,
            nonce,
            signature,
        )
        .await
        {
            Ok(admitted) => admitted,
            Err(refused) => return (refused, Admitted::none()),
        };
        match crate::parse_message(&plaintext) {
            Ok(message) => (
                CallbackResponse {
                    status: 200,
                    body: "success".into(),
                    message: Some(message),
                    plaintext: Some(plaintext),
                },
                admitted,
            ),
            Err(e) => {
                // Not handled: WeChat's retry is answered for itself, not as a replay.
                crate::replay::release(&self.inner.tokens, admitted).await;
                answer(400, &e.to_string())
            }
        }
    }

    /// Forget a push that [`handle_message`](Self::handle_message) answered 200 when your own
    /// handling of it then failed (your handler raised): with
    /// `callback.replay_window_seconds` on, WeChat's retry of it is then handled instead of
    /// refused with 409. `query` is the request's query, as it was handled. Nothing to do with
    /// the window off; a store failure is returned, and the retry is then refused until the
    /// window ends.
    pub async fn forget_push(&self, query: &[(String, String)]) -> Result<()> {
        let callback = &self.inner.config.callback;
        crate::replay::forget(
            callback,
            &self.inner.tokens,
            self.app_id(),
            query,
            "signature",
        )
        .await
    }

    /// The body answering `message` (from [`handle_message`](Self::handle_message) on
    /// `request`) with `reply`: addressed back to the sender, and encrypted when the request
    /// was (`encrypt_type=aes`).
    pub fn reply(
        &self,
        request: &CallbackRequest,
        message: &crate::Message,
        reply: &Reply,
    ) -> Result<String> {
        let (Some(user), Some(account)) =
            (message.field("FromUserName"), message.field("ToUserName"))
        else {
            return Err(Error::invalid_argument(
                "the message has no FromUserName / ToUserName to answer",
            ));
        };
        let now = self.inner.tokens.clock().now();
        let xml = reply.to_xml(user, account, now)?;
        let encrypted = request
            .query
            .iter()
            .any(|(k, v)| k == "encrypt_type" && v == "aes");
        if !encrypted {
            return Ok(xml);
        }
        let crypto = self.message_crypto()?.ok_or_else(|| {
            Error::Config("the account's configuration has no token and encoding_aes_key".into())
        })?;
        crypto.encrypt_reply(&xml, &now.to_string(), &nonce())
    }

    /// [`handle_message`](Self::handle_message), then `handler` on the message (200 only);
    /// its reply, if any, becomes the body (encrypted when the request was). A reply that
    /// cannot be built answers 500 (WeChat retries) with the reason; with the replay window
    /// on, the push is forgotten again so that retry is handled.
    pub async fn handle_message_with(
        &self,
        request: &CallbackRequest,
        handler: impl FnOnce(&crate::Message) -> Option<Reply>,
    ) -> CallbackResponse {
        let (mut response, admitted) = self.handle(request).await;
        if response.status != 200 {
            return response;
        }
        let Some(message) = &response.message else {
            return response;
        };
        if let Some(reply) = handler(message) {
            match self.reply(request, message, &reply) {
                Ok(body) => response.body = body,
                Err(e) => {
                    crate::replay::release(&self.inner.tokens, admitted).await;
                    response.status = 500;
                    response.body = format!("the reply could not be built: {e}");
                }
            }
        }
        response
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
