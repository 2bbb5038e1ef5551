//! A third-party app (suite): its ticket, its token, the install flow, permanent codes, suite
//! OAuth, and the corps it acts for.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::TokenCall;
use crate::config::validate_id_arg;
use crate::http::{Host, HttpClient, Method, Request};
use crate::official_account::fetched_from;
use crate::open_platform::PreAuthCode;
use crate::store::{self, Key, Kind, Store};
use crate::token::{Clock, Fetched, SystemClock, Token, TokenManager, TokenSource};
use crate::{CryptoOptions, Error, MessageCrypto, ReceiverIdPolicy, Result};

use super::{read_credential, write_credential, SuiteConfig, SUITE_TOKEN_ERRORS};

const OPEN_WORK_BASE: &str = "https://open.work.weixin.qq.com";
const OPEN_BASE: &str = "https://open.weixin.qq.com";
/// How long a WeCom install auth code lives (C.5, `create_auth`): an exchanged code is
/// remembered this long, after which WeCom refuses it anyway.
const AUTH_CODE_LIFETIME_SECS: u64 = 600;

/// What `service/get_permanent_code` (or its v2) granted, after the permanent code was
/// written durably for the corp.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all)
)]
// Kotlin's toString() is this Debug, which hides the codes and the token.
#[uniffi::export(Debug)]
pub struct PermanentCode {
    /// The corp that installed the app (`auth_corp_info.corpid`).
    pub corp_id: String,
    /// Its name (`auth_corp_info.corp_name`).
    pub corp_name: String,
    /// The permanent code (stored durably by weixinkit; never printed).
    pub permanent_code: String,
    /// The corp token (v1 only; cached by weixinkit).
    pub access_token: Option<String>,
    /// The corp token's lifetime in seconds (0 without one).
    pub expires_in: i64,
    /// The `state` of the install link.
    pub state: String,
    /// Who installed it (`auth_user_info.userid`), when WeCom says.
    pub auth_user_id: Option<String>,
    /// Their `open_userid`, when WeCom says.
    pub auth_user_open_userid: Option<String>,
    /// The installed agents (`auth_info.agent[].agentid`; v1 only).
    pub agent_ids: Vec<i64>,
}

impl fmt::Debug for PermanentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermanentCode")
            .field("corp_id", &self.corp_id)
            .field("corp_name", &self.corp_name)
            .field("expires_in", &self.expires_in)
            .field("state", &self.state)
            .field("agent_ids", &self.agent_ids)
            .finish_non_exhaustive()
    }
}

/// A WeCom third-party app. Cheap to clone.
///
/// ```no_run
/// use weixinkit::wecom::{Suite, SuiteConfig};
/// # async fn demo(config: SuiteConfig) -> weixinkit::Result<()> {
/// let suite = Suite::new(config)?;
/// // The callback handler stores the pushed suite_ticket and runs the install lifecycle.
/// let url = suite.create_install_url("https://example.com/installed", "s1", Some(1)).await?;
/// // … the corp installs; `create_auth` (or the redirect's auth_code) gives a permanent code.
/// let corp = suite.corp("wwcorp")?;
/// let departments = corp.get("/cgi-bin/department/list", &[]).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Suite {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) config: SuiteConfig,
    pub(super) http: HttpClient,
    pub(super) tokens: TokenManager,
    /// Data pushes: encrypted for the suite id.
    pub(super) crypto: MessageCrypto,
    /// URL verification: the suite id, or the provider's corp id when configured.
    pub(super) verify_crypto: MessageCrypto,
    ticket_key: Key,
    token_key: Key,
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suite")
            .field("config", &self.inner.config)
            .finish()
    }
}

pub(super) struct SuiteTokenSource<'a>(pub(super) &'a Suite);

