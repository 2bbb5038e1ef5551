//! Where tokens and durable credentials live, and the locks that make a refresh happen once.
//!
//! One trait, four implementations: [`MemoryStore`], [`FileStore`] (the default), [`RedisStore`],
//! and a store the host implements (Python, Kotlin). Values are plain JSON strings; keys
//! follow one schema ([`Key`]) so every language reads what another wrote.

mod file;
mod memory;
mod redis;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use self::file::FileStore;
pub use self::memory::MemoryStore;
pub use self::redis::RedisStore;
use crate::config::StoreConfig;
use crate::Result;

/// A key-value store with a lock. Implementations must be safe to share between threads;
/// the file and Redis stores are also safe to share between processes.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// The value stored under `key`, if any (and not expired).
    async fn get(&self, key: &str) -> Result<Option<String>>;

    /// Store `value` under `key`, replacing any previous value; with a `ttl` the value
    /// disappears after it (expiring tokens), without one it stays (durable credentials).
    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()>;

    /// Remove `key` (no error if absent).
    async fn delete(&self, key: &str) -> Result<()>;

    /// Take the lock `lock_key` if nobody holds it: `Some(fence)` with a unique value that
    /// proves ownership, `None` if it is held. A holder that dies loses the lock after `ttl`
    /// (or at once, for locks the OS releases).
    async fn try_lock(&self, lock_key: &str, ttl: Duration) -> Result<Option<String>>;

    /// Release a lock taken with `fence`; a lock since taken by someone else is left alone.
    async fn unlock(&self, lock_key: &str, fence: &str) -> Result<()>;

    /// Whether this store lives only in this process (then the token manager may keep parsed
    /// tokens beside it and skip reading it on a hit). `false` for anything shared.
    fn is_process_local(&self) -> bool {
        false
    }

    /// Store `value` under `key` for `ttl` only if no live value is there: `true` when it was
    /// stored, `false` when `key` already held one. Atomic across every process sharing the
    /// store (Redis: one `SET NX PX`). The default serializes the check and the write through
    /// the store's lock `lock_key`, so any store with a working lock (file, host) has it.
    /// Pass one lock key for a whole family of keys (the key up to its last `:`): the file
    /// store removes the family's expired entries under it.
    async fn set_if_absent(
        &self,
        key: &str,
        lock_key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool> {
        set_if_absent_under_lock(self, key, lock_key, value, ttl, || {}).await
    }

    /// Store `value` only while `fence` still holds `lock_key` (so a refresher whose lock
    /// expired cannot overwrite a newer token). `Ok(false)` when the lock was lost. Stores
    /// that cannot check atomically may just [`set`](Store::set).
    async fn set_fenced(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        _lock_key: &str,
        _fence: &str,
    ) -> Result<bool> {
        self.set(key, value, ttl).await.map(|_| true)
    }
}

