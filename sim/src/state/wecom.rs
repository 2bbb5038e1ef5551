//! WeCom (`qyapi.weixin.qq.com`) for service providers and third-party apps: provider, suite
//! and corp tokens, pushed suite tickets, install codes, permanent codes, suite OAuth and
//! provider login, and the suite pushes (encrypted for the suite id).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{err, field, retire, ApiRequest, ApiResult, State, Token};
use crate::crypto::PushCrypto;
use crate::{
    random_alnum, random_digits, AppKind, InstallRequest, SimError, SuitePush, SuitePushQuery,
    TokenKind,
};

/// The `/cgi-bin/service/...` paths the sim answers.
pub(crate) const ROUTES: &[&str] = &[
    "/cgi-bin/service/get_provider_token",
    "/cgi-bin/service/get_suite_token",
    "/cgi-bin/service/get_pre_auth_code",
    "/cgi-bin/service/set_session_info",
    "/cgi-bin/service/get_permanent_code",
    "/cgi-bin/service/v2/get_permanent_code",
    "/cgi-bin/service/get_auth_info",
    "/cgi-bin/service/v2/get_auth_info",
    "/cgi-bin/service/get_corp_token",
    "/cgi-bin/service/get_admin_list",
    "/cgi-bin/service/auth/getuserinfo3rd",
    "/cgi-bin/service/auth/getuserdetail3rd",
    "/cgi-bin/service/get_login_info",
];

const PRE_AUTH_CODE_TTL_SECS: u64 = 1200;
const OAUTH_CODE_TTL_SECS: u64 = 300;
const USER_TICKET_TTL_SECS: u64 = 7200;
const INVALID_SUITE_TOKEN: &str = "invalid suite_acccess_token or provider_access_token";
/// The agent id every install gets (one agent per suite in the sim).
const AGENT_ID: i64 = 1000001;

/// Whether a `/cgi-bin/**` call carries a WeCom token (suite, provider, or a corp token minted
/// by the sim): such calls get WeCom's error codes.
pub(crate) fn carries_wecom_token(r: &ApiRequest) -> bool {
    r.q("suite_access_token").is_some()
        || r.q("provider_access_token").is_some()
        || r.q("access_token")
            .is_some_and(|t| t.starts_with("CORP_") || t.starts_with("WORK_"))
}

struct Ticket {
    value: String,
    issued_ms: u64,
}

struct PreAuth {
    suite: String,
    expires_ms: u64,
}

struct AuthCode {
    suite: String,
    corp: String,
    expires_ms: u64,
    used: bool,
}

#[derive(Default)]
struct Install {
    active: bool,
    state: String,
    /// The live permanent code, once the auth code was exchanged.
    permanent_code: Option<String>,
}

struct OAuthCode {
    suite: String,
    corp: String,
    userid: String,
    expires_ms: u64,
    used: bool,
}

struct UserTicket {
    suite: String,
    corp: String,
    userid: String,
    expires_ms: u64,
}

struct LoginCode {
    provider: String,
    corp: String,
    userid: String,
    expires_ms: u64,
    used: bool,
}

#[derive(Default)]
pub(crate) struct WeCom {
    /// suite → its last two tickets, newest last.
    tickets: HashMap<String, Vec<Ticket>>,
    pre_auth: HashMap<String, PreAuth>,
    auth_codes: HashMap<String, AuthCode>,
    /// (suite, corp) → the install.
    installs: BTreeMap<(String, String), Install>,
    oauth_codes: HashMap<String, OAuthCode>,
    user_tickets: HashMap<String, UserTicket>,
    login_codes: HashMap<String, LoginCode>,
}

fn userid(corp: &str) -> String {
    format!("user-{}", &corp[corp.len().saturating_sub(6)..])
}

fn open_userid(corp: &str, userid: &str) -> String {
    format!(
        "wo{}",
        &crate::crypto::sha1_sorted(&[corp, userid, "open"])[..30]
    )
}

