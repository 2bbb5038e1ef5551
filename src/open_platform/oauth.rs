//! Web OAuth for authorizer Official Accounts and mini program login, on their behalf.

use serde_json::Value;

use crate::http::{Host, Request};
use crate::Result;

use super::urls::{page_url, OPEN_BASE};
use super::Component;

impl Component {
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
        .map_err(crate::Error::for_code_exchange)
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
        .map_err(crate::Error::for_code_exchange)
    }
}
