//! Users signing in: web authorization inside WeChat for an Official Account
//! (`connect/oauth2/authorize`), "log in with WeChat" for a website app (`connect/qrconnect`),
//! the user-token endpoints they share (`sns/oauth2/access_token`, `refresh_token`,
//! `sns/auth`, `sns/userinfo`), and [`OAuthState`], the `state` that ties a redirect back to
//! the session that started it.

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::config::{parse_config, HttpOptions};
use crate::http::{Host, HttpClient, Request};
use crate::open_platform::urls::{page_url, OPEN_BASE};
use crate::{Error, Result};

/// What a user's OAuth code was exchanged for (`sns/oauth2/access_token`, or a refresh). The
/// `access_token` is the user's, not the account's. `Debug` (Kotlin's `toString()`, Python's
/// `repr`) hides both tokens.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all, from_py_object)
)]
#[uniffi::export(Debug)]
pub struct UserAccessToken {
    /// The user access token (for `sns/userinfo` and `sns/auth`).
    pub access_token: String,
    /// Its lifetime in seconds (7200).
    pub expires_in: i64,
    /// Renews the access token for 30 days (not extended by refreshing).
    pub refresh_token: String,
    /// The user's openid for this account.
    pub openid: String,
    /// The scopes granted, comma-separated (`snsapi_base`, `snsapi_userinfo`, `snsapi_login`).
    pub scope: String,
    /// The UnionID, when the account is bound to an Open Platform account and the scope
    /// allows it.
    #[serde(default)]
    pub unionid: Option<String>,
    /// A "snapshot page" virtual user (`is_snapshotuser` = 1): not a real user's identity.
    #[serde(default)]
    pub is_snapshotuser: bool,
}

impl fmt::Debug for UserAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserAccessToken")
            .field("access_token", &"***")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"***")
            .field("openid", &self.openid)
            .field("scope", &self.scope)
            .field("unionid", &self.unionid)
            .field("is_snapshotuser", &self.is_snapshotuser)
            .finish()
    }
}

/// A user's profile from `sns/userinfo` (needs the `snsapi_userinfo` or `snsapi_login`
/// scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all, from_py_object)
)]
pub struct OAuthUserInfo {
    /// The openid.
    pub openid: String,
    /// The nickname.
    #[serde(default)]
    pub nickname: String,
    /// 0 unknown, 1 male, 2 female.
    #[serde(default)]
    pub sex: i64,
    /// Province.
    #[serde(default)]
    pub province: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Country.
    #[serde(default)]
    pub country: String,
    /// Avatar URL (dies when the user changes the avatar).
    #[serde(default)]
    pub headimgurl: String,
    /// Privileges (WeChat card holders).
    #[serde(default)]
    pub privilege: Vec<String>,
    /// The UnionID, when bound to an Open Platform account.
    #[serde(default)]
    pub unionid: Option<String>,
}

/// A follower's record from `cgi-bin/user/info`. When `subscribe` is false the user does not
/// follow the account and only `openid` (and perhaps `unionid`) is filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all, from_py_object)
)]
pub struct UserInfo {
    /// Whether the user follows the account.
    pub subscribe: bool,
    /// The openid.
    pub openid: String,
    /// When the user last followed (Unix seconds; 0 when not following).
    pub subscribe_time: i64,
    /// The UnionID, when bound to an Open Platform account.
    pub unionid: Option<String>,
    /// The account's remark on the user.
    pub remark: String,
    /// Group id (legacy).
    pub groupid: i64,
    /// Tag ids.
    pub tagid_list: Vec<i64>,
    /// How the user followed (`ADD_SCENE_QR_CODE`, …).
    pub subscribe_scene: String,
    /// QR scene id, for `ADD_SCENE_QR_CODE`.
    pub qr_scene: i64,
    /// QR scene string.
    pub qr_scene_str: String,
}

