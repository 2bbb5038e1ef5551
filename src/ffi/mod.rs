//! Foreign facades: uniffi (Kotlin), PyO3 (Python, feature `python`) and a C ABI (PHP). Each
//! function converts its arguments, calls the core and converts the result back; no logic
//! lives here.

pub mod capi;
pub mod dispatch;
pub mod jni;
#[cfg(feature = "python")]
// Fields are named after the wire fields they hold, as in the UDL.
#[allow(missing_docs)]
pub mod python;
#[allow(missing_docs)]
pub mod uniffi;
