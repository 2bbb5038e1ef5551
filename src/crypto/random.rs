//! The 16-byte random prefix of every encrypted reply, drawn from the operating system's
//! random source in batches.
//!
//! One `getrandom` call per reply was a fifth of `encrypt_reply`'s time: the kernel builds a
//! fresh generator state on every call, however few bytes are asked for. Each thread keeps a
//! small buffer of OS random bytes instead and hands out each byte once.
//!
//! A forked child must not replay its parent's buffer (PHP-FPM and pre-forking Python servers
//! fork after loading the library): a `pthread_atfork` child handler bumps a generation number,
//! and a buffer filled under an older generation is discarded. Bytes are zeroed as they are
//! handed out, so what stays in memory is only what has not been used yet.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// 32 prefixes per system call.
const BATCH: usize = 512;

/// Bumped in every child process right after `fork`.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

struct Pool {
    bytes: [u8; BATCH],
    /// Bytes before `next` have been handed out (and zeroed).
    next: usize,
    generation: u64,
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { bytes: [0; BATCH], next: BATCH, generation: 0 })
    };
}

#[cfg(unix)]
fn watch_forks() -> bool {
    use std::sync::OnceLock;
    extern "C" fn in_child() {
        FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
    }
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    // SAFETY: `in_child` only touches an atomic, which is async-signal-safe as a fork handler
    // must be; registering once for the life of the process is all pthread_atfork needs.
    *REGISTERED.get_or_init(|| unsafe { libc::pthread_atfork(None, None, Some(in_child)) } == 0)
}

#[cfg(not(unix))]
fn watch_forks() -> bool {
    // No fork to guard against.
    true
}

/// 16 bytes from the operating system's random source.
pub(crate) fn prefix() -> Result<[u8; 16], getrandom::Error> {
    let mut out = [0u8; 16];
    if !watch_forks() {
        // Without a fork handler a buffer could be shared with a child: ask every time.
        getrandom::fill(&mut out)?;
        return Ok(out);
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let generation = FORK_GENERATION.load(Ordering::Relaxed);
        if pool.generation != generation || pool.next + out.len() > BATCH {
            getrandom::fill(&mut pool.bytes)?;
            pool.next = 0;
            pool.generation = generation;
        }
        let range = pool.next..pool.next + out.len();
        out.copy_from_slice(&pool.bytes[range.clone()]);
        pool.bytes[range].fill(0);
        pool.next += out.len();
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn prefixes_never_repeat_across_refills() {
        // Several refills' worth: every prefix distinct, none all-zero (a handed-out slot).
        let seen: HashSet<[u8; 16]> = (0..BATCH).map(|_| prefix().unwrap()).collect();
        assert_eq!(seen.len(), BATCH);
        assert!(!seen.contains(&[0; 16]));
    }

    #[test]
    fn a_new_generation_discards_the_buffer() {
        let _ = prefix().unwrap();
        let left = POOL.with(|p| p.borrow().next);
        assert!(left > 0 && left < BATCH);
        FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
        let _ = prefix().unwrap();
        // Refilled from the start, under the new generation.
        POOL.with(|p| {
            let p = p.borrow();
            assert_eq!(p.next, 16);
            assert_eq!(p.generation, FORK_GENERATION.load(Ordering::Relaxed));
        });
    }

    #[cfg(unix)]
    #[test]
    fn a_forked_child_draws_different_bytes_from_its_parent() {
        // Fill the buffer in the parent; the child must not draw the bytes that come next here.
        let _ = prefix().unwrap();
        let upcoming: [u8; 16] = POOL.with(|p| {
            let p = p.borrow();
            p.bytes[p.next..p.next + 16].try_into().unwrap()
        });
        let mut fds = [0i32; 2];
        // SAFETY: plain POSIX calls; the child only calls `prefix`, writes and exits.
        unsafe {
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            let pid = libc::fork();
            assert!(pid >= 0);
            if pid == 0 {
                let p = prefix().unwrap_or([0; 16]);
                libc::write(fds[1], p.as_ptr().cast(), 16);
                libc::_exit(0);
            }
            let mut theirs = [0u8; 16];
            assert_eq!(libc::read(fds[0], theirs.as_mut_ptr().cast(), 16), 16);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
            libc::close(fds[0]);
            libc::close(fds[1]);
            assert_ne!(theirs, [0; 16]);
            assert_ne!(
                upcoming, theirs,
                "the child replayed the parent's random bytes"
            );
        }
    }
}