impl UserInfo {
    pub(crate) fn from_json(endpoint: &str, v: &Value) -> Result<Self> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let int = |k: &str| match v.get(k) {
            Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
            Some(Value::String(s)) => s.parse().unwrap_or(0),
            _ => 0,
        };
        let openid = text("openid");
        if openid.is_empty() || v.get("subscribe").is_none() {
            return Err(Error::Decode {
                endpoint: endpoint.into(),
                reason: "no openid or subscribe in the answer".into(),
            });
        }
        Ok(UserInfo {
            subscribe: int("subscribe") == 1,
            openid,
            subscribe_time: int("subscribe_time"),
            unionid: v
                .get("unionid")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            remark: text("remark"),
            groupid: int("groupid"),
            tagid_list: v
                .get("tagid_list")
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default(),
            subscribe_scene: text("subscribe_scene"),
            qr_scene: int("qr_scene"),
            qr_scene_str: text("qr_scene_str"),
        })
    }
}

/// A mini program login (`jscode2session`): keep `session_key` on the server. `Debug` hides
/// it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all, from_py_object)
)]
#[uniffi::export(Debug)]
pub struct MiniProgramSession {
    /// The user's openid for the mini program.
    pub openid: String,
    /// The session key (decrypts `wx.getUserInfo` data; never send it to the client).
    pub session_key: String,
    /// The UnionID, when the rules allow.
    #[serde(default)]
    pub unionid: Option<String>,
}

impl fmt::Debug for MiniProgramSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MiniProgramSession")
            .field("openid", &self.openid)
            .field("session_key", &"***")
            .field("unionid", &self.unionid)
            .finish()
    }
}

/// A record out of an answer, or a `Decode` error naming the endpoint.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(endpoint: &str, body: Value) -> Result<T> {
    serde_json::from_value(body).map_err(|e| Error::Decode {
        endpoint: endpoint.into(),
        reason: e.to_string(),
    })
}

pub(crate) fn user_access_token(endpoint: &str, mut body: Value) -> Result<UserAccessToken> {
    // `is_snapshotuser` is 0/1 on the wire.
    if let Some(flag) = body.get("is_snapshotuser").cloned() {
        body["is_snapshotuser"] = Value::Bool(flag.as_i64() == Some(1) || flag == true);
    }
    if body.get("unionid").and_then(Value::as_str) == Some("") {
        body["unionid"] = Value::Null;
    }
    decode(endpoint, body)
}

fn non_empty(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_argument(format!("{name} is empty")));
    }
    Ok(())
}

/// `scope` for the Official Account page: `snsapi_base`, `snsapi_userinfo`, or both
/// comma-separated.
pub(crate) fn check_oa_scope(scope: &str) -> Result<()> {
    let ok = !scope.is_empty()
        && scope
            .split(',')
            .all(|s| matches!(s, "snsapi_base" | "snsapi_userinfo"));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "scope {scope:?} must be snsapi_base or snsapi_userinfo"
        )))
    }
}

/// `state`: WeChat's pages accept `[a-zA-Z0-9]`, at most 128 bytes (empty allowed).
pub(crate) fn check_state(state: &str) -> Result<()> {
    if state.len() > 128 || !state.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid_argument(
            "state must be at most 128 ASCII letters and digits",
        ));
    }
    Ok(())
}

fn check_redirect_uri(redirect_uri: &str) -> Result<()> {
    match reqwest::Url::parse(redirect_uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(Error::invalid_argument(format!(
            "redirect_uri {redirect_uri:?} is not an absolute http(s) URL"
        ))),
    }
}

fn check_lang(lang: &str) -> Result<()> {
    if matches!(lang, "zh_CN" | "zh_TW" | "en") {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "lang {lang:?} must be zh_CN, zh_TW or en"
        )))
    }
}

