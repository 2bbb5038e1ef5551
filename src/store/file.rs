//! The file store: one directory shared by the processes of a machine.
//!
//! Layout: `<dir>/<key>` holds `<expires_at_ms or 0>\n<value>`; writes go to a temporary
//! file that is renamed over the old one (readers see the old or the new value, never a
//! torn one); durable values are fsynced before the rename. Locks are `flock`s on
//! `<dir>/locks/<key>`, which the OS releases when the holding process dies. The directory
//! is created with mode 0700 and files with 0600: tokens are secrets.
//!
//! Operations are plain blocking system calls on small files (a few µs), run inline.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{new_fence, Store};
use crate::{Error, Result};

/// Values and locks in a directory (see the module docs for the layout).
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    locks_dir: PathBuf,
    held: Mutex<HashMap<String, (String, File)>>,
    counter: AtomicU64,
    inserts: AtomicU64,
}

/// Every this many [`Store::set_if_absent`] calls, the expired entries of the key's family
/// (the key up to its last `:`) are removed: such keys (one per push seen) are never read
/// again once expired, and files do not expire by themselves.
const SWEEP_EVERY: u64 = 64;

impl FileStore {
    /// Use `dir`, creating it (and `dir/locks`) if missing.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let locks_dir = dir.join("locks");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&locks_dir)
            .map_err(|e| store_error("create", &locks_dir, e))?;
        Ok(FileStore {
            dir,
            locks_dir,
            held: Mutex::new(HashMap::new()),
            counter: AtomicU64::new(0),
            inserts: AtomicU64::new(0),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(file_name(key))
    }

    /// Remove the expired entries whose keys start with `family` (best effort).
    fn sweep_expired(&self, family: &str) {
        let prefix = file_name(family);
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = now_ms();
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.to_str().is_some_and(|n| n.starts_with(&prefix)) {
                continue;
            }
            let path = entry.path();
            let mut head = [0u8; 24];
            let expires_ms = File::open(&path)
                .and_then(|mut f| f.read(&mut head))
                .ok()
                .and_then(|n| {
                    let text = std::str::from_utf8(&head[..n]).ok()?;
                    text.split_once('\n')?.0.parse::<u64>().ok()
                });
            if expires_ms.is_some_and(|ms| ms != 0 && ms <= now) {
                let _ = fs::remove_file(&path);
            }
        }
    }

    fn write(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        let expires_ms = ttl.map(|t| now_ms().saturating_add(t.as_millis() as u64));
        let path = self.path(key);
        let tmp = self.dir.join(format!(
            ".tmp.{}.{}.{}",
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed),
            file_name(key)
        ));
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(format!("{}\n", expires_ms.unwrap_or(0)).as_bytes())?;
            f.write_all(value.as_bytes())?;
            if ttl.is_none() {
                f.sync_all()?;
            }
            fs::rename(&tmp, &path)?;
            if ttl.is_none() {
                File::open(&self.dir)?.sync_all()?;
            }
            Ok(())
        })();
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            store_error("write", &path, e)
        })
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn store_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Store(format!("file store: cannot {what} {}: {e}", path.display()))
}

/// Keys become file names: `[A-Za-z0-9_.:-]` kept, anything else `%XX`-escaped.
fn file_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b':')
            || (b == b'.' && !name.is_empty())
        {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    name
}

