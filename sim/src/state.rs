//! Everything the simulated WeChat server remembers, and the endpoint logic over it. All of it
//! runs under one mutex and never awaits; pushes are built here and delivered by the caller.

mod wecom;

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{json, Map, Value};

use crate::crypto::{sha1_sorted, PushCrypto};
use crate::{
    random_alnum, random_digits, rid, App, AppKind, AuthorizeRequest, Fault, OptionsPatch, Push,
    PushQuery, SimConfig, SimError, SimOptions, TokenInfo, TokenKind,
};

type Obj = Map<String, Value>;
type ApiResult = Result<Value, Value>;

const INVALID_CREDENTIAL: &str = "invalid credential, access_token is invalid or not latest";
const NOT_AUTHORIZED: &str = "component is not authorized by this account";
/// Tokens that call APIs as an account (its own token, stable token, or a third party's).
const API_TOKENS: &[TokenKind] = &[
    TokenKind::AccessToken,
    TokenKind::StableToken,
    TokenKind::AuthorizerAccessToken,
];
/// The above plus the component's own token.
const SERVER_TOKENS: &[TokenKind] = &[
    TokenKind::AccessToken,
    TokenKind::StableToken,
    TokenKind::AuthorizerAccessToken,
    TokenKind::ComponentAccessToken,
];
const AUTHORIZER_OPTIONS: &[(&str, &[&str])] = &[
    ("location_report", &["0", "1", "2"]),
    ("voice_recognize", &["0", "1"]),
    ("customer_service", &["0", "1"]),
];
/// Permission sets granted when `/_sim/authorize` names none.
pub(crate) const DEFAULT_FUNC_IDS: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 11, 15];
const PRE_AUTH_CODE_TTL_SECS: u64 = 600;
const OAUTH_CODE_TTL_SECS: u64 = 300;
const SNS_REFRESH_TTL_SECS: u64 = 30 * 24 * 3600;
const CLEAR_QUOTA_PER_MONTH: u32 = 10;
/// Prune long-dead tokens once the table is this big.
const PRUNE_AT: usize = 20_000;

/// A WeChat error body: `{"errcode":N,"errmsg":"MSG rid: …"}`.
pub(crate) fn err(code: i64, msg: &str) -> Value {
    json!({"errcode": code, "errmsg": format!("{msg} rid: {}", rid())})
}

fn ok() -> Value {
    json!({"errcode": 0, "errmsg": "ok"})
}

/// One request as the endpoint logic sees it.
pub(crate) struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a BTreeMap<String, String>,
    pub body: &'a [u8],
}

impl ApiRequest<'_> {
    fn q(&self, key: &str) -> Option<&str> {
        self.query
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn need(&self, method: &str) -> Result<(), Value> {
        match (self.method == method, method) {
            (true, _) => Ok(()),
            (false, "GET") => Err(err(43001, "require GET method")),
            (false, _) => Err(err(43002, "require POST method")),
        }
    }

    /// The JSON object body: 44002 when empty, 47001 when not a JSON object.
    fn json(&self) -> Result<Obj, Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(err(44002, "empty post data"));
        }
        match serde_json::from_slice(self.body) {
            Ok(Value::Object(o)) => Ok(o),
            _ => Err(err(47001, "data format error")),
        }
    }
}

/// A non-empty string field.
fn field<'a>(o: &'a Obj, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A string field, numbers and booleans written as text (option values come both ways).
fn field_text(o: &Obj, key: &str) -> Option<String> {
    match o.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(u8::from(*b).to_string()),
        _ => None,
    }
}

fn func_info(ids: &[u32]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({"funcscope_category": {"id": id}}))
            .collect(),
    )
}

fn unionid(openid: &str) -> String {
    format!("oU{}", &sha1_sorted(&[openid])[..26])
}

fn retire(t: &mut Token, at_ms: u64) {
    t.retire_ms = Some(t.retire_ms.map_or(at_ms, |r| r.min(at_ms)));
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    value: String,
    kind: TokenKind,
    owner: String,
    /// The component that issued it (authorizer tokens, tickets fetched with them, sns tokens
    /// fetched through a component); empty otherwise.
    via: String,
    openid: Option<String>,
    scope: Option<String>,
    issued_ms: u64,
    expires_ms: u64,
    retire_ms: Option<u64>,
    /// The authorizer cancelled the authorisation: calls answer 61003.
    unauthorized: bool,
}

impl Token {
    fn info(&self, now: u64) -> TokenInfo {
        TokenInfo {
            value: self.value.clone(),
            kind: self.kind,
            owner: self.owner.clone(),
            via: (!self.via.is_empty()).then(|| self.via.clone()),
            openid: self.openid.clone(),
            issued_at: self.issued_ms / 1000,
            expires_at: self.expires_ms / 1000,
            retire_at: self.retire_ms.map(|r| r / 1000),
            expired: self.expires_ms <= now,
            retired: self.retire_ms.is_some_and(|r| r <= now),
            unauthorized: self.unauthorized,
        }
    }
}

struct VerifyTicket {
    value: String,
    issued_ms: u64,
}

struct PreAuthCode {
    component: String,
    expires_ms: u64,
}

struct AuthCode {
    component: String,
    authorizer: String,
    expires_ms: u64,
    used: bool,
}

#[derive(Default)]
struct Authorization {
    active: bool,
    auth_time: u64,
    func_ids: Vec<u32>,
    refresh_token: Option<String>,
    /// The refresh token has been handed out (api_query_auth); until then
    /// api_get_authorizer_list omits it, as WeChat does.
    exchanged: bool,
    options: BTreeMap<String, String>,
}

struct RefreshToken {
    component: String,
    authorizer: String,
    retire_ms: Option<u64>,
}

struct OAuthCodeRec {
    appid: String,
    openid: String,
    scope: String,
    expires_ms: u64,
    used: bool,
}

struct SnsRefresh {
    appid: String,
    openid: String,
    scope: String,
    expires_ms: u64,
}

/// A fault in the queue, with how many more requests it applies to.
pub(crate) struct QueuedFault {
    pub fault: Fault,
    pub remaining: u32,
}

pub(crate) struct State {
    pub apps: BTreeMap<String, App>,
    pub defaults: SimOptions,
    pub options: SimOptions,
    pub log: bool,
    pub calls: BTreeMap<String, u64>,
    pub faults: HashMap<String, VecDeque<QueuedFault>>,
    tokens: HashMap<String, Token>,
    /// (kind, owner, via) → the latest token issued for it.
    current: HashMap<(TokenKind, String, String), String>,
    /// component → its last two component_verify_tickets, newest last.
    verify_tickets: HashMap<String, Vec<VerifyTicket>>,
    pre_auth_codes: HashMap<String, PreAuthCode>,
    auth_codes: HashMap<String, AuthCode>,
    /// (component, authorizer) → authorisation.
    authorizations: BTreeMap<(String, String), Authorization>,
    refresh_tokens: HashMap<String, RefreshToken>,
    oauth_codes: HashMap<String, OAuthCodeRec>,
    sns_refresh: HashMap<String, SnsRefresh>,
    /// (appid, openid) of users who do not follow the account (everyone else does).
    not_following: std::collections::HashSet<(String, String)>,
    clear_quota_used: HashMap<String, u32>,
    /// WeCom: suite tickets, install codes, permanent codes, OAuth codes.
    wecom: wecom::WeCom,
}