#[async_trait::async_trait]
impl TokenSource for SuiteTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let s = self.0;
        let c = &s.inner.config;
        let ticket = s.suite_ticket().await?.ok_or_else(|| Error::Ticket {
            component_appid: c.suite_id.clone(),
            errcode: crate::codes::TICKET_MISSING as i64,
            reason: format!(
                "no suite_ticket was ever received for suite {} (is its data callback URL \
                 reachable? WeCom pushes one every 10 minutes; the provider console can push \
                 one now)",
                c.suite_id
            ),
        })?;
        let endpoint = "/cgi-bin/service/get_suite_token";
        let request = Request::post(
            Host::Work,
            endpoint,
            &[],
            json!({"suite_id": c.suite_id, "suite_secret": c.suite_secret, "suite_ticket": ticket}),
        );
        match s.inner.http.send(&request).await {
            Ok(body) => fetched_from(&body, "suite_access_token", endpoint),
            Err(Error::Api {
                errcode: 40085,
                errmsg,
                ..
            }) => Err(Error::Ticket {
                component_appid: c.suite_id.clone(),
                errcode: 40085,
                reason: format!(
                    "WeCom refused the stored suite_ticket of suite {} (40085: {errmsg}); wait \
                     for the next push",
                    c.suite_id
                ),
            }),
            Err(e) => Err(e),
        }
    }
}

fn page_url(base: &str, query: &[(&str, &str)], fragment: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(base).expect("a constant base URL");
    url.query_pairs_mut().extend_pairs(query);
    url.set_fragment(fragment);
    url.into()
}

fn check_state(state: &str) -> Result<()> {
    if state.len() > 128 || !state.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid_argument(
            "state must be at most 128 ASCII letters and digits",
        ));
    }
    Ok(())
}

/// The install link for a pre-auth code (C.5):
/// `https://open.work.weixin.qq.com/3rdapp/install?suite_id=…&pre_auth_code=…&redirect_uri=…&state=…`.
///
/// ```
/// let url = weixinkit::wecom::install_url("wwsuite", "pre@1", "https://a.example/b?c=1", "s1")?;
/// assert_eq!(url, "https://open.work.weixin.qq.com/3rdapp/install?suite_id=wwsuite\
///     &pre_auth_code=pre%401&redirect_uri=https%3A%2F%2Fa.example%2Fb%3Fc%3D1&state=s1");
/// assert_eq!(weixinkit::wecom::install_url("wwsuite", "p", "https://a", "no spaces").unwrap_err().code(), -50005);
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn install_url(
    suite_id: &str,
    pre_auth_code: &str,
    redirect_uri: &str,
    state: &str,
) -> Result<String> {
    check_state(state)?;
    if pre_auth_code.is_empty() || redirect_uri.is_empty() {
        return Err(Error::invalid_argument(
            "pre_auth_code and redirect_uri must not be empty",
        ));
    }
    Ok(page_url(
        &format!("{OPEN_WORK_BASE}/3rdapp/install"),
        &[
            ("suite_id", suite_id),
            ("pre_auth_code", pre_auth_code),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ],
        None,
    ))
}

/// The suite's web OAuth link (C.10): `appid` is the suite id; `scope` is `snsapi_base`
/// (silent) or `snsapi_privateinfo` (consent; `snsapi_userinfo` is accepted for old pages).
///
/// ```
/// let url = weixinkit::wecom::suite_oauth_url("wwsuite", "https://a.example/cb", "snsapi_base", "s1")?;
/// assert_eq!(url, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wwsuite\
///     &redirect_uri=https%3A%2F%2Fa.example%2Fcb&response_type=code&scope=snsapi_base&state=s1#wechat_redirect");
/// assert!(weixinkit::wecom::suite_oauth_url("wwsuite", "https://a", "snsapi_all", "").is_err());
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn suite_oauth_url(
    suite_id: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
) -> Result<String> {
    if !matches!(
        scope,
        "snsapi_base" | "snsapi_privateinfo" | "snsapi_userinfo"
    ) {
        return Err(Error::invalid_argument(format!(
            "scope {scope:?} is not snsapi_base, snsapi_privateinfo or snsapi_userinfo"
        )));
    }
    check_state(state)?;
    if redirect_uri.is_empty() {
        return Err(Error::invalid_argument("redirect_uri is empty"));
    }
    Ok(page_url(
        &format!("{OPEN_BASE}/connect/oauth2/authorize"),
        &[
            ("appid", suite_id),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", scope),
            ("state", state),
        ],
        Some("wechat_redirect"),
    ))
}

