//! The one tokio runtime the library owns. The async API is the only implementation; the
//! blocking facades `block_on` here and the foreign async methods spawn here, so no host
//! event loop ever runs weixinkit's I/O.

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