/// The authorize page of an Official Account: parameters in the order WeChat checks, and
/// `#wechat_redirect`.
pub(crate) fn authorize_url(
    appid: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
) -> Result<String> {
    check_redirect_uri(redirect_uri)?;
    check_oa_scope(scope)?;
    check_state(state)?;
    Ok(page_url(
        &format!("{OPEN_BASE}/connect/oauth2/authorize"),
        &[
            ("appid", appid.to_string()),
            ("redirect_uri", redirect_uri.into()),
            ("response_type", "code".into()),
            ("scope", scope.into()),
            ("state", state.into()),
        ],
        Some("wechat_redirect"),
    ))
}

/// The user-token endpoints an app with its own AppSecret calls (Official Account, website
/// app): shared by [`crate::OfficialAccount`] and [`WebsiteApp`].
pub(crate) struct UserOAuth<'a> {
    pub http: &'a HttpClient,
    pub appid: &'a str,
    pub secret: &'a str,
}

impl UserOAuth<'_> {
    pub async fn access_token(&self, code: &str) -> Result<UserAccessToken> {
        non_empty("code", code)?;
        let endpoint = "/sns/oauth2/access_token";
        let request = Request::get(
            Host::Api,
            endpoint,
            &[
                ("appid", self.appid),
                ("secret", self.secret),
                ("code", code),
                ("grant_type", "authorization_code"),
            ],
        );
        let body = self
            .http
            .send(&request)
            .await
            .map_err(Error::for_code_exchange)?;
        user_access_token(endpoint, body)
    }

    pub async fn refresh_token(&self, refresh_token: &str) -> Result<UserAccessToken> {
        non_empty("refresh_token", refresh_token)?;
        let endpoint = "/sns/oauth2/refresh_token";
        let request = Request::get(
            Host::Api,
            endpoint,
            &[
                ("appid", self.appid),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        );
        user_access_token(endpoint, self.http.send(&request).await?)
    }
}

/// `sns/auth`: whether a user access token is still valid for `openid`. `false` for WeChat's
/// "invalid" answers (40003, 40001, 42001, 40014); other failures are errors.
pub(crate) async fn check(http: &HttpClient, access_token: &str, openid: &str) -> Result<bool> {
    non_empty("access_token", access_token)?;
    non_empty("openid", openid)?;
    let request = Request::get(
        Host::Api,
        "/sns/auth",
        &[("access_token", access_token), ("openid", openid)],
    );
    match http.send(&request).await {
        Ok(_) => Ok(true),
        Err(Error::Api { errcode, .. }) if [40003, 40001, 42001, 40014].contains(&errcode) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// `sns/userinfo` with a user access token.
pub(crate) async fn user_info(
    http: &HttpClient,
    access_token: &str,
    openid: &str,
    lang: &str,
) -> Result<OAuthUserInfo> {
    non_empty("access_token", access_token)?;
    non_empty("openid", openid)?;
    check_lang(lang)?;
    let endpoint = "/sns/userinfo";
    let request = Request::get(
        Host::Api,
        endpoint,
        &[
            ("access_token", access_token),
            ("openid", openid),
            ("lang", lang),
        ],
    );
    let mut body = http.send(&request).await?;
    if body.get("unionid").and_then(Value::as_str) == Some("") {
        body["unionid"] = Value::Null;
    }
    decode(endpoint, body)
}

/// An Open Platform website app ("log in with WeChat" on a PC site): its own AppID and
/// AppSecret.
///
/// `Debug` never prints the secret:
/// ```
/// let c = weixinkit::WebsiteAppConfig::new("wxweb1", "s3cret");
/// assert!(!format!("{c:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebsiteAppConfig {
    /// The website app's AppID.
    pub app_id: String,
    /// Its AppSecret.
    pub secret: String,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
}

impl WebsiteAppConfig {
    /// A configuration with default HTTP options.
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        WebsiteAppConfig {
            app_id: app_id.into(),
            secret: secret.into(),
            http: HttpOptions::default(),
        }
    }

    /// Parse the JSON form every binding uses (unknown fields refused).
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        if self.app_id.is_empty() {
            return Err(Error::Config("app_id is empty".into()));
        }
        if self.secret.is_empty() {
            return Err(Error::Config("secret is empty".into()));
        }
        Ok(())
    }
}

