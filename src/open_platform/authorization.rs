//! Authorization: pre-auth codes and links, the code exchange, refresh tokens (stored
//! durably, rotated before use, recovered from WeChat's list) and the authorizers' options.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt;

use crate::config::validate_id_arg;
use crate::http::{Host, Request};
use crate::official_account::fetched_from;
use crate::store::Kind;
use crate::token::Fetched;
use crate::{Error, Result};

use super::urls::authorization_url;
use super::Component;

/// What `api_query_auth` granted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all)
)]
// Kotlin's toString() is this Debug, which hides the tokens.
#[uniffi::export(Debug)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all)
)]
pub struct PreAuthCode {
    /// `preauthcode@@@…`
    pub pre_auth_code: String,
    /// Seconds.
    pub expires_in: i64,
}

/// Options of an authorization link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorizationUrlOptions {
    /// 1: Official Accounts only, 2: mini programs only, 3: both (WeChat's default).
    #[uniffi(default)]
    pub auth_type: Option<i32>,
    /// Only this account may authorize (excludes `auth_type`).
    #[uniffi(default)]
    pub biz_appid: Option<String>,
    /// Permission-set ids to request (`category_id_list=1|2`).
    #[uniffi(default)]
    pub category_id_list: Vec<i64>,
    /// The H5 page opened inside WeChat (`bindcomponent`) instead of the PC QR page.
    #[uniffi(default)]
    pub mobile: bool,
}

/// One page of `api_get_authorizer_list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all)
)]
pub struct AuthorizerList {
    /// Authorizers in all pages.
    pub total_count: i64,
    /// This page.
    pub list: Vec<AuthorizerListItem>,
}

/// One authorizer in [`AuthorizerList`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(module = "weixinkit._native", frozen, eq, get_all)
)]
// Kotlin's toString() is this Debug, which hides the tokens.
#[uniffi::export(Debug)]
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

fn query_map(body: &Value, field: &str) -> Option<String> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Component {
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
        validate_id_arg("authorizer_appid", &authorizer_appid)?;
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
        } else {
            self.forget_reauthorization(&auth.authorizer_appid).await?;
        }
        if let (Some(token), true) = (&auth.authorizer_access_token, auth.expires_in > 0) {
            let key = self.key(Kind::AuthorizerAccessToken, &auth.authorizer_appid);
            self.inner.tokens.put(&key, token, auth.expires_in).await?;
        }
        tracing::info!(
            authorizer_appid = auth.authorizer_appid.as_str(),
            refresh_token_stored = auth.authorizer_refresh_token.is_some(),
            access_token_cached = auth.authorizer_access_token.is_some() && auth.expires_in > 0,
            func_info = ?auth.func_info,
            "authorization stored (authorized / updateauthorized)"
        );
        Ok(auth)
    }

    /// The stored refresh token of an authorizer.
    pub async fn refresh_token(&self, authorizer_appid: &str) -> Result<Option<String>> {
        validate_id_arg("authorizer_appid", authorizer_appid)?;
        self.read_credential(&self.key(Kind::AuthorizerRefreshToken, authorizer_appid))
            .await
    }

    /// Store an authorizer's refresh token durably (e.g. one kept from another system); a
    /// remembered "must authorize again" is cleared.
    pub async fn store_refresh_token(
        &self,
        authorizer_appid: &str,
        refresh_token: &str,
    ) -> Result<()> {
        validate_id_arg("authorizer_appid", authorizer_appid)?;
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
        .await?;
        self.forget_reauthorization(authorizer_appid).await
    }

    /// Remove everything stored for an authorizer (after `unauthorized`).
    pub async fn forget_authorizer(&self, authorizer_appid: &str) -> Result<()> {
        validate_id_arg("authorizer_appid", authorizer_appid)?;
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
            .await?;
        tracing::info!(
            authorizer_appid,
            "authorizer forgotten: refresh token and access token removed (unauthorized)"
        );
        Ok(())
    }

    /// `api_authorizer_token` with a given refresh token; a rotated refresh token is written
    /// durably before this returns.
    pub(super) async fn exchange_refresh_token(
        &self,
        appid: &str,
        refresh_token: &str,
    ) -> Result<Fetched> {
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

    pub(super) async fn find_listed_refresh_token(&self, appid: &str) -> Result<Option<String>> {
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

    /// Every authorizer WeChat lists, through all pages of `api_get_authorizer_list`.
    pub async fn all_authorizers(&self) -> Result<Vec<AuthorizerListItem>> {
        let mut all = Vec::new();
        loop {
            let page = self.authorizer_list(all.len() as i64, 500).await?;
            let (total, empty) = (page.total_count, page.list.is_empty());
            all.extend(page.list);
            if empty || all.len() as i64 >= total {
                return Ok(all);
            }
        }
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
}
