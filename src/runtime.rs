//! The one tokio runtime the library owns. The async API is the only implementation; the
//! blocking facades `block_on` here and the foreign async methods spawn here, so no host
//! event loop ever runs weixinkit's I/O.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::sync::LazyLock;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::{Error, Result};

static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("weixinkit")
        .enable_all()
        .build()
        .expect("weixinkit: cannot start its tokio runtime")
});

/// The library's runtime (for bridges that need the runtime itself, e.g. Python's asyncio).
pub fn runtime() -> &'static Runtime {
    &RUNTIME
}

/// The library's runtime handle (for spawning from foreign async methods).
pub fn handle() -> &'static Handle {
    RUNTIME.handle()
}

/// Run `future` to completion on the library's runtime, blocking this thread.
///
/// Refuses (instead of panicking) when called from a thread that is already inside a tokio
/// runtime, e.g. from an async task or a host-store callback: use the async API there.
pub fn block_on<F: Future<Output = Result<T>>, T>(future: F) -> Result<T> {
    if Handle::try_current().is_ok() {
        return Err(Error::InvalidInput {
            code: crate::codes::INVALID_ARGUMENT,
            reason: "a blocking weixinkit call was made from inside an async runtime; \
                     use the async API there"
                .into(),
        });
    }
    RUNTIME.block_on(future)
}

thread_local! {
    /// This thread's own single-threaded runtime, for [`block_on_here`].
    static HERE: RefCell<Option<Runtime>> = const { RefCell::new(None) };
    /// Set while this thread runs a future in [`block_on_here`] (or [`enter_here`]).
    static IN_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Run `future` to completion on the calling thread alone: its timers and sockets are driven
/// by a single-threaded runtime that belongs to this thread, so a blocking call makes no
/// hand-off to the library's worker threads and back (two cross-thread wake-ups per HTTP call,
/// which cost more CPU than the call itself). HTTP requests made inside use a connection pool
/// of this thread's own ([`crate::http::HttpClient`]); Redis commands still go through the
/// library's runtime, whose connection every thread shares.
///
/// Refuses like [`block_on`] when called from inside a runtime.
pub fn block_on_here<F: Future<Output = Result<T>>, T>(future: F) -> Result<T> {
    if Handle::try_current().is_ok() {
        return block_on(future);
    }
    with_here(|runtime| {
        let _here = Here::enter();
        runtime.block_on(future)
    })
}

/// Enter this thread's runtime (see [`block_on_here`]) without running anything, e.g. to poll
/// a future once before deciding to block on it. Work started inside continues in the next
/// [`block_on_here`] on this thread.
pub fn enter_here<R>(f: impl FnOnce() -> R) -> R {
    with_here(|runtime| {
        let _context = runtime.enter();
        let _here = Here::enter();
        f()
    })
}

fn with_here<R>(f: impl FnOnce(&Runtime) -> R) -> R {
    HERE.with(|here| {
        if here.borrow().is_none() {
            let runtime = Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("weixinkit: cannot start a thread's runtime");
            *here.borrow_mut() = Some(runtime);
        }
        let here = here.borrow();
        f(here.as_ref().expect("set above"))
    })
}

/// Whether the caller runs inside [`block_on_here`] / [`enter_here`] on this thread.
pub(crate) fn in_here() -> bool {
    IN_HERE.with(Cell::get)
}

struct Here(bool);

impl Here {
    fn enter() -> Self {
        Here(IN_HERE.with(|c| c.replace(true)))
    }
}

impl Drop for Here {
    fn drop(&mut self) {
        IN_HERE.with(|c| c.set(self.0));
    }
}

/// Run `future` on the library's runtime when the caller is on a thread's own runtime
/// ([`block_on_here`]); else simply await it. For resources every thread shares whose
/// background tasks must live on the library's runtime (the Redis connection).
pub(crate) async fn on_library_runtime<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if !in_here() {
        return future.await;
    }
    match RUNTIME.spawn(future).await {
        Ok(output) => output,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // The library's runtime is never shut down, so its tasks are never cancelled.
        Err(e) => unreachable!("weixinkit: a task on the library's runtime was cancelled: {e}"),
    }
}

/// Run `future` on the library's runtime and await its result from any executor (Python's
/// asyncio, Kotlin coroutines, another tokio runtime).
pub async fn spawn<F, T>(future: F) -> Result<T>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    match RUNTIME.spawn(future).await {
        Ok(result) => result,
        Err(e) => Err(Error::Internal(format!("weixinkit task failed: {e}"))),
    }
}