impl fmt::Debug for WebsiteAppConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebsiteAppConfig")
            .field("app_id", &self.app_id)
            .field("secret", &"***")
            .field("http", &self.http)
            .finish()
    }
}

/// A website app: the QR login page, the code exchange and the user's profile.
///
/// ```
/// let app = weixinkit::WebsiteApp::new(weixinkit::WebsiteAppConfig::new("wxweb1", "s"))?;
/// let url = app.qrconnect_url("https://example.com/cb", "abc", None)?;
/// assert_eq!(url, "https://open.weixin.qq.com/connect/qrconnect?appid=wxweb1\
///     &redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=snsapi_login\
///     &state=abc#wechat_redirect");
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone)]
pub struct WebsiteApp {
    config: std::sync::Arc<WebsiteAppConfig>,
    http: HttpClient,
}

impl fmt::Debug for WebsiteApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebsiteApp")
            .field("config", &self.config)
            .finish()
    }
}

impl WebsiteApp {
    /// A client for this configuration.
    pub fn new(config: WebsiteAppConfig) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        Ok(WebsiteApp {
            config: std::sync::Arc::new(config),
            http,
        })
    }

    /// The AppID.
    pub fn app_id(&self) -> &str {
        &self.config.app_id
    }

    fn oauth(&self) -> UserOAuth<'_> {
        UserOAuth {
            http: &self.http,
            appid: &self.config.app_id,
            secret: &self.config.secret,
        }
    }

    /// The QR login page (`connect/qrconnect`, scope `snsapi_login`), with `lang` (`cn` or
    /// `en`) when given.
    pub fn qrconnect_url(
        &self,
        redirect_uri: &str,
        state: &str,
        lang: Option<&str>,
    ) -> Result<String> {
        check_redirect_uri(redirect_uri)?;
        check_state(state)?;
        let mut query = vec![
            ("appid", self.config.app_id.clone()),
            ("redirect_uri", redirect_uri.into()),
            ("response_type", "code".into()),
            ("scope", "snsapi_login".into()),
            ("state", state.into()),
        ];
        match lang {
            None => {}
            Some(l @ ("cn" | "en")) => query.push(("lang", l.into())),
            Some(other) => {
                return Err(Error::invalid_argument(format!(
                    "lang {other:?} must be cn or en"
                )))
            }
        }
        Ok(page_url(
            &format!("{OPEN_BASE}/connect/qrconnect"),
            &query,
            Some("wechat_redirect"),
        ))
    }

    /// `sns/oauth2/access_token`: the redirect's `code` for the user's token and openid. A
    /// used, expired or unknown code is [`Error::OAuthCode`].
    pub async fn oauth_access_token(&self, code: &str) -> Result<UserAccessToken> {
        self.oauth().access_token(code).await
    }

    /// `sns/oauth2/refresh_token`.
    pub async fn oauth_refresh_token(&self, refresh_token: &str) -> Result<UserAccessToken> {
        self.oauth().refresh_token(refresh_token).await
    }

    /// `sns/auth`: whether the user token is still valid for `openid`.
    pub async fn oauth_check(&self, access_token: &str, openid: &str) -> Result<bool> {
        check(&self.http, access_token, openid).await
    }

    /// `sns/userinfo`: the user's profile (`lang`: `zh_CN`, `zh_TW` or `en`).
    pub async fn oauth_user_info(
        &self,
        access_token: &str,
        openid: &str,
        lang: &str,
    ) -> Result<OAuthUserInfo> {
        user_info(&self.http, access_token, openid, lang).await
    }
}

/// The `state` of an authorization redirect, bound to the caller's session: it proves the
/// redirect comes back to the browser session that started it (CSRF) and is fresh.
///
/// A state is 56 letters and digits (what WeChat's pages accept): the expiry (8 hex digits),
/// a random nonce (16) and an HMAC-SHA256 over both and the session value (32), checked in
/// constant time.
///
/// ```
/// let s = weixinkit::OAuthState::new("a key of at least sixteen bytes")?;
/// let state = s.issue("session-42")?;
/// assert!(s.verify(&state, "session-42").is_ok());
/// assert_eq!(s.verify(&state, "session-43").unwrap_err().kind(), "invalid_input");
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone)]
pub struct OAuthState {
    key: Vec<u8>,
    ttl_secs: i64,
}