fn corp_info(corp: &str, v2: bool) -> Value {
    let mut info = json!({
        "corpid": corp,
        "corp_name": format!("Corp {corp}"),
        "corp_type": "verified",
        "corp_square_logo_url": "https://p.qlogo.cn/bizmail/logo/0",
        "corp_user_max": 50,
        "corp_full_name": format!("Corp {corp} Ltd."),
        "subject_type": 1,
        "verified_end_time": 1_900_000_000,
        "corp_scale": "1-50人",
        "corp_industry": "IT服务",
        "corp_sub_industry": "计算机软件/硬件/信息服务",
    });
    if v2 {
        info["corp_ex_name"] = json!({"name_list": []});
    } else {
        info["corp_wxqrcode"] = json!("https://open.work.weixin.qq.com/wwopen/qrcode/0");
    }
    info
}

fn auth_info(corp: &str) -> Value {
    json!({"agent": [{
        "agentid": AGENT_ID,
        "name": "weixinkit-sim app",
        "round_logo_url": "https://p.qlogo.cn/bizmail/round/0",
        "square_logo_url": "https://p.qlogo.cn/bizmail/square/0",
        "appid": 1,
        "auth_mode": 0,
        "is_customized_app": false,
        "auth_from_thirdapp": false,
        "privilege": {
            "level": 1,
            "allow_party": [1],
            "allow_user": [userid(corp)],
            "allow_tag": [],
            "extra_party": [],
            "extra_user": [],
            "extra_tag": [],
        },
    }]})
}

impl State {
    fn wecom_app(&self, id: &str, kind: AppKind) -> Option<&crate::App> {
        self.apps.get(id).filter(|a| a.kind == kind)
    }

    /// WeCom token endpoints answer the same token while it lives; a new one once it expired
    /// or was retired.
    fn wecom_token(&mut self, kind: TokenKind, owner: &str, via: &str, now: u64) -> Token {
        let key = (kind, owner.to_owned(), via.to_owned());
        if let Some(t) = self.current.get(&key).and_then(|v| self.tokens.get(v)) {
            if t.expires_ms > now && t.retire_ms.is_none_or(|r| r > now) && !t.unauthorized {
                return t.clone();
            }
        }
        let t = self.mint(kind, owner, via, now);
        self.current.insert(key, t.value.clone());
        t
    }

    /// Check a WeCom token of `kind`: suite and provider tokens answer 40082 (invalid) and
    /// 42009 / 42001 (expired); corp tokens 40014 and 42001.
    fn wecom_check(&self, value: Option<&str>, kind: TokenKind, now: u64) -> Result<Token, Value> {
        let (invalid, expired) = match kind {
            TokenKind::SuiteAccessToken => (
                err(40082, INVALID_SUITE_TOKEN),
                err(42009, "suite_access_token expired"),
            ),
            TokenKind::ProviderAccessToken => (
                err(40082, INVALID_SUITE_TOKEN),
                err(42001, "provider_access_token expired"),
            ),
            _ => (
                err(40014, "invalid access_token"),
                err(42001, "access_token expired"),
            ),
        };
        let value = value.ok_or_else(|| err(41001, "access_token missing"))?;
        let corp_kinds = [TokenKind::CorpAccessToken, TokenKind::WorkAccessToken];
        let t = self
            .tokens
            .get(value)
            .filter(|t| {
                t.kind == kind || (corp_kinds.contains(&kind) && corp_kinds.contains(&t.kind))
            })
            .ok_or(invalid.clone())?;
        if t.unauthorized || t.retire_ms.is_some_and(|r| r <= now) {
            return Err(invalid);
        }
        if t.expires_ms <= now {
            return Err(expired);
        }
        Ok(t.clone())
    }

    fn suite_call(&self, r: &ApiRequest, method: &str, now: u64) -> Result<String, Value> {
        r.need(method)?;
        let t = self.wecom_check(r.q("suite_access_token"), TokenKind::SuiteAccessToken, now)?;
        Ok(t.owner)
    }