/// What the request handler sends back.
pub(crate) struct ApiReply {
    pub status: u16,
    pub body: Value,
    /// A push to deliver in the background (api_start_push_ticket).
    pub push: Option<Push>,
}

pub(crate) fn validate_app(app: &App) -> Result<(), SimError> {
    if app.appid.is_empty() {
        return Err(SimError::new("appid must not be empty"));
    }
    if let Some(key) = &app.encoding_aes_key {
        crate::crypto::decode_aes_key(key).map_err(SimError::new)?;
    }
    if let Some(url) = &app.callback_url {
        if !url.starts_with("http://") {
            return Err(SimError::new(format!(
                "callback_url must be a plain http:// URL, got {url}"
            )));
        }
    }
    Ok(())
}

impl State {
    pub fn new(config: &SimConfig) -> Result<State, SimError> {
        let mut apps = BTreeMap::new();
        let defaults = if config.default_apps {
            App::defaults()
        } else {
            Vec::new()
        };
        for app in defaults.into_iter().chain(config.apps.iter().cloned()) {
            validate_app(&app)?;
            apps.insert(app.appid.clone(), app);
        }
        Ok(State {
            apps,
            defaults: config.options.clone(),
            options: config.options.clone(),
            log: config.log,
            calls: BTreeMap::new(),
            faults: HashMap::new(),
            tokens: HashMap::new(),
            current: HashMap::new(),
            verify_tickets: HashMap::new(),
            pre_auth_codes: HashMap::new(),
            auth_codes: HashMap::new(),
            authorizations: BTreeMap::new(),
            refresh_tokens: HashMap::new(),
            oauth_codes: HashMap::new(),
            sns_refresh: HashMap::new(),
            not_following: Default::default(),
            clear_quota_used: HashMap::new(),
            wecom: wecom::WeCom::default(),
        })
    }

    /// Back to a fresh server with the same apps.
    pub fn reset(&mut self) {
        self.options = self.defaults.clone();
        self.calls.clear();
        self.faults.clear();
        self.tokens.clear();
        self.current.clear();
        self.verify_tickets.clear();
        self.pre_auth_codes.clear();
        self.auth_codes.clear();
        self.authorizations.clear();
        self.refresh_tokens.clear();
        self.oauth_codes.clear();
        self.sns_refresh.clear();
        self.not_following.clear();
        self.clear_quota_used.clear();
        self.wecom = wecom::WeCom::default();
    }

    pub fn patch_options(&mut self, p: &OptionsPatch) -> SimOptions {
        let o = &mut self.options;
        if let Some(v) = p.expires_in {
            o.expires_in = v;
        }
        if let Some(v) = p.grace_secs {
            o.grace_secs = v;
        }
        if let Some(v) = p.rotate_refresh_token {
            o.rotate_refresh_token = v;
        }
        if let Some(v) = p.stable_min_life {
            o.stable_min_life = Some(v);
        }
        if let Some(v) = p.ticket_ttl_secs {
            o.ticket_ttl_secs = v;
        }
        if let Some(v) = p.auth_code_ttl_secs {
            o.auth_code_ttl_secs = v;
        }
        if let Some(v) = p.suite_ticket_ttl_secs {
            o.suite_ticket_ttl_secs = v;
        }
        o.clone()
    }

    // ----- faults and counters -------------------------------------------------------------

    pub fn count(&mut self, path: &str) {
        *self.calls.entry(path.to_owned()).or_default() += 1;
    }

    pub fn push_fault(&mut self, fault: Fault) {
        let remaining = fault.times;
        self.faults
            .entry(fault.path.clone())
            .or_default()
            .push_back(QueuedFault { fault, remaining });
    }

    /// The fault for this request, if any: the path's own queue first, then `*`.
    pub fn take_fault(&mut self, path: &str) -> Option<Fault> {
        for key in [path, "*"] {
            let Some(queue) = self.faults.get_mut(key) else {
                continue;
            };
            let Some(front) = queue.front_mut() else {
                continue;
            };
            let fault = front.fault.clone();
            front.remaining -= 1;
            if front.remaining == 0 {
                queue.pop_front();
            }
            if queue.is_empty() {
                self.faults.remove(key);
            }
            return Some(fault);
        }
        None
    }

