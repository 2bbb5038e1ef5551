//! The Open Platform and WeCom part of the Python stub (`bindings/python/python/weixinkit/_native.pyi`)
//! is generated from the endpoint table: these tests regenerate each marked section and fail
//! when the committed stub has drifted; `WEIXINKIT_BLESS=1` rewrites the sections instead.

use std::path::PathBuf;

use weixinkit::ffi::endpoints::{
    Row, AUTHORIZER_ROWS, COMPONENT_ROWS, CORP_ROWS, OAUTH_STATE_ROWS, OFFICIAL_ACCOUNT_ROWS,
    PROVIDER_ROWS, SUITE_ROWS, WEBSITE_APP_ROWS, WORK_ACCOUNT_ROWS,
};

const STUB: &str = "bindings/python/python/weixinkit/_native.pyi";
const REGENERATE: &str = "WEIXINKIT_BLESS=1 cargo test --test integration python_stub";

/// A Rust type of the table as the Python type the native module takes or returns.
fn python_type(rust: &str, argument: bool) -> String {
    let rust: String = rust.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(inner) = rust
        .strip_prefix("Option<")
        .and_then(|r| r.strip_suffix('>'))
    {
        return format!("Optional[{}]", python_type(inner, argument));
    }
    if let Some(inner) = rust.strip_prefix("Vec<").and_then(|r| r.strip_suffix('>')) {
        return format!("list[{}]", python_type(inner, argument));
    }
    match (rust.as_str(), argument) {
        ("String", _) => "str".into(),
        ("i64", _) => "int".into(),
        ("bool", _) => "bool".into(),
        ("JsSdkConfig", _) => "dict[str, Any]".into(),
        ("()", _) => "None".into(),
        ("Query", _) => "_Query".into(),
        ("Json", true) => "_Json".into(),
        ("Json", false) => "_JsonObject".into(),
        ("Body", _) => "Union[str, bytes]".into(),
        ("AuthorizationUrlOptions", _) => "_UrlOptions".into(),
        (other, _) => other.into(),
    }
}

fn methods(rows: &[Row], is_async: bool) -> String {
    let mut out = String::new();
    for row in rows {
        let mut params = vec!["self".to_string()];
        for (name, ty, has_default) in row.args {
            let default = if *has_default { " = ..." } else { "" };
            params.push(format!("{name}: {}{default}", python_type(ty, true)));
        }
        let ret = python_type(row.ret, false);
        let ret = if is_async && row.io {
            format!("Awaitable[{ret}]")
        } else {
            ret
        };
        out.push_str(&format!(
            "    def {}({}) -> {ret}:\n",
            row.name,
            params.join(", ")
        ));
        let doc: Vec<&str> = row.doc.iter().map(|l| l.trim()).collect();
        out.push_str(&format!("        \"\"\"{}\"\"\"\n", doc.join(" ")));
        out.push_str("        ...\n");
    }
    out
}

fn sections() -> Vec<(&'static str, String)> {
    vec![
        ("OfficialAccount", methods(OFFICIAL_ACCOUNT_ROWS, false)),
        ("AsyncOfficialAccount", methods(OFFICIAL_ACCOUNT_ROWS, true)),
        ("Component", methods(COMPONENT_ROWS, false)),
        ("AsyncComponent", methods(COMPONENT_ROWS, true)),
        ("Authorizer", methods(AUTHORIZER_ROWS, false)),
        ("AsyncAuthorizer", methods(AUTHORIZER_ROWS, true)),
        ("Provider", methods(PROVIDER_ROWS, false)),
        ("AsyncProvider", methods(PROVIDER_ROWS, true)),
        ("Suite", methods(SUITE_ROWS, false)),
        ("AsyncSuite", methods(SUITE_ROWS, true)),
        ("Corp", methods(CORP_ROWS, false)),
        ("AsyncCorp", methods(CORP_ROWS, true)),
        ("WorkAccount", methods(WORK_ACCOUNT_ROWS, false)),
        ("AsyncWorkAccount", methods(WORK_ACCOUNT_ROWS, true)),
        ("WebsiteApp", methods(WEBSITE_APP_ROWS, false)),
        ("AsyncWebsiteApp", methods(WEBSITE_APP_ROWS, true)),
        ("OAuthState", methods(OAUTH_STATE_ROWS, false)),
    ]
}

fn begin(class: &str) -> String {
    format!("    # --- {class}: generated from src/ffi/endpoints.rs ({REGENERATE}) ---\n")
}

fn end(class: &str) -> String {
    format!("    # --- end of the generated {class} methods ---\n")
}

/// The stub with every section regenerated, or what is wrong with its markers.
fn regenerate(stub: &str) -> Result<String, String> {
    let mut text = stub.to_string();
    for (class, body) in sections() {
        let (b, e) = (begin(class), end(class));
        let start = text
            .find(&b)
            .ok_or_else(|| format!("{STUB}: no line {:?} in class {class}", b.trim()))?;
        let stop = text[start..]
            .find(&e)
            .map(|i| start + i)
            .ok_or_else(|| format!("{STUB}: no line {:?}", e.trim()))?;
        text.replace_range(start + b.len()..stop, &body);
    }
    Ok(text)
}

#[test]
fn python_stub_follows_the_endpoint_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(STUB);
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let generated = regenerate(&committed).unwrap_or_else(|e| panic!("{e}"));
    if std::env::var_os("WEIXINKIT_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the stub");
        return;
    }
    assert!(
        committed == generated,
        "{STUB} has drifted from src/ffi/endpoints.rs; run `{REGENERATE}`"
    );
}

#[test]
fn rust_types_map_to_python_types() {
    assert_eq!(python_type("Option<String>", true), "Optional[str]");
    assert_eq!(
        python_type("Vec < AuthorizerListItem >", false),
        "list[AuthorizerListItem]"
    );
    assert_eq!(python_type("Json", true), "_Json");
    assert_eq!(python_type("Json", false), "_JsonObject");
    let stub = format!(
        "class X:\n{}    old\n{}",
        begin("Component"),
        end("Component")
    );
    assert!(regenerate(&stub).is_err(), "the other sections are missing");
}
