//! The three callback entry points — the Open Platform's authorization event URL, a WeCom
//! suite's callback URL and an Official Account's server URL — fed correctly signed and
//! encrypted pushes whose plaintext is the fuzzer's input, so parsing and the lifecycle steps
//! (ticket storage, code exchange attempts against a closed loopback port, cancellations) run
//! on arbitrary XML and JSON. Any status is fine; panics, hangs and leaks are not.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use weixinkit::open_platform::CallbackRequest;
use weixinkit::wecom::{Suite, SuiteConfig};
use weixinkit::{
    msg_signature, Component, ComponentConfig, MessageCrypto, OfficialAccount,
    OfficialAccountConfig,
};

const TOKEN: &str = "token";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
// Port 9 (discard) is closed on loopback: every upstream call fails at once.
const HTTP: &str = r#""http":{"api_base_uri":"http://127.0.0.1:9","work_base_uri":"http://127.0.0.1:9","timeout_ms":200,"retry":{"max_retries":0}}"#;

struct Targets {
    component: Component,
    suite: Suite,
    account: OfficialAccount,
    component_crypto: MessageCrypto,
    suite_crypto: MessageCrypto,
    account_crypto: MessageCrypto,
}

fn targets() -> &'static Targets {
    static TARGETS: OnceLock<Targets> = OnceLock::new();
    TARGETS.get_or_init(|| {
        let component = Component::new(
            ComponentConfig::from_json(&format!(
                r#"{{"component_app_id":"wxc1","component_secret":"s","token":"{TOKEN}","encoding_aes_key":"{KEY}",{HTTP},"store":{{"type":"memory"}}}}"#
            ))
            .unwrap(),
        )
        .unwrap();
        let suite = Suite::new(
            SuiteConfig::from_json(&format!(
                r#"{{"suite_id":"wws1","suite_secret":"s","token":"{TOKEN}","encoding_aes_key":"{KEY}",{HTTP},"store":{{"type":"memory"}}}}"#
            ))
            .unwrap(),
        )
        .unwrap();
        let account = OfficialAccount::new(
            OfficialAccountConfig::from_json(&format!(
                r#"{{"app_id":"wxa1","secret":"s","token":"{TOKEN}","encoding_aes_key":"{KEY}",{HTTP},"store":{{"type":"memory"}}}}"#
            ))
            .unwrap(),
        )
        .unwrap();
        Targets {
            component,
            suite,
            account,
            component_crypto: MessageCrypto::new(TOKEN, KEY, "wxc1").unwrap(),
            suite_crypto: MessageCrypto::new(TOKEN, KEY, "wws1").unwrap(),
            account_crypto: MessageCrypto::new(TOKEN, KEY, "wxa1").unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let plain = String::from_utf8_lossy(rest);
    let t = targets();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let query = |signature: &str, extra: &[(&str, &str)]| {
        let mut q = vec![
            ("msg_signature".to_string(), signature.to_string()),
            ("timestamp".to_string(), now.clone()),
            ("nonce".to_string(), "n".to_string()),
        ];
        q.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        q
    };
    let envelope = |encrypt: &str| {
        if mode & 4 == 0 {
            format!("<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        } else {
            format!("{{\"encrypt\":{encrypt:?}}}")
        }
    };
    match mode % 4 {
        0 => {
            let encrypt = t.component_crypto.encrypt(&plain).unwrap();
            let request = CallbackRequest {
                method: "POST".into(),
                query: query(&msg_signature(TOKEN, &now, "n", &encrypt), &[]),
                body: envelope(&encrypt),
            };
            let _ = weixinkit::runtime::runtime().block_on(t.component.handle_callback(&request));
        }
        1 => {
            let encrypt = t.suite_crypto.encrypt(&plain).unwrap();
            let request = CallbackRequest {
                method: "POST".into(),
                query: query(&msg_signature(TOKEN, &now, "n", &encrypt), &[]),
                body: envelope(&encrypt),
            };
            let _ = weixinkit::runtime::runtime().block_on(t.suite.handle_callback(&request));
        }
        2 => {
            let encrypt = t.account_crypto.encrypt(&plain).unwrap();
            let signature = msg_signature(TOKEN, &now, "n", &encrypt);
            let request = CallbackRequest {
                method: "POST".into(),
                query: query(
                    &signature,
                    &[("encrypt_type", "aes"), ("signature", &msg_signature(TOKEN, &now, "n", ""))],
                ),
                body: envelope(&encrypt),
            };
            let _ = weixinkit::runtime::runtime().block_on(t.account.handle_message(&request));
        }
        _ => {
            // A plain-mode Official Account push: the body is the input itself, signed over
            // token, timestamp and nonce alone (an empty Encrypt value adds nothing).
            let signature = msg_signature(TOKEN, &now, "n", "");
            let request = CallbackRequest {
                method: "POST".into(),
                query: vec![
                    ("signature".into(), signature),
                    ("timestamp".into(), now.clone()),
                    ("nonce".into(), "n".into()),
                ],
                body: plain.into_owned(),
            };
            let _ = weixinkit::runtime::runtime().block_on(t.account.handle_message(&request));
        }
    }
});
