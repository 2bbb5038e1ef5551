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

use super::tokens::AuthorizerTokenSource;
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

    /// `cgi-bin/clear_quota` for this authorizer, with its own token.
    pub async fn clear_quota(&self) -> Result<()> {
        self.post_json("/cgi-bin/clear_quota", &json!({"appid": self.appid}))
            .await
            .map(|_| ())
    }
}
