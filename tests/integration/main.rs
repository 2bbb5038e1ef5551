//! The one integration-test binary (each file in tests/ would link separately).

mod host_drift;
mod logging;
mod oauth;
mod open_platform;
mod php_header;
mod properties;
mod python_stub;
mod tokens;
mod vectors;
mod wecom;
