//! The token manager: cached tokens, one refresh per key across threads, processes and
//! machines, and the compare-and-refresh that lets a call retry once after a token error.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tracing::{debug, info, warn, Instrument};

use crate::config::TokenOptions;
use crate::store::{Key, Store};
use crate::{Error, Result};

/// Seconds since the Unix epoch; injectable so tests can move time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in Unix seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock tests set by hand.
///
/// ```
/// use weixinkit::token::{Clock, ManualClock};
/// let clock = ManualClock::new(1_700_000_000);
/// clock.advance(60);
/// assert_eq!(clock.now(), 1_700_000_060);
/// ```
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: i64) -> Self {
        ManualClock(AtomicI64::new(now))
    }

    /// Move the clock forward.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// Set the clock.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A token as handed to callers and as stored:
/// `{"value":"…","expires_at":1700007200,"issued_at":1700000000}` (Unix seconds).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The token itself.
    pub value: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// When it was fetched (Unix seconds); lets readers halve the margin for short-lived
    /// tokens.
    #[serde(default)]
    pub issued_at: i64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("value", &"***")
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .finish()
    }
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("value", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl Token {
    /// Usable now: it expires more than `margin` seconds from `now` (the margin is at most
    /// half the token's lifetime, so a short-lived token is not refreshed on every call).
    pub fn is_fresh(&self, now: i64, margin: i64) -> bool {
        self.refresh_at(margin) > now
    }

    /// When a caller with this `margin` stops using it (Unix seconds).
    pub fn refresh_at(&self, margin: i64) -> i64 {
        let lifetime = self.expires_at - self.issued_at;
        let margin = if self.issued_at > 0 && lifetime > 0 {
            margin.min(lifetime / 2)
        } else {
            margin
        };
        self.expires_at - margin
    }

    fn parse(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).expect("token serializes")
    }
}

/// What a token endpoint returned.
#[derive(Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The token.
    pub value: String,
    /// Its lifetime in seconds, as the server said.
    pub expires_in: i64,
}

/// How to fetch one token. `failed` is the token a call was just refused with, if this
/// fetch follows a token error (a source may then ask the server to rotate, as
/// `stable_token` with `force_refresh` does).
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync {
    /// Fetch a new token.
    async fn fetch(&self, failed: Option<&str>) -> Result<Fetched>;
}

/// The outcome of the last refresh of a key in this process, so that callers who queued
/// behind a failing refresh get its error instead of each failing again.
#[derive(Default)]
struct Outcome {
    error: Option<Error>,
}

#[derive(Default)]
struct Slot {
    generation: AtomicU64,
    lock: tokio::sync::Mutex<Outcome>,
    /// The near cache: the last token this process read from or wrote to the store, parsed,
    /// and when. A process-local store cannot change behind our back, so its copy is used
    /// until its margin; a shared store's copy for at most `local_max_age_ms` after it was
    /// read (and never after a token error: the compare-and-refresh reads the store).
    local: std::sync::RwLock<Option<(Token, Instant)>>,
}

/// Cached tokens over a [`Store`], refreshed once per key at a time.
pub struct TokenManager {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    options: TokenOptions,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("options", &self.options)
            .finish()
    }
}

const POLL_MIN: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(100);

