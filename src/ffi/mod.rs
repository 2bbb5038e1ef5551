//! Foreign facades: uniffi (Python, Kotlin) and a C ABI (PHP). Each function converts its
//! arguments, calls the core and converts the result back; no logic lives here.

pub mod capi;
#[allow(missing_docs)]
pub mod uniffi;
