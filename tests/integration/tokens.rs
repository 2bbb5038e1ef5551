//! The token engine against the local WeChat server (sim/): single-flight refreshes, the
//! retry-once rule on token errors, bounded retries, and the stores.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use weixinkit::store::{FileStore, MemoryStore, RedisStore, Store};
use weixinkit::token::{Clock, ManualClock, SystemClock};
use weixinkit::{
    blocking, HttpOptions, OfficialAccount, OfficialAccountConfig, RetryPolicy, StoreConfig,
    TokenEndpoint, TokenOptions,
};
use weixinkit_sim::{Fault, OptionsPatch, RunningSim, Sim, SimConfig, OA_APPID, OA_SECRET};

async fn sim() -> RunningSim {
    Sim::start(SimConfig::default()).await.expect("sim starts")
}

fn config(sim: &RunningSim) -> OfficialAccountConfig {
    OfficialAccountConfig {
        http: HttpOptions {
            api_base_uri: sim.base_url.clone(),
            timeout_ms: 2_000,
            retry: RetryPolicy {
                delay_ms: 5,
                ..RetryPolicy::default()
            },
            ..HttpOptions::default()
        },
        store: StoreConfig::Memory,
        ..OfficialAccountConfig::new(OA_APPID, OA_SECRET)
    }
}

