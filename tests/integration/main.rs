//! The one integration-test binary (each file in tests/ would link separately).

mod properties;
mod vectors;
