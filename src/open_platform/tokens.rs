//! The pushed ticket, the component token and authorizers' tokens (the token sources the
//! engine calls on a miss), and calls with the component token.

use serde_json::{json, Value};

use crate::api::TokenCall;
use crate::config::validate_id_arg;
use crate::http::{Host, Method, Request};
use crate::official_account::{fetched_from, TOKEN_ERRORS};
use crate::store::Kind;
use crate::token::{Fetched, Token, TokenSource};
use crate::{Error, Result};

use super::Component;

pub(super) struct ComponentTokenSource<'a>(&'a Component);

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
            }) => {
                // Whatever is stored is unusable (expired, or the token that just failed):
                // drop it, so the first call after a fresh ticket fetches at once instead of
                // spending a request on 40001. We hold the refresh lock here.
                c.inner.tokens.invalidate(&c.inner.token_key).await?;
                Err(Error::Ticket {
                    component_appid: appid.clone(),
                    errcode,
                    reason: format!("WeChat refused the stored ticket ({errcode}: {errmsg})"),
                })
            }
            Err(e) => Err(e),
        }
    }
}

pub(super) struct AuthorizerTokenSource<'a> {
    pub(super) component: &'a Component,
    pub(super) appid: &'a str,
}

#[async_trait::async_trait]
impl TokenSource for AuthorizerTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let c = self.component;
        if let Some(remembered) = c.remembered_reauthorization(self.appid).await? {
            return Err(remembered);
        }
        let refresh =
            c.refresh_token(self.appid)
                .await?
                .ok_or_else(|| Error::ReauthorizationNeeded {
                    authorizer_appid: self.appid.to_string(),
                    errcode: crate::codes::NOT_AUTHORIZED as i64,
                    reason: "no refresh token is stored for it".into(),
                })?;
        let result = match c.exchange_refresh_token(self.appid, &refresh).await {
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
        };
        match result {
            // Dead for good: remember it, so later calls do not ask WeChat again.
            Err(Error::ReauthorizationNeeded {
                errcode: errcode @ (61003 | 61023),
                reason,
                ..
            }) => Err(c
                .remember_reauthorization(self.appid, errcode, &reason)
                .await?),
            other => other,
        }
    }
}

impl Component {
    // --- ticket -------------------------------------------------------------------------

    /// Store a pushed `component_verify_ticket` durably (the callback handler does this).
    pub async fn store_verify_ticket(&self, ticket: &str) -> Result<()> {
        if ticket.is_empty() {
            return Err(Error::InvalidInput {
                code: crate::codes::INVALID_ARGUMENT,
                reason: "the ticket is empty".into(),
            });
        }
        self.write_credential(&self.inner.ticket_key, ticket)
            .await?;
        tracing::info!(
            component_appid = self.inner.config.component_app_id.as_str(),
            "component_verify_ticket stored"
        );
        Ok(())
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

    /// Keep the `component_access_token` fresh from a background task, as
    /// [`OfficialAccount::keep_fresh`](crate::OfficialAccount::keep_fresh) does for an
    /// account's token. Dropping the guard stops it.
    pub fn keep_fresh(&self) -> crate::official_account::BackgroundRefresh {
        let component = self.clone();
        crate::official_account::keep_fresh_with(
            self.inner.tokens.clock().clone(),
            self.inner.config.tokens.refresh_margin_secs,
            move || {
                let component = component.clone();
                async move { component.component_access_token().await }
            },
        )
    }

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

    pub(super) fn with_appid(&self, mut body: Value) -> Value {
        body["component_appid"] = json!(self.inner.config.component_app_id);
        body
    }

    /// An authorizer's access token, through the token manager, from its stored refresh token.
    pub async fn authorizer_access_token(&self, authorizer_appid: &str) -> Result<Token> {
        validate_id_arg("authorizer_appid", authorizer_appid)?;
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
}
