//! A token store implemented by the C ABI's caller (PHP's `HostStore`, e.g. over a PSR-16
//! cache), called back synchronously on the caller's own thread.
//!
//! PHP may only run on its own thread, and the C ABI has no async methods: every client call
//! runs its future with `block_on` on the calling thread, so the store's callback runs there
//! too. A call from any other thread (a background task on the library's runtime) is refused
//! with a store error instead of entering the host on the wrong thread.
//!
//! Each store has a number the configuration JSON names (`{"store":{"type":"host","id":7}}`);
//! the registry maps it to the store while the caller's handle lives, and every client built
//! from it holds the store itself, so freeing the handle never pulls a store from under a
//! client. The caller's context is released when the last holder drops it, on its thread.

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::thread::ThreadId;
use std::time::Duration;

use serde_json::Value;

use crate::store::Store;
use crate::{Error, Result};

use super::capi::WxkStoreOp;

/// The callback's answer: 0 done (with the value or fence as the reply's text), 1 absent
/// (`get`) or not acquired (`try_lock`), anything else failed (the reply's text says why).
pub(crate) type Call = unsafe extern "C" fn(
    ctx: *mut c_void,
    op: WxkStoreOp,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
    ttl_ms: i64,
    reply: *mut super::capi::WxkStoreReply,
) -> i32;

/// Releases the caller's context.
pub(crate) type Release = unsafe extern "C" fn(ctx: *mut c_void);

/// A host store as a core [`Store`].
pub(crate) struct CHostStore {
    call: Call,
    release: Option<Release>,
    ctx: *mut c_void,
    owner: ThreadId,
}

// SAFETY: the context is only ever handed to the caller's functions on the thread that created
// the store (`invoke` and `Drop` check `owner`); no other thread touches it.
unsafe impl Send for CHostStore {}
// SAFETY: as above: `&self` gives nothing but the checked calls.
unsafe impl Sync for CHostStore {}

impl Drop for CHostStore {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // Dropped elsewhere (by a task on the library's runtime), the context leaks rather
            // than entering the host on the wrong thread.
            if std::thread::current().id() == self.owner {
                // SAFETY: the caller gave `release` for this context, called once here.
                unsafe { release(self.ctx) }
            }
        }
    }
}

fn op_name(op: WxkStoreOp) -> &'static str {
    match op {
        WxkStoreOp::Get => "get",
        WxkStoreOp::Set => "set",
        WxkStoreOp::Delete => "delete",
        WxkStoreOp::TryLock => "try_lock",
        WxkStoreOp::Unlock => "unlock",
    }
}

impl CHostStore {
    /// One call into the host: its status (0 or 1) and reply text, or the store error.
    fn invoke(
        &self,
        op: WxkStoreOp,
        key: &str,
        value: &str,
        ttl_ms: i64,
    ) -> Result<(i32, Option<String>)> {
        let name = op_name(op);
        if std::thread::current().id() != self.owner {
            return Err(Error::Store(format!(
                "host store {name}: called from a thread other than the one that created the \
                 store (a host store can only serve calls made on its own thread)"
            )));
        }
        let mut reply = super::capi::WxkStoreReply::default();
        // SAFETY: the caller promised `call` accepts these arguments for `ctx` on this thread;
        // the strings and the reply live until it returns.
        let status = unsafe {
            (self.call)(
                self.ctx,
                op,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
                ttl_ms,
                &mut reply,
            )
        };
        let text = match reply.take() {
            None => None,
            Some(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
                Error::Store(format!("host store {name}: its reply is not valid UTF-8"))
            })?),
        };
        match status {
            0 | 1 => Ok((status, text)),
            _ => Err(Error::Store(format!(
                "host store {name}: {}",
                text.as_deref()
                    .filter(|t| !t.is_empty())
                    .unwrap_or("failed")
            ))),
        }
    }
}

fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl Store for CHostStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let (status, text) = self.invoke(WxkStoreOp::Get, key, "", -1)?;
        Ok(if status == 0 {
            Some(text.unwrap_or_default())
        } else {
            None
        })
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        self.invoke(WxkStoreOp::Set, key, value, ttl.map_or(-1, ttl_ms))
            .map(|_| ())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.invoke(WxkStoreOp::Delete, key, "", -1).map(|_| ())
    }

    async fn try_lock(&self, lock_key: &str, ttl: Duration) -> Result<Option<String>> {
        match self.invoke(WxkStoreOp::TryLock, lock_key, "", ttl_ms(ttl))? {
            (0, Some(fence)) if !fence.is_empty() => Ok(Some(fence)),
            (0, _) => Err(Error::Store(
                "host store try_lock: acquired without a fence (reply with the fence value)".into(),
            )),
            _ => Ok(None),
        }
    }

    async fn unlock(&self, lock_key: &str, fence: &str) -> Result<()> {
        self.invoke(WxkStoreOp::Unlock, lock_key, fence, -1)
            .map(|_| ())
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static REGISTRY: LazyLock<Mutex<HashMap<u64, Weak<CHostStore>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn registry() -> std::sync::MutexGuard<'static, HashMap<u64, Weak<CHostStore>>> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A registered host store: its number and the store.
pub(crate) struct Registered {
    pub(crate) id: u64,
    // Held, not read (except by tests): the handle keeps its store alive.
    #[cfg_attr(not(test), allow(dead_code))]
    store: Arc<CHostStore>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        registry().remove(&self.id);
    }
}

/// Register the caller's store on this thread.
pub(crate) fn register(call: Call, release: Option<Release>, ctx: *mut c_void) -> Registered {
    let store = Arc::new(CHostStore {
        call,
        release,
        ctx,
        owner: std::thread::current().id(),
    });
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    registry().insert(id, Arc::downgrade(&store));
    Registered { id, store }
}

