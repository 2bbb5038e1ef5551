//! verify + decrypt + parse of the shared ~600-byte component_verify_ticket push, and
//! encrypt_reply, on `../shared/vectors/perf-push.json` (or `$WEIXINKIT_VECTORS`).
//!
//! `encrypt_floor` is the part of a reply no implementation can skip, on this CPU: AES-256-CBC
//! over the padded plaintext (serial, block after block) and SHA-1 over the signature input,
//! with the key schedule ready, nothing allocated and no envelope. A host's plain
//! implementation divided by it bounds how far ahead of that host any `encrypt_reply` can be.
//!
//! `cargo bench --bench push` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::path::PathBuf;

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockEncryptMut, InnerIvInit, KeyInit};
use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use sha1::{Digest, Sha1};
use weixinkit::{parse_message, MessageCrypto};

struct Push {
    crypto: MessageCrypto,
    sig: String,
    ts: String,
    nonce: String,
    body: String,
    plain: String,
    key: String,
    app_id: String,
}

fn push() -> Push {
    let dir = std::env::var_os("WEIXINKIT_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"));
    let text = std::fs::read_to_string(dir.join("perf-push.json")).expect("perf-push.json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    Push {
        crypto: MessageCrypto::new(&s("token"), &s("encoding_aes_key"), s("app_id")).unwrap(),
        sig: s("msg_signature"),
        ts: s("timestamp"),
        nonce: s("nonce"),
        body: s("push_xml"),
        plain: s("plain_xml"),
        key: s("encoding_aes_key"),
        app_id: s("app_id"),
    }
}

fn bench(c: &mut Criterion) {
    let p = push();
    // Sanity: the benchmark measures a push that really verifies.
    p.crypto
        .decrypt_message(&p.sig, &p.ts, &p.nonce, &p.body)
        .expect("perf push must verify");

    c.bench_function("verify_decrypt_parse", |b| {
        b.iter(|| {
            p.crypto
                .decrypt_message(black_box(&p.sig), &p.ts, &p.nonce, black_box(&p.body))
                .unwrap()
        })
    });
    c.bench_function("verify_decrypt", |b| {
        b.iter(|| {
            p.crypto
                .decrypt_body(black_box(&p.sig), &p.ts, &p.nonce, black_box(&p.body))
                .unwrap()
        })
    });
    c.bench_function("parse", |b| {
        b.iter(|| parse_message(black_box(&p.plain)).unwrap())
    });
    c.bench_function("encrypt_reply", |b| {
        b.iter(|| {
            p.crypto
                .encrypt_reply(black_box(&p.plain), &p.ts, &p.nonce)
                .unwrap()
        })
    });
}

/// AES-256-CBC over the reply's padded buffer and SHA-1 over [token, timestamp, nonce,
/// base64 of the ciphertext], the two primitives of `encrypt_reply`, and nothing else.
fn encrypt_floor(c: &mut Criterion) {
    let p = push();
    let key = base64::engine::general_purpose::STANDARD
        .decode(format!("{}=", p.key))
        .unwrap();
    let aes = aes::Aes256::new_from_slice(&key).unwrap();
    let iv: [u8; 16] = key[..16].try_into().unwrap();
    let body = 20 + p.plain.len() + p.app_id.len();
    let padded_len = body + 32 - body % 32;
    let template = vec![7u8; padded_len];
    let mut buf = template.clone();
    // The signature input has the ciphertext's base64 length; its bytes do not change the cost.
    let encrypt = "A".repeat(padded_len.div_ceil(3) * 4);
    let token = "token-of-the-perf-push";
    c.bench_function("encrypt_floor", |b| {
        b.iter(|| {
            buf.copy_from_slice(&template);
            cbc::Encryptor::<aes::Aes256>::inner_iv_init(aes.clone(), &iv.into())
                .encrypt_padded_mut::<NoPadding>(black_box(&mut buf), padded_len)
                .unwrap();
            let mut sha = Sha1::new();
            for part in [token, &p.ts, &p.nonce, black_box(&encrypt)] {
                sha.update(part.as_bytes());
            }
            (black_box(buf[0]), sha.finalize())
        })
    });
}

criterion_group!(benches, bench, encrypt_floor);
criterion_main!(benches);