fn account(sim: &RunningSim, store: Arc<dyn Store>) -> OfficialAccount {
    OfficialAccount::with_store(config(sim), store, Arc::new(SystemClock)).unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weixinkit-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn fifty_callers(account: &OfficialAccount) -> Vec<String> {
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let a = account.clone();
            tokio::spawn(async move { a.access_token().await.map(|t| t.value) })
        })
        .collect();
    let mut values = Vec::new();
    for t in tasks {
        values.push(t.await.unwrap().unwrap());
    }
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_tasks_on_a_cold_token_make_one_request() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    let values = fifty_callers(&a).await;
    assert!(values.iter().all(|v| v == &values[0]));
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_tasks_on_an_expired_token_make_one_request() {
    let sim = sim().await;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let a = OfficialAccount::with_store(config(&sim), Arc::new(MemoryStore::new()), clock.clone())
        .unwrap();
    let first = a.access_token().await.unwrap();
    clock.advance(7200);
    let values = fifty_callers(&a).await;
    assert!(values.iter().all(|v| v == &values[0] && v != &first.value));
    assert_eq!(sim.calls("/cgi-bin/token"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_file_store_make_one_request() {
    let sim = sim().await;
    let dir = temp_dir("shared-file");
    // Two stores on one directory behave like two processes: flock excludes them.
    let a = account(&sim, Arc::new(FileStore::open(&dir).unwrap()));
    let b = account(&sim, Arc::new(FileStore::open(&dir).unwrap()));
    let (ta, tb) = tokio::join!(fifty_callers(&a), fifty_callers(&b));
    assert_eq!(ta[0], tb[0]);
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
    // A restart (a new store on the same directory) finds the token.
    let c = account(&sim, Arc::new(FileStore::open(&dir).unwrap()));
    assert_eq!(c.access_token().await.unwrap().value, ta[0]);
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_redis_make_one_request() {
    let Some(url) = redis_url() else { return };
    let sim = sim().await;
    let prefix = format!("it{}", std::process::id());
    let mut c = config(&sim);
    c.tokens.key_prefix = prefix;
    let a = OfficialAccount::with_store(
        c.clone(),
        Arc::new(RedisStore::connect(&url).unwrap()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let b = OfficialAccount::with_store(
        c,
        Arc::new(RedisStore::connect(&url).unwrap()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let (ta, tb) = tokio::join!(fifty_callers(&a), fifty_callers(&b));
    assert_eq!(ta[0], tb[0]);
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
    a.tokens().invalidate(a.access_token_key()).await.unwrap();
}

fn redis_url() -> Option<String> {
    match std::env::var("WEIXINKIT_REDIS_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("WEIXINKIT_REQUIRE_SERVICES").is_none(),
                "WEIXINKIT_REDIS_URL must be set when services are required"
            );
            eprintln!("WEIXINKIT_REDIS_URL unset: `source scripts/services.sh` to run this test");
            None
        }
    }
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_and_the_call_retried_once() {
    let sim = sim().await;
    sim.set_options(OptionsPatch {
        grace_secs: Some(0),
        ..OptionsPatch::default()
    });
    let a = account(&sim, Arc::new(MemoryStore::new()));
    let before = a.access_token().await.unwrap();
    sim.revoke_tokens(Some(OA_APPID));
    let ips = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert!(ips["ip_list"].is_array(), "{ips}");
    assert_eq!(sim.calls("/cgi-bin/token"), 2);
    assert_eq!(sim.calls("/cgi-bin/get_api_domain_ip"), 2);
    assert_ne!(a.access_token().await.unwrap().value, before.value);
}

#[tokio::test]
async fn an_expired_token_42001_is_refreshed_and_retried() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    a.access_token().await.unwrap();
    sim.expire_tokens(Some(OA_APPID));
    let answer = a
        .post_json("/cgi-bin/message/custom/send", &json!({"touser": "o1"}))
        .await
        .unwrap();
    assert_eq!(answer["echo"]["body"]["touser"], "o1");
    assert_eq!(sim.calls("/cgi-bin/token"), 2);
    assert_eq!(sim.calls("/cgi-bin/message/custom/send"), 2);
}

#[tokio::test]
async fn a_second_40001_surfaces_instead_of_looping() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    sim.inject(Fault::errcode("/cgi-bin/user/info", 40001).times(5));
    let e = a
        .get("/cgi-bin/user/info", &[("openid", "o1")])
        .await
        .unwrap_err();
    assert_eq!(e.errcode(), Some(40001));
    assert_eq!(e.kind(), "api");
    assert!(e.to_string().contains("/cgi-bin/user/info"), "{e}");
    assert_eq!(sim.calls("/cgi-bin/user/info"), 2);
    assert_eq!(sim.calls("/cgi-bin/token"), 2);
}

#[tokio::test]
async fn quota_45009_is_never_retried() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    sim.inject(Fault::errcode("/cgi-bin/user/info", 45009).times(3));
    let e = a
        .get("/cgi-bin/user/info", &[("openid", "o1")])
        .await
        .unwrap_err();
    assert_eq!(e.errcode(), Some(45009));
    assert_eq!(sim.calls("/cgi-bin/user/info"), 1);
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
}

#[tokio::test]
async fn busy_minus_one_is_retried_with_backoff_up_to_the_limit() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    sim.inject(Fault::errcode("/cgi-bin/get_api_domain_ip", -1).times(2));
    let started = std::time::Instant::now();
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/get_api_domain_ip"), 3);
    // Delays of 5 ms then 10 ms (multiplier 2) were slept.
    assert!(started.elapsed() >= Duration::from_millis(15));

    sim.reset_counters();
    sim.inject(Fault::errcode("/cgi-bin/get_api_domain_ip", -1).times(5));
    let e = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
    assert_eq!(e.errcode(), Some(-1));
    assert_eq!(
        sim.calls("/cgi-bin/get_api_domain_ip"),
        3,
        "1 try + 2 retries"
    );
}

#[tokio::test]
async fn statuses_and_dropped_connections_are_retried_other_statuses_are_not() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    a.access_token().await.unwrap();
    sim.inject(Fault::status("/cgi-bin/get_api_domain_ip", 503));
    sim.inject(Fault::drop_connection("/cgi-bin/get_api_domain_ip"));
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/get_api_domain_ip"), 3);

    sim.reset_counters();
    sim.inject(Fault::status("/cgi-bin/get_api_domain_ip", 404));
    let e = a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap_err();
    assert_eq!(e.kind(), "http_status");
    assert_eq!(sim.calls("/cgi-bin/get_api_domain_ip"), 1);
}

#[tokio::test]
async fn the_overall_deadline_stops_retrying() {
    let sim = sim().await;
    let mut c = config(&sim);
    c.http.retry = RetryPolicy {
        max_retries: 10,
        delay_ms: 100,
        multiplier: 1.0,
        deadline_ms: 250,
        ..RetryPolicy::default()
    };
    let a = OfficialAccount::with_store(c, Arc::new(MemoryStore::new()), Arc::new(SystemClock))
        .unwrap();
    sim.inject(Fault::status("/cgi-bin/token", 503).times(20));
    let e = a.access_token().await.unwrap_err();
    assert_eq!(e.kind(), "http_status");
    let calls = sim.calls("/cgi-bin/token");
    assert!(
        (2..=3).contains(&calls),
        "{calls} attempts within a 250 ms deadline"
    );
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_error() {
    let sim = sim().await;
    let mut c = config(&sim);
    c.http.timeout_ms = 100;
    c.http.retry.max_retries = 0;
    let a = OfficialAccount::with_store(c, Arc::new(MemoryStore::new()), Arc::new(SystemClock))
        .unwrap();
    sim.inject(Fault::delay("/cgi-bin/token", 1_000));
    let e = a.access_token().await.unwrap_err();
    assert_eq!(e.kind(), "timeout");
    assert_eq!(e.code(), weixinkit::codes::TIMEOUT);
}

#[tokio::test]
async fn token_endpoint_errors_surface_with_their_code_and_no_secret() {
    let sim = sim().await;
    let c = OfficialAccountConfig {
        secret: "wrong-secret-value".into(),
        ..config(&sim)
    };
    let a = OfficialAccount::with_store(c, Arc::new(MemoryStore::new()), Arc::new(SystemClock))
        .unwrap();
    let e = a.access_token().await.unwrap_err();
    assert_eq!(e.errcode(), Some(40001));
    assert!(!e.to_string().contains("wrong-secret-value"), "{e}");
    assert!(!format!("{e:?}").contains("wrong-secret-value"));
    // Calls through the token do not loop on a token endpoint failure either.
    assert!(a.get("/cgi-bin/get_api_domain_ip", &[]).await.is_err());
    assert_eq!(sim.calls("/cgi-bin/token"), 2);
    assert_eq!(sim.calls("/cgi-bin/get_api_domain_ip"), 0);
}

#[tokio::test]
async fn stable_token_is_reused_and_forced_only_when_the_same_token_fails() {
    let sim = sim().await;
    let c = OfficialAccountConfig {
        token_endpoint: TokenEndpoint::Stable,
        ..config(&sim)
    };
    let a = OfficialAccount::with_store(c, Arc::new(MemoryStore::new()), Arc::new(SystemClock))
        .unwrap();
    let t1 = a.access_token().await.unwrap();
    assert_eq!(
        a.access_token_key().data(),
        format!("weixinkit:stable_access_token:{OA_APPID}:{OA_APPID}")
    );
    assert_eq!(a.access_token().await.unwrap(), t1);
    assert_eq!(sim.calls("/cgi-bin/stable_token"), 1);
    // The API refuses the token: stable_token (normal mode) hands back the same one, so the
    // source asks again with force_refresh.
    sim.inject(Fault::errcode("/cgi-bin/get_api_domain_ip", 40001));
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    let t2 = a.access_token().await.unwrap();
    assert_ne!(t1.value, t2.value);
    assert_eq!(sim.calls("/cgi-bin/stable_token"), 3);
}

#[tokio::test]
async fn jsapi_ticket_is_cached_and_signs_the_page() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    let t1 = a.jsapi_ticket().await.unwrap();
    let t2 = a.jsapi_ticket().await.unwrap();
    assert_eq!(t1, t2);
    assert_eq!(sim.calls("/cgi-bin/ticket/getticket"), 1);
    let page = "https://example.com/page?x=1#frag";
    let c = a.jssdk_config(page).await.unwrap();
    assert_eq!(c.url, "https://example.com/page?x=1");
    assert_eq!(
        c.signature,
        weixinkit::jssdk_signature(&t1.value, &c.nonce_str, c.timestamp, page)
    );
    assert_eq!(sim.calls("/cgi-bin/ticket/getticket"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_lock_holder_is_outlived_by_the_lock_ttl() {
    let sim = sim().await;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let mut c = config(&sim);
    c.tokens.lock_ttl_ms = 200;
    let a = OfficialAccount::with_store(c, store.clone(), Arc::new(SystemClock)).unwrap();
    // A holder that died without unlocking.
    let _dead = store
        .try_lock(a.access_token_key().lock(), Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    let t = a.access_token().await.unwrap();
    assert!(!t.value.is_empty());
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
}

#[tokio::test]
async fn redis_down_is_a_store_error_not_a_token() {
    let sim = sim().await;
    let c = OfficialAccountConfig {
        store: StoreConfig::Redis {
            url: "redis://:pw-in-url@127.0.0.1:1/0".into(),
        },
        ..config(&sim)
    };
    let a = OfficialAccount::new(c).unwrap();
    let e = a.access_token().await.unwrap_err();
    assert_eq!(e.kind(), "store");
    assert!(!e.to_string().contains("pw-in-url"), "{e}");
    assert_eq!(sim.calls("/cgi-bin/token"), 0);
}

#[tokio::test]
async fn generic_calls_inject_the_token_and_keep_the_query() {
    let sim = sim().await;
    let a = account(&sim, Arc::new(MemoryStore::new()));
    let answer = a
        .get("/cgi-bin/menu/get", &[("lang", "zh_CN")])
        .await
        .unwrap();
    let token = a.access_token().await.unwrap().value;
    assert_eq!(answer["echo"]["method"], "GET");
    assert_eq!(answer["echo"]["query"]["lang"], "zh_CN");
    assert_eq!(answer["echo"]["query"]["access_token"], token);
}

#[test]
fn the_blocking_facade_shares_the_async_implementation() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(sim());
    let c = OfficialAccountConfig {
        tokens: TokenOptions {
            key_prefix: "blocking".into(),
            ..TokenOptions::default()
        },
        ..config(&sim)
    };
    let a = blocking::OfficialAccount::new(c).unwrap();
    let t = a.access_token().unwrap();
    assert_eq!(a.access_token().unwrap(), t);
    let ips = a.get("/cgi-bin/get_api_domain_ip".into(), None).unwrap();
    assert!(ips.0["ip_list"].is_array());
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
    // Inside an async context the blocking face refuses instead of deadlocking.
    let e = rt.block_on(async { a.access_token() }).unwrap_err();
    assert!(e.to_string().contains("async"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_fresh_refreshes_ahead_of_expiry_for_read_only_processes() {
    let sim = sim().await;
    // Tokens live 4 s; the refresher stops using one 2 s before expiry (half its life).
    sim.set_options(OptionsPatch {
        expires_in: Some(4),
        ..OptionsPatch::default()
    });
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let refresher = account(&sim, store.clone());
    let mut reader_config = config(&sim);
    reader_config.tokens.read_only = true;
    reader_config.tokens.lock_wait_ms = 3_000;
    let reader = OfficialAccount::with_store(reader_config, store, Arc::new(SystemClock)).unwrap();

    let guard = refresher.keep_fresh();
    let first = reader.access_token().await.unwrap();
    // Wait (by polling the store, not by a fixed sleep) until the refresher replaced it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let second = loop {
        let t = reader.access_token().await.unwrap();
        if t.value != first.value {
            break t;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no background refresh"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(second.expires_at >= first.expires_at);
    drop(guard);
    // The reader never fetched: every token request came from the refresher.
    let calls = sim.calls("/cgi-bin/token");
    assert!((2..=3).contains(&calls), "{calls}");
}

/// A shared store (Redis, or memory standing in for one) that counts its reads.
struct CountingStore {
    inner: Arc<dyn Store>,
    gets: std::sync::atomic::AtomicUsize,
}

impl CountingStore {
    fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(CountingStore {
            inner,
            gets: Default::default(),
        })
    }

    fn gets(&self) -> usize {
        self.gets.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Store for CountingStore {
    async fn get(&self, key: &str) -> weixinkit::Result<Option<String>> {
        self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.get(key).await
    }
    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> weixinkit::Result<()> {
        self.inner.set(key, value, ttl).await
    }
    async fn delete(&self, key: &str) -> weixinkit::Result<()> {
        self.inner.delete(key).await
    }
    async fn try_lock(&self, key: &str, ttl: Duration) -> weixinkit::Result<Option<String>> {
        self.inner.try_lock(key, ttl).await
    }
    async fn unlock(&self, key: &str, fence: &str) -> weixinkit::Result<()> {
        self.inner.unlock(key, fence).await
    }
    async fn set_fenced(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
        lock_key: &str,
        fence: &str,
    ) -> weixinkit::Result<bool> {
        self.inner
            .set_fenced(key, value, ttl, lock_key, fence)
            .await
    }
}

fn near_cached(sim: &RunningSim, store: Arc<dyn Store>, max_age_ms: u64) -> OfficialAccount {
    let mut c = config(sim);
    c.tokens.local_max_age_ms = max_age_ms;
    c.tokens.key_prefix = format!("near{}", std::process::id());
    OfficialAccount::with_store(c, store, Arc::new(SystemClock)).unwrap()
}

#[tokio::test]
async fn a_shared_store_is_read_at_most_every_local_max_age_ms() {
    let Some(url) = redis_url() else { return };
    let sim = sim().await;
    sim.set_options(OptionsPatch {
        grace_secs: Some(0),
        ..OptionsPatch::default()
    });
    let shared: Arc<dyn Store> = Arc::new(RedisStore::connect(&url).unwrap());
    let counted = CountingStore::new(shared.clone());
    let a = near_cached(&sim, counted.clone(), 400);
    let b = near_cached(&sim, shared, 400);
    a.tokens().invalidate(a.access_token_key()).await.unwrap();

    let first = a.access_token().await.unwrap();
    let reads = counted.gets();
    for _ in 0..100 {
        assert_eq!(a.access_token().await.unwrap(), first);
        assert_eq!(a.cached_access_token(), Some(first.clone()));
    }
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert_eq!(
        counted.gets(),
        reads,
        "hits and calls are served from memory"
    );

    // Another process replaces the token (the old one dies at once, grace 0): within the
    // bound this one still holds the old token; a token error takes the new one from the
    // store without fetching.
    let newer = b.refresh_access_token().await.unwrap();
    assert_ne!(newer, first);
    assert_eq!(a.access_token().await.unwrap(), first);
    a.get("/cgi-bin/get_api_domain_ip", &[]).await.unwrap();
    assert_eq!(a.cached_access_token(), Some(newer.clone()));
    assert_eq!(sim.calls("/cgi-bin/token"), 2);

    // Past local_max_age_ms the store is read again.
    let third = b.refresh_access_token().await.unwrap();
    let reads = counted.gets();
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(a.cached_access_token(), None);
    assert_eq!(a.access_token().await.unwrap(), third);
    assert_eq!(counted.gets(), reads + 1);
    assert_eq!(sim.calls("/cgi-bin/token"), 3);
    a.tokens().invalidate(a.access_token_key()).await.unwrap();
}

#[tokio::test]
async fn local_max_age_ms_zero_reads_the_shared_store_on_every_call() {
    let sim = sim().await;
    let counted = CountingStore::new(Arc::new(MemoryStore::new()));
    let a = near_cached(&sim, counted.clone(), 0);
    let t = a.access_token().await.unwrap();
    let reads = counted.gets();
    for _ in 0..5 {
        assert_eq!(a.access_token().await.unwrap(), t);
    }
    assert_eq!(counted.gets(), reads + 5);
    assert_eq!(a.cached_access_token(), None);
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
}

/// Blocking callers that run each call on their own thread (`runtime::block_on_here`, as
/// Python's blocking methods do) share one token fetch, reach Redis through the library's
/// runtime, and keep their connections to themselves: a connection opened on one thread only
/// moves while that thread is inside a call, so one lent to another thread would stall there
/// (here: until the 2 s timeout, failing the call) while its owner sits idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_on_their_own_threads_share_one_fetch_and_never_wait_on_each_other() {
    let sim = sim().await;
    let mut stores: Vec<(&str, Arc<dyn Store>)> = vec![("memory", Arc::new(MemoryStore::new()))];
    if let Some(url) = redis_url() {
        stores.push(("redis", Arc::new(RedisStore::connect(&url).unwrap())));
    }
    for (name, store) in stores {
        let fetches_before = sim.calls("/cgi-bin/token");
        let mut config = config(&sim);
        config.tokens.key_prefix = format!("here{}{name}", std::process::id());
        let a = OfficialAccount::with_store(config, store, Arc::new(SystemClock)).unwrap();
        let first_calls_done = Arc::new(std::sync::Barrier::new(6));
        let (done, results) = std::sync::mpsc::channel();
        for i in 0..6 {
            let (a, barrier, done) = (a.clone(), first_calls_done.clone(), done.clone());
            std::thread::spawn(move || {
                let outcome = (|| {
                    let call = || {
                        weixinkit::runtime::block_on_here(a.get("/cgi-bin/get_api_domain_ip", &[]))
                    };
                    call().unwrap();
                    barrier.wait();
                    if i == 0 {
                        // Idle, outside any call, while the others go on.
                        std::thread::sleep(Duration::from_millis(2_500));
                        return call().map(|_| ());
                    }
                    for _ in 0..20 {
                        let ips = call()?;
                        assert!(ips["ip_list"].is_array(), "{ips}");
                    }
                    Ok(())
                })();
                let _ = done.send(outcome);
            });
        }
        drop(done);
        for _ in 0..6 {
            // A stalled thread fails the test instead of hanging it.
            let outcome = results
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("{name}: a caller stalled for 30 s"));
            outcome.unwrap_or_else(|e: weixinkit::Error| panic!("{name}: {e}"));
        }
        assert_eq!(sim.calls("/cgi-bin/token") - fetches_before, 1, "{name}");
    }
}
