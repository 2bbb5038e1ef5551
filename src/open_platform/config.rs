//! The third-party platform's configuration.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::{validate_key_part, HttpOptions, StoreConfig, TokenOptions};
use crate::{Error, Result};

/// A third-party platform's configuration.
///
/// ```
/// let c = weixinkit::ComponentConfig::from_json(r#"{"component_app_id":"wxc","component_secret":"s",
///     "token":"t","encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG","store":{"type":"memory"}}"#)?;
/// assert!(!format!("{c:?}").contains("\"s\""));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    /// The platform's AppID.
    pub component_app_id: String,
    /// The platform's AppSecret.
    pub component_secret: String,
    /// The message-check Token of the authorization event URL.
    pub token: String,
    /// The EncodingAESKey of the authorization event URL.
    pub encoding_aes_key: String,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
    /// Token manager options.
    #[serde(default)]
    pub tokens: TokenOptions,
    /// The store (tickets and refresh tokens are durable there).
    #[serde(default)]
    pub store: StoreConfig,
}

impl ComponentConfig {
    /// Parse the JSON form every binding uses.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = crate::config::parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    pub(super) fn validate(&self) -> Result<()> {
        if self.component_secret.is_empty() {
            return Err(Error::Config("component_secret is empty".into()));
        }
        validate_key_part("component_app_id", &self.component_app_id)?;
        validate_key_part("key_prefix", &self.tokens.key_prefix)
    }
}

impl fmt::Debug for ComponentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentConfig")
            .field("component_app_id", &self.component_app_id)
            .field("component_secret", &"***")
            .field("token", &"***")
            .field("encoding_aes_key", &"***")
            .field("http", &self.http)
            .field("tokens", &self.tokens)
            .field("store", &self.store)
            .finish()
    }
}
