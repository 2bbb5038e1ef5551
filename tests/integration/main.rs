//! The one integration-test binary (each file in tests/ would link separately).

mod open_platform;
mod php_header;
mod properties;
mod tokens;
mod vectors;
