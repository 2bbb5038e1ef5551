//! The Redis store: plain string values, `SET NX PX` locks with a fencing value, TTLs.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use super::{new_fence, Store};
use crate::config::redact_url;
use crate::runtime::on_library_runtime;
use crate::{Error, Result};

/// A store on a Redis server, shared by every process and machine pointed at it.
///
/// The connection is made on first use and re-made after failures; while Redis is down,
/// every operation fails with [`Error::Store`] (never a stale or invented token).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    url: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url)
            .finish()
    }
}

const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0"#;

const SET_FENCED: &str = r#"
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
if ARGV[2] == '0' then redis.call('SET', KEYS[1], ARGV[1])
else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1"#;

impl RedisStore {
    /// A store on the server at `url` (`redis://[:password@]host:port[/db]`). Nothing is
    /// sent until the first operation; the connection lives on the library's runtime.
    pub fn connect(url: &str) -> Result<Self> {
        let shown = redact_url(url);
        let client = redis::Client::open(url)
            .map_err(|e| Error::Config(format!("Redis URL {shown}: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let _runtime = crate::runtime::handle().enter();
        let conn = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| Error::Store(format!("Redis {shown}: {e}")))?;
        Ok(RedisStore { conn, url: shown })
    }

    fn error(&self, what: &str, e: redis::RedisError) -> Error {
        Error::Store(format!("Redis {} {what}: {e}", self.url))
    }
}

fn ttl_ms(ttl: Option<Duration>) -> u64 {
    ttl.map(|t| (t.as_millis() as u64).max(1)).unwrap_or(0)
}

#[async_trait::async_trait]
impl Store for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let mut conn = self.conn.clone();
        let key = key.to_owned();
        on_library_runtime(async move { conn.get(key).await })
            .await
            .map_err(|e| self.error("GET", e))
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        let mut conn = self.conn.clone();
        let (key, value) = (key.to_owned(), value.to_owned());
        on_library_runtime(async move {
            match ttl {
                Some(_) => conn.pset_ex(key, value, ttl_ms(ttl)).await,
                None => conn.set(key, value).await,
            }
        })
        .await
        .map_err(|e| self.error("SET", e))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        let key = key.to_owned();
        on_library_runtime(async move { conn.del::<_, ()>(key).await })
            .await
            .map_err(|e| self.error("DEL", e))
    }

    async fn try_lock(&self, lock_key: &str, ttl: Duration) -> Result<Option<String>> {
        let mut conn = self.conn.clone();
        let fence = new_fence();
        let command = redis::cmd("SET")
            .arg(lock_key)
            .arg(&fence)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms(Some(ttl)))
            .to_owned();
        let taken: Option<String> =
            on_library_runtime(async move { command.query_async(&mut conn).await })
                .await
                .map_err(|e| self.error("SET NX", e))?;
        Ok(taken.map(|_| fence))
    }

    async fn set_if_absent(
        &self,
        key: &str,
        _lock_key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool> {
        let mut conn = self.conn.clone();
        let command = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms(Some(ttl)))
            .to_owned();
        let stored: Option<String> =
            on_library_runtime(async move { command.query_async(&mut conn).await })
                .await
                .map_err(|e| self.error("SET NX", e))?;
        Ok(stored.is_some())
    }

    async fn unlock(&self, lock_key: &str, fence: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        let (lock_key, fence) = (lock_key.to_owned(), fence.to_owned());
        on_library_runtime(async move {
            let script = Script::new(UNLOCK);
            script
                .key(lock_key)
                .arg(fence)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(|_| ())
        .map_err(|e| self.error("unlock", e))
    }

    async fn set_fenced(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        lock_key: &str,
        fence: &str,
    ) -> Result<bool> {
        let mut conn = self.conn.clone();
        let owned = [key, lock_key, value, fence].map(str::to_owned);
        on_library_runtime(async move {
            let [key, lock_key, value, fence] = owned;
            let script = Script::new(SET_FENCED);
            script
                .key(key)
                .key(lock_key)
                .arg(value)
                .arg(ttl_ms(ttl))
                .arg(fence)
                .invoke_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(|n| n == 1)
        .map_err(|e| self.error("fenced SET", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Needs the Redis that `scripts/services.sh` starts (`scripts/test.sh` always sources
    /// it and sets `WEIXINKIT_REQUIRE_SERVICES`, so there this test cannot pass vacuously).
    #[tokio::test]
    async fn redis_store_meets_the_contract() {
        let Ok(url) = std::env::var("WEIXINKIT_REDIS_URL") else {
            assert!(
                std::env::var_os("WEIXINKIT_REQUIRE_SERVICES").is_none(),
                "WEIXINKIT_REDIS_URL must be set when services are required"
            );
            eprintln!("WEIXINKIT_REDIS_URL unset: `source scripts/services.sh` to run this test");
            return;
        };
        let store = RedisStore::connect(&url).unwrap();
        super::super::contract::check(&store).await;
    }

    #[tokio::test]
    async fn redis_down_is_a_clear_store_error() {
        // Port 1 on loopback: nothing listens there.
        let store = RedisStore::connect("redis://:hunter2@127.0.0.1:1/").unwrap();
        let e = store.get("k").await.unwrap_err();
        assert_eq!(e.kind(), "store");
        let text = e.to_string();
        assert!(text.contains("127.0.0.1:1"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