#[async_trait::async_trait]
impl Store for FileStore {
    async fn get(&self, key: &str) -> Result<Option<String>> {
        let path = self.path(key);
        let mut text = String::new();
        match File::open(&path).and_then(|mut f| f.read_to_string(&mut text)) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(store_error("read", &path, e)),
        }
        let Some((header, value)) = text.split_once('\n') else {
            return Err(Error::Store(format!(
                "file store: {} is not a weixinkit entry",
                path.display()
            )));
        };
        let expires_ms: u64 = header.parse().map_err(|_| {
            Error::Store(format!("file store: {} has a bad header", path.display()))
        })?;
        if expires_ms != 0 && expires_ms <= now_ms() {
            return Ok(None);
        }
        Ok(Some(value.to_string()))
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
        self.write(key, value, ttl)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(store_error("delete", &path, e)),
            _ => Ok(()),
        }
    }

    async fn set_if_absent(
        &self,
        key: &str,
        lock_key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool> {
        let sweep = self
            .inserts
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(SWEEP_EVERY);
        let family = key.rsplit_once(':').map(|(family, _)| format!("{family}:"));
        // Under the lock every writer of the family takes, so no fresh entry is removed.
        super::set_if_absent_under_lock(self, key, lock_key, value, ttl, || {
            if let (true, Some(family)) = (sweep, &family) {
                self.sweep_expired(family);
            }
        })
        .await
    }

    async fn try_lock(&self, lock_key: &str, _ttl: Duration) -> Result<Option<String>> {
        let path = self.locks_dir.join(file_name(lock_key));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| store_error("open lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {
                let fence = new_fence();
                let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
                held.insert(lock_key.to_string(), (fence.clone(), file));
                Ok(Some(fence))
            }
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(store_error("lock", &path, e)),
        }
    }

    async fn unlock(&self, lock_key: &str, fence: &str) -> Result<()> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if held.get(lock_key).is_some_and(|(f, _)| f == fence) {
            // Dropping the file closes it, which releases the flock.
            held.remove(lock_key);
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
        let holds = {
            let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
            held.get(lock_key).is_some_and(|(f, _)| f == fence)
        };
        if holds {
            self.write(key, value, ttl)?;
        }
        Ok(holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("weixinkit-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn set_if_absent_sweeps_the_expired_entries_of_its_family() {
        let dir = temp_dir("sweep");
        let store = FileStore::open(&dir).unwrap();
        let lock = "weixinkit:lock:seen_push:wx1:wx1";
        store
            .set(
                "weixinkit:access_token:wx1:wx1",
                "t",
                Some(Duration::from_millis(1)),
            )
            .await
            .unwrap();
        for i in 0..SWEEP_EVERY {
            let key = format!("weixinkit:seen_push:wx1:{i}");
            let ttl = Duration::from_millis(if i == 1 { 60_000 } else { 50 });
            assert!(store.set_if_absent(&key, lock, "seen", ttl).await.unwrap());
        }
        let family = |store: &FileStore| {
            fs::read_dir(store.dir())
                .unwrap()
                .filter(|e| {
                    let name = e.as_ref().unwrap().file_name();
                    name.to_str()
                        .unwrap()
                        .starts_with("weixinkit:seen_push:wx1:")
                })
                .count()
        };
        assert_eq!(family(&store), SWEEP_EVERY as usize);
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The next sweeping call removes the expired entries of the family, and only those.
        let key = "weixinkit:seen_push:wx1:fresh";
        let ttl = Duration::from_secs(60);
        assert!(store.set_if_absent(key, lock, "seen", ttl).await.unwrap());
        assert_eq!(family(&store), 2);
        assert!(!store
            .set_if_absent("weixinkit:seen_push:wx1:1", lock, "x", ttl)
            .await
            .unwrap());
        assert!(dir.join("weixinkit:access_token:wx1:wx1").exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn file_store_meets_the_contract() {
        let dir = temp_dir("contract");
        super::super::contract::check(&FileStore::open(&dir).unwrap()).await;
        fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn values_survive_reopening_and_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("reopen");
        FileStore::open(&dir)
            .unwrap()
            .set(
                "weixinkit:component_verify_ticket:wx1:wx1",
                "{\"value\":\"t\"}",
                None,
            )
            .await
            .unwrap();
        let again = FileStore::open(&dir).unwrap();
        assert_eq!(
            again
                .get("weixinkit:component_verify_ticket:wx1:wx1")
                .await
                .unwrap()
                .as_deref(),
            Some("{\"value\":\"t\"}")
        );
        let mode = fs::metadata(dir.join("weixinkit:component_verify_ticket:wx1:wx1"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with(".tmp")), "{names:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn two_store_instances_exclude_each_other_like_two_processes() {
        let dir = temp_dir("twolocks");
        let a = FileStore::open(&dir).unwrap();
        let b = FileStore::open(&dir).unwrap();
        let ttl = Duration::from_secs(30);
        let fence = a.try_lock("weixinkit:lock:x", ttl).await.unwrap().unwrap();
        assert_eq!(b.try_lock("weixinkit:lock:x", ttl).await.unwrap(), None);
        a.unlock("weixinkit:lock:x", &fence).await.unwrap();
        assert!(b.try_lock("weixinkit:lock:x", ttl).await.unwrap().is_some());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn odd_keys_become_safe_file_names() {
        assert_eq!(file_name("weixinkit:a_b-c.d:1"), "weixinkit:a_b-c.d:1");
        assert_eq!(file_name("../x/y"), "%2E.%2Fx%2Fy");
        assert_eq!(file_name("."), "%2E");
    }
}