/// [`Store::set_if_absent`] through the store's lock `lock_key`: take it (waiting up to 5 s),
/// run `while_locked`, then store `value` unless `key` holds a live value, and release it.
pub(crate) async fn set_if_absent_under_lock<S: Store + ?Sized>(
    store: &S,
    key: &str,
    lock_key: &str,
    value: &str,
    ttl: Duration,
    while_locked: impl FnOnce() + Send,
) -> Result<bool> {
    let lock_ttl = Duration::from_secs(5);
    let deadline = std::time::Instant::now() + lock_ttl;
    let fence = loop {
        if let Some(fence) = store.try_lock(lock_key, lock_ttl).await? {
            break fence;
        }
        if std::time::Instant::now() >= deadline {
            return Err(crate::Error::Store(format!(
                "{lock_key} stayed locked for {} s",
                lock_ttl.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    while_locked();
    let result = match store.get(key).await {
        Ok(Some(_)) => Ok(false),
        Ok(None) => store.set(key, value, Some(ttl)).await.map(|()| true),
        Err(e) => Err(e),
    };
    store.unlock(lock_key, &fence).await?;
    result
}

/// Open the store a configuration names. Redis connects on first use, on the library's
/// runtime.
pub fn open(config: &StoreConfig) -> Result<Arc<dyn Store>> {
    Ok(match config {
        StoreConfig::Memory => Arc::new(MemoryStore::new()),
        StoreConfig::File { dir } => Arc::new(FileStore::open(dir)?),
        StoreConfig::Redis { url } => Arc::new(RedisStore::connect(url)?),
    })
}

/// What a key holds. Durable kinds are credentials that must never be lost; the others are
/// tokens that can be fetched again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// Official Account / mini program access token (`cgi-bin/token`).
    AccessToken,
    /// Official Account access token from `cgi-bin/stable_token`.
    StableAccessToken,
    /// JS-SDK `jsapi_ticket`.
    JsapiTicket,
    /// Open Platform `component_access_token`.
    ComponentAccessToken,
    /// Open Platform `authorizer_access_token`.
    AuthorizerAccessToken,
    /// Durable: the pushed `component_verify_ticket`.
    ComponentVerifyTicket,
    /// Durable: an authorizer's `authorizer_refresh_token`.
    AuthorizerRefreshToken,
    /// Durable: the authorizer must authorize again ([`StoredFailure`]); calls on its
    /// behalf fail at once, without asking WeChat, until a new authorization or refresh
    /// token is stored.
    ReauthorizationNeeded,
    /// WeCom service provider `provider_access_token` (`service/get_provider_token`).
    ProviderAccessToken,
    /// WeCom third-party app `suite_access_token` (`service/get_suite_token`).
    SuiteAccessToken,
    /// WeCom corp `access_token`: an installing corp's (`service/get_corp_token`, owner = the
    /// suite) or a self-built app's (`cgi-bin/gettoken`, owner = the corp).
    CorpAccessToken,
    /// Durable: a WeCom suite's pushed `suite_ticket`.
    SuiteTicket,
    /// Durable: an installing corp's `permanent_code` (owner = the suite, subject = the corp).
    PermanentCode,
    /// A WeCom install auth code this suite already exchanged (subject = a SHA-1 fingerprint
    /// of the code, never the code), kept for the code's lifetime so a repeated `create_auth`
    /// push is answered without asking WeCom again.
    ExchangedAuthCode,
    /// A push a callback handler accepted within its replay window (subject = a SHA-1
    /// fingerprint of its timestamp, nonce and signature), expiring after the window.
    SeenPush,
}

impl Kind {
    /// The kind's name in keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AccessToken => "access_token",
            Kind::StableAccessToken => "stable_access_token",
            Kind::JsapiTicket => "jsapi_ticket",
            Kind::ComponentAccessToken => "component_access_token",
            Kind::AuthorizerAccessToken => "authorizer_access_token",
            Kind::ComponentVerifyTicket => "component_verify_ticket",
            Kind::AuthorizerRefreshToken => "authorizer_refresh_token",
            Kind::ReauthorizationNeeded => "reauthorization_needed",
            Kind::ProviderAccessToken => "provider_access_token",
            Kind::SuiteAccessToken => "suite_access_token",
            Kind::CorpAccessToken => "corp_access_token",
            Kind::SuiteTicket => "suite_ticket",
            Kind::PermanentCode => "permanent_code",
            Kind::ExchangedAuthCode => "exchanged_auth_code",
            Kind::SeenPush => "seen_push",
        }
    }

    /// Whether losing the value forces an outage or a re-authorization.
    pub fn is_durable(self) -> bool {
        matches!(
            self,
            Kind::ComponentVerifyTicket
                | Kind::AuthorizerRefreshToken
                | Kind::ReauthorizationNeeded
                | Kind::SuiteTicket
                | Kind::PermanentCode
        )
    }
}

/// A store key: `{prefix}:{kind}:{owner}:{subject}`, e.g.
/// `weixinkit:access_token:wx123:wx123`. `owner` is the account whose secret mints the value,
/// `subject` the account it is for (the same for an Official Account's own token; the
/// authorizer for a third-party platform's authorizer token). Refresh locks add `lock:` after
/// the prefix. No secret ever appears in a key.
///
/// ```
/// use weixinkit::store::{Key, Kind};
/// let k = Key::new("weixinkit", Kind::AccessToken, "wx123", "wx123");
/// assert_eq!(k.data(), "weixinkit:access_token:wx123:wx123");
/// assert_eq!(k.lock(), "weixinkit:lock:access_token:wx123:wx123");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    data: String,
    lock: String,
    kind: Kind,
}

impl Key {
    /// The key for `kind` of `subject`, minted by `owner`.
    pub fn new(prefix: &str, kind: Kind, owner: &str, subject: &str) -> Self {
        let tail = format!("{}:{owner}:{subject}", kind.as_str());
        Key {
            data: format!("{prefix}:{tail}"),
            lock: format!("{prefix}:lock:{tail}"),
            kind,
        }
    }

    /// Where the value lives.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The refresh lock's key.
    pub fn lock(&self) -> &str {
        &self.lock
    }

    /// What the key holds.
    pub fn kind(&self) -> Kind {
        self.kind
    }
}

/// A durable credential as stored: `{"value":"…","updated_at":1700000000}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCredential {
    /// The credential.
    pub value: String,
    /// When it was written, in Unix seconds.
    pub updated_at: i64,
}