impl TokenManager {
    /// A manager over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, options: TokenOptions) -> Self {
        TokenManager {
            store,
            clock,
            options,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The options.
    pub fn options(&self) -> &TokenOptions {
        &self.options
    }

    fn margin(&self) -> i64 {
        self.options.refresh_margin_secs as i64
    }

    /// Whether this manager keeps a near cache (always for process-local stores; for shared
    /// ones unless `local_max_age_ms` is 0).
    fn near_cache(&self) -> bool {
        self.store.is_process_local() || self.options.local_max_age_ms > 0
    }

    fn remember(&self, key: &Key, token: &Token) {
        if self.near_cache() {
            *self
                .slot(key)
                .local
                .write()
                .unwrap_or_else(|p| p.into_inner()) = Some((token.clone(), Instant::now()));
        }
    }

    /// The token this process holds for `key` in its near cache, if it is fresh and (for a
    /// shared store) was read less than `local_max_age_ms` ago. Never touches the store and
    /// never waits: the fast path of every token-aware call.
    pub fn cached(&self, key: &Key) -> Option<Token> {
        if !self.near_cache() {
            return None;
        }
        let slot = {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.get(key.data())?.clone()
        };
        let local = slot.local.read().unwrap_or_else(|p| p.into_inner());
        let (token, read_at) = local.as_ref()?;
        let young = self.store.is_process_local()
            || read_at.elapsed() < Duration::from_millis(self.options.local_max_age_ms);
        (young && token.is_fresh(self.clock.now(), self.margin())).then(|| token.clone())
    }

    /// The stored token for `key`, fresh or not.
    pub async fn read(&self, key: &Key) -> Result<Option<Token>> {
        let json = self.store.get(key.data()).await.inspect_err(|e| {
            warn!(key = key.data(), kind = e.kind(), error = %e, "reading a token from the store failed");
        })?;
        Ok(json.and_then(|json| Token::parse(&json)))
    }

    /// Store a token obtained elsewhere (e.g. with an authorization) as if it were fetched.
    pub async fn put(&self, key: &Key, value: &str, expires_in: i64) -> Result<Token> {
        let now = self.clock.now();
        let token = Token {
            value: value.to_string(),
            expires_at: now + expires_in.max(0),
            issued_at: now,
        };
        let ttl = Duration::from_secs(expires_in.max(1) as u64);
        self.store
            .set(key.data(), &token.to_json(), Some(ttl))
            .await?;
        self.remember(key, &token);
        Ok(token)
    }

    /// Forget the stored token for `key`.
    pub async fn invalidate(&self, key: &Key) -> Result<()> {
        *self
            .slot(key)
            .local
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        self.store.delete(key.data()).await
    }

    /// A fresh token for `key`: the cached one if it expires after now + margin, else one
    /// fetched from `source` — by exactly one caller across threads, processes and machines
    /// sharing the store, while the others wait and re-read.
    ///
    /// A hit is served from the near cache ([`cached`](Self::cached)) without reading the
    /// store; a shared store is read again at most every `local_max_age_ms`.
    pub async fn get(&self, key: &Key, source: &dyn TokenSource) -> Result<Token> {
        if let Some(token) = self.cached(key) {
            return Ok(token);
        }
        if let Some(token) = self.read(key).await? {
            if token.is_fresh(self.clock.now(), self.margin()) {
                debug!(
                    key = key.data(),
                    expires_at = token.expires_at,
                    "token taken from the store"
                );
                self.remember(key, &token);
                return Ok(token);
            }
        }
        self.refresh(key, source, None).await
    }

    /// After a call was refused with `failed`: a different fresh token if one is already
    /// stored (someone else refreshed), else a newly fetched one. Never fetches twice for
    /// the same failure.
    pub async fn refresh_after_failure(
        &self,
        key: &Key,
        source: &dyn TokenSource,
        failed: &str,
    ) -> Result<Token> {
        self.refresh(key, source, Some(failed)).await
    }

    /// Run `call` with a token; if it fails with one of `token_errors` (40001, 42001, …),
    /// refresh that token (unless someone already did) and run it exactly once more.
    pub async fn with_token<T, F, Fut>(
        &self,
        key: &Key,
        source: &dyn TokenSource,
        token_errors: &[i64],
        call: F,
    ) -> Result<T>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let token = self.get(key, source).await?;
        match call(token.value.clone()).await {
            Err(e) if e.errcode().is_some_and(|c| token_errors.contains(&c)) => {
                info!(
                    key = key.data(),
                    errcode = e.errcode(),
                    "the call refused its token: refreshing it and retrying once"
                );
                let fresh = self
                    .refresh_after_failure(key, source, &token.value)
                    .await?;
                call(fresh.value).await
            }
            other => other,
        }
    }