fn text(body: &Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Suite {
    /// A client with the store its configuration names.
    pub fn new(config: SuiteConfig) -> Result<Self> {
        let store = store::open(&config.store)?;
        Self::with_store(config, store, Arc::new(SystemClock))
    }

    /// A client over a given store and clock.
    pub fn with_store(
        config: SuiteConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        let crypto = MessageCrypto::new(
            &config.token,
            &config.encoding_aes_key,
            config.suite_id.as_str(),
        )?;
        let mut ids = vec![config.suite_id.clone()];
        ids.extend(config.provider_corp_id.iter().cloned());
        let verify_crypto = MessageCrypto::with_options(
            &config.token,
            &config.encoding_aes_key,
            CryptoOptions {
                receiver_id: ReceiverIdPolicy::AnyOf { ids },
                max_clock_skew_secs: None,
            },
        )?;
        let (prefix, id) = (&config.tokens.key_prefix, &config.suite_id);
        let ticket_key = Key::new(prefix, Kind::SuiteTicket, id, id);
        let token_key = Key::new(prefix, Kind::SuiteAccessToken, id, id);
        let tokens = TokenManager::new(store, clock, config.tokens.clone());
        Ok(Suite {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                crypto,
                verify_crypto,
                ticket_key,
                token_key,
            }),
        })
    }

    /// The suite id.
    pub fn suite_id(&self) -> &str {
        &self.inner.config.suite_id
    }

    /// The token manager.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The push crypto of the callback URL (receiver id: the suite id).
    pub fn crypto(&self) -> &MessageCrypto {
        &self.inner.crypto
    }

    pub(super) fn key(&self, kind: Kind, corp_id: &str) -> Key {
        let c = &self.inner.config;
        Key::new(&c.tokens.key_prefix, kind, &c.suite_id, corp_id)
    }

    // --- ticket and token ---------------------------------------------------------------

    /// Store a pushed `suite_ticket` durably (the callback handler does this).
    pub async fn store_suite_ticket(&self, ticket: &str) -> Result<()> {
        if ticket.is_empty() {
            return Err(Error::invalid_argument("the suite_ticket is empty"));
        }
        write_credential(&self.inner.tokens, &self.inner.ticket_key, ticket).await?;
        tracing::info!(suite_id = self.suite_id(), "suite_ticket stored");
        Ok(())
    }

    /// The stored `suite_ticket`, if one was ever pushed.
    pub async fn suite_ticket(&self) -> Result<Option<String>> {
        read_credential(&self.inner.tokens, &self.inner.ticket_key).await
    }

    /// The `suite_access_token`, through the token manager. No stored ticket, or one WeCom
    /// refuses (40085), is an [`Error::Ticket`] naming the suite (never retried).
    pub async fn suite_access_token(&self) -> Result<Token> {
        self.inner
            .tokens
            .get(&self.inner.token_key, &SuiteTokenSource(self))
            .await
    }

    /// Call a suite endpoint (`?suite_access_token=`): GET with `body` None, else POST. A
    /// suite token error (42009, 40082) refreshes the token and retries once.
    pub async fn call(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let source = SuiteTokenSource(self);
        let call = TokenCall {
            http: &self.inner.http,
            tokens: &self.inner.tokens,
            key: &self.inner.token_key,
            source: &source,
            token_errors: SUITE_TOKEN_ERRORS,
            param: "suite_access_token",
        };
        let method = if body.is_some() {
            Method::Post
        } else {
            Method::Get
        };
        call.send(method, Host::Work, path, query, body).await
    }

    // --- install flow -------------------------------------------------------------------

    /// `service/get_pre_auth_code`.
    pub async fn pre_auth_code(&self) -> Result<PreAuthCode> {
        let endpoint = "/cgi-bin/service/get_pre_auth_code";
        let body = self.call(endpoint, &[], None).await?;
        let f = fetched_from(&body, "pre_auth_code", endpoint)?;
        Ok(PreAuthCode {
            pre_auth_code: f.value,
            expires_in: f.expires_in,
        })
    }

    /// `service/set_session_info`: configure a pre-auth code before handing out its link;
    /// `auth_type` 0 = formal install (WeCom's default), 1 = test install of an unreleased app.
    pub async fn set_session_info(&self, pre_auth_code: &str, auth_type: i64) -> Result<()> {
        if !(0..=1).contains(&auth_type) {
            return Err(Error::invalid_argument(format!(
                "auth_type {auth_type} is neither 0 (formal) nor 1 (test)"
            )));
        }
        self.call(
            "/cgi-bin/service/set_session_info",
            &[],
            Some(&json!({
                "pre_auth_code": pre_auth_code,
                "session_info": {"auth_type": auth_type},
            })),
        )
        .await
        .map(|_| ())
    }

    /// The install link for a pre-auth code (see [`install_url`]).
    pub fn install_url(
        &self,
        pre_auth_code: &str,
        redirect_uri: &str,
        state: &str,
    ) -> Result<String> {
        install_url(self.suite_id(), pre_auth_code, redirect_uri, state)
    }

    /// A new pre-auth code, its session info (with `auth_type`, when given) and its install
    /// link, in one call.
    pub async fn create_install_url(
        &self,
        redirect_uri: &str,
        state: &str,
        auth_type: Option<i64>,
    ) -> Result<String> {
        check_state(state)?;
        let code = self.pre_auth_code().await?;
        if let Some(auth_type) = auth_type {
            self.set_session_info(&code.pre_auth_code, auth_type)
                .await?;
        }
        self.install_url(&code.pre_auth_code, redirect_uri, state)
    }

    /// `service/get_permanent_code` (v1): exchange an install's temporary auth code. The
    /// permanent code is written durably for the corp, and the corp token cached, before this
    /// returns.
    pub async fn permanent_code(&self, auth_code: &str) -> Result<PermanentCode> {
        self.exchange_auth_code("/cgi-bin/service/get_permanent_code", auth_code)
            .await
    }

    /// `service/v2/get_permanent_code` (WeCom's recommended, faster form; no corp token):
    /// the permanent code is written durably for the corp before this returns.
    pub async fn permanent_code_v2(&self, auth_code: &str) -> Result<PermanentCode> {
        self.exchange_auth_code("/cgi-bin/service/v2/get_permanent_code", auth_code)
            .await
    }

    async fn exchange_auth_code(&self, endpoint: &str, auth_code: &str) -> Result<PermanentCode> {
        if auth_code.is_empty() {
            return Err(Error::invalid_argument("auth_code is empty"));
        }
        let body = self
            .call(endpoint, &[], Some(&json!({"auth_code": auth_code})))
            .await?;
        let decode = |reason: &str| Error::Decode {
            endpoint: endpoint.into(),
            reason: reason.into(),
        };
        let corp_id = text(&body, "/auth_corp_info/corpid")
            .ok_or_else(|| decode("no auth_corp_info.corpid"))?;
        validate_id_arg("auth_corp_info.corpid", &corp_id)?;
        let permanent_code =
            text(&body, "/permanent_code").ok_or_else(|| decode("no permanent_code"))?;
        let access_token = text(&body, "/access_token");
        let expires_in = body.get("expires_in").and_then(Value::as_i64).unwrap_or(0);
        let result = PermanentCode {
            corp_name: text(&body, "/auth_corp_info/corp_name").unwrap_or_default(),
            permanent_code,
            expires_in: if access_token.is_some() {
                expires_in
            } else {
                0
            },
            access_token,
            state: text(&body, "/state").unwrap_or_default(),
            auth_user_id: text(&body, "/auth_user_info/userid"),
            auth_user_open_userid: text(&body, "/auth_user_info/open_userid"),
            agent_ids: body
                .pointer("/auth_info/agent")
                .and_then(Value::as_array)
                .map(|agents| {
                    agents
                        .iter()
                        .filter_map(|a| a.get("agentid").and_then(Value::as_i64))
                        .collect()
                })
                .unwrap_or_default(),
            corp_id,
        };
        self.store_permanent_code(&result.corp_id, &result.permanent_code)
            .await?;
        self.remember_exchanged(auth_code, &result.corp_id).await?;
        if let (Some(token), true) = (&result.access_token, result.expires_in > 0) {
            let key = self.key(Kind::CorpAccessToken, &result.corp_id);
            self.inner
                .tokens
                .put(&key, token, result.expires_in)
                .await?;
        }
        Ok(result)
    }

    fn exchanged_key(&self, auth_code: &str) -> Key {
        self.key(Kind::ExchangedAuthCode, &store::fingerprint(auth_code))
    }

    /// Remember that `auth_code` was exchanged (for the code's lifetime), so every process on
    /// the store answers a repeated push of it without asking WeCom again.
    async fn remember_exchanged(&self, auth_code: &str, corp_id: &str) -> Result<()> {
        let record = json!({"corp_id": corp_id, "updated_at": self.inner.tokens.clock().now()});
        self.inner
            .tokens
            .store()
            .set(
                self.exchanged_key(auth_code).data(),
                &record.to_string(),
                Some(std::time::Duration::from_secs(AUTH_CODE_LIFETIME_SECS)),
            )
            .await
    }

    /// Whether this suite already exchanged `auth_code` (within the code's lifetime).
    pub async fn auth_code_exchanged(&self, auth_code: &str) -> Result<bool> {
        Ok(self
            .inner
            .tokens
            .store()
            .get(self.exchanged_key(auth_code).data())
            .await?
            .is_some())
    }

    /// The lifecycle step of a `create_auth` / `reset_permanent_code` push: exchange its auth
    /// code (v2) and store the permanent code, unless this suite already did. WeCom pushes
    /// again when an answer is slow or lost, and answers 40029 for a used code; a repeated
    /// push is answered `success` and changes nothing.
    pub(super) async fn exchange_pushed_auth_code(&self, auth_code: &str) -> Result<()> {
        if self.auth_code_exchanged(auth_code).await? {
            return Ok(());
        }
        match self.permanent_code_v2(auth_code).await {
            Ok(_) => Ok(()),
            // Another process (or the redirect's exchange) won the race for the same code.
            Err(Error::Api { errcode: 40029, .. })
                if self.auth_code_exchanged(auth_code).await? =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The stored permanent code of a corp.
    pub async fn stored_permanent_code(&self, corp_id: &str) -> Result<Option<String>> {
        validate_id_arg("corp_id", corp_id)?;
        read_credential(&self.inner.tokens, &self.key(Kind::PermanentCode, corp_id)).await
    }

    /// Store a corp's permanent code durably (e.g. one kept from another system). Its cached
    /// corp token is dropped: it was minted from the previous code.
    pub async fn store_permanent_code(&self, corp_id: &str, permanent_code: &str) -> Result<()> {
        validate_id_arg("corp_id", corp_id)?;
        if permanent_code.is_empty() {
            return Err(Error::invalid_argument("the permanent code is empty"));
        }
        let key = self.key(Kind::PermanentCode, corp_id);
        write_credential(&self.inner.tokens, &key, permanent_code).await?;
        self.inner
            .tokens
            .invalidate(&self.key(Kind::CorpAccessToken, corp_id))
            .await?;
        tracing::info!(
            suite_id = self.suite_id(),
            corp_id,
            "permanent code stored (create_auth / reset_permanent_code)"
        );
        Ok(())
    }

    /// Remove everything stored for a corp: its permanent code and its token (after
    /// `cancel_auth`).
    pub async fn forget_corp(&self, corp_id: &str) -> Result<()> {
        validate_id_arg("corp_id", corp_id)?;
        let store = self.inner.tokens.store();
        store
            .delete(self.key(Kind::PermanentCode, corp_id).data())
            .await?;
        self.inner
            .tokens
            .invalidate(&self.key(Kind::CorpAccessToken, corp_id))
            .await?;
        tracing::info!(
            suite_id = self.suite_id(),
            corp_id,
            "corp forgotten: permanent code and corp token removed (cancel_auth)"
        );
        Ok(())
    }

    async fn with_permanent_code(&self, endpoint: &str, corp_id: &str) -> Result<Value> {
        let code = self.require_permanent_code(corp_id).await?;
        self.call(
            endpoint,
            &[],
            Some(&json!({"auth_corpid": corp_id, "permanent_code": code})),
        )
        .await
        .map_err(|e| self.revoked(corp_id, e))
    }

    pub(super) async fn require_permanent_code(&self, corp_id: &str) -> Result<String> {
        self.stored_permanent_code(corp_id)
            .await?
            .ok_or_else(|| Error::ReauthorizationNeeded {
                authorizer_appid: corp_id.to_string(),
                errcode: crate::codes::NOT_AUTHORIZED as i64,
                reason: format!(
                    "no permanent code of suite {} is stored for it (never installed, \
                     cancelled, or revoked): the corp must install the app again",
                    self.suite_id()
                ),
            })
    }

    /// 40084 → the corp must reinstall. The caller then forgets the dead code.
    pub(super) fn revoked(&self, corp_id: &str, e: Error) -> Error {
        match e {
            Error::Api {
                errcode: 40084,
                errmsg,
                ..
            } => Error::ReauthorizationNeeded {
                authorizer_appid: corp_id.to_string(),
                errcode: 40084,
                reason: format!(
                    "WeCom refused its permanent code for suite {} (40084: {errmsg}): the corp \
                     must install the app again",
                    self.suite_id()
                ),
            },
            other => other,
        }
    }

    /// `service/get_auth_info`: the corp's authorization (WeCom's JSON), with its stored
    /// permanent code. Call it after every `change_auth`.
    pub async fn auth_info(&self, corp_id: &str) -> Result<Value> {
        self.auth_info_at("/cgi-bin/service/get_auth_info", corp_id)
            .await
    }

    /// `service/v2/get_auth_info`.
    pub async fn auth_info_v2(&self, corp_id: &str) -> Result<Value> {
        self.auth_info_at("/cgi-bin/service/v2/get_auth_info", corp_id)
            .await
    }

    async fn auth_info_at(&self, endpoint: &str, corp_id: &str) -> Result<Value> {
        let result = self.with_permanent_code(endpoint, corp_id).await;
        if let Err(Error::ReauthorizationNeeded { errcode: 40084, .. }) = &result {
            self.forget_corp(corp_id).await?;
        }
        result
    }

    /// `service/get_admin_list`: the app's admins in a corp (WeCom's JSON, `admin[]`).
    pub async fn admin_list(&self, corp_id: &str, agent_id: i64) -> Result<Value> {
        validate_id_arg("corp_id", corp_id)?;
        self.call(
            "/cgi-bin/service/get_admin_list",
            &[],
            Some(&json!({"auth_corpid": corp_id, "agentid": agent_id})),
        )
        .await
    }

    // --- suite OAuth --------------------------------------------------------------------

    /// The suite's web OAuth link (see [`suite_oauth_url`]).
    pub fn oauth_url(&self, redirect_uri: &str, scope: &str, state: &str) -> Result<String> {
        suite_oauth_url(self.suite_id(), redirect_uri, scope, state)
    }

    /// `service/auth/getuserinfo3rd`: who opened the OAuth link (`corpid`, `userid`,
    /// `user_ticket`, `open_userid`; `openid` for non-members).
    pub async fn getuserinfo3rd(&self, code: &str) -> Result<Value> {
        if code.is_empty() {
            return Err(Error::invalid_argument("code is empty"));
        }
        self.call(
            "/cgi-bin/service/auth/getuserinfo3rd",
            &[("code", code)],
            None,
        )
        .await
    }

    /// `service/auth/getuserdetail3rd`: the member's details for a `user_ticket`.
    pub async fn getuserdetail3rd(&self, user_ticket: &str) -> Result<Value> {
        if user_ticket.is_empty() {
            return Err(Error::invalid_argument("user_ticket is empty"));
        }
        self.call(
            "/cgi-bin/service/auth/getuserdetail3rd",
            &[],
            Some(&json!({"user_ticket": user_ticket})),
        )
        .await
    }
}