impl std::fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredential")
            .field("value", &"***")
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A remembered failure that only a new credential can cure, as stored:
/// `{"errcode":61003,"reason":"…","updated_at":1700000000}`. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFailure {
    /// WeChat's errcode (61003, 61023) or weixinkit's own code.
    pub errcode: i64,
    /// What happened, for the error raised while it is remembered.
    pub reason: String,
    /// When it was written, in Unix seconds.
    pub updated_at: i64,
}

/// A key part standing for a value that must not appear in keys: 16 hex digits of SHA-1
/// over it.
pub(crate) fn fingerprint(value: &str) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(value.as_bytes())[..8]
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// A random fence value for locks: 128 bits, hex.
pub(crate) fn new_fence() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("OS randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod contract {
    //! The behaviour every store must have; run against each implementation.
    use super::*;

    pub async fn check(store: &dyn Store) {
        let key = "weixinkit:access_token:wxcontract:wxcontract";
        store.delete(key).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), None);
        store.set(key, "v1", None).await.unwrap();
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some("v1"));
        store
            .set(key, "v2", Some(Duration::from_secs(60)))
            .await
            .unwrap();
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some("v2"));
        store.delete(key).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), None);
        store.delete(key).await.unwrap();

        // Values expire after their TTL.
        store
            .set(key, "short", Some(Duration::from_millis(50)))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(store.get(key).await.unwrap(), None);

        // The lock is exclusive until released, and releasing needs the fence.
        let lock = "weixinkit:lock:access_token:wxcontract:wxcontract";
        let ttl = Duration::from_secs(30);
        let fence = store.try_lock(lock, ttl).await.unwrap().expect("free lock");
        assert_eq!(store.try_lock(lock, ttl).await.unwrap(), None);
        store.unlock(lock, "not-the-fence").await.unwrap();
        assert_eq!(store.try_lock(lock, ttl).await.unwrap(), None);
        assert!(store
            .set_fenced(key, "fenced", None, lock, &fence)
            .await
            .unwrap());
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some("fenced"));
        store.unlock(lock, &fence).await.unwrap();
        let again = store.try_lock(lock, ttl).await.unwrap().expect("released");
        assert_ne!(again, fence);
        store.unlock(lock, &again).await.unwrap();
        store.delete(key).await.unwrap();

        // Set-if-absent stores once until the value expires, and leaves the lock free.
        let ttl = Duration::from_millis(1500);
        assert!(store.set_if_absent(key, lock, "first", ttl).await.unwrap());
        assert!(!store.set_if_absent(key, lock, "second", ttl).await.unwrap());
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some("first"));
        let free = store
            .try_lock(lock, ttl)
            .await
            .unwrap()
            .expect("lock left free");
        store.unlock(lock, &free).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert!(store.set_if_absent(key, lock, "third", ttl).await.unwrap());
        assert_eq!(store.get(key).await.unwrap().as_deref(), Some("third"));
        store.delete(key).await.unwrap();
    }
}
