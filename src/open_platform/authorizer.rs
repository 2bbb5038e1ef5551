//! Acting on behalf of an authorizer.

use std::fmt;

use serde_json::{json, Value};

use crate::api::{send_with_token, TokenCall};
use crate::config::validate_id_arg;
use crate::http::{Host, Method};
use crate::official_account::TOKEN_ERRORS;
use crate::store::Kind;
use crate::token::Token;
use crate::Result;

use crate::oauth::UserInfo;
use crate::official_account::{jsapi_ticket_from, keep_fresh_with, BackgroundRefresh, JsSdkConfig};
use crate::token::{Fetched, TokenSource};

use super::tokens::AuthorizerTokenSource;

struct AuthorizerTicketSource<'a>(&'a Authorizer);

#[async_trait::async_trait]
impl TokenSource for AuthorizerTicketSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let body = self
            .0
            .get("/cgi-bin/ticket/getticket", &[("type", "jsapi")])
            .await?;
        jsapi_ticket_from(&body)
    }
}
use super::Component;

impl Component {
    /// A client for an authorizer whose refresh token is stored (after `query_auth`, or the
    /// callback handler's `authorized` step): its token is refreshed automatically.
    pub fn authorizer(&self, authorizer_appid: &str) -> Result<Authorizer> {
        validate_id_arg("authorizer_appid", authorizer_appid)?;
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
        validate_id_arg("authorizer_appid", authorizer_appid)?;
        Ok(Authorizer {
            component: self.clone(),
            appid: authorizer_appid.to_string(),
            fixed: Some(access_token.to_string()),
        })
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
        match call.send(method, Host::Api, path, query, body).await {
            // The account no longer authorizes the platform: remember it.
            Err(crate::Error::Api {
                errcode: 61003,
                errmsg,
                ..
            }) => Err(c
                .remember_reauthorization(
                    &self.appid,
                    61003,
                    &format!("it no longer authorizes this platform ({errmsg})"),
                )
                .await?),
            other => other,
        }
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

    /// `cgi-bin/get_api_domain_ip`: the IP addresses WeChat's API servers use.
    pub async fn api_domain_ip(&self) -> Result<Vec<String>> {
        let endpoint = "/cgi-bin/get_api_domain_ip";
        let body = self.get(endpoint, &[]).await?;
        body.get("ip_list")
            .and_then(Value::as_array)
            .map(|ips| {
                ips.iter()
                    .filter_map(|ip| ip.as_str().map(str::to_string))
                    .collect()
            })
            .ok_or_else(|| crate::Error::Decode {
                endpoint: endpoint.into(),
                reason: "no ip_list".into(),
            })
    }

    /// Its JS-SDK `jsapi_ticket` (`cgi-bin/ticket/getticket` with its token), cached in the
    /// store like its token and fetched once for every caller sharing it.
    pub async fn jsapi_ticket(&self) -> Result<Token> {
        let source = AuthorizerTicketSource(self);
        let c = &self.component;
        c.inner
            .tokens
            .get(&c.key(Kind::JsapiTicket, &self.appid), &source)
            .await
    }

    /// Everything `wx.config` needs for the page at `url`, signed with its `jsapi_ticket`.
    pub async fn jssdk_config(&self, url: &str) -> Result<JsSdkConfig> {
        if url.is_empty() {
            return Err(crate::Error::invalid_argument("url is empty"));
        }
        let ticket = self.jsapi_ticket().await?;
        let timestamp = self.component.inner.tokens.clock().now();
        Ok(JsSdkConfig::signed(
            &self.appid,
            &ticket.value,
            timestamp,
            url,
        ))
    }

    /// Keep its access token fresh from a background task, as
    /// [`OfficialAccount::keep_fresh`](crate::OfficialAccount::keep_fresh) does (nothing to
    /// do for an authorizer with a fixed token: the task ends at once).
    pub fn keep_fresh(&self) -> BackgroundRefresh {
        let authorizer = self.clone();
        let c = &self.component;
        if self.fixed.is_some() {
            return keep_fresh_with(c.inner.tokens.clock().clone(), 0, || async {
                std::future::pending::<Result<Token>>().await
            });
        }
        keep_fresh_with(
            c.inner.tokens.clock().clone(),
            c.inner.config.tokens.refresh_margin_secs,
            move || {
                let authorizer = authorizer.clone();
                async move { authorizer.access_token().await }
            },
        )
    }

    /// `cgi-bin/user/info`: a user's follower record for this account.
    pub async fn user_info(&self, openid: &str) -> Result<UserInfo> {
        let endpoint = "/cgi-bin/user/info";
        if openid.is_empty() {
            return Err(crate::Error::invalid_argument("openid is empty"));
        }
        let body = self
            .get(endpoint, &[("openid", openid), ("lang", "zh_CN")])
            .await?;
        UserInfo::from_json(endpoint, &body)
    }

    /// `cgi-bin/clear_quota` for this authorizer, with its own token.
    pub async fn clear_quota(&self) -> Result<()> {
        self.post_json("/cgi-bin/clear_quota", &json!({"appid": self.appid}))
            .await
            .map(|_| ())
    }
}
