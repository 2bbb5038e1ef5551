//! What the hosts write by hand must follow the core's lists: every operation of the endpoint
//! table has its PHP method (Python and Kotlin get theirs from the generators), and every
//! error kind has its class in every host.

use std::path::PathBuf;

use weixinkit::ffi::endpoints::{
    AUTHORIZER_METHODS, COMPONENT_METHODS, CORP_METHODS, OAUTH_STATE_METHODS,
    OFFICIAL_ACCOUNT_METHODS, PROVIDER_METHODS, SUITE_METHODS, WEBSITE_APP_METHODS,
    WORK_ACCOUNT_METHODS,
};
use weixinkit::ERROR_KINDS;

fn read(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

fn pascal(snake: &str) -> String {
    let c = camel(snake);
    let mut chars = c.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn missing_php_methods(file: &str, names: &[&str], call: impl Fn(&str) -> String) -> Vec<String> {
    let php = read(file);
    names
        .iter()
        .filter(|name| {
            let method = format!("public function {}(", camel(name));
            // The method exists and reaches the row by its name.
            !(php.contains(&method) && php.contains(&call(name)))
        })
        .map(|name| format!("{file}: {} (row {name})", camel(name)))
        .collect()
}

#[test]
fn every_table_row_has_its_php_method() {
    let mut missing = missing_php_methods(
        "bindings/php/src/Component.php",
        COMPONENT_METHODS,
        |name| format!("'{name}'"),
    );
    missing.extend(missing_php_methods(
        "bindings/php/src/OfficialAccount.php",
        OFFICIAL_ACCOUNT_METHODS,
        |name| format!("call('{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/Authorizer.php",
        AUTHORIZER_METHODS,
        |name| format!("invoke('{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/Provider.php",
        PROVIDER_METHODS,
        |name| format!("'{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/Suite.php",
        SUITE_METHODS,
        |name| format!("'{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/Corp.php",
        CORP_METHODS,
        |name| format!("invoke('{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/WorkAccount.php",
        WORK_ACCOUNT_METHODS,
        |name| format!("'{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/WebsiteApp.php",
        WEBSITE_APP_METHODS,
        |name| format!("invoke('{name}'"),
    ));
    missing.extend(missing_php_methods(
        "bindings/php/src/OAuthState.php",
        OAUTH_STATE_METHODS,
        |name| format!("invoke('{name}'"),
    ));
    assert!(
        missing.is_empty(),
        "operations of src/ffi/endpoints.rs without a PHP method calling them:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_name_helpers_convert_as_the_hosts_do() {
    assert_eq!(camel("create_pre_auth_code"), "createPreAuthCode");
    assert_eq!(camel("jscode2session"), "jscode2session");
    assert_eq!(pascal("reauthorization_needed"), "ReauthorizationNeeded");
}

#[test]
fn every_error_kind_has_its_class_in_every_host() {
    let php = read("bindings/php/src/Native.php");
    let python = read("bindings/python/python/weixinkit/__init__.py");
    let python_native = read("src/ffi/python.rs");
    let udl = read("udl/weixinkit.udl");
    let kotlin = read("bindings/kotlin/src/main/kotlin/weixinkit/Extensions.kt");
    let mut missing = Vec::new();
    for kind in ERROR_KINDS {
        let class = pascal(kind);
        let checks = [
            (
                "PHP Native::EXCEPTIONS",
                php.contains(&format!("'{kind}' => {class}Exception::class")),
            ),
            (
                "PHP exception class file",
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("bindings/php/src/{class}Exception.php"))
                    .exists(),
            ),
            (
                "Python _VARIANTS",
                python.contains(&format!("(\"{class}\",")),
            ),
            (
                "Python ERROR_CLASSES",
                python_native.contains(&format!("(\"{kind}\", \"{class}\")")),
            ),
            (
                "UDL WeixinkitError",
                udl.contains(&format!("  {class}(i32 code")),
            ),
            (
                "Kotlin code/reason",
                kotlin.contains(&format!("is WeixinkitException.{class} ->")),
            ),
        ];
        for (place, ok) in checks {
            if !ok {
                missing.push(format!("{kind}: {place}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "error kinds of weixinkit::ERROR_KINDS missing in a host:\n{}",
        missing.join("\n")
    );
}

/// One version number for the crate and every package: each place a host repeats it by hand
/// must say the crate's, and the changelog must have its section.
#[test]
fn every_package_has_the_crate_version() {
    let v = env!("CARGO_PKG_VERSION");
    let places = [
        (
            "bindings/kotlin/pom.xml",
            format!("<artifactId>weixinkit</artifactId>\n  <version>{v}</version>"),
        ),
        (
            "bindings/kotlin/src/main/kotlin/weixinkit/Version.kt",
            format!("const val VERSION: String = \"{v}\""),
        ),
        (
            "bindings/php/src/Weixinkit.php",
            format!("public const VERSION = '{v}';"),
        ),
        (
            "bindings/php/ext/php_weixinkit.h",
            format!("#define PHP_WEIXINKIT_VERSION \"{v}\""),
        ),
        // maturin takes the wheel's version from Cargo.toml.
        (
            "bindings/python/pyproject.toml",
            "dynamic = [\"version\"]".to_string(),
        ),
        ("CHANGELOG.md", format!("\n## {v} ")),
    ];
    let wrong: Vec<String> = places
        .iter()
        .filter(|(file, needle)| !read(file).contains(needle.as_str()))
        .map(|(file, needle)| format!("{file}: expected {needle:?}"))
        .collect();
    assert!(
        wrong.is_empty(),
        "version {v} not found in:\n{}",
        wrong.join("\n")
    );
}
