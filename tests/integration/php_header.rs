//! `bindings/php/weixinkit.h` is generated from the C ABI (`src/ffi/capi.rs`) by cbindgen with
//! `cbindgen.toml`. These tests regenerate it and fail when the committed file has drifted;
//! `WEIXINKIT_BLESS=1` rewrites the file instead.

use std::path::{Path, PathBuf};

const HEADER: &str = "bindings/php/weixinkit.h";
const REGENERATE: &str = "WEIXINKIT_BLESS=1 cargo test --test integration php_header";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate(root: &Path) -> String {
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cannot read cbindgen.toml: {e}"));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        // Only the C ABI module: parsing the whole crate would also walk the crypto internals.
        .with_src(root.join("src/ffi/capi.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen cannot generate the header: {e}"));
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("cbindgen writes UTF-8")
}

fn first_difference(committed: &str, generated: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut generated_lines = generated.lines();
    for line in 1.. {
        match (committed_lines.next(), generated_lines.next()) {
            (None, None) => break,
            (a, b) if a == b => continue,
            (a, b) => {
                return format!(
                    "first difference at line {line}:\n  committed: {}\n  generated: {}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                )
            }
        }
    }
    "the files differ only in line endings".into()
}

#[test]
fn php_header_matches_the_c_abi() {
    let root = root();
    let generated = generate(&root);
    let path = root.join(HEADER);
    if std::env::var("WEIXINKIT_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {HEADER} ({e}); generate it with `{REGENERATE}`"));
    assert!(
        committed == generated,
        "{HEADER} does not match the C ABI in src/ffi/capi.rs; regenerate it with \
         `{REGENERATE}` and commit it.\n{}",
        first_difference(&committed, &generated)
    );
}

/// The header as PHP's FFI reads it (`Native::cdefHeader()` in bindings/php/src/Native.php):
/// the `#ifdef __cplusplus` blocks (the C++ wrapper) removed.
fn without_cplusplus_blocks(header: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in header.lines() {
        let code = line.trim_start();
        if code.starts_with("#ifdef __cplusplus") {
            skipping = true;
        } else if skipping && code.starts_with("#endif") {
            skipping = false;
        } else if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn php_header_is_c_and_cpp_ready_and_plain_declarations_for_php_ffi() {
    let generated = generate(&root());
    // C and C++: an include guard, the standard types, the C++ linkage wrapper.
    for needed in [
        "#ifndef WEIXINKIT_H",
        "#include <stdbool.h>",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "extern \"C\" {",
    ] {
        assert!(
            generated.contains(needed),
            "{needed} is missing from the header"
        );
    }
    // PHP's FFI::cdef skips `#` lines (so macros and constants would be lost silently) and
    // rejects `extern "C"`: once the C++ wrapper is removed, it must see declarations only.
    let ffi = without_cplusplus_blocks(&generated);
    for (n, line) in ffi.lines().enumerate() {
        let code = line.trim_start();
        assert!(
            !code.contains("extern \"C\""),
            "line {}: extern \"C\" outside an #ifdef __cplusplus block: {line}",
            n + 1
        );
        if let Some(directive) = code.strip_prefix('#') {
            let directive = directive.trim_start();
            assert!(
                [
                    "ifndef WEIXINKIT_H",
                    "define WEIXINKIT_H",
                    "endif",
                    "include <"
                ]
                .iter()
                .any(|allowed| directive.starts_with(allowed)),
                "line {}: a preprocessor line FFI::cdef would drop silently: {line}",
                n + 1
            );
        }
    }
    for export in [
        "wxk_version",
        "wxk_string_free",
        "wxk_crypto_new",
        "wxk_crypto_free",
        "wxk_crypto_decrypt_message",
        "wxk_crypto_decrypt_message_items",
        "wxk_message_items",
        "wxk_parse_message",
    ] {
        assert!(
            ffi.contains(&format!("{export}(")),
            "{export} is missing from the header"
        );
    }
}
