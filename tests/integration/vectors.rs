//! The shared vectors in `../shared/vectors` (or `$WEIXINKIT_VECTORS`): the same inputs,
//! outputs and rejections every language's suite checks.

use std::path::PathBuf;

use serde_json::Value;
use weixinkit::message::parse_fields;
use weixinkit::{
    check_signature, decode_aes_key, msg_signature, parse_message, Error, Event, MessageCrypto,
};

fn vectors_dir() -> PathBuf {
    std::env::var_os("WEIXINKIT_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
}

fn load(name: &str) -> Value {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} (set WEIXINKIT_VECTORS): {e}",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no string {key}", v["id"]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The WXBizMsgCrypt codes named in `expected_error` ("… (-40007) / … (-40008)").
fn expected_codes(v: &Value) -> Vec<i32> {
    s(v, "expected_error")
        .split(|c: char| c != '-' && !c.is_ascii_digit())
        .filter_map(|t| t.parse().ok())
        .filter(|c: &i32| *c <= -40001)
        .collect()
}

fn crypto_for(v: &Value) -> Result<MessageCrypto, Error> {
    MessageCrypto::new(s(v, "token"), s(v, "encoding_aes_key"), s(v, "receiver_id"))
}

fn reject_reason_matches(reason: &str, err: &Error) -> bool {
    match reason {
        "signature_mismatch" => matches!(err, Error::InvalidSignature),
        "receiver_id_mismatch" => matches!(err, Error::ReceiverIdMismatch { .. }),
        "bad_padding" => matches!(err, Error::InvalidPadding),
        "bad_length" => matches!(err, Error::InvalidCiphertext(_)),
        "bad_key" => matches!(err, Error::InvalidAesKey(_)),
        other => panic!("unknown reject_reason {other}"),
    }
}

fn check_accept(v: &Value) {
    let id = s(v, "id");
    match s(v, "kind") {
        "key_decode" => {
            let key = decode_aes_key(s(v, "encoding_aes_key")).unwrap();
            assert_eq!(hex(&key), s(v, "aes_key_hex"), "{id}");
            assert_eq!(hex(&key[..16]), s(v, "iv_hex"), "{id}");
        }
        "url_verify_mp" => {
            assert!(
                check_signature(
                    s(v, "token"),
                    s(v, "signature"),
                    s(v, "timestamp"),
                    s(v, "nonce")
                ),
                "{id}"
            );
            assert_eq!(
                s(v, "echostr"),
                s(v, "plaintext"),
                "{id}: the echo is the echostr itself"
            );
        }
        "url_verify_wecom" | "decrypt" | "encrypt" => {
            let crypto = crypto_for(v).unwrap();
            let (ts, nonce) = (s(v, "timestamp"), s(v, "nonce"));
            let field = if s(v, "kind") == "url_verify_wecom" {
                "echostr"
            } else {
                "encrypt"
            };
            let encrypt = s(v, field);
            let sig = match v["msg_signature"].as_str() {
                Some(sig) => sig,
                None => s(v, "derived_msg_signature"),
            };
            assert_eq!(
                msg_signature(s(v, "token"), ts, nonce, encrypt),
                sig,
                "{id}: signature"
            );
            let plain = if s(v, "kind") == "url_verify_wecom" {
                crypto.verify_url(sig, ts, nonce, encrypt)
            } else {
                crypto.decrypt(sig, ts, nonce, encrypt)
            };
            assert_eq!(plain.as_deref(), Ok(s(v, "plaintext")), "{id}");
            if let Some(body) = v["post_body"].as_str() {
                assert_eq!(
                    crypto.decrypt_body(sig, ts, nonce, body).as_deref(),
                    Ok(s(v, "plaintext")),
                    "{id}: body"
                );
            }
            // Byte for byte: the same random prefix re-encrypts to the same ciphertext.
            let random: [u8; 16] = unhex(s(v, "random_hex")).try_into().unwrap();
            let again = crypto
                .encrypt_with_random(s(v, "plaintext"), random)
                .unwrap();
            assert_eq!(again, encrypt, "{id}: re-encryption");
            let pad = v["pad_len"].as_u64().unwrap() as usize;
            let body_len = 20 + s(v, "plaintext").len() + s(v, "receiver_id").len();
            assert_eq!(body_len + pad, base64_len(encrypt), "{id}: pad_len");
        }
        other => panic!("{id}: unknown kind {other}"),
    }
}

fn base64_len(b64: &str) -> usize {
    let pad = b64.bytes().rev().take_while(|&c| c == b'=').count();
    b64.len() / 4 * 3 - pad
}

fn check_reject(v: &Value) {
    let id = s(v, "id");
    if s(v, "kind") == "url_verify_mp" {
        assert!(
            !check_signature(
                s(v, "token"),
                s(v, "signature"),
                s(v, "timestamp"),
                s(v, "nonce")
            ),
            "{id}"
        );
        return;
    }
    let reason = s(v, "reject_reason");
    let err = crypto_for(v)
        .and_then(|c| {
            c.decrypt(
                s(v, "msg_signature"),
                s(v, "timestamp"),
                s(v, "nonce"),
                s(v, "encrypt"),
            )
        })
        .expect_err(id);
    assert!(
        reject_reason_matches(reason, &err),
        "{id}: expected {reason}, got {err:?}"
    );
    assert!(
        expected_codes(v).contains(&err.code()),
        "{id}: code {} not in {:?}",
        err.code(),
        expected_codes(v)
    );
}

#[test]
fn every_crypto_vector_is_accepted_or_rejected_as_specified() {
    let all = load("crypto.json");
    let all = all.as_array().unwrap();
    assert!(all.len() >= 25, "vector file looks truncated");
    let (mut accepted, mut rejected) = (0, 0);
    for v in all {
        match s(v, "expected_outcome") {
            "accept" => {
                check_accept(v);
                accepted += 1;
            }
            "reject" => {
                check_reject(v);
                rejected += 1;
            }
            other => panic!("unknown outcome {other}"),
        }
    }
    assert!(accepted > 0 && rejected > 0);
}

#[test]
fn every_push_vector_parses_to_its_expected_fields() {
    let all = load("pushes.json");
    for v in all.as_array().unwrap() {
        let id = s(v, "id");
        let doc = v["xml"].as_str().or_else(|| v["json"].as_str()).unwrap();
        let parsed = parse_message(doc);
        if v["well_formed"] == Value::Bool(false) {
            let err = parsed.expect_err(id);
            assert!(matches!(err, Error::Parse(_)), "{id}: {err:?}");
            assert_eq!(err.code(), -40002);
            continue;
        }
        // Envelopes are not messages (no InfoType/MsgType) unless they are compatible-mode ones.
        let fields = match parsed {
            Ok(m) => {
                assert_kind(id, s(v, "kind"), &m.event);
                m.fields
            }
            Err(Error::Parse(why)) if s(v, "kind").starts_with("envelope") => {
                assert!(why.contains("InfoType"), "{id}: {why}");
                envelope_encrypt_is_found(v);
                parse_fields(doc).unwrap()
            }
            Err(e) => panic!("{id}: {e:?}"),
        };
        for (path, want) in v["expected"].as_object().unwrap() {
            let got: Vec<&str> = fields.get_all(path).collect();
            assert!(!got.is_empty(), "{id}: no field {path}");
            match want {
                Value::String(w) => assert_eq!(got[0], *w, "{id}: {path}"),
                Value::Array(ws) => {
                    let ws: Vec<&str> = ws.iter().map(|w| w.as_str().unwrap()).collect();
                    assert_eq!(got, ws, "{id}: {path}");
                }
                other => panic!("{id}: unexpected {other}"),
            }
        }
    }
}

/// An envelope vector with no message inside: its `Encrypt` is still found.
fn envelope_encrypt_is_found(v: &Value) {
    let id = s(v, "id");
    if let Some(want) = v["expected"]["Encrypt"]
        .as_str()
        .or_else(|| v["expected"]["encrypt"].as_str())
    {
        let body = v["xml"].as_str().or_else(|| v["json"].as_str()).unwrap();
        // A wrong signature fails after the envelope is read, proving the envelope parsed.
        let c =
            MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "x").unwrap();
        let sig = msg_signature("t", "1", "n", want);
        let err = c.decrypt_body(&sig, "1", "n", body).unwrap_err();
        assert!(
            !matches!(err, Error::Parse(_) | Error::InvalidSignature),
            "{id}: {err:?}"
        );
    }
}