impl Registered {
    /// The store, for a client.
    #[cfg(test)]
    pub(crate) fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
}

/// A client configuration with `"store": {"type": "host", "id": N}` taken out, and the store
/// it names; any other configuration unchanged (its own parser reports what is wrong with it).
pub(crate) fn take_from_config(json: &str) -> Result<(String, Option<Arc<dyn Store>>)> {
    let mut config: Value = match serde_json::from_str(json) {
        Ok(value) => value,
        Err(_) => return Ok((json.to_string(), None)),
    };
    let Some(store) = config.get("store").and_then(Value::as_object) else {
        return Ok((json.to_string(), None));
    };
    if store.get("type").and_then(Value::as_str) != Some("host") {
        return Ok((json.to_string(), None));
    }
    if let Some(unknown) = store.keys().find(|k| *k != "type" && *k != "id") {
        return Err(Error::Config(format!(
            "store: unknown option `{unknown}` for a host store (it takes `id`)"
        )));
    }
    let id = store
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::Config("store: a host store is named by its numeric `id`".into()))?;
    let found = registry().get(&id).and_then(Weak::upgrade);
    let store: Arc<CHostStore> = found.ok_or_else(|| {
        Error::Config(format!(
            "store: no host store {id} (it was released or never created)"
        ))
    })?;
    if let Some(object) = config.as_object_mut() {
        object.remove("store");
    }
    Ok((config.to_string(), Some(store)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    thread_local! {
        static MAP: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }

    unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
        std::str::from_utf8(std::slice::from_raw_parts(ptr, len)).unwrap()
    }

    /// A host store over a thread-local map; keys starting with `fail` fail.
    unsafe extern "C" fn map_store(
        _ctx: *mut c_void,
        op: WxkStoreOp,
        key: *const u8,
        key_len: usize,
        value: *const u8,
        value_len: usize,
        _ttl_ms: i64,
        reply: *mut super::super::capi::WxkStoreReply,
    ) -> i32 {
        let key = text(key, key_len).to_string();
        let value = text(value, value_len).to_string();
        let answer =
            |s: &str| super::super::capi::wxk_store_reply(reply, s.as_ptr().cast(), s.len());
        if key.starts_with("fail") {
            answer("the cache is down");
            return -1;
        }
        MAP.with(|map| {
            let mut map = map.borrow_mut();
            match op {
                WxkStoreOp::Get => match map.get(&key) {
                    Some(v) => {
                        answer(v);
                        0
                    }
                    None => 1,
                },
                WxkStoreOp::Set => {
                    map.insert(key, value);
                    0
                }
                WxkStoreOp::Delete => {
                    map.remove(&key);
                    0
                }
                WxkStoreOp::TryLock => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = map.entry(key) {
                        slot.insert("fence1".into());
                        answer("fence1");
                        0
                    } else {
                        1
                    }
                }
                WxkStoreOp::Unlock => {
                    if map.get(&key) == Some(&value) {
                        map.remove(&key);
                    }
                    0
                }
            }
        })
    }

    #[test]
    fn calls_reach_the_host_on_its_thread_and_nowhere_else() {
        let registered = register(map_store, None, std::ptr::null_mut());
        let store = registered.store();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            assert_eq!(store.get("k").await.unwrap(), None);
            store
                .set("k", "v", Some(Duration::from_secs(5)))
                .await
                .unwrap();
            assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
            assert_eq!(
                store
                    .try_lock("l", Duration::from_secs(1))
                    .await
                    .unwrap()
                    .as_deref(),
                Some("fence1")
            );
            assert_eq!(
                store.try_lock("l", Duration::from_secs(1)).await.unwrap(),
                None
            );
            store.unlock("l", "fence1").await.unwrap();
            assert!(store
                .try_lock("l", Duration::from_secs(1))
                .await
                .unwrap()
                .is_some());
            store.delete("k").await.unwrap();
            assert_eq!(store.get("k").await.unwrap(), None);
            let e = store.get("fail:k").await.unwrap_err();
            assert_eq!(e.kind(), "store");
            assert!(
                e.to_string().contains("host store get: the cache is down"),
                "{e}"
            );
        });
        let elsewhere = store.clone();
        let e = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(elsewhere.get("k")).unwrap_err()
        })
        .join()
        .unwrap();
        assert_eq!(e.kind(), "store");
        assert!(e.to_string().contains("thread other than"), "{e}");
    }

    #[test]
    fn configurations_name_a_live_store_by_number() {
        let registered = register(map_store, None, std::ptr::null_mut());
        let json = format!(
            r#"{{"app_id":"wx1","store":{{"type":"host","id":{}}}}}"#,
            registered.id
        );
        let (rest, store) = take_from_config(&json).unwrap();
        assert!(store.is_some());
        assert_eq!(rest, r#"{"app_id":"wx1"}"#);
        // Other stores and unparsable text pass through untouched.
        let file = r#"{"store":{"type":"file","dir":"/tmp/x"}}"#;
        assert_eq!(take_from_config(file).unwrap().0, file);
        assert_eq!(take_from_config("{nope").unwrap().0, "{nope");
        let e = take_from_config(r#"{"store":{"type":"host"}}"#)
            .err()
            .unwrap();
        assert_eq!(e.kind(), "config");
        let e = take_from_config(r#"{"store":{"type":"host","id":1,"url":"x"}}"#)
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown option `url`"), "{e}");
        let id = registered.id;
        drop(registered);
        let e = take_from_config(&format!(r#"{{"store":{{"type":"host","id":{id}}}}}"#))
            .err()
            .unwrap();
        assert!(
            e.to_string().contains(&format!("no host store {id}")),
            "{e}"
        );
    }
}
