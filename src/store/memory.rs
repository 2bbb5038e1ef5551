//! The in-process store: tests and single-process programs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{new_fence, Store};
use crate::Result;

/// Values and locks in this process's memory; nothing survives a restart.
///
/// ```
/// use weixinkit::store::{MemoryStore, Store};
/// # tokio_test_block_on(async {
/// let store = MemoryStore::new();
/// store.set("k", "v", None).await?;
/// assert_eq!(store.get("k").await?.as_deref(), Some("v"));
/// # Ok::<(), weixinkit::Error>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     weixinkit::runtime::handle().block_on(f) }
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<String, (String, Option<Instant>)>>,
    locks: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn live(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_none_or(|d| d > now)
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    fn is_process_local(&self) -> bool {
        true
    }

    async fn get(&self, key: &str) -> Result<Option<String>> {
        let values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        Ok(match values.get(key) {
            Some((v, deadline)) if live(*deadline, Instant::now()) => Some(v.clone()),
            _ => None,
        })
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        let deadline = ttl.map(|t| Instant::now() + t);
        let mut values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        values.insert(key.to_string(), (value.to_string(), deadline));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let mut values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        values.remove(key);
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        _lock_key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool> {
        let now = Instant::now();
        let mut values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        if values
            .get(key)
            .is_some_and(|(_, deadline)| live(*deadline, now))
        {
            return Ok(false);
        }
        values.insert(key.to_string(), (value.to_string(), Some(now + ttl)));
        Ok(true)
    }

    async fn try_lock(&self, lock_key: &str, ttl: Duration) -> Result<Option<String>> {
        let now = Instant::now();
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, deadline)) = locks.get(lock_key) {
            if *deadline > now {
                return Ok(None);
            }
        }
        let fence = new_fence();
        locks.insert(lock_key.to_string(), (fence.clone(), now + ttl));
        Ok(Some(fence))
    }

    async fn unlock(&self, lock_key: &str, fence: &str) -> Result<()> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks.get(lock_key).is_some_and(|(f, _)| f == fence) {
            locks.remove(lock_key);
        }
        Ok(())
    }

    async fn set_fenced(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        lock_key: &str,
        fence: &str,
    ) -> Result<bool> {
        let held = {
            let locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks
                .get(lock_key)
                .is_some_and(|(f, deadline)| f == fence && *deadline > Instant::now())
        };
        if held {
            self.set(key, value, ttl).await?;
        }
        Ok(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_meets_the_contract() {
        super::super::contract::check(&MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn an_expired_lock_can_be_taken_and_its_old_fence_cannot_write() {
        let store = MemoryStore::new();
        let old = store
            .try_lock("l", Duration::from_millis(20))
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
        let new = store
            .try_lock("l", Duration::from_secs(5))
            .await
            .unwrap()
            .expect("expired lock is free");
        assert!(!store
            .set_fenced("k", "stale", None, "l", &old)
            .await
            .unwrap());
        assert_eq!(store.get("k").await.unwrap(), None);
        store.unlock("l", &old).await.unwrap();
        assert_eq!(
            store.try_lock("l", Duration::from_secs(5)).await.unwrap(),
            None
        );
        store.unlock("l", &new).await.unwrap();
    }
}
