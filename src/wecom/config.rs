//! The WeCom configuration records, in the JSON form every binding shares (see
//! [`crate::config`] for the HTTP, token and store options they embed). `http.work_base_uri`
//! (default `https://qyapi.weixin.qq.com`) is where every WeCom call goes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::{
    parse_config, validate_key_part, CallbackOptions, HttpOptions, StoreConfig, TokenOptions,
};
use crate::{Error, Result};

/// A WeCom service provider (服务商): its corp id and provider secret.
///
/// ```
/// let c = weixinkit::wecom::ProviderConfig::from_json(
///     r#"{"corp_id":"wwprovider","provider_secret":"PSECRET","store":{"type":"memory"}}"#)?;
/// assert_eq!(c.http.work_base_uri, "https://qyapi.weixin.qq.com");
/// assert!(!format!("{c:?}").contains("PSECRET"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The provider's corp id.
    pub corp_id: String,
    /// The provider secret (`ProviderSecret`).
    pub provider_secret: String,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
    /// Token manager options.
    #[serde(default)]
    pub tokens: TokenOptions,
    /// The store.
    #[serde(default)]
    pub store: StoreConfig,
}

impl ProviderConfig {
    /// A configuration with every option at its default.
    pub fn new(corp_id: impl Into<String>, provider_secret: impl Into<String>) -> Self {
        ProviderConfig {
            corp_id: corp_id.into(),
            provider_secret: provider_secret.into(),
            http: HttpOptions::default(),
            tokens: TokenOptions::default(),
            store: StoreConfig::default(),
        }
    }

    /// Parse the JSON form every binding uses (omitted options take their defaults; unknown
    /// fields are refused).
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.provider_secret.is_empty() {
            return Err(Error::Config("provider_secret is empty".into()));
        }
        validate_key_part("corp_id", &self.corp_id)?;
        validate_key_part("key_prefix", &self.tokens.key_prefix)
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("corp_id", &self.corp_id)
            .field("provider_secret", &"***")
            .field("http", &self.http)
            .field("tokens", &self.tokens)
            .field("store", &self.store)
            .finish()
    }
}

/// A WeCom third-party app (第三方应用, a "suite"): its id and secret, and the Token and
/// EncodingAESKey of its data/command callback URL.
///
/// Pushes to the callback URL are encrypted for the suite id. WeCom verifies the URL
/// (`GET …&echostr=`) with the suite id too, but some console forms verify with the
/// provider's corp id: set `provider_corp_id` and URL verification accepts either.
///
/// ```
/// let c = weixinkit::wecom::SuiteConfig::from_json(r#"{"suite_id":"wwsuite","suite_secret":"SSECRET",
///     "token":"TOKEN1","encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
///     "store":{"type":"memory"}}"#)?;
/// let shown = format!("{c:?}");
/// assert!(!shown.contains("SSECRET") && !shown.contains("TOKEN1") && !shown.contains("abcdefg"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteConfig {
    /// The suite id (`ww…`/`wx…`; legacy `tj…`; custom-app templates `dk…`).
    pub suite_id: String,
    /// The suite secret.
    pub suite_secret: String,
    /// The callback URL's Token.
    pub token: String,
    /// The callback URL's EncodingAESKey.
    pub encoding_aes_key: String,
    /// The provider's corp id, also accepted as the receiver id of URL verification.
    #[serde(default)]
    pub provider_corp_id: Option<String>,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
    /// Token manager options.
    #[serde(default)]
    pub tokens: TokenOptions,
    /// The store (the suite ticket and permanent codes are durable there).
    #[serde(default)]
    pub store: StoreConfig,
    /// Callback handler options (the replay window).
    #[serde(default)]
    pub callback: CallbackOptions,
}

impl SuiteConfig {
    /// Parse the JSON form every binding uses.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.suite_secret.is_empty() {
            return Err(Error::Config("suite_secret is empty".into()));
        }
        if self.token.is_empty() {
            return Err(Error::Config("token is empty".into()));
        }
        validate_key_part("suite_id", &self.suite_id)?;
        if let Some(corp) = &self.provider_corp_id {
            validate_key_part("provider_corp_id", corp)?;
        }
        validate_key_part("key_prefix", &self.tokens.key_prefix)
    }
}