    fn slot(&self, key: &Key) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.get(key.data()) {
            return slot.clone();
        }
        slots.entry(key.data().to_string()).or_default().clone()
    }

    /// Usable stored token: fresh, and not the one that just failed.
    async fn usable(&self, key: &Key, failed: Option<&str>) -> Result<Option<Token>> {
        Ok(self.read(key).await?.filter(|t| {
            t.is_fresh(self.clock.now(), self.margin()) && failed != Some(t.value.as_str())
        }))
    }

    async fn refresh(
        &self,
        key: &Key,
        source: &dyn TokenSource,
        failed: Option<&str>,
    ) -> Result<Token> {
        let span = tracing::info_span!(
            "token_refresh",
            key = key.data(),
            kind = key.kind().as_str(),
            after_token_error = failed.is_some()
        );
        self.refresh_in_span(key, source, failed)
            .instrument(span)
            .await
    }

    async fn refresh_in_span(
        &self,
        key: &Key,
        source: &dyn TokenSource,
        failed: Option<&str>,
    ) -> Result<Token> {
        let slot = self.slot(key);
        let seen = slot.generation.load(Ordering::Acquire);
        let mut outcome = slot.lock.lock().await;
        if slot.generation.load(Ordering::Acquire) != seen {
            // Someone in this process refreshed while we queued: share their outcome.
            if let Some(e) = &outcome.error {
                debug!(
                    kind = e.kind(),
                    code = e.code(),
                    "sharing the failure of the refresh this caller queued behind"
                );
                return Err(e.clone());
            }
        }
        let result = self.refresh_locked(key, source, failed).await;
        if let Ok((token, _)) = &result {
            self.remember(key, token);
        }
        match &result {
            Ok((_, fetched_here)) if !fetched_here => {}
            _ => {
                outcome.error = result.as_ref().err().cloned();
                slot.generation.fetch_add(1, Ordering::AcqRel);
            }
        }
        result.map(|(token, _)| token)
    }

    /// Holding the in-process lock: wait for the cross-process lock or for someone else's
    /// refresh. Returns the token and whether this call fetched it.
    async fn refresh_locked(
        &self,
        key: &Key,
        source: &dyn TokenSource,
        failed: Option<&str>,
    ) -> Result<(Token, bool)> {
        let started = Instant::now();
        let wait = Duration::from_millis(self.options.lock_wait_ms);
        let ttl = Duration::from_millis(self.options.lock_ttl_ms);
        let mut poll = POLL_MIN;
        loop {
            if let Some(token) = self.usable(key, failed).await? {
                debug!(
                    decision = "stored",
                    waited_ms = started.elapsed().as_millis() as u64,
                    "compare-and-refresh: a usable token is already stored, no fetch"
                );
                return Ok((token, false));
            }
            if !self.options.read_only {
                let locked = self
                    .store
                    .try_lock(key.lock(), ttl)
                    .await
                    .inspect_err(|e| {
                        warn!(kind = e.kind(), error = %e, "taking the refresh lock failed");
                    })?;
                if let Some(fence) = locked {
                    debug!(
                        waited_ms = started.elapsed().as_millis() as u64,
                        "refresh lock taken"
                    );
                    let result = self.fetch_and_store(key, source, failed, &fence).await;
                    let unlocked = self.store.unlock(key.lock(), &fence).await;
                    let token = result?;
                    unlocked?;
                    return Ok(token);
                }
            }
            if started.elapsed() >= wait {
                warn!(
                    waited_ms = started.elapsed().as_millis() as u64,
                    read_only = self.options.read_only,
                    "gave up waiting for another process's refresh"
                );
                return Err(Error::TokenUnavailable(if self.options.read_only {
                    format!(
                        "{} is not in the store and this process only reads (read_only)",
                        key.data()
                    )
                } else {
                    format!(
                        "another process held the refresh lock for {} longer than {} ms",
                        key.data(),
                        self.options.lock_wait_ms
                    )
                }));
            }
            debug!(
                poll_ms = poll.as_millis() as u64,
                "the refresh lock is held elsewhere: waiting for its token"
            );
            tokio::time::sleep(poll).await;
            poll = (poll * 2).min(POLL_MAX);
        }
    }

    async fn fetch_and_store(
        &self,
        key: &Key,
        source: &dyn TokenSource,
        failed: Option<&str>,
        fence: &str,
    ) -> Result<(Token, bool)> {
        // Double check under the lock: whoever held it before us may have stored a token.
        if let Some(token) = self.usable(key, failed).await? {
            debug!(
                decision = "stored",
                "compare-and-refresh: the previous lock holder stored a usable token, no fetch"
            );
            return Ok((token, false));
        }
        let fetched = source.fetch(failed).await.inspect_err(|e| {
            warn!(kind = e.kind(), code = e.code(), errcode = e.errcode(), error = %e, "token fetch failed");
        })?;
        let now = self.clock.now();
        let token = Token {
            value: fetched.value,
            expires_at: now + fetched.expires_in.max(0),
            issued_at: now,
        };
        let ttl = Duration::from_secs(fetched.expires_in.max(1) as u64);
        self.store
            .set_fenced(key.data(), &token.to_json(), Some(ttl), key.lock(), fence)
            .await
            .inspect_err(|e| {
                warn!(kind = e.kind(), error = %e, "storing the refreshed token failed");
            })?;
        info!(
            expires_in = fetched.expires_in,
            expires_at = token.expires_at,
            "token refreshed"
        );
        Ok((token, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Kind, MemoryStore};
    use std::sync::atomic::AtomicUsize;

    struct Counting {
        calls: AtomicUsize,
        fail: Option<Error>,
        delay: Duration,
    }

    impl Counting {
        fn new() -> Self {
            Counting {
                calls: AtomicUsize::new(0),
                fail: None,
                delay: Duration::from_millis(20),
            }
        }
    }

    #[async_trait::async_trait]
    impl TokenSource for Counting {
        async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(self.delay).await;
            match &self.fail {
                Some(e) => Err(e.clone()),
                None => Ok(Fetched {
                    value: format!("token-{n}"),
                    expires_in: 7200,
                }),
            }
        }
    }

    fn manager(clock: Arc<ManualClock>) -> Arc<TokenManager> {
        Arc::new(TokenManager::new(
            Arc::new(MemoryStore::new()),
            clock,
            TokenOptions::default(),
        ))
    }

    fn key() -> Key {
        Key::new("weixinkit", Kind::AccessToken, "wx1", "wx1")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fifty_concurrent_callers_cause_one_fetch() {
        let m = manager(Arc::new(ManualClock::new(1_700_000_000)));
        let source = Arc::new(Counting::new());
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (m, s) = (m.clone(), source.clone());
                tokio::spawn(async move { m.get(&key(), s.as_ref()).await.unwrap().value })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), "token-1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_margin_decides_when_to_refresh() {
        let clock = Arc::new(ManualClock::new(1_700_000_000));
        let m = manager(clock.clone());
        let source = Counting::new();
        assert_eq!(m.get(&key(), &source).await.unwrap().value, "token-1");
        clock.advance(7200 - 301);
        assert_eq!(m.get(&key(), &source).await.unwrap().value, "token-1");
        clock.advance(2);
        assert_eq!(m.get(&key(), &source).await.unwrap().value, "token-2");
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_short_lived_token_uses_half_its_life_as_margin() {
        let t = Token {
            value: "x".into(),
            expires_at: 1_000_100,
            issued_at: 1_000_000,
        };
        assert!(t.is_fresh(1_000_049, 300));
        assert!(!t.is_fresh(1_000_050, 300));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_fetch_is_shared_by_queued_callers_not_repeated() {
        let m = manager(Arc::new(ManualClock::new(1_700_000_000)));
        let source = Arc::new(Counting {
            fail: Some(Error::Api {
                endpoint: "/cgi-bin/token".into(),
                errcode: 40001,
                errmsg: "invalid credential".into(),
            }),
            ..Counting::new()
        });
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (m, s) = (m.clone(), source.clone());
                tokio::spawn(async move { m.get(&key(), s.as_ref()).await.unwrap_err() })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().errcode(), Some(40001));
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        // A later call (not queued behind that failure) tries again.
        assert!(m.get(&key(), source.as_ref()).await.is_err());
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn refresh_after_failure_replaces_only_the_failed_token() {
        let m = manager(Arc::new(ManualClock::new(1_700_000_000)));
        let source = Counting::new();
        let first = m.get(&key(), &source).await.unwrap();
        // A stale caller reports a token that is no longer stored: no fetch.
        let same = m
            .refresh_after_failure(&key(), &source, "some-older-token")
            .await
            .unwrap();
        assert_eq!(same.value, first.value);
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        // The stored token itself failed: exactly one fetch.
        let fresh = m
            .refresh_after_failure(&key(), &source, &first.value)
            .await
            .unwrap();
        assert_eq!(fresh.value, "token-2");
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn with_token_retries_once_then_surfaces_the_error() {
        let m = manager(Arc::new(ManualClock::new(1_700_000_000)));
        let source = Counting::new();
        let attempts = AtomicUsize::new(0);
        let err = |code| Error::Api {
            endpoint: "/cgi-bin/x".into(),
            errcode: code,
            errmsg: String::new(),
        };
        let r: Result<()> = m
            .with_token(&key(), &source, &[40001], |_t| {
                attempts.fetch_add(1, Ordering::SeqCst);
                async { Err(err(40001)) }
            })
            .await;
        assert_eq!(r.unwrap_err().errcode(), Some(40001));
        assert_eq!(attempts.load(Ordering::SeqCst), 2);
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);

        attempts.store(0, Ordering::SeqCst);
        let r: Result<()> = m
            .with_token(&key(), &source, &[40001], |_t| {
                attempts.fetch_add(1, Ordering::SeqCst);
                async { Err(err(45009)) }
            })
            .await;
        assert_eq!(r.unwrap_err().errcode(), Some(45009));
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn read_only_mode_never_fetches() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let clock = Arc::new(ManualClock::new(1_700_000_000));
        let reader = TokenManager::new(
            store.clone(),
            clock.clone(),
            TokenOptions {
                read_only: true,
                lock_wait_ms: 50,
                ..TokenOptions::default()
            },
        );
        let source = Counting::new();
        let e = reader.get(&key(), &source).await.unwrap_err();
        assert_eq!(e.kind(), "token_unavailable");
        assert_eq!(source.calls.load(Ordering::SeqCst), 0);
        let writer = TokenManager::new(store, clock, TokenOptions::default());
        let t = writer.get(&key(), &source).await.unwrap();
        assert_eq!(reader.get(&key(), &source).await.unwrap(), t);
    }

    #[tokio::test]
    async fn a_held_lock_past_the_wait_is_a_clear_error() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let m = TokenManager::new(
            store.clone(),
            Arc::new(SystemClock),
            TokenOptions {
                lock_wait_ms: 60,
                ..TokenOptions::default()
            },
        );
        let _held = store
            .try_lock(key().lock(), Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        let source = Counting::new();
        let e = m.get(&key(), &source).await.unwrap_err();
        assert_eq!(e.kind(), "token_unavailable");
        assert_eq!(source.calls.load(Ordering::SeqCst), 0);
    }
}