    pub fn pending_faults(&self) -> Vec<Fault> {
        let mut out: Vec<Fault> = self
            .faults
            .values()
            .flatten()
            .map(|q| Fault {
                times: q.remaining,
                ..q.fault.clone()
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    // ----- tokens ------------------------------------------------------------------------------

    pub fn token_infos(&self, now: u64) -> Vec<TokenInfo> {
        let mut out: Vec<TokenInfo> = self.tokens.values().map(|t| t.info(now)).collect();
        out.sort_by(|a, b| (a.issued_at, &a.value).cmp(&(b.issued_at, &b.value)));
        out
    }

    /// Mark tokens (of one owner, or all) expired now. Returns how many changed.
    pub fn expire(&mut self, appid: Option<&str>, now: u64) -> usize {
        let mut n = 0;
        for t in self.tokens.values_mut() {
            if appid.is_none_or(|a| a == t.owner) && t.expires_ms > now {
                t.expires_ms = now;
                n += 1;
            }
        }
        n
    }

    /// Retire tokens (of one owner, or all) now. Returns how many changed.
    pub fn revoke(&mut self, appid: Option<&str>, now: u64) -> usize {
        let mut n = 0;
        for t in self.tokens.values_mut() {
            if appid.is_none_or(|a| a == t.owner) && t.retire_ms.is_none_or(|r| r > now) {
                retire(t, now);
                n += 1;
            }
        }
        n
    }

    fn mint(&mut self, kind: TokenKind, owner: &str, via: &str, now: u64) -> Token {
        if self.tokens.len() >= PRUNE_AT {
            let horizon = now.saturating_sub(3_600_000);
            self.tokens
                .retain(|_, t| t.expires_ms.min(t.retire_ms.unwrap_or(u64::MAX)) > horizon);
        }
        let value = format!("{}{}", kind.prefix(), random_alnum(32));
        let t = Token {
            value: value.clone(),
            kind,
            owner: owner.to_owned(),
            via: via.to_owned(),
            openid: None,
            scope: None,
            issued_ms: now,
            expires_ms: now + self.options.expires_in * 1000,
            retire_ms: None,
            unauthorized: false,
        };
        self.tokens.insert(value, t.clone());
        t
    }

    /// Issue a new token for (kind, owner, via); the previous one retires `grace_secs` later.
    fn rotate(&mut self, kind: TokenKind, owner: &str, via: &str, now: u64) -> Token {
        let t = self.mint(kind, owner, via, now);
        let retire_at = now + self.options.grace_secs * 1000;
        let key = (kind, owner.to_owned(), via.to_owned());
        if let Some(prev) = self.current.insert(key, t.value.clone()) {
            if let Some(p) = self.tokens.get_mut(&prev) {
                retire(p, retire_at);
            }
        }
        t
    }

    /// 41001 missing, 40001 unknown / wrong kind / retired, 61003 authorisation cancelled,
    /// 42001 expired.
    fn check_token(
        &self,
        value: Option<&str>,
        allowed: &[TokenKind],
        now: u64,
    ) -> Result<Token, Value> {
        let value = value.ok_or_else(|| err(41001, "access_token missing"))?;
        let t = self
            .tokens
            .get(value)
            .filter(|t| allowed.contains(&t.kind))
            .ok_or_else(|| err(40001, INVALID_CREDENTIAL))?;
        if t.unauthorized {
            return Err(err(61003, NOT_AUTHORIZED));
        }
        if t.retire_ms.is_some_and(|r| r <= now) {
            return Err(err(40001, INVALID_CREDENTIAL));
        }
        if t.expires_ms <= now {
            return Err(err(42001, "access_token expired"));
        }
        Ok(t.clone())
    }

    // ----- dispatch ----------------------------------------------------------------------------

    pub fn api(&mut self, r: &ApiRequest, now: u64) -> ApiReply {
        let mut push = None;
        let result = match r.path {
            "/cgi-bin/token" => self.cgi_token(r, now),
            "/cgi-bin/stable_token" => self.stable_token(r, now),
            "/cgi-bin/ticket/getticket" => self.getticket(r, now),
            "/cgi-bin/get_api_domain_ip" => self.api_domain_ip(r, now),
            "/cgi-bin/user/info" => self.user_info(r, now),
            "/cgi-bin/clear_quota" => self.clear_quota(r, now),
            "/cgi-bin/clear_quota/v2" => self.clear_quota_v2(r),
            "/cgi-bin/component/api_start_push_ticket" => self.start_push_ticket(r, now, &mut push),
            "/cgi-bin/component/api_component_token" => self.component_token(r, now),
            "/cgi-bin/component/api_create_preauthcode" => self.create_preauthcode(r, now),
            "/cgi-bin/component/api_query_auth" => self.query_auth(r, now),
            "/cgi-bin/component/api_authorizer_token" => self.authorizer_token(r, now),
            "/cgi-bin/component/api_get_authorizer_info" => self.get_authorizer_info(r, now),
            "/cgi-bin/component/api_get_authorizer_list" => self.get_authorizer_list(r, now),
            "/cgi-bin/component/api_get_authorizer_option" => {
                self.authorizer_option_old(r, now, false)
            }
            "/cgi-bin/component/api_set_authorizer_option" => {
                self.authorizer_option_old(r, now, true)
            }
            "/cgi-bin/component/get_authorizer_option" => self.authorizer_option_new(r, now, false),
            "/cgi-bin/component/set_authorizer_option" => self.authorizer_option_new(r, now, true),
            "/cgi-bin/component/clear_quota" => self.component_clear_quota(r, now),
            "/cgi-bin/component/clear_quota/v2" => self.component_clear_quota_v2(r),
            "/sns/oauth2/component/access_token" => self.sns_code_exchange(r, now, true),
            "/sns/oauth2/component/refresh_token" => self.sns_refresh(r, now, true),
            "/sns/oauth2/access_token" => self.sns_code_exchange(r, now, false),
            "/sns/oauth2/refresh_token" => self.sns_refresh(r, now, false),
            "/sns/userinfo" => self.sns_userinfo(r, now),
            "/sns/auth" => self.sns_auth(r, now),
            "/sns/component/jscode2session" => self.jscode2session(r, now, true),
            "/sns/jscode2session" => self.jscode2session(r, now, false),
            p if p.starts_with("/cgi-bin/service/") && wecom::ROUTES.contains(&p) => {
                self.wecom_api(r, now)
            }
            "/cgi-bin/gettoken" => self.wecom_gettoken(r, now),
            p if (r.method == "GET" || r.method == "POST")
                && p.starts_with("/cgi-bin/")
                && wecom::carries_wecom_token(r) =>
            {
                self.wecom_echo(r, now)
            }
            p if (r.method == "GET" || r.method == "POST")
                && ["/cgi-bin/", "/wxa/", "/datacube/"]
                    .iter()
                    .any(|prefix| p.starts_with(prefix)) =>
            {
                self.echo(r, now)
            }
            p => {
                return ApiReply {
                    status: 404,
                    body: json!({
                        "errcode": 40066,
                        "errmsg": format!("invalid url (weixinkit-sim has no route for {p})"),
                    }),
                    push: None,
                }
            }
        };
        ApiReply {
            status: 200,
            body: result.unwrap_or_else(|e| e),
            push,
        }
    }

    // ----- Official Account / generic ----------------------------------------------------------

    fn account_secret_check(
        &self,
        appid: Option<&str>,
        secret: Option<&str>,
    ) -> Result<String, Value> {
        let appid = appid.ok_or_else(|| err(41002, "appid missing"))?;
        let secret = secret.ok_or_else(|| err(41004, "appsecret missing"))?;
        let app = self
            .apps
            .get(appid)
            .ok_or_else(|| err(40013, "invalid appid"))?;
        if !matches!(
            app.kind,
            AppKind::OfficialAccount | AppKind::MiniProgram | AppKind::Component
        ) {
            return Err(err(40013, "invalid appid"));
        }
        if app.kind == AppKind::Component {
            return Err(err(
                61024,
                "must use api(api_component_token) to get token for component acct",
            ));
        }
        if app.secret != secret {
            return Err(err(40001, "AppSecret error or access_token is invalid"));
        }
        Ok(appid.to_owned())
    }

    fn cgi_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("GET")?;
        if r.q("grant_type") != Some("client_credential") {
            return Err(err(40002, "invalid grant_type"));
        }
        let appid = self.account_secret_check(r.q("appid"), r.q("secret"))?;
        let t = self.rotate(TokenKind::AccessToken, &appid, "", now);
        Ok(json!({"access_token": t.value, "expires_in": self.options.expires_in}))
    }

    fn stable_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("POST")?;
        let body = r.json()?;
        if field(&body, "grant_type") != Some("client_credential") {
            return Err(err(40002, "invalid grant_type"));
        }
        let appid = self.account_secret_check(field(&body, "appid"), field(&body, "secret"))?;
        let force = body
            .get("force_refresh")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let key = (TokenKind::StableToken, appid.clone(), String::new());
        let min_life_ms = self
            .options
            .stable_min_life
            .unwrap_or_else(|| 300.min(self.options.expires_in / 2))
            * 1000;
        if let Some(cur) = self.current.get(&key).and_then(|v| self.tokens.get(v)) {
            let alive = cur.retire_ms.is_none_or(|r| r > now) && !cur.unauthorized;
            if !force && alive && cur.expires_ms > now + min_life_ms {
                return Ok(json!({
                    "access_token": cur.value,
                    "expires_in": (cur.expires_ms - now) / 1000,
                }));
            }
        }
        if force {
            if let Some(prev) = self.current.get(&key).cloned() {
                if let Some(p) = self.tokens.get_mut(&prev) {
                    retire(p, now);
                }
            }
        }
        // Normal mode swaps near expiry and leaves the old token valid until it expires.
        let t = self.mint(TokenKind::StableToken, &appid, "", now);
        self.current.insert(key, t.value.clone());
        Ok(json!({"access_token": t.value, "expires_in": self.options.expires_in}))
    }

    fn getticket(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("GET")?;
        let t = self.check_token(r.q("access_token"), API_TOKENS, now)?;
        let kind = match r.q("type") {
            Some("jsapi") => TokenKind::JsapiTicket,
            Some("wx_card") => TokenKind::WxCardTicket,
            _ => return Err(err(40097, "invalid args: type must be jsapi or wx_card")),
        };
        let ticket = self.rotate(kind, &t.owner, &t.via, now);
        Ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "ticket": ticket.value,
            "expires_in": self.options.expires_in,
        }))
    }

    fn api_domain_ip(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("GET")?;
        self.check_token(r.q("access_token"), SERVER_TOKENS, now)?;
        Ok(json!({"ip_list": ["127.0.0.1"]}))
    }

    fn user_info(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("GET")?;
        let t = self.check_token(r.q("access_token"), API_TOKENS, now)?;
        let openid = r.q("openid").ok_or_else(|| err(41009, "missing openid"))?;
        // Openids are `o` + 27 characters on WeChat; the sim only insists on the `o`.
        if !openid.starts_with('o') {
            return Err(err(40003, "invalid openid"));
        }
        if self
            .not_following
            .contains(&(t.owner.clone(), openid.to_owned()))
        {
            // Not following: nothing but the openid comes back.
            return Ok(json!({"subscribe": 0, "openid": openid}));
        }
        Ok(json!({
            "subscribe": 1,
            "openid": openid,
            "nickname": "Sim User",
            "sex": 0,
            "language": r.q("lang").unwrap_or("zh_CN"),
            "city": "Shenzhen",
            "province": "Guangdong",
            "country": "CN",
            "headimgurl": "",
            "subscribe_time": 1700000000,
            "unionid": unionid(openid),
            "remark": "",
            "groupid": 0,
            "tagid_list": [],
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0,
            "qr_scene_str": "",
        }))
    }

    fn use_clear_quota(&mut self, appid: &str) -> ApiResult {
        let used = self.clear_quota_used.entry(appid.to_owned()).or_default();
        if *used >= CLEAR_QUOTA_PER_MONTH {
            return Err(err(
                48006,
                "forbid to clear quota because of reaching the limit",
            ));
        }
        *used += 1;
        Ok(ok())
    }

    fn clear_quota(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("POST")?;
        let t = self.check_token(r.q("access_token"), SERVER_TOKENS, now)?;
        let body = r.json()?;
        let appid = field(&body, "appid").ok_or_else(|| err(41002, "appid missing"))?;
        if appid != t.owner {
            return Err(err(
                40013,
                "invalid appid: it does not match the access_token",
            ));
        }
        self.use_clear_quota(appid)
    }

    fn clear_quota_v2(&mut self, r: &ApiRequest) -> ApiResult {
        r.need("POST")?;
        // Newer docs put appid/appsecret in the body, older ones in the query: take both.
        let body = r.json().unwrap_or_default();
        let appid = field(&body, "appid")
            .or_else(|| r.q("appid"))
            .ok_or_else(|| err(41002, "appid missing"))?
            .to_owned();
        let secret = field(&body, "appsecret")
            .or_else(|| r.q("appsecret"))
            .ok_or_else(|| err(41004, "appsecret missing"))?;
        let app = self
            .apps
            .get(&appid)
            .ok_or_else(|| err(40013, "invalid appid"))?;
        if app.secret != secret {
            return Err(err(40125, "invalid appsecret"));
        }
        self.use_clear_quota(&appid)
    }

    fn echo(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let token = r
            .q("access_token")
            .or_else(|| r.q("component_access_token"));
        let allowed = if r.path.starts_with("/cgi-bin/component/") || r.path.starts_with("/wxa/") {
            SERVER_TOKENS
        } else {
            API_TOKENS
        };
        self.check_token(token, allowed, now)?;
        let body = serde_json::from_slice::<Value>(r.body).unwrap_or(Value::Null);
        Ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "echo": {"method": r.method, "path": r.path, "query": r.query, "body": body},
        }))
    }

    // ----- Open Platform: component ------------------------------------------------------------

    fn component_secret_check(
        &self,
        appid: Option<&str>,
        secret: Option<&str>,
    ) -> Result<String, Value> {
        let appid = appid.ok_or_else(|| err(41002, "appid missing"))?;
        let secret = secret.ok_or_else(|| err(41004, "appsecret missing"))?;
        let app = self
            .apps
            .get(appid)
            .ok_or_else(|| err(40013, "invalid appid"))?;
        if app.kind != AppKind::Component {
            return Err(err(61011, "invalid component"));
        }
        if app.secret != secret {
            return Err(err(40125, "invalid appsecret"));
        }
        Ok(appid.to_owned())
    }

    /// Token (`component_access_token=` or `access_token=`), body, and the body's
    /// `component_appid` matching the token's owner.
    fn component_call(&self, r: &ApiRequest, now: u64) -> Result<(String, Obj), Value> {
        r.need("POST")?;
        let token = r
            .q("component_access_token")
            .or_else(|| r.q("access_token"));
        let t = self.check_token(token, &[TokenKind::ComponentAccessToken], now)?;
        let body = r.json()?;
        let comp = field(&body, "component_appid")
            .ok_or_else(|| err(41002, "appid missing (component_appid)"))?;
        if comp != t.owner {
            return Err(err(
                40013,
                "invalid appid: component_appid does not match the component_access_token",
            ));
        }
        Ok((t.owner, body))
    }

    fn active_auth(&self, comp: &str, authorizer: &str) -> Result<&Authorization, Value> {
        self.authorizations
            .get(&(comp.to_owned(), authorizer.to_owned()))
            .filter(|a| a.active)
            .ok_or_else(|| err(61003, NOT_AUTHORIZED))
    }

    fn start_push_ticket(
        &mut self,
        r: &ApiRequest,
        now: u64,
        push: &mut Option<Push>,
    ) -> ApiResult {
        r.need("POST")?;
        let body = r.json()?;
        let comp = self.component_secret_check(
            field(&body, "component_appid"),
            field(&body, "component_secret"),
        )?;
        let (_, p) = self
            .mint_verify_ticket(&comp, now)
            .map_err(|e| err(-1, &e.to_string()))?;
        *push = p;
        Ok(ok())
    }

    fn component_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        r.need("POST")?;
        let body = r.json()?;
        let comp = self.component_secret_check(
            field(&body, "component_appid"),
            field(&body, "component_appsecret"),
        )?;
        let ticket = field(&body, "component_verify_ticket")
            .ok_or_else(|| err(61006, "component ticket is invalid"))?;
        let known = self
            .verify_tickets
            .get(&comp)
            .and_then(|ts| ts.iter().find(|t| t.value == ticket))
            .ok_or_else(|| err(61006, "component ticket is invalid"))?;
        if now.saturating_sub(known.issued_ms) >= self.options.ticket_ttl_secs * 1000 {
            return Err(err(61005, "component ticket is expired"));
        }
        let t = self.rotate(TokenKind::ComponentAccessToken, &comp, "", now);
        Ok(json!({"component_access_token": t.value, "expires_in": self.options.expires_in}))
    }

    fn create_preauthcode(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let (comp, _) = self.component_call(r, now)?;
        let code = format!("preauthcode@@@{}", random_alnum(48));
        self.pre_auth_codes.insert(
            code.clone(),
            PreAuthCode {
                component: comp,
                expires_ms: now + PRE_AUTH_CODE_TTL_SECS * 1000,
            },
        );
        Ok(json!({"pre_auth_code": code, "expires_in": PRE_AUTH_CODE_TTL_SECS}))
    }

    fn query_auth(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let (comp, body) = self.component_call(r, now)?;
        let code_value =
            field(&body, "authorization_code").ok_or_else(|| err(61009, "code is invalid"))?;
        let code = self
            .auth_codes
            .get_mut(code_value)
            .filter(|c| c.component == comp && !c.used)
            .ok_or_else(|| err(61009, "code is invalid"))?;
        if code.expires_ms <= now {
            return Err(err(61010, "code is expired"));
        }
        code.used = true;
        let authorizer = code.authorizer.clone();
        let auth = self
            .authorizations
            .get_mut(&(comp.clone(), authorizer.clone()))
            .filter(|a| a.active)
            .ok_or_else(|| err(61009, "code is invalid"))?;
        auth.exchanged = true;
        let refresh = auth.refresh_token.clone();
        let funcs = func_info(&auth.func_ids);
        let t = self.rotate(TokenKind::AuthorizerAccessToken, &authorizer, &comp, now);
        Ok(json!({"authorization_info": {
            "authorizer_appid": authorizer,
            "authorizer_access_token": t.value,
            "expires_in": self.options.expires_in,
            "authorizer_refresh_token": refresh,
            "func_info": funcs,
        }}))
    }

    fn authorizer_token(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let (comp, body) = self.component_call(r, now)?;
        let authorizer = field(&body, "authorizer_appid")
            .ok_or_else(|| err(41002, "appid missing (authorizer_appid)"))?
            .to_owned();
        let presented = field(&body, "authorizer_refresh_token")
            .ok_or_else(|| err(61023, "refresh_token is invalid"))?
            .to_owned();
        self.active_auth(&comp, &authorizer)?;
        let valid = self.refresh_tokens.get(&presented).is_some_and(|rt| {
            rt.component == comp
                && rt.authorizer == authorizer
                && rt.retire_ms.is_none_or(|r| r > now)
        });
        if !valid {
            return Err(err(61023, "refresh_token is invalid"));
        }
        let t = self.rotate(TokenKind::AuthorizerAccessToken, &authorizer, &comp, now);
        let rotate = self.options.rotate_refresh_token;
        let retire_at = now + self.options.grace_secs * 1000;
        let new_refresh = rotate.then(|| format!("refreshtoken@@@{}", random_alnum(43)));
        let key = (comp.clone(), authorizer.clone());
        let auth = self.authorizations.get_mut(&key).expect("checked above");
        auth.exchanged = true;
        if let Some(new) = &new_refresh {
            if let Some(old) = auth.refresh_token.replace(new.clone()) {
                if let Some(rt) = self.refresh_tokens.get_mut(&old) {
                    rt.retire_ms = Some(rt.retire_ms.map_or(retire_at, |r| r.min(retire_at)));
                }
            }
            self.refresh_tokens.insert(
                new.clone(),
                RefreshToken {
                    component: comp,
                    authorizer,
                    retire_ms: None,
                },
            );
        }
        let refresh = new_refresh.or_else(|| auth.refresh_token.clone());
        Ok(json!({
            "authorizer_access_token": t.value,
            "expires_in": self.options.expires_in,
            "authorizer_refresh_token": refresh.unwrap_or(presented),
        }))
    }

    fn get_authorizer_info(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let (comp, body) = self.component_call(r, now)?;
        let authorizer = field(&body, "authorizer_appid")
            .ok_or_else(|| err(41002, "appid missing (authorizer_appid)"))?;
        let auth = self.active_auth(&comp, authorizer)?;
        let mini = self
            .apps
            .get(authorizer)
            .is_some_and(|a| a.kind == AppKind::MiniProgram);
        let mut info = json!({
            "nick_name": format!("Sim {authorizer}"),
            "head_img": "",
            "service_type_info": {"id": if mini { 0 } else { 2 }},
            "verify_type_info": {"id": 0},
            "user_name": format!("gh_{}", &sha1_sorted(&[authorizer])[..12]),
            "alias": "",
            "qrcode_url": "",
            "principal_name": "weixinkit-sim",
            "business_info": {"open_pay": 0, "open_shake": 0, "open_scan": 0, "open_card": 0, "open_store": 0},
            "account_status": 1,
            "signature": "A simulated account",
        });
        if mini {
            info["MiniProgramInfo"] = json!({
                "network": {"RequestDomain": [], "WsRequestDomain": [], "UploadDomain": [],
                            "DownloadDomain": [], "UDPDomain": [], "BizDomain": []},
                "categories": [],
                "visit_status": 0,
            });
        }
        Ok(json!({
            "authorizer_info": info,
            "authorization_info": {
                "authorizer_appid": authorizer,
                "authorizer_refresh_token": auth.refresh_token,
                "func_info": func_info(&auth.func_ids),
            },
        }))
    }

    fn get_authorizer_list(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let (comp, body) = self.component_call(r, now)?;
        let offset = body.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
        let count = body.get("count").and_then(Value::as_u64).unwrap_or(500);
        if count == 0 || count > 500 {
            return Err(err(40097, "invalid args: count must be 1..=500"));
        }
        let mut all: Vec<(&String, &Authorization)> = self
            .authorizations
            .iter()
            .filter(|((c, _), a)| *c == comp && a.active)
            .map(|((_, authorizer), a)| (authorizer, a))
            .collect();
        all.sort_by(|(x, a), (y, b)| (a.auth_time, x).cmp(&(b.auth_time, y)));
        let list: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(count as usize)
            .map(|(appid, a)| {
                let mut entry = json!({"authorizer_appid": appid, "auth_time": a.auth_time});
                if a.exchanged {
                    entry["refresh_token"] = json!(a.refresh_token);
                }
                entry
            })
            .collect();
        Ok(json!({"total_count": all.len(), "list": list}))
    }

    /// Validate an option name (and value, when setting): 40097 otherwise.
    fn check_option(name: Option<&str>, value: Option<&str>) -> Result<String, Value> {
        let name = name.ok_or_else(|| err(40097, "invalid args: option_name missing"))?;
        let (_, allowed) = AUTHORIZER_OPTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| err(40097, "invalid args: unknown option_name"))?;
        if let Some(v) = value {
            if !allowed.contains(&v) {
                return Err(err(40097, "invalid args: bad option_value"));
            }
        }
        Ok(name.to_owned())
    }

    fn option_access(
        &mut self,
        comp: &str,
        authorizer: &str,
        body: &Obj,
        set: bool,
    ) -> Result<(String, String), Value> {
        let value = if set {
            Some(
                field_text(body, "option_value")
                    .ok_or_else(|| err(40097, "invalid args: option_value missing"))?,
            )
        } else {
            None
        };
        let name = Self::check_option(field(body, "option_name"), value.as_deref())?;
        self.active_auth(comp, authorizer)?;
        let auth = self
            .authorizations
            .get_mut(&(comp.to_owned(), authorizer.to_owned()))
            .expect("checked above");
        if let Some(v) = value {
            auth.options.insert(name.clone(), v);
        }
        let current = auth
            .options
            .get(&name)
            .cloned()
            .unwrap_or_else(|| "0".into());
        Ok((name, current))
    }

    fn authorizer_option_old(&mut self, r: &ApiRequest, now: u64, set: bool) -> ApiResult {
        let (comp, body) = self.component_call(r, now)?;
        let authorizer = field(&body, "authorizer_appid")
            .ok_or_else(|| err(41002, "appid missing (authorizer_appid)"))?
            .to_owned();
        let (name, value) = self.option_access(&comp, &authorizer, &body, set)?;
        if set {
            return Ok(ok());
        }
        Ok(json!({"authorizer_appid": authorizer, "option_name": name, "option_value": value}))
    }

    fn authorizer_option_new(&mut self, r: &ApiRequest, now: u64, set: bool) -> ApiResult {
        r.need("POST")?;
        let t = self.check_token(
            r.q("access_token"),
            &[TokenKind::AuthorizerAccessToken],
            now,
        )?;
        let body = r.json()?;
        let (name, value) = self.option_access(&t.via, &t.owner, &body, set)?;
        if set {
            return Ok(ok());
        }
        Ok(json!({"errcode": 0, "errmsg": "ok", "option_name": name, "option_value": value}))
    }

    fn component_clear_quota(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let (comp, _) = self.component_call(r, now)?;
        self.use_clear_quota(&comp)
    }

    fn component_clear_quota_v2(&mut self, r: &ApiRequest) -> ApiResult {
        r.need("POST")?;
        let body = r.json()?;
        let comp = self
            .component_secret_check(field(&body, "component_appid"), field(&body, "appsecret"))?;
        let target = match field(&body, "appid") {
            None => comp,
            Some(a) => {
                self.active_auth(&comp, a)
                    .map_err(|_| err(40013, "invalid appid: not authorized to this component"))?;
                a.to_owned()
            }
        };
        self.use_clear_quota(&target)
    }

    // ----- sns (user OAuth, mini program login) ------------------------------------------------

    /// For the `/sns/.../component/...` forms: the component token, `component_appid` matching
    /// it, and `appid` authorised to it. For the plain forms: `appid` + `secret`.
    fn sns_caller(&self, r: &ApiRequest, now: u64, component: bool) -> Result<String, Value> {
        let appid = r.q("appid").ok_or_else(|| err(41002, "appid missing"))?;
        if component {
            let t = self.check_token(
                r.q("component_access_token"),
                &[TokenKind::ComponentAccessToken],
                now,
            )?;
            let comp = r
                .q("component_appid")
                .ok_or_else(|| err(41002, "appid missing (component_appid)"))?;
            if comp != t.owner {
                return Err(err(
                    40013,
                    "invalid appid: component_appid does not match the component_access_token",
                ));
            }
            self.active_auth(comp, appid)?;
            Ok(t.owner)
        } else {
            let secret = r
                .q("secret")
                .ok_or_else(|| err(41004, "appsecret missing"))?;
            let app = self
                .apps
                .get(appid)
                .ok_or_else(|| err(40013, "invalid appid"))?;
            if app.secret != secret {
                return Err(err(40125, "invalid appsecret"));
            }
            Ok(String::new())
        }
    }

    /// Consume a user code: 41008 missing, 40029 unknown / other app, 40163 used, 42003 expired.
    fn take_oauth_code(
        &mut self,
        code: Option<&str>,
        appid: &str,
        now: u64,
    ) -> Result<(String, String), Value> {
        let code = code.ok_or_else(|| err(41008, "missing code"))?;
        let rec = self
            .oauth_codes
            .get_mut(code)
            .filter(|c| c.appid == appid)
            .ok_or_else(|| err(40029, "invalid code"))?;
        if rec.used {
            return Err(err(40163, "code been used"));
        }
        if rec.expires_ms <= now {
            return Err(err(42003, "code expired"));
        }
        rec.used = true;
        Ok((rec.openid.clone(), rec.scope.clone()))
    }

    fn sns_token_json(
        &mut self,
        appid: &str,
        via: &str,
        openid: &str,
        scope: &str,
        refresh: &str,
        now: u64,
    ) -> Value {
        let mut t = self.mint(TokenKind::SnsAccessToken, appid, via, now);
        t.openid = Some(openid.to_owned());
        t.scope = Some(scope.to_owned());
        self.tokens.insert(t.value.clone(), t.clone());
        let mut v = json!({
            "access_token": t.value,
            "expires_in": self.options.expires_in,
            "refresh_token": refresh,
            "openid": openid,
            "scope": scope,
        });
        if scope.contains("snsapi_userinfo") {
            v["unionid"] = json!(unionid(openid));
        }
        v
    }

    fn sns_code_exchange(&mut self, r: &ApiRequest, now: u64, component: bool) -> ApiResult {
        r.need("GET")?;
        let via = self.sns_caller(r, now, component)?;
        if r.q("grant_type") != Some("authorization_code") {
            return Err(err(40002, "invalid grant_type"));
        }
        let appid = r.q("appid").unwrap_or_default().to_owned();
        let (openid, scope) = self.take_oauth_code(r.q("code"), &appid, now)?;
        let refresh = format!("REFRESH_{}", random_alnum(40));
        self.sns_refresh.insert(
            refresh.clone(),
            SnsRefresh {
                appid: appid.clone(),
                openid: openid.clone(),
                scope: scope.clone(),
                expires_ms: now + SNS_REFRESH_TTL_SECS * 1000,
            },
        );
        Ok(self.sns_token_json(&appid, &via, &openid, &scope, &refresh, now))
    }

    fn sns_refresh(&mut self, r: &ApiRequest, now: u64, component: bool) -> ApiResult {
        r.need("GET")?;
        let appid = r.q("appid").ok_or_else(|| err(41002, "appid missing"))?;
        let via = if component {
            self.sns_caller(r, now, true)?
        } else {
            String::new()
        };
        if r.q("grant_type") != Some("refresh_token") {
            return Err(err(40002, "invalid grant_type"));
        }
        let refresh = r
            .q("refresh_token")
            .ok_or_else(|| err(40030, "invalid refresh_token"))?;
        let rec = self
            .sns_refresh
            .get(refresh)
            .filter(|s| s.appid == appid)
            .ok_or_else(|| err(40030, "invalid refresh_token"))?;
        if rec.expires_ms <= now {
            return Err(err(42002, "refresh_token expired"));
        }
        let (appid, openid, scope) = (rec.appid.clone(), rec.openid.clone(), rec.scope.clone());
        let refresh = refresh.to_owned();
        Ok(self.sns_token_json(&appid, &via, &openid, &scope, &refresh, now))
    }

    fn sns_user(&self, r: &ApiRequest, now: u64) -> Result<Token, Value> {
        r.need("GET")?;
        let t = self.check_token(r.q("access_token"), &[TokenKind::SnsAccessToken], now)?;
        let openid = r.q("openid").ok_or_else(|| err(41009, "missing openid"))?;
        if t.openid.as_deref() != Some(openid) {
            return Err(err(40003, "invalid openid"));
        }
        Ok(t)
    }

    fn sns_userinfo(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        let t = self.sns_user(r, now)?;
        // An Official Account's consent scope, or a website app's login: a `snsapi_base`
        // token reads nothing but the openid (48001).
        let profile_scope = t
            .scope
            .as_deref()
            .unwrap_or("")
            .split(',')
            .any(|s| matches!(s, "snsapi_userinfo" | "snsapi_login"));
        if !profile_scope {
            return Err(err(48001, "api unauthorized"));
        }
        let openid = t.openid.unwrap_or_default();
        Ok(json!({
            "openid": openid,
            "nickname": "Sim User",
            "sex": 0,
            "province": "Guangdong",
            "city": "Shenzhen",
            "country": "CN",
            "headimgurl": "",
            "privilege": [],
            "unionid": unionid(&openid),
        }))
    }

    fn sns_auth(&mut self, r: &ApiRequest, now: u64) -> ApiResult {
        self.sns_user(r, now)?;
        Ok(ok())
    }

    fn jscode2session(&mut self, r: &ApiRequest, now: u64, component: bool) -> ApiResult {
        r.need("GET")?;
        self.sns_caller(r, now, component)?;
        if r.q("grant_type") != Some("authorization_code") {
            return Err(err(40002, "invalid grant_type"));
        }
        let appid = r.q("appid").unwrap_or_default().to_owned();
        let (openid, _) = self
            .take_oauth_code(r.q("js_code"), &appid, now)
            .map_err(|e| match e["errcode"].as_i64() {
                Some(42003) => err(40029, "invalid code"), // js_code: expired is just invalid
                _ => e,
            })?;
        let mut key = [0u8; 16];
        crate::fill_random(&mut key);
        Ok(json!({
            "openid": openid,
            "session_key": crate::b64(&key),
            "unionid": unionid(&openid),
        }))
    }

    // ----- control side of the Open Platform flow ----------------------------------------------

    fn component_app(&self, comp: &str) -> Result<&App, SimError> {
        self.apps
            .get(comp)
            .filter(|a| a.kind == AppKind::Component)
            .ok_or_else(|| SimError::new(format!("{comp} is not a known component")))
    }

    /// Encrypt a platform push for `comp`; `None` when the component has no token/key.
    fn build_push(&self, comp: &str, plaintext: String, now: u64) -> Option<Push> {
        let app = self.apps.get(comp)?;
        let token = app.token.as_deref()?;
        let crypto = PushCrypto::new(token, app.encoding_aes_key.as_deref()?, comp).ok()?;
        let timestamp = (now / 1000).to_string();
        let nonce = random_digits(10);
        let encrypt = crypto.encrypt(&plaintext);
        let query = PushQuery {
            signature: crypto.signature(&timestamp, &nonce),
            msg_signature: crypto.msg_signature(&timestamp, &nonce, &encrypt),
            timestamp,
            nonce,
            encrypt_type: "aes".into(),
        };
        let url = app.callback_url.as_ref().map(|u| {
            let sep = if u.contains('?') { '&' } else { '?' };
            format!(
                "{u}{sep}signature={}&timestamp={}&nonce={}&encrypt_type=aes&msg_signature={}",
                query.signature, query.timestamp, query.nonce, query.msg_signature
            )
        });
        Some(Push {
            url,
            query,
            body: format!(
                "<xml><AppId><![CDATA[{comp}]]></AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            ),
            plaintext,
        })
    }

    pub fn mint_verify_ticket(
        &mut self,
        comp: &str,
        now: u64,
    ) -> Result<(String, Option<Push>), SimError> {
        self.component_app(comp)?;
        let ticket = format!("ticket@@@{}", random_alnum(86));
        let list = self.verify_tickets.entry(comp.to_owned()).or_default();
        list.push(VerifyTicket {
            value: ticket.clone(),
            issued_ms: now,
        });
        if list.len() > 2 {
            list.remove(0);
        }
        let plain = format!(
            "<xml><AppId><![CDATA[{comp}]]></AppId><CreateTime>{}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[{ticket}]]></ComponentVerifyTicket></xml>",
            now / 1000
        );
        let push = self.build_push(comp, plain, now);
        Ok((ticket, push))
    }

    pub fn latest_verify_ticket(&self, comp: &str) -> Option<String> {
        self.verify_tickets
            .get(comp)
            .and_then(|l| l.last())
            .map(|t| t.value.clone())
    }

    /// Returns (authorization_code, code expiry in unix seconds, InfoType, push).
    pub fn authorize(
        &mut self,
        req: &AuthorizeRequest,
        now: u64,
    ) -> Result<(String, u64, &'static str, Option<Push>), SimError> {
        let comp = req.component_appid.as_str();
        let authorizer = req.authorizer_appid.as_str();
        self.component_app(comp)?;
        if authorizer.is_empty() || authorizer == comp {
            return Err(SimError::new(
                "authorizer_appid must be set and differ from component_appid",
            ));
        }
        if let Some(code) = req.pre_auth_code.as_deref().filter(|c| !c.is_empty()) {
            match self.pre_auth_codes.get(code) {
                Some(p) if p.component == comp && p.expires_ms > now => {}
                Some(p) if p.component == comp => {
                    return Err(SimError::new(format!("pre_auth_code {code} has expired")))
                }
                _ => {
                    return Err(SimError::new(format!(
                        "pre_auth_code {code} was not issued to {comp}"
                    )))
                }
            }
        }
        let retire_at = now + self.options.grace_secs * 1000;
        let auth = self
            .authorizations
            .entry((comp.to_owned(), authorizer.to_owned()))
            .or_default();
        let was_active = auth.active;
        // A fresh authorisation (or a repeated one) gets a new refresh token; an update keeps it.
        if !was_active || !req.update {
            if let Some(old) = auth.refresh_token.take() {
                if let Some(rt) = self.refresh_tokens.get_mut(&old) {
                    rt.retire_ms = Some(rt.retire_ms.map_or(retire_at, |r| r.min(retire_at)));
                }
            }
            let rt = format!("refreshtoken@@@{}", random_alnum(43));
            self.refresh_tokens.insert(
                rt.clone(),
                RefreshToken {
                    component: comp.to_owned(),
                    authorizer: authorizer.to_owned(),
                    retire_ms: None,
                },
            );
            auth.refresh_token = Some(rt);
            auth.exchanged = false;
            auth.auth_time = now / 1000;
        }
        auth.active = true;
        auth.func_ids = match (&req.func_ids, was_active && req.update) {
            (Some(ids), _) => ids.clone(),
            (None, true) => std::mem::take(&mut auth.func_ids),
            (None, false) => DEFAULT_FUNC_IDS.to_vec(),
        };
        let code = format!("queryauthcode@@@{}", random_alnum(64));
        let expires_ms = now + self.options.auth_code_ttl_secs * 1000;
        self.auth_codes.insert(
            code.clone(),
            AuthCode {
                component: comp.to_owned(),
                authorizer: authorizer.to_owned(),
                expires_ms,
                used: false,
            },
        );
        let info_type = if req.update {
            "updateauthorized"
        } else {
            "authorized"
        };
        let plain = format!(
            "<xml><AppId><![CDATA[{comp}]]></AppId><CreateTime>{}</CreateTime><InfoType><![CDATA[{info_type}]]></InfoType><AuthorizerAppid><![CDATA[{authorizer}]]></AuthorizerAppid><AuthorizationCode><![CDATA[{code}]]></AuthorizationCode><AuthorizationCodeExpiredTime>{}</AuthorizationCodeExpiredTime><PreAuthCode><![CDATA[{}]]></PreAuthCode></xml>",
            now / 1000,
            expires_ms / 1000,
            req.pre_auth_code.as_deref().unwrap_or(""),
        );
        let push = self.build_push(comp, plain, now);
        Ok((code, expires_ms / 1000, info_type, push))
    }

    pub fn unauthorize(
        &mut self,
        comp: &str,
        authorizer: &str,
        now: u64,
    ) -> Result<Option<Push>, SimError> {
        self.component_app(comp)?;
        let auth = self
            .authorizations
            .get_mut(&(comp.to_owned(), authorizer.to_owned()))
            .filter(|a| a.active)
            .ok_or_else(|| SimError::new(format!("{authorizer} has not authorized {comp}")))?;
        auth.active = false;
        auth.refresh_token = None;
        auth.exchanged = false;
        auth.options.clear();
        let mine = |c: &str, a: &str| c == comp && a == authorizer;
        self.refresh_tokens
            .retain(|_, rt| !mine(&rt.component, &rt.authorizer));
        self.auth_codes
            .retain(|_, c| !mine(&c.component, &c.authorizer));
        for t in self.tokens.values_mut() {
            if mine(&t.via, &t.owner) {
                t.unauthorized = true;
                retire(t, now);
            }
        }
        self.current.retain(|(_, owner, via), _| !mine(via, owner));
        let plain = format!(
            "<xml><AppId><![CDATA[{comp}]]></AppId><CreateTime>{}</CreateTime><InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[{authorizer}]]></AuthorizerAppid></xml>",
            now / 1000
        );
        Ok(self.build_push(comp, plain, now))
    }

    /// Record whether `openid` follows `appid` (what `cgi-bin/user/info` answers).
    pub fn set_following(&mut self, appid: &str, openid: &str, following: bool) {
        let key = (appid.to_owned(), openid.to_owned());
        if following {
            self.not_following.remove(&key);
        } else {
            self.not_following.insert(key);
        }
    }

    /// Make a code expired now (`42003` on exchange).
    pub fn expire_oauth_code(&mut self, code: &str, now: u64) -> bool {
        match self.oauth_codes.get_mut(code) {
            Some(rec) => {
                rec.expires_ms = now;
                true
            }
            None => false,
        }
    }

    pub fn oauth_code(
        &mut self,
        appid: &str,
        openid: Option<&str>,
        scope: Option<&str>,
        now: u64,
    ) -> Result<(String, String, String), SimError> {
        if appid.is_empty() {
            return Err(SimError::new("appid must be set"));
        }
        let code = format!("CODE_{}", random_alnum(32));
        let openid = openid
            .filter(|o| !o.is_empty())
            .map_or_else(|| format!("o{}", random_alnum(27)), str::to_owned);
        let scope = scope
            .filter(|s| !s.is_empty())
            .unwrap_or("snsapi_userinfo")
            .to_owned();
        self.oauth_codes.insert(
            code.clone(),
            OAuthCodeRec {
                appid: appid.to_owned(),
                openid: openid.clone(),
                scope: scope.clone(),
                expires_ms: now + OAUTH_CODE_TTL_SECS * 1000,
                used: false,
            },
        );
        Ok((code, openid, scope))
    }
}
