// The package version, one number for the crate and every binding: Cargo.toml's, which
// pom.xml, the Python package (from Cargo.toml) and the PHP package repeat.
// tests/integration/host_drift.rs fails when any of them differs.
@file:JvmName("Weixinkit")

package weixinkit

/** This package's version, the same as the Rust crate's and the Python and PHP packages'. */
const val VERSION: String = "0.1.0"