    pub(crate) fn wecom_api(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        match r.path {
            "/cgi-bin/service/get_provider_token" => self.provider_token(r, now),
            "/cgi-bin/service/get_suite_token" => self.suite_token(r, now),
            "/cgi-bin/service/get_pre_auth_code" => self.pre_auth_code(r, now),
            "/cgi-bin/service/set_session_info" => self.set_session_info(r, now),
            "/cgi-bin/service/get_permanent_code" => self.permanent_code(r, now, false),
            "/cgi-bin/service/v2/get_permanent_code" => self.permanent_code(r, now, true),
            "/cgi-bin/service/get_auth_info" => self.get_auth_info(r, now, false),
            "/cgi-bin/service/v2/get_auth_info" => self.get_auth_info(r, now, true),
            "/cgi-bin/service/get_corp_token" => self.corp_token(r, now),
            "/cgi-bin/service/get_admin_list" => self.admin_list(r, now),
            "/cgi-bin/service/auth/getuserinfo3rd" => self.getuserinfo3rd(r, now),
            "/cgi-bin/service/auth/getuserdetail3rd" => self.getuserdetail3rd(r, now),
            "/cgi-bin/service/get_login_info" => self.login_info(r, now),
            _ => Err(err(40066, "invalid url")),
        }
    }

