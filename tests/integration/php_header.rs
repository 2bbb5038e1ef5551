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

#[test]
fn php_header_is_plain_declarations_php_ffi_can_parse() {
    // PHP's FFI::cdef drops `#` lines (so macros and constants would be lost silently) and
    // rejects `extern "C"`: the header must be declarations only.
    let generated = generate(&root());
    for (n, line) in generated.lines().enumerate() {
        let code = line.trim_start();
        assert!(
            !code.starts_with('#'),
            "line {}: preprocessor line in the header: {line}",
            n + 1
        );
        assert!(
            !code.contains("extern \"C\""),
            "line {}: extern \"C\" in the header: {line}",
            n + 1
        );
    }
    for export in [
        "wxk_version",
        "wxk_string_free",
        "wxk_crypto_new",
        "wxk_crypto_free",
        "wxk_crypto_decrypt_message",
        "wxk_parse_message",
    ] {
        assert!(
            generated.contains(&format!("{export}(")),
            "{export} is missing from the header"
        );
    }
}
