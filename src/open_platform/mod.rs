//! The Open Platform third-party platform (开放平台第三方平台): the pushed ticket, the
//! component token, pre-auth codes and authorization links, the authorization exchange, the
//! authorizers' tokens from their durably stored refresh tokens, the callback handler, and
//! acting on behalf of an authorizer.

mod authorization;
mod authorizer;
mod callback;
mod oauth;
mod tokens;
pub(crate) mod urls;

use std::fmt;
use std::sync::Arc;

use crate::http::HttpClient;
use crate::store::{self, Key, Kind, Store, StoredCredential, StoredFailure};
use crate::token::{Clock, SystemClock, TokenManager};
use crate::{Error, MessageCrypto, Result};

pub use crate::config::ComponentConfig;
pub use authorization::{
    Authorization, AuthorizationUrlOptions, AuthorizerList, AuthorizerListItem, PreAuthCode,
};
pub use authorizer::Authorizer;
pub use callback::{CallbackRequest, CallbackResponse};
pub use urls::authorization_url;

/// A third-party platform client. Cheap to clone.
#[derive(Clone)]
pub struct Component {
    inner: Arc<Inner>,
}

struct Inner {
    config: ComponentConfig,
    http: HttpClient,
    tokens: TokenManager,
    crypto: MessageCrypto,
    ticket_key: Key,
    token_key: Key,
}

impl fmt::Debug for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Component")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Component {
    /// A client with the store its configuration names.
    pub fn new(config: ComponentConfig) -> Result<Self> {
        let store = store::open(&config.store)?;
        Self::with_store(config, store, Arc::new(SystemClock))
    }

    /// A client over a given store and clock.
    pub fn with_store(
        config: ComponentConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(config.http.clone())?;
        let crypto = MessageCrypto::new(
            &config.token,
            &config.encoding_aes_key,
            config.component_app_id.as_str(),
        )?;
        let appid = &config.component_app_id;
        let prefix = &config.tokens.key_prefix;
        let ticket_key = Key::new(prefix, Kind::ComponentVerifyTicket, appid, appid);
        let token_key = Key::new(prefix, Kind::ComponentAccessToken, appid, appid);
        let tokens = TokenManager::new(store, clock, config.tokens.clone());
        Ok(Component {
            inner: Arc::new(Inner {
                config,
                http,
                tokens,
                crypto,
                ticket_key,
                token_key,
            }),
        })
    }

    /// The platform's AppID.
    pub fn app_id(&self) -> &str {
        &self.inner.config.component_app_id
    }

    /// The token manager.
    pub fn tokens(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The push crypto of the authorization event URL.
    pub fn crypto(&self) -> &MessageCrypto {
        &self.inner.crypto
    }

    fn key(&self, kind: Kind, subject: &str) -> Key {
        let c = &self.inner.config;
        Key::new(&c.tokens.key_prefix, kind, &c.component_app_id, subject)
    }

    async fn read_credential(&self, key: &Key) -> Result<Option<String>> {
        Ok(self
            .inner
            .tokens
            .store()
            .get(key.data())
            .await?
            .and_then(|json| serde_json::from_str::<StoredCredential>(&json).ok())
            .map(|c| c.value))
    }

    /// Remember durably that `authorizer_appid` must authorize again, and drop its cached
    /// access token: until a new authorization or refresh token is stored, its token source
    /// fails at once without asking WeChat. Returns the error to raise.
    pub(crate) async fn remember_reauthorization(
        &self,
        authorizer_appid: &str,
        errcode: i64,
        reason: &str,
    ) -> Result<Error> {
        let record = StoredFailure {
            errcode,
            reason: reason.to_string(),
            updated_at: self.inner.tokens.clock().now(),
        };
        let json = serde_json::to_string(&record).expect("failure serializes");
        let key = self.key(Kind::ReauthorizationNeeded, authorizer_appid);
        self.inner
            .tokens
            .store()
            .set(key.data(), &json, None)
            .await?;
        self.inner
            .tokens
            .invalidate(&self.key(Kind::AuthorizerAccessToken, authorizer_appid))
            .await?;
        tracing::warn!(
            authorizer_appid,
            errcode,
            reason,
            "the authorizer must authorize again: remembered, later calls fail without asking WeChat"
        );
        Ok(Error::ReauthorizationNeeded {
            authorizer_appid: authorizer_appid.to_string(),
            errcode,
            reason: reason.to_string(),
        })
    }

    /// The remembered "must authorize again" of an authorizer, as the error to raise.
    pub(crate) async fn remembered_reauthorization(
        &self,
        authorizer_appid: &str,
    ) -> Result<Option<Error>> {
        let key = self.key(Kind::ReauthorizationNeeded, authorizer_appid);
        let Some(json) = self.inner.tokens.store().get(key.data()).await? else {
            return Ok(None);
        };
        // An unreadable record still says "do not ask WeChat": it was written by weixinkit
        // only on a failure, and a new authorization or refresh token replaces it.
        let record = serde_json::from_str::<StoredFailure>(&json).unwrap_or(StoredFailure {
            errcode: crate::codes::NOT_AUTHORIZED as i64,
            reason: "an unreadable record".into(),
            updated_at: 0,
        });
        Ok(Some(Error::ReauthorizationNeeded {
            authorizer_appid: authorizer_appid.to_string(),
            errcode: record.errcode,
            reason: format!(
                "remembered since {}: {}; a new authorization (query_auth) or a stored refresh \
                 token clears it",
                record.updated_at, record.reason
            ),
        }))
    }

    async fn forget_reauthorization(&self, authorizer_appid: &str) -> Result<()> {
        let key = self.key(Kind::ReauthorizationNeeded, authorizer_appid);
        self.inner.tokens.store().delete(key.data()).await
    }

    async fn write_credential(&self, key: &Key, value: &str) -> Result<()> {
        let record = StoredCredential {
            value: value.to_string(),
            updated_at: self.inner.tokens.clock().now(),
        };
        let json = serde_json::to_string(&record).expect("credential serializes");
        self.inner.tokens.store().set(key.data(), &json, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_links_use_bindcomponent_and_carry_every_option() {
        let url = authorization_url(
            "wxc",
            "pre",
            "https://a.example/b",
            &AuthorizationUrlOptions {
                auth_type: None,
                biz_appid: Some("wxbiz".into()),
                category_id_list: vec![1, 2],
                mobile: true,
            },
        );
        assert_eq!(
            url,
            "https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxc&pre_auth_code=pre&redirect_uri=https%3A%2F%2Fa.example%2Fb&biz_appid=wxbiz&category_id_list=1%7C2#wechat_redirect"
        );
    }

    #[test]
    fn config_debug_hides_every_secret() {
        let c = ComponentConfig::from_json(
            r#"{"component_app_id":"wxc","component_secret":"SECRET1","token":"TOKEN1",
                "encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG","store":{"type":"memory"}}"#,
        )
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["SECRET1", "TOKEN1", "abcdefghij"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            ComponentConfig::from_json(r#"{"component_app_id":"wx:c","component_secret":"s","token":"t","encoding_aes_key":"k"}"#)
                .unwrap_err()
                .kind(),
            "config"
        );
    }
}
