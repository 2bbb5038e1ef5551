//! WeCom (企业微信) for service providers and third-party apps, and corps' own apps:
//!
//! - [`Provider`]: the `provider_access_token`, provider web login, and any provider API;
//! - [`Suite`]: a third-party app — the pushed `suite_ticket` kept durably, the
//!   `suite_access_token`, the install flow (pre-auth code, session info, install link),
//!   permanent codes written durably per corp, suite OAuth, and the callback handler that runs
//!   the install lifecycle;
//! - [`Corp`]: acting for a corp that installed the suite, with a corp token minted from its
//!   stored permanent code;
//! - [`WorkAccount`]: a corp's own (self-built) app with its secret.
//!
//! Every token goes through the token engine ([`crate::token`]): fetched once per key across
//! threads, processes and machines sharing the store, refreshed once and retried once after a
//! token error.

mod callback;
mod config;
mod corp;
mod provider;
mod suite;
mod work_account;

use crate::store::{Key, StoredCredential};
use crate::token::TokenManager;
use crate::Result;

pub use config::{ProviderConfig, SuiteConfig, WorkAccountConfig};
pub use corp::Corp;
pub use provider::Provider;
pub use suite::{install_url, suite_oauth_url, PermanentCode, Suite};
pub use work_account::WorkAccount;

/// `corp_access_token` errors: the corp token is bad (refresh once, retry once).
pub(crate) const CORP_TOKEN_ERRORS: &[i64] = &[40014, 42001];
/// `suite_access_token` errors: 42009 expired, 40082 invalid.
pub(crate) const SUITE_TOKEN_ERRORS: &[i64] = &[42009, 40082];
/// `provider_access_token` errors: 40082 (its errmsg names the provider token) and 42001.
pub(crate) const PROVIDER_TOKEN_ERRORS: &[i64] = &[40082, 42001];

/// A durable credential from the store (`{"value":…,"updated_at":…}`).
pub(crate) async fn read_credential(tokens: &TokenManager, key: &Key) -> Result<Option<String>> {
    Ok(tokens
        .store()
        .get(key.data())
        .await?
        .and_then(|json| serde_json::from_str::<StoredCredential>(&json).ok())
        .map(|c| c.value))
}

/// Write a durable credential (no TTL).
pub(crate) async fn write_credential(tokens: &TokenManager, key: &Key, value: &str) -> Result<()> {
    let record = StoredCredential {
        value: value.to_string(),
        updated_at: tokens.clock().now(),
    };
    let json = serde_json::to_string(&record).expect("credential serializes");
    tokens.store().set(key.data(), &json, None).await
}