impl fmt::Debug for OAuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthState")
            .field("key", &"***")
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// A state lives this long unless told otherwise: WeChat's codes live 5 to 10 minutes.
pub const DEFAULT_STATE_TTL_SECS: i64 = 600;

type HmacSha256 = Hmac<Sha256>;

impl OAuthState {
    /// States signed with `key` (at least 16 bytes), valid for 10 minutes.
    pub fn new(key: &str) -> Result<Self> {
        Self::with_ttl(key, DEFAULT_STATE_TTL_SECS)
    }

    /// States valid for `ttl_secs` (1 to 86400).
    pub fn with_ttl(key: &str, ttl_secs: i64) -> Result<Self> {
        if key.len() < 16 {
            return Err(Error::invalid_argument(
                "the state key must be at least 16 bytes",
            ));
        }
        if !(1..=86_400).contains(&ttl_secs) {
            return Err(Error::invalid_argument(
                "the state lifetime must be 1 to 86400 seconds",
            ));
        }
        Ok(OAuthState {
            key: key.as_bytes().to_vec(),
            ttl_secs,
        })
    }

    /// How long an issued state stays valid, in seconds.
    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    fn mac(&self, expires: &str, nonce: &str, session_value: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        // Lengths first: no two (expires, nonce, session) triples feed the same bytes.
        mac.update(b"weixinkit-oauth-state\0");
        mac.update(expires.as_bytes());
        mac.update(nonce.as_bytes());
        mac.update(&(session_value.len() as u64).to_be_bytes());
        mac.update(session_value.as_bytes());
        mac
    }

    /// A new state for the session whose value (a session id, or a hash of it) is given.
    pub fn issue(&self, session_value: &str) -> Result<String> {
        self.issue_at(session_value, now())
    }

    /// [`issue`](Self::issue) at a given time (Unix seconds; tests).
    pub fn issue_at(&self, session_value: &str, now: i64) -> Result<String> {
        non_empty("session_value", session_value)?;
        let expires = u32::try_from(now + self.ttl_secs)
            .map_err(|_| Error::invalid_argument("the clock is outside 1970..2106"))?;
        let expires = format!("{expires:08x}");
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
        let nonce = hex(&random);
        let tag = self.mac(&expires, &nonce, session_value).finalize();
        Ok(format!("{expires}{nonce}{}", hex(&tag.into_bytes()[..16])))
    }

    /// Check a state that came back on the redirect against the session's value: an
    /// `InvalidInput` error (-50005) saying why when it is malformed, forged, for another
    /// session, or expired.
    pub fn verify(&self, state: &str, session_value: &str) -> Result<()> {
        self.verify_at(state, session_value, now())
    }

