//! Token cache hits: `OfficialAccount::access_token()` when the stored token is fresh, on the
//! memory, file and Redis stores (Redis only when `WEIXINKIT_REDIS_URL` is set; scripts/bench.sh
//! starts one and runs `redis-benchmark` GET beside it for the ratio).
//!
//! `cargo bench --bench tokens`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use weixinkit::store::{FileStore, MemoryStore, RedisStore, Store};
use weixinkit::token::{Clock, SystemClock, Token};
use weixinkit::{OfficialAccount, OfficialAccountConfig, StoreConfig};

/// A client whose token is already stored (no server is ever called: the base URI is dead).
fn account(rt: &tokio::runtime::Runtime, store: Arc<dyn Store>) -> OfficialAccount {
    let mut config = OfficialAccountConfig::new("wxbench0000000001", "secret");
    config.http.api_base_uri = "http://127.0.0.1:9".into();
    config.store = StoreConfig::Memory;
    config.tokens.key_prefix = format!("bench{}", std::process::id());
    let account =
        OfficialAccount::with_store(config, store.clone(), Arc::new(SystemClock)).unwrap();
    let now = SystemClock.now();
    let token = Token {
        value: "ACCESS_".to_string() + &"x".repeat(150),
        expires_at: now + 7200,
        issued_at: now,
    };
    rt.block_on(store.set(
        account.access_token_key().data(),
        &serde_json::to_string(&token).unwrap(),
        Some(Duration::from_secs(7200)),
    ))
    .unwrap();
    account
}

fn hit(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, account: &OfficialAccount) {
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(account.access_token().await.unwrap());
                }
                start.elapsed()
            })
        })
    });
}

fn tokens(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let memory = account(&rt, Arc::new(MemoryStore::new()));
    hit(c, &rt, "token_hit_memory", &memory);

    let dir = std::env::temp_dir().join(format!("weixinkit-bench-{}", std::process::id()));
    let file = account(&rt, Arc::new(FileStore::open(&dir).unwrap()));
    hit(c, &rt, "token_hit_file", &file);
    let _ = std::fs::remove_dir_all(&dir);

    if let Ok(url) = std::env::var("WEIXINKIT_REDIS_URL") {
        let redis = {
            let _guard = rt.enter();
            account(&rt, Arc::new(RedisStore::connect(&url).unwrap()))
        };
        hit(c, &rt, "token_hit_redis", &redis);
    } else {
        eprintln!("WEIXINKIT_REDIS_URL unset: skipping the Redis benchmark");
    }
}

criterion_group!(benches, tokens);
criterion_main!(benches);