    fn provider_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("POST")?;
        let body = r.json()?;
        let corp = field(&body, "corpid").ok_or_else(|| err(40013, "invalid corpid"))?;
        let app = self
            .wecom_app(corp, AppKind::WecomProvider)
            .ok_or_else(|| err(40013, "invalid corpid"))?;
        if field(&body, "provider_secret") != Some(app.secret.as_str()) {
            return Err(err(40001, "invalid provider_secret"));
        }
        let corp = corp.to_owned();
        let t = self.wecom_token(TokenKind::ProviderAccessToken, &corp, "", now);
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "provider_access_token": t.value,
            "expires_in": (t.expires_ms.saturating_sub(now)) / 1000,
        }))
    }

    fn suite_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("POST")?;
        let body = r.json()?;
        let suite = field(&body, "suite_id").ok_or_else(|| err(40083, "invalid suite_id"))?;
        let app = self
            .wecom_app(suite, AppKind::WecomSuite)
            .ok_or_else(|| err(40083, "invalid suite_id"))?;
        if field(&body, "suite_secret") != Some(app.secret.as_str()) {
            return Err(err(40001, "invalid suite_secret"));
        }
        let ticket =
            field(&body, "suite_ticket").ok_or_else(|| err(40085, "invalid suite_ticket"))?;
        let known = self
            .wecom
            .tickets
            .get(suite)
            .and_then(|ts| ts.iter().find(|t| t.value == ticket))
            .ok_or_else(|| err(40085, "invalid suite_ticket"))?;
        if now.saturating_sub(known.issued_ms) >= self.options.suite_ticket_ttl_secs * 1000 {
            return Err(err(40085, "invalid suite_ticket (expired)"));
        }
        let suite = suite.to_owned();
        let t = self.wecom_token(TokenKind::SuiteAccessToken, &suite, "", now);
        Ok(json!({
            "suite_access_token": t.value,
            "expires_in": (t.expires_ms.saturating_sub(now)) / 1000,
        }))
    }

    fn pre_auth_code(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let suite = self.suite_call(r, "GET", now)?;
        let code = format!("preauth{}", random_alnum(56));
        self.wecom.pre_auth.insert(
            code.clone(),
            PreAuth {
                suite,
                expires_ms: now + PRE_AUTH_CODE_TTL_SECS * 1000,
            },
        );
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "pre_auth_code": code,
            "expires_in": PRE_AUTH_CODE_TTL_SECS,
        }))
    }

    fn live_pre_auth(&self, suite: &str, code: Option<&str>, now: u64) -> Result<(), Value> {
        match code.and_then(|c| self.wecom.pre_auth.get(c)) {
            Some(p) if p.suite == suite && p.expires_ms > now => Ok(()),
            _ => Err(err(42007, "pre_auth_code is invalid or expired")),
        }
    }

    fn set_session_info(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let suite = self.suite_call(r, "POST", now)?;
        let body = r.json()?;
        self.live_pre_auth(&suite, field(&body, "pre_auth_code"), now)?;
        let auth_type = body
            .get("session_info")
            .and_then(|s| s.get("auth_type"))
            .map_or(Some(0), Value::as_i64);
        if !matches!(auth_type, Some(0 | 1)) {
            return Err(err(40058, "invalid request parameter: auth_type"));
        }
        Ok(json!({"errcode": 0, "errmsg": "ok"}))
    }

    fn permanent_code(&mut self, r: &ApiRequest, now: u64, v2: bool) -> ApiResult {
        let suite = self.suite_call(r, "POST", now)?;
        let body = r.json()?;
        let value = field(&body, "auth_code").unwrap_or("");
        if value.len() < 64 {
            return Err(err(
                40058,
                "invalid request parameter: auth_code is too short",
            ));
        }
        let code = self
            .wecom
            .auth_codes
            .get_mut(value)
            .filter(|c| c.suite == suite && !c.used && c.expires_ms > now)
            .ok_or_else(|| err(40029, "invalid code"))?;
        code.used = true;
        let corp = code.corp.clone();
        let install = self
            .wecom
            .installs
            .get_mut(&(suite.clone(), corp.clone()))
            .filter(|i| i.active)
            .ok_or_else(|| err(40029, "invalid code"))?;
        // A new permanent code replaces the previous one (which then answers 40084).
        let permanent = format!("permanent{}", random_alnum(55));
        install.permanent_code = Some(permanent.clone());
        let state = install.state.clone();
        let user = userid(&corp);
        let user_info = json!({
            "userid": user,
            "open_userid": open_userid(&corp, &user),
            "name": user,
            "avatar": "https://p.qlogo.cn/bizmail/avatar/0",
        });
        if v2 {
            return Ok(json!({
                "errcode": 0, "errmsg": "ok",
                "permanent_code": permanent,
                "auth_corp_info": {"corpid": corp, "corp_name": format!("Corp {corp}")},
                "auth_user_info": user_info,
                "state": state,
            }));
        }
        let t = self.wecom_token(TokenKind::CorpAccessToken, &corp, &suite, now);
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "access_token": t.value,
            "expires_in": (t.expires_ms.saturating_sub(now)) / 1000,
            "permanent_code": permanent,
            "dealer_corp_info": {"corpid": "", "corp_name": ""},
            "auth_corp_info": corp_info(&corp, false),
            "auth_info": auth_info(&corp),
            "auth_user_info": user_info,
            "state": state,
        }))
    }

    /// The corp of `auth_corpid` whose live permanent code is `permanent_code`; else 40084.
    fn check_permanent(&self, suite: &str, body: &super::Obj) -> Result<String, Value> {
        let corp = field(body, "auth_corpid").ok_or_else(|| err(40013, "invalid corpid"))?;
        let presented = field(body, "permanent_code");
        self.wecom
            .installs
            .get(&(suite.to_owned(), corp.to_owned()))
            .filter(|i| i.active && i.permanent_code.as_deref() == presented && presented.is_some())
            .map(|_| corp.to_owned())
            .ok_or_else(|| err(40084, "invalid permanent_code"))
    }

    fn get_auth_info(&mut self, r: &ApiRequest, now: u64, v2: bool) -> ApiResult {
        let suite = self.suite_call(r, "POST", now)?;
        let body = r.json()?;
        let corp = self.check_permanent(&suite, &body)?;
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "dealer_corp_info": {"corpid": "", "corp_name": ""},
            "auth_corp_info": corp_info(&corp, v2),
            "auth_info": auth_info(&corp),
        }))
    }

    fn corp_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let suite = self.suite_call(r, "POST", now)?;
        let body = r.json()?;
        let corp = self.check_permanent(&suite, &body)?;
        let t = self.wecom_token(TokenKind::CorpAccessToken, &corp, &suite, now);
        Ok(json!({
            "access_token": t.value,
            "expires_in": (t.expires_ms.saturating_sub(now)) / 1000,
        }))
    }

    fn admin_list(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let suite = self.suite_call(r, "POST", now)?;
        let body = r.json()?;
        let corp = field(&body, "auth_corpid").ok_or_else(|| err(40013, "invalid corpid"))?;
        self.wecom
            .installs
            .get(&(suite.clone(), corp.to_owned()))
            .filter(|i| i.active)
            .ok_or_else(|| err(40082, INVALID_SUITE_TOKEN))?;
        if body.get("agentid").and_then(Value::as_i64) != Some(AGENT_ID) {
            return Err(err(40056, "invalid agentid"));
        }
        let user = userid(corp);
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "admin": [{"userid": user, "open_userid": open_userid(corp, &user), "auth_type": 1}],
        }))
    }

    fn getuserinfo3rd(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let suite = self.suite_call(r, "GET", now)?;
        let code = r
            .q("code")
            .and_then(|c| self.wecom.oauth_codes.get_mut(c))
            .filter(|c| c.suite == suite && !c.used && c.expires_ms > now)
            .ok_or_else(|| err(40029, "invalid code"))?;
        code.used = true;
        let (corp, user) = (code.corp.clone(), code.userid.clone());
        let ticket = format!("ticket{}", random_alnum(58));
        self.wecom.user_tickets.insert(
            ticket.clone(),
            UserTicket {
                suite,
                corp: corp.clone(),
                userid: user.clone(),
                expires_ms: now + USER_TICKET_TTL_SECS * 1000,
            },
        );
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "corpid": corp,
            "userid": user,
            "user_ticket": ticket,
            "expires_in": USER_TICKET_TTL_SECS,
            "open_userid": open_userid(&corp, &user),
        }))
    }

    fn getuserdetail3rd(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let suite = self.suite_call(r, "POST", now)?;
        let body = r.json()?;
        let t = field(&body, "user_ticket")
            .and_then(|t| self.wecom.user_tickets.get(t))
            .filter(|t| t.suite == suite && t.expires_ms > now)
            .ok_or_else(|| err(84014, "invalid or expired user_ticket"))?;
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "corpid": t.corp,
            "userid": t.userid,
            "name": t.userid,
            "gender": "1",
            "avatar": "https://p.qlogo.cn/bizmail/avatar/0",
            "qr_code": "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=0",
        }))
    }

    fn login_info(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("POST")?;
        let t = self.wecom_check(r.q("access_token"), TokenKind::ProviderAccessToken, now)?;
        let body = r.json()?;
        let code = field(&body, "auth_code")
            .and_then(|c| self.wecom.login_codes.get_mut(c))
            .filter(|c| c.provider == t.owner && !c.used && c.expires_ms > now)
            .ok_or_else(|| err(40029, "invalid code"))?;
        code.used = true;
        let (corp, user) = (code.corp.clone(), code.userid.clone());
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "usertype": 1,
            "user_info": {
                "userid": user,
                "open_userid": open_userid(&corp, &user),
                "name": user,
                "avatar": "https://p.qlogo.cn/bizmail/avatar/0",
            },
            "corp_info": {"corpid": corp},
            "agent": [{"agentid": AGENT_ID, "auth_type": 1}],
            "auth_info": {"department": [{"id": 1, "writable": true}]},
        }))
    }

    /// `cgi-bin/gettoken?corpid=&corpsecret=` for a self-built app.
    pub(crate) fn wecom_gettoken(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("GET")?;
        let corp = r.q("corpid").ok_or_else(|| err(41002, "corpid missing"))?;
        let secret = r
            .q("corpsecret")
            .ok_or_else(|| err(41004, "corpsecret missing"))?;
        let app = self
            .wecom_app(corp, AppKind::WecomApp)
            .ok_or_else(|| err(40013, "invalid corpid"))?;
        if app.secret != secret {
            return Err(err(40001, "invalid secret"));
        }
        let corp = corp.to_owned();
        let t = self.wecom_token(TokenKind::WorkAccessToken, &corp, "", now);
        Ok(json!({
            "errcode": 0, "errmsg": "ok",
            "access_token": t.value,
            "expires_in": (t.expires_ms.saturating_sub(now)) / 1000,
        }))
    }

    /// Any other `/cgi-bin/**` call with a WeCom token: echoed like the WeChat ones.
    pub(crate) fn wecom_echo(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        if r.q("suite_access_token").is_some() {
            self.wecom_check(r.q("suite_access_token"), TokenKind::SuiteAccessToken, now)?;
        } else if r.q("provider_access_token").is_some() {
            self.wecom_check(
                r.q("provider_access_token"),
                TokenKind::ProviderAccessToken,
                now,
            )?;
        } else {
            self.wecom_check(r.q("access_token"), TokenKind::CorpAccessToken, now)?;
        }
        let body = serde_json::from_slice::<Value>(r.body).unwrap_or(Value::Null);
        Ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "echo": {"method": r.method, "path": r.path, "query": r.query, "body": body},
        }))
    }

    // ----- control side -----------------------------------------------------------------------

    fn suite_app(&self, suite: &str) -> Result<&crate::App, SimError> {
        self.wecom_app(suite, AppKind::WecomSuite)
            .ok_or_else(|| SimError::new(format!("{suite} is not a known WeCom suite")))
    }

    /// Encrypt a suite push (receiver id: the suite id).
    fn suite_push(&self, suite: &str, plaintext: String, now: u64) -> Result<SuitePush, SimError> {
        let app = self.suite_app(suite)?;
        let (Some(token), Some(key)) = (app.token.as_deref(), app.encoding_aes_key.as_deref())
        else {
            return Err(SimError::new(format!(
                "suite {suite} has no token/encoding_aes_key to push with"
            )));
        };
        let crypto = PushCrypto::new(token, key, suite).map_err(SimError::new)?;
        let timestamp = (now / 1000).to_string();
        let nonce = random_digits(10);
        let encrypt = crypto.encrypt(&plaintext);
        let query = SuitePushQuery {
            msg_signature: crypto.msg_signature(&timestamp, &nonce, &encrypt),
            timestamp,
            nonce,
        };
        let url = app.callback_url.as_ref().map(|u| {
            let sep = if u.contains('?') { '&' } else { '?' };
            format!(
                "{u}{sep}msg_signature={}&timestamp={}&nonce={}",
                query.msg_signature, query.timestamp, query.nonce
            )
        });
        Ok(SuitePush {
            url,
            query,
            body: format!(
                "<xml><ToUserName><![CDATA[{suite}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
            ),
            plaintext,
        })
    }

    /// URL verification as WeCom does it: an encrypted `echostr` (receiver id: the suite id,
    /// or `receiver_id`) and its signature. Returns (query, the plaintext to expect).
    pub fn wecom_echostr(
        &self,
        suite: &str,
        receiver_id: Option<&str>,
        now: u64,
    ) -> Result<(SuitePushQuery, String, String), SimError> {
        let app = self.suite_app(suite)?;
        let (Some(token), Some(key)) = (app.token.as_deref(), app.encoding_aes_key.as_deref())
        else {
            return Err(SimError::new(format!(
                "suite {suite} has no token/encoding_aes_key"
            )));
        };
        let crypto =
            PushCrypto::new(token, key, receiver_id.unwrap_or(suite)).map_err(SimError::new)?;
        let plain = random_digits(19);
        let echostr = crypto.encrypt(&plain);
        let timestamp = (now / 1000).to_string();
        let nonce = random_digits(10);
        let query = SuitePushQuery {
            msg_signature: crypto.msg_signature(&timestamp, &nonce, &echostr),
            timestamp,
            nonce,
        };
        Ok((query, echostr, plain))
    }

    pub fn wecom_suite_ticket(
        &mut self,
        suite: &str,
        now: u64,
    ) -> Result<(String, SuitePush), SimError> {
        self.suite_app(suite)?;
        let ticket = format!("suiteticket{}", random_alnum(64));
        let list = self.wecom.tickets.entry(suite.to_owned()).or_default();
        list.push(Ticket {
            value: ticket.clone(),
            issued_ms: now,
        });
        if list.len() > 2 {
            list.remove(0);
        }
        let plain = format!(
            "<xml><SuiteId><![CDATA[{suite}]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>{}</TimeStamp><SuiteTicket><![CDATA[{ticket}]]></SuiteTicket></xml>",
            now / 1000
        );
        Ok((ticket.clone(), self.suite_push(suite, plain, now)?))
    }

    pub fn latest_suite_ticket(&self, suite: &str) -> Option<String> {
        self.wecom
            .tickets
            .get(suite)
            .and_then(|l| l.last())
            .map(|t| t.value.clone())
    }

    fn mint_auth_code(&mut self, suite: &str, corp: &str, now: u64) -> String {
        let code = format!("authcode{}", random_alnum(64));
        self.wecom.auth_codes.insert(
            code.clone(),
            AuthCode {
                suite: suite.to_owned(),
                corp: corp.to_owned(),
                expires_ms: now + self.options.auth_code_ttl_secs * 1000,
                used: false,
            },
        );
        code
    }

    /// A corp installs the suite: an auth code (single use) and, unless `push` is off, the
    /// `create_auth` push.
    pub fn wecom_install(
        &mut self,
        req: &InstallRequest,
        now: u64,
    ) -> Result<(String, Option<SuitePush>), SimError> {
        let (suite, corp) = (req.suite_id.as_str(), req.corpid.as_str());
        self.suite_app(suite)?;
        if corp.is_empty() {
            return Err(SimError::new("corpid must be set"));
        }
        if let Some(code) = req.pre_auth_code.as_deref().filter(|c| !c.is_empty()) {
            self.live_pre_auth(suite, Some(code), now).map_err(|_| {
                SimError::new(format!("pre_auth_code {code} is not live for {suite}"))
            })?;
        }
        let state = req.state.clone().unwrap_or_default();
        let install = self
            .wecom
            .installs
            .entry((suite.to_owned(), corp.to_owned()))
            .or_default();
        install.active = true;
        install.state = state.clone();
        let code = self.mint_auth_code(suite, corp, now);
        if !req.push {
            return Ok((code, None));
        }
        let plain = format!(
            "<xml><SuiteId><![CDATA[{suite}]]></SuiteId><AuthCode><![CDATA[{code}]]></AuthCode><InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>{}</TimeStamp><State><![CDATA[{state}]]></State><ExtraInfo><![CDATA[]]></ExtraInfo></xml>",
            now / 1000
        );
        Ok((code, Some(self.suite_push(suite, plain, now)?)))
    }

    fn active_install(&self, suite: &str, corp: &str) -> Result<(), SimError> {
        self.suite_app(suite)?;
        self.wecom
            .installs
            .get(&(suite.to_owned(), corp.to_owned()))
            .filter(|i| i.active)
            .map(|_| ())
            .ok_or_else(|| SimError::new(format!("{corp} has not installed {suite}")))
    }

    /// The corp removes the app: its permanent code answers 40084, its corp tokens 40014, its
    /// unused codes die, and `cancel_auth` is pushed.
    pub fn wecom_cancel(
        &mut self,
        suite: &str,
        corp: &str,
        now: u64,
    ) -> Result<SuitePush, SimError> {
        self.active_install(suite, corp)?;
        if let Some(i) = self
            .wecom
            .installs
            .get_mut(&(suite.to_owned(), corp.to_owned()))
        {
            i.active = false;
            i.permanent_code = None;
        }
        self.wecom
            .auth_codes
            .retain(|_, c| !(c.suite == suite && c.corp == corp));
        for t in self.tokens.values_mut() {
            if t.kind == TokenKind::CorpAccessToken && t.via == suite && t.owner == corp {
                t.unauthorized = true;
                retire(t, now);
            }
        }
        let plain = format!(
            "<xml><SuiteId><![CDATA[{suite}]]></SuiteId><InfoType><![CDATA[cancel_auth]]></InfoType><TimeStamp>{}</TimeStamp><AuthCorpId><![CDATA[{corp}]]></AuthCorpId></xml>",
            now / 1000
        );
        self.suite_push(suite, plain, now)
    }

    /// The corp's permanent code is revoked now (40084) without a push: what a lost
    /// `cancel_auth` or a reset elsewhere looks like.
    pub fn wecom_revoke_permanent_code(&mut self, suite: &str, corp: &str) -> Result<(), SimError> {
        self.active_install(suite, corp)?;
        if let Some(i) = self
            .wecom
            .installs
            .get_mut(&(suite.to_owned(), corp.to_owned()))
        {
            i.permanent_code = None;
        }
        Ok(())
    }

    /// "重新获取secret": a new auth code and the `reset_permanent_code` push; exchanging it
    /// replaces the permanent code.
    pub fn wecom_reset_permanent_code(
        &mut self,
        suite: &str,
        corp: &str,
        now: u64,
    ) -> Result<(String, SuitePush), SimError> {
        self.active_install(suite, corp)?;
        let code = self.mint_auth_code(suite, corp, now);
        let plain = format!(
            "<xml><SuiteId><![CDATA[{suite}]]></SuiteId><AuthCode><![CDATA[{code}]]></AuthCode><InfoType><![CDATA[reset_permanent_code]]></InfoType><TimeStamp>{}</TimeStamp></xml>",
            now / 1000
        );
        Ok((code, self.suite_push(suite, plain, now)?))
    }

    /// `change_auth` (or `change_contact` with `change_type`) for an installed corp.
    pub fn wecom_change(
        &mut self,
        suite: &str,
        corp: &str,
        change_type: Option<&str>,
        now: u64,
    ) -> Result<SuitePush, SimError> {
        self.active_install(suite, corp)?;
        let plain = match change_type {
            None => format!(
                "<xml><SuiteId><![CDATA[{suite}]]></SuiteId><InfoType><![CDATA[change_auth]]></InfoType><TimeStamp>{}</TimeStamp><AuthCorpId><![CDATA[{corp}]]></AuthCorpId><State><![CDATA[]]></State></xml>",
                now / 1000
            ),
            Some(kind) => format!(
                "<xml><SuiteId><![CDATA[{suite}]]></SuiteId><AuthCorpId><![CDATA[{corp}]]></AuthCorpId><InfoType><![CDATA[change_contact]]></InfoType><TimeStamp>{}</TimeStamp><ChangeType><![CDATA[{kind}]]></ChangeType><UserID><![CDATA[{}]]></UserID><Department><![CDATA[1]]></Department></xml>",
                now / 1000,
                userid(corp)
            ),
        };
        self.suite_push(suite, plain, now)
    }

    /// A suite OAuth code for a member of an installed corp.
    pub fn wecom_oauth_code(
        &mut self,
        suite: &str,
        corp: &str,
        user: Option<&str>,
        now: u64,
    ) -> Result<(String, String), SimError> {
        self.active_install(suite, corp)?;
        let user = user
            .filter(|u| !u.is_empty())
            .map_or_else(|| userid(corp), str::to_owned);
        let code = format!("CODE_{}", random_alnum(32));
        self.wecom.oauth_codes.insert(
            code.clone(),
            OAuthCode {
                suite: suite.to_owned(),
                corp: corp.to_owned(),
                userid: user.clone(),
                expires_ms: now + OAUTH_CODE_TTL_SECS * 1000,
                used: false,
            },
        );
        Ok((code, user))
    }

    /// A provider web-login auth code (single use, 5 min).
    pub fn wecom_login_code(
        &mut self,
        provider: &str,
        corp: &str,
        user: Option<&str>,
        now: u64,
    ) -> Result<(String, String), SimError> {
        self.wecom_app(provider, AppKind::WecomProvider)
            .ok_or_else(|| SimError::new(format!("{provider} is not a known WeCom provider")))?;
        if corp.is_empty() {
            return Err(SimError::new("corpid must be set"));
        }
        let user = user
            .filter(|u| !u.is_empty())
            .map_or_else(|| userid(corp), str::to_owned);
        let code = format!("LOGIN_{}", random_alnum(32));
        self.wecom.login_codes.insert(
            code.clone(),
            LoginCode {
                provider: provider.to_owned(),
                corp: corp.to_owned(),
                userid: user.clone(),
                expires_ms: now + OAUTH_CODE_TTL_SECS * 1000,
                used: false,
            },
        );
        Ok((code, user))
    }
}