    /// [`verify`](Self::verify) at a given time (Unix seconds; tests).
    pub fn verify_at(&self, state: &str, session_value: &str, now: i64) -> Result<()> {
        non_empty("session_value", session_value)?;
        if state.is_empty() {
            return Err(Error::invalid_argument(
                "the redirect carries no state: the authorization was not started here",
            ));
        }
        if state.len() != 56 || !state.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid_argument(
                "the state is not one this application issued",
            ));
        }
        let (expires, rest) = state.split_at(8);
        let (nonce, tag) = rest.split_at(16);
        let tag = unhex(tag).ok_or_else(|| Error::invalid_argument("the state is malformed"))?;
        // The HMAC is checked before the expiry, in constant time: a forged state learns
        // nothing from which check failed first.
        self.mac(expires, nonce, session_value)
            .verify_truncated_left(&tag)
            .map_err(|_| {
                Error::invalid_argument(
                    "the state does not match this session (forged, or from another session)",
                )
            })?;
        let expires = i64::from_str_radix(expires, 16)
            .map_err(|_| Error::invalid_argument("the state is malformed"))?;
        if now > expires {
            return Err(Error::invalid_argument(
                "the state has expired: start the authorization again",
            ));
        }
        Ok(())
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef-state-key";

    #[test]
    fn authorize_url_keeps_wechats_parameter_order() {
        let url =
            authorize_url("wx1", "https://example.com/cb?x=1", "snsapi_userinfo", "s1").unwrap();
        assert_eq!(
            url,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1\
             &redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1&response_type=code\
             &scope=snsapi_userinfo&state=s1#wechat_redirect"
        );
        for (redirect, scope, state) in [
            ("", "snsapi_base", ""),
            ("/relative", "snsapi_base", ""),
            ("https://e.com", "snsapi_login", ""),
            ("https://e.com", "", ""),
            ("https://e.com", "snsapi_base", "has space"),
            ("https://e.com", "snsapi_base", &"a".repeat(129)),
        ] {
            let e = authorize_url("wx1", redirect, scope, state).unwrap_err();
            assert_eq!(
                e.code(),
                crate::codes::INVALID_ARGUMENT,
                "{redirect} {scope}"
            );
        }
    }

    #[test]
    fn a_state_verifies_only_for_its_session_and_before_it_expires() {
        let s = OAuthState::with_ttl(KEY, 60).unwrap();
        let state = s.issue_at("sess", 1_700_000_000).unwrap();
        assert_eq!(state.len(), 56);
        assert!(state.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(s.verify_at(&state, "sess", 1_700_000_060).is_ok());
        let expired = s.verify_at(&state, "sess", 1_700_000_061).unwrap_err();
        assert!(expired.to_string().contains("expired"), "{expired}");
        let other = s.verify_at(&state, "sess2", 1_700_000_000).unwrap_err();
        assert!(other.to_string().contains("session"), "{other}");
        // Another key, a flipped digit, a pushed-back expiry: all refused.
        let s2 = OAuthState::new("another key of 16 bytes").unwrap();
        assert!(s2.verify_at(&state, "sess", 1_700_000_000).is_err());
        let mut flipped = state.clone().into_bytes();
        flipped[30] = if flipped[30] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(s.verify_at(&flipped, "sess", 1_700_000_000).is_err());
        let later = format!("{:08x}{}", 1_800_000_000u32, &state[8..]);
        assert!(s.verify_at(&later, "sess", 1_700_000_000).is_err());
        for bad in ["", "short", &"z".repeat(56)] {
            assert_eq!(
                s.verify_at(bad, "sess", 1_700_000_000).unwrap_err().kind(),
                "invalid_input"
            );
        }
        // Two states for one session differ (random nonce).
        assert_ne!(state, s.issue_at("sess", 1_700_000_000).unwrap());
    }

    #[test]
    fn state_keys_and_lifetimes_are_checked() {
        assert!(OAuthState::new("short").is_err());
        assert!(OAuthState::with_ttl(KEY, 0).is_err());
        assert!(OAuthState::new(KEY).unwrap().issue("").is_err());
        assert!(!format!("{:?}", OAuthState::new(KEY).unwrap()).contains(KEY));
    }

    #[test]
    fn user_tokens_hide_their_secrets_and_read_snapshot_users() {
        let t = user_access_token(
            "/sns/oauth2/access_token",
            serde_json::json!({"access_token":"AT-secret","expires_in":7200,
                "refresh_token":"RT-secret","openid":"o1","scope":"snsapi_base",
                "is_snapshotuser":1}),
        )
        .unwrap();
        assert!(t.is_snapshotuser);
        assert_eq!(t.unionid, None);
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("AT-secret") && !shown.contains("RT-secret"),
            "{shown}"
        );
        assert_eq!(
            user_access_token("/x", serde_json::json!({"openid":"o"}))
                .unwrap_err()
                .kind(),
            "decode"
        );
    }
}