impl fmt::Debug for SuiteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SuiteConfig")
            .field("suite_id", &self.suite_id)
            .field("suite_secret", &"***")
            .field("token", &"***")
            .field("encoding_aes_key", &"***")
            .field("provider_corp_id", &self.provider_corp_id)
            .field("http", &self.http)
            .field("tokens", &self.tokens)
            .field("store", &self.store)
            .field("callback", &self.callback)
            .finish()
    }
}

/// A corp's own (self-built) app: `cgi-bin/gettoken` with the corp id and the app's secret.
///
/// ```
/// let c = weixinkit::wecom::WorkAccountConfig::from_json(
///     r#"{"corp_id":"wwcorp","corp_secret":"CSECRET"}"#)?;
/// assert!(!format!("{c:?}").contains("CSECRET"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkAccountConfig {
    /// The corp id.
    pub corp_id: String,
    /// The app's secret (each app of a corp has its own, and its own token).
    pub corp_secret: String,
    /// HTTP options.
    #[serde(default)]
    pub http: HttpOptions,
    /// Token manager options.
    #[serde(default)]
    pub tokens: TokenOptions,
    /// The store.
    #[serde(default)]
    pub store: StoreConfig,
}

impl WorkAccountConfig {
    /// A configuration with every option at its default.
    pub fn new(corp_id: impl Into<String>, corp_secret: impl Into<String>) -> Self {
        WorkAccountConfig {
            corp_id: corp_id.into(),
            corp_secret: corp_secret.into(),
            http: HttpOptions::default(),
            tokens: TokenOptions::default(),
            store: StoreConfig::default(),
        }
    }

    /// Parse the JSON form every binding uses.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Self = parse_config(json)?;
        config.validate()?;
        Ok(config)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.corp_secret.is_empty() {
            return Err(Error::Config("corp_secret is empty".into()));
        }
        validate_key_part("corp_id", &self.corp_id)?;
        validate_key_part("key_prefix", &self.tokens.key_prefix)
    }
}

impl fmt::Debug for WorkAccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkAccountConfig")
            .field("corp_id", &self.corp_id)
            .field("corp_secret", &"***")
            .field("http", &self.http)
            .field("tokens", &self.tokens)
            .field("store", &self.store)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_refuse_empty_secrets_bad_ids_and_unknown_fields() {
        let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        for bad in [
            r#"{"corp_id":"ww1","provider_secret":""}"#.to_string(),
            r#"{"corp_id":"ww:1","provider_secret":"s"}"#.to_string(),
            r#"{"corp_id":"ww1","provider_secret":"s","x":1}"#.to_string(),
        ] {
            assert_eq!(
                ProviderConfig::from_json(&bad).unwrap_err().kind(),
                "config"
            );
        }
        for bad in [
            format!(
                r#"{{"suite_id":"ws","suite_secret":"","token":"t","encoding_aes_key":"{key}"}}"#
            ),
            format!(
                r#"{{"suite_id":"w s","suite_secret":"s","token":"t","encoding_aes_key":"{key}"}}"#
            ),
            format!(
                r#"{{"suite_id":"ws","suite_secret":"s","token":"","encoding_aes_key":"{key}"}}"#
            ),
            format!(
                r#"{{"suite_id":"ws","suite_secret":"s","token":"t","encoding_aes_key":"{key}","provider_corp_id":"a:b"}}"#
            ),
        ] {
            assert_eq!(
                SuiteConfig::from_json(&bad).unwrap_err().kind(),
                "config",
                "{bad}"
            );
        }
        assert_eq!(
            WorkAccountConfig::from_json(r#"{"corp_id":"ww1","corp_secret":""}"#)
                .unwrap_err()
                .kind(),
            "config"
        );
        let e = WorkAccountConfig::from_json(r#"{"corp_id":"ww1","corp_secret":12345678}"#)
            .unwrap_err();
        assert!(!e.to_string().contains("12345678"), "{e}");
    }
}
