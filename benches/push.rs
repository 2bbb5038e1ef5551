//! verify + decrypt + parse of the shared ~600-byte component_verify_ticket push, and
//! encrypt_reply, on `../shared/vectors/perf-push.json` (or `$WEIXINKIT_VECTORS`).
//!
//! `cargo bench --bench push` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use weixinkit::{parse_message, MessageCrypto};

struct Push {
    crypto: MessageCrypto,
    sig: String,
    ts: String,
    nonce: String,
    body: String,
    plain: String,
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

criterion_group!(benches, bench);
criterion_main!(benches);