fn assert_kind(id: &str, kind: &str, event: &Event) {
    let ok = match kind {
        "component_verify_ticket" => matches!(event, Event::ComponentVerifyTicket { .. }),
        "authorized" => matches!(event, Event::Authorized { .. }),
        "updateauthorized" => matches!(event, Event::UpdateAuthorized { .. }),
        "unauthorized" => matches!(event, Event::Unauthorized { .. }),
        "suite_ticket" => matches!(event, Event::SuiteTicket { .. }),
        "create_auth" => matches!(event, Event::CreateAuth { .. }),
        "reset_permanent_code" => matches!(event, Event::ResetPermanentCode { .. }),
        "event_subscribe" => matches!(event, Event::Subscribe { .. }),
        "text" | "envelope_mp_compatible" => matches!(event, Event::Text { .. }),
        other => panic!("{id}: no expectation for kind {other}"),
    };
    assert!(ok, "{id}: {kind} parsed as {event:?}");
}

#[test]
fn perf_push_verifies_decrypts_and_yields_its_ticket() {
    let p = load("perf-push.json");
    let crypto =
        MessageCrypto::new(s(&p, "token"), s(&p, "encoding_aes_key"), s(&p, "app_id")).unwrap();
    let (sig, ts, nonce) = (s(&p, "msg_signature"), s(&p, "timestamp"), s(&p, "nonce"));
    assert_eq!(
        crypto
            .decrypt_body(sig, ts, nonce, s(&p, "push_xml"))
            .unwrap(),
        s(&p, "plain_xml")
    );
    match crypto
        .decrypt_message(sig, ts, nonce, s(&p, "push_xml"))
        .unwrap()
        .event
    {
        Event::ComponentVerifyTicket {
            ticket,
            app_id,
            create_time,
        } => {
            assert_eq!(ticket, s(&p, "ticket"));
            assert_eq!(app_id, s(&p, "app_id"));
            assert_eq!(create_time, Some(1713424800));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn receiver_id_comes_from_the_policy_never_from_the_envelope() {
    // The envelope says wx5823bf96d3bd56c7; the ciphertext carries ww1436e0e65a779aee.
    let all = load("crypto.json");
    let v = all
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "sbzhu-python-decrypt-json")
        .unwrap();
    let body = s(v, "post_body");
    assert!(body.contains("wx5823bf96d3bd56c7"));
    let args = (s(v, "msg_signature"), s(v, "timestamp"), s(v, "nonce"));
    let wrong = MessageCrypto::new(
        s(v, "token"),
        s(v, "encoding_aes_key"),
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let err = wrong
        .decrypt_body(args.0, args.1, args.2, body)
        .unwrap_err();
    assert!(
        matches!(err, Error::ReceiverIdMismatch { ref actual, .. } if actual == "ww1436e0e65a779aee"),
        "{err:?}"
    );
    let right = crypto_for(v).unwrap();
    assert!(right.decrypt_body(args.0, args.1, args.2, body).is_ok());
}
