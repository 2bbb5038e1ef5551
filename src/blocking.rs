//! Blocking facades: each method runs the async one on the library's runtime
//! (see [`crate::runtime::block_on`]). Never a second implementation.

use serde_json::Value;

use crate::official_account::JsSdkConfig;
use crate::runtime::block_on;
use crate::token::Token;
use crate::{OfficialAccountConfig, Result};

/// The blocking face of [`crate::OfficialAccount`].
///
/// ```no_run
/// use weixinkit::{blocking, OfficialAccountConfig};
/// let account = blocking::OfficialAccount::new(OfficialAccountConfig::new("wx123", "secret"))?;
/// let token = account.access_token()?;
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OfficialAccount(crate::OfficialAccount);

impl OfficialAccount {
    /// See [`crate::OfficialAccount::new`].
    pub fn new(config: OfficialAccountConfig) -> Result<Self> {
        crate::OfficialAccount::new(config).map(Self)
    }

    /// Wrap an async client (they share everything).
    pub fn from_async(inner: crate::OfficialAccount) -> Self {
        Self(inner)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::OfficialAccount {
        &self.0
    }

    /// See [`crate::OfficialAccount::access_token`].
    pub fn access_token(&self) -> Result<Token> {
        block_on(self.0.access_token())
    }

    /// See [`crate::OfficialAccount::refresh_access_token`].
    pub fn refresh_access_token(&self) -> Result<Token> {
        block_on(self.0.refresh_access_token())
    }

    /// See [`crate::OfficialAccount::keep_fresh`].
    pub fn keep_fresh(&self) -> crate::official_account::BackgroundRefresh {
        self.0.keep_fresh()
    }

    /// See [`crate::OfficialAccount::jsapi_ticket`].
    pub fn jsapi_ticket(&self) -> Result<Token> {
        block_on(self.0.jsapi_ticket())
    }

    /// See [`crate::OfficialAccount::jssdk_config`].
    pub fn jssdk_config(&self, url: &str) -> Result<JsSdkConfig> {
        block_on(self.0.jssdk_config(url))
    }

    /// See [`crate::OfficialAccount::get`].
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        block_on(self.0.get(path, query))
    }

    /// See [`crate::OfficialAccount::post_json`].
    pub fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        block_on(self.0.post_json(path, body))
    }
}
