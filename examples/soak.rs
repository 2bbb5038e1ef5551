//! weixinkit soak: several OS processes × threads calling through the token engine against
//! the local WeChat server (sim/) on a shared, persistent Redis, while faults are injected,
//! tokens are revoked and expired, a process is `kill -9`ed while it holds a refresh lock and
//! `redis-server` itself is killed and restarted. It prints what it did and what it cost,
//! and exits non-zero when a figure that must be 0 is not, or when upstream token calls
//! exceed the bound derived from what happened.
//!
//! Run it through `make soak` (or `scripts/soak.sh --small`, the size CI uses): the script
//! builds everything, starts `wechat-sim` and hands this driver the `redis-server` binary and
//! a scratch directory. By hand:
//!
//! ```text
//! soak --sim http://127.0.0.1:PORT --redis-server /usr/bin/redis-server --redis-dir DIR \
//!      [--workers 4] [--threads 4] [--authorizers 16] [--seconds 40] [--revocations 6] \
//!      [--kills 2] [--redis-restarts 1] [--fault-every-ms 100] [--max-requests 200000] [--seed 1]
//! ```
//!
//! `--lock-ttl-ms N` (shorter than a refresh) and `--no-persistence` (Redis as a cache) break
//! a guarantee on purpose: the run must then fail on duplicate refreshes or lost credentials.
//!
//! The driver re-executes itself as `soak --worker …` for each worker process. A worker uses
//! the blocking clients (`weixinkit::blocking`) over a `RedisStore` wrapped in a store that
//! reports each refresh lock it takes and releases on stdout, so the driver knows which process
//! holds a lock at any instant; apart from that report the wrapper only delegates.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use weixinkit::store::{Key, Kind, RedisStore, Store};
use weixinkit::token::SystemClock;
use weixinkit::{
    blocking, CallbackRequest, Component, ComponentConfig, HttpOptions, OfficialAccount,
    OfficialAccountConfig, RetryPolicy, StoreConfig, TokenOptions,
};
use weixinkit_sim::{
    client, Authorized, Fault, Push, TicketIssued, TokenInfo, TokenKind, COMPONENT_AES_KEY,
    COMPONENT_APPID, COMPONENT_SECRET, COMPONENT_TOKEN, OA_APPID, OA_SECRET,
};

/// Token endpoints: every call to them is an upstream token call.
const TOKEN_PATHS: &[&str] = &[
    "/cgi-bin/token",
    "/cgi-bin/component/api_component_token",
    "/cgi-bin/component/api_authorizer_token",
    "/cgi-bin/component/api_query_auth",
];
/// API endpoints the workers call; random faults land on these.
const API_PATHS: &[&str] = &[
    "/cgi-bin/get_api_domain_ip",
    "/cgi-bin/component/api_get_authorizer_list",
];
/// A refresh lock outlives the slowest token answer injected here, so only a dead holder
/// (never a slow one) lets a second process fetch.
/// `--lock-ttl-ms` lowers it, to watch the soak catch what a lock shorter than a fetch costs.
static LOCK_TTL_MS: AtomicU64 = AtomicU64::new(4_000);

fn lock_ttl_ms() -> u64 {
    LOCK_TTL_MS.load(Ordering::Relaxed)
}
const LOCK_WAIT_MS: u64 = 20_000;
/// How long the token answer is held while a worker is killed holding its lock.
const KILL_SLOW_MS: u64 = 2_000;
/// The token answer during a Redis restart is shorter than the outage, so the fetch that is
/// in flight cannot store what it got: the one refresh a restart can cost.
const RESTART_SLOW_MS: u64 = 800;
const REDIS_DOWN_MS: u64 = 2_000;
/// The least time between the end of one scenario on a token and the next invalidation of it:
/// longer than the slowest injected API fault (1.2 s) with room for a loaded machine.
const RESETTLE: Duration = Duration::from_secs(3);
/// Error kinds the injected faults and the Redis outage can legitimately surface (after the
/// engine's own retries); any other kind is a defect and fails the run.
const EXPECTED_ERRORS: &[&str] = &["store", "transport", "timeout", "http_status", "api -1"];

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn authorizer_appid(i: usize) -> String {
    format!("wxsoak{i:012}")
}

fn http_options(sim: &str) -> HttpOptions {
    HttpOptions {
        api_base_uri: sim.to_string(),
        timeout_ms: 5_000,
        retry: RetryPolicy {
            delay_ms: 50,
            ..RetryPolicy::default()
        },
        ..HttpOptions::default()
    }
}

fn token_options() -> TokenOptions {
    TokenOptions {
        lock_ttl_ms: lock_ttl_ms(),
        lock_wait_ms: LOCK_WAIT_MS,
        ..TokenOptions::default()
    }
}

fn component_config(sim: &str, redis: &str) -> ComponentConfig {
    ComponentConfig {
        component_app_id: COMPONENT_APPID.into(),
        component_secret: COMPONENT_SECRET.into(),
        token: COMPONENT_TOKEN.into(),
        encoding_aes_key: COMPONENT_AES_KEY.into(),
        http: http_options(sim),
        tokens: token_options(),
        store: StoreConfig::Redis { url: redis.into() },
        callback: Default::default(),
    }
}

fn oa_config(sim: &str, redis: &str) -> OfficialAccountConfig {
    let mut c = OfficialAccountConfig::new(OA_APPID, OA_SECRET);
    c.http = http_options(sim);
    c.tokens = token_options();
    c.store = StoreConfig::Redis { url: redis.into() };
    c
}

/// The keys whose tokens the run refreshes, with the sim's owner appid and token endpoint.
struct TokenKey {
    key: Key,
    owner: String,
    kind: TokenKind,
    path: &'static str,
}

fn token_keys(authorizers: usize) -> Vec<TokenKey> {
    let prefix = TokenOptions::default().key_prefix;
    let mut keys = vec![
        TokenKey {
            key: Key::new(&prefix, Kind::AccessToken, OA_APPID, OA_APPID),
            owner: OA_APPID.into(),
            kind: TokenKind::AccessToken,
            path: "/cgi-bin/token",
        },
        TokenKey {
            key: Key::new(
                &prefix,
                Kind::ComponentAccessToken,
                COMPONENT_APPID,
                COMPONENT_APPID,
            ),
            owner: COMPONENT_APPID.into(),
            kind: TokenKind::ComponentAccessToken,
            path: "/cgi-bin/component/api_component_token",
        },
    ];
    for i in 0..authorizers {
        let appid = authorizer_appid(i);
        keys.push(TokenKey {
            key: Key::new(
                &prefix,
                Kind::AuthorizerAccessToken,
                COMPONENT_APPID,
                &appid,
            ),
            owner: appid,
            kind: TokenKind::AuthorizerAccessToken,
            path: "/cgi-bin/component/api_authorizer_token",
        });
    }
    keys
}

fn arg_value<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    // The last occurrence wins, so options appended to a preset override it.
    match args.iter().rposition(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} needs a valid value")),
        None => default,
    }
}

fn arg_string(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .rposition(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    LOCK_TTL_MS.store(
        arg_value(&args, "--lock-ttl-ms", lock_ttl_ms()),
        Ordering::Relaxed,
    );
    if args.iter().any(|a| a == "--worker") {
        worker::run(&args);
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--help" || a == "-h") || arg_string(&args, "--sim").is_none() {
        eprintln!("{}", USAGE);
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(driver::run(&args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}

const USAGE: &str =
    "usage: soak --sim URL --redis-server BIN --redis-dir DIR [--workers N] [--threads N]
            [--authorizers N] [--seconds N] [--revocations N] [--kills N] [--redis-restarts N]
            [--fault-every-ms N] [--max-requests N] [--seed N]
            [--lock-ttl-ms N] [--no-persistence]   (both break a guarantee on purpose)
Use scripts/soak.sh (make soak), which starts wechat-sim and passes these.";

/// What a worker reports every few hundred milliseconds (cumulative).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Tally {
    requests: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
}

mod worker {
    //! One worker process: `--threads` threads, each calling through the blocking clients
    //! until told to stop (a line or EOF on stdin), its request budget is spent, or its
    //! deadline passes. Reports on stdout: `LOCK key ms`, `UNLOCK key ms ok|err`, `TALLY json`.

    use super::*;

    struct Out(Mutex<std::io::Stdout>);

    impl Out {
        fn line(&self, line: &str) {
            let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// The Redis store, reporting refresh locks as they are taken and released.
    struct Reporting {
        inner: RedisStore,
        out: Arc<Out>,
    }

    #[async_trait::async_trait]
    impl Store for Reporting {
        async fn get(&self, key: &str) -> weixinkit::Result<Option<String>> {
            self.inner.get(key).await
        }
        async fn set(
            &self,
            key: &str,
            value: &str,
            ttl: Option<Duration>,
        ) -> weixinkit::Result<()> {
            self.inner.set(key, value, ttl).await
        }
        async fn delete(&self, key: &str) -> weixinkit::Result<()> {
            self.inner.delete(key).await
        }
        async fn try_lock(
            &self,
            lock_key: &str,
            ttl: Duration,
        ) -> weixinkit::Result<Option<String>> {
            let taken = self.inner.try_lock(lock_key, ttl).await;
            if let Ok(Some(_)) = &taken {
                self.out.line(&format!("LOCK {lock_key} {}", now_ms()));
            }
            taken
        }
        async fn unlock(&self, lock_key: &str, fence: &str) -> weixinkit::Result<()> {
            let released = self.inner.unlock(lock_key, fence).await;
            let outcome = if released.is_ok() { "ok" } else { "err" };
            self.out
                .line(&format!("UNLOCK {lock_key} {} {outcome}", now_ms()));
            released
        }
        fn is_process_local(&self) -> bool {
            self.inner.is_process_local()
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

    fn error_key(e: &weixinkit::Error) -> String {
        match e.errcode() {
            Some(code) => format!("{} {code}", e.kind()),
            None => e.kind().to_string(),
        }
    }

    pub fn run(args: &[String]) {
        let sim = arg_string(args, "--sim").expect("--sim");
        let redis = arg_string(args, "--redis").expect("--redis");
        let threads: usize = arg_value(args, "--threads", 4);
        let authorizers: usize = arg_value(args, "--authorizers", 16);
        let max_requests: u64 = arg_value(args, "--max-requests", 200_000);
        let max_seconds: u64 = arg_value(args, "--max-seconds", 300);
        let id: usize = arg_value(args, "--worker", 0);

        let out = Arc::new(Out(Mutex::new(std::io::stdout())));
        let store: Arc<dyn Store> = Arc::new(Reporting {
            inner: RedisStore::connect(&redis).expect("Redis URL"),
            out: out.clone(),
        });
        let oa = blocking::OfficialAccount::from_async(
            OfficialAccount::with_store(
                oa_config(&sim, &redis),
                store.clone(),
                Arc::new(SystemClock),
            )
            .expect("official account"),
        );
        let platform = blocking::Component::from_async(
            Component::with_store(component_config(&sim, &redis), store, Arc::new(SystemClock))
                .expect("component"),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let budget = Arc::new(AtomicU64::new(max_requests));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let deadline = Instant::now() + Duration::from_secs(max_seconds);

        // Stop on a line or EOF on stdin (the driver closes it, or dies).
        {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = std::io::stdin().read_line(&mut line);
                stop.store(true, Ordering::SeqCst);
            });
        }
        let report = |out: &Out, tally: &Mutex<Tally>| {
            let t = tally.lock().unwrap_or_else(|p| p.into_inner()).clone();
            out.line(&format!("TALLY {}", serde_json::to_string(&t).unwrap()));
        };

        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (oa, platform) = (oa.clone(), platform.clone());
                let (stop, budget, tally) = (stop.clone(), budget.clone(), tally.clone());
                std::thread::spawn(move || {
                    let mut i: usize = id * 7919 + t * 104_729;
                    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                        if budget
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1))
                            .is_err()
                        {
                            break;
                        }
                        i = i.wrapping_add(1);
                        let result: weixinkit::Result<()> = match i % 8 {
                            0 => oa.access_token().map(|_| ()),
                            1 => oa
                                .get("/cgi-bin/get_api_domain_ip".into(), None)
                                .map(|_| ()),
                            2 => platform.authorizer_list(Some(0), Some(1)).map(|_| ()),
                            _ => platform
                                .authorizer(&authorizer_appid((i / 8) % authorizers.max(1)))
                                .and_then(|a| a.api_domain_ip())
                                .map(|_| ()),
                        };
                        let failed = result.is_err();
                        {
                            let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
                            t.requests += 1;
                            match result {
                                Ok(()) => t.ok += 1,
                                Err(e) => *t.errors.entry(error_key(&e)).or_default() += 1,
                            }
                        }
                        if failed {
                            // Redis down answers at once; do not spin on it.
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                })
            })
            .collect();
        let all_done = Arc::new(AtomicBool::new(false));
        let reporter = {
            let (all_done, tally, out) = (all_done.clone(), tally.clone(), out.clone());
            std::thread::spawn(move || {
                while !all_done.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(200));
                    report(&out, &tally);
                }
            })
        };
        for h in handles {
            let _ = h.join();
        }
        all_done.store(true, Ordering::SeqCst);
        let _ = reporter.join();
        report(&out, &tally);
        out.line("DONE");
    }
}

mod driver {
    //! The driver: Redis, the workers, the faults and the figures.

    use super::*;

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    #[derive(Clone, Debug)]
    struct LockEvent {
        worker: usize,
        key: String,
        t: u64,
        lock: bool,
        ok: bool,
    }

    #[derive(Default, Clone)]
    struct WorkerState {
        tally: Tally,
        done: bool,
        killed: bool,
    }

    #[derive(Default, Clone)]
    struct Shared {
        workers: Vec<WorkerState>,
        events: Vec<LockEvent>,
    }

    struct Worker {
        id: usize,
        child: Child,
    }

    /// xorshift64*: enough randomness for fault choice, reproducible by `--seed`.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    struct Redis {
        bin: String,
        dir: String,
        port: u16,
        persistent: bool,
        child: Option<Child>,
    }

    impl Redis {
        fn url(&self) -> String {
            format!("redis://127.0.0.1:{}/0", self.port)
        }

        /// Start `redis-server` with every write fsynced to its append-only file before it is
        /// acknowledged: what a deployment that must not lose credentials runs.
        async fn start(&mut self) -> Result<(), BoxError> {
            let log = std::fs::File::create(format!("{}/redis.log", self.dir))?;
            let child = Command::new(&self.bin)
                .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
                .args(["--dir", &self.dir, "--save", "", "--daemonize", "no"])
                .args(if self.persistent {
                    ["--appendonly", "yes", "--appendfsync", "always"]
                } else {
                    ["--appendonly", "no", "--appendfsync", "no"]
                })
                .args(["--pidfile", &format!("{}/redis.pid", self.dir)])
                .stdout(Stdio::from(log.try_clone()?))
                .stderr(Stdio::from(log))
                .spawn()?;
            self.child = Some(child);
            let probe = RedisStore::connect(&self.url())?;
            for _ in 0..200 {
                if probe.get("soak:probe").await.is_ok() {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(format!("redis-server did not answer; see {}/redis.log", self.dir).into())
        }

        /// SIGKILL: no shutdown save, only what the append-only file already holds survives.
        fn kill(&mut self) {
            if let Some(mut c) = self.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }

    impl Drop for Redis {
        fn drop(&mut self) {
            self.kill();
        }
    }

    fn free_port() -> std::io::Result<u16> {
        Ok(std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port())
    }

    async fn sim_get(sim: &str, path: &str) -> Result<Value, BoxError> {
        let r = client::get(&format!("{sim}{path}")).await?;
        if r.status != 200 {
            return Err(format!("GET {path}: HTTP {} {}", r.status, r.text()).into());
        }
        Ok(r.json()?)
    }

    async fn sim_post(sim: &str, path: &str, body: &Value) -> Result<Value, BoxError> {
        let r = client::post_json(&format!("{sim}{path}"), body).await?;
        if r.status != 200 {
            return Err(format!("POST {path}: HTTP {} {}", r.status, r.text()).into());
        }
        Ok(r.json()?)
    }

    async fn inject(sim: &str, fault: &Fault) -> Result<(), BoxError> {
        sim_post(sim, "/_sim/faults", &serde_json::to_value(fault)?).await?;
        Ok(())
    }

    async fn stats(sim: &str) -> Result<BTreeMap<String, u64>, BoxError> {
        let v = sim_get(sim, "/_sim/stats").await?;
        Ok(serde_json::from_value(v["calls"].clone())?)
    }

    async fn issued(sim: &str) -> Result<Vec<TokenInfo>, BoxError> {
        let v = sim_get(sim, "/_sim/tokens").await?;
        Ok(serde_json::from_value(v["tokens"].clone())?)
    }

    async fn pending(sim: &str) -> Result<Vec<Fault>, BoxError> {
        let v = sim_get(sim, "/_sim/faults").await?;
        Ok(serde_json::from_value(v["faults"].clone())?)
    }

    fn as_request(push: &Push) -> CallbackRequest {
        let q = &push.query;
        CallbackRequest {
            method: "POST".into(),
            query: [
                ("signature", &q.signature),
                ("timestamp", &q.timestamp),
                ("nonce", &q.nonce),
                ("encrypt_type", &q.encrypt_type),
                ("msg_signature", &q.msg_signature),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
            body: push.body.clone(),
        }
    }

    /// WeChat pushes a new ticket; the platform's handler stores it. A push the handler could
    /// not store (Redis down) is delivered again, as WeChat retries, for up to `patience`.
    async fn push_ticket(
        sim: &str,
        platform: &Component,
        patience: Duration,
    ) -> Result<bool, BoxError> {
        let v = sim_post(
            sim,
            "/_sim/component/ticket",
            &json!({"component_appid": COMPONENT_APPID}),
        )
        .await?;
        let issued: TicketIssued = serde_json::from_value(v)?;
        let push = issued.outcome.push.ok_or("the component has no push key")?;
        let started = Instant::now();
        loop {
            if platform.handle_callback(&as_request(&push)).await.status == 200 {
                return Ok(true);
            }
            if started.elapsed() > patience {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn spawn_worker(
        id: usize,
        args: &[String],
        shared: &Arc<Mutex<Shared>>,
    ) -> Result<Worker, BoxError> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--worker")
            .arg(id.to_string())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("worker stdout")?;
        {
            let mut s = shared.lock().unwrap();
            while s.workers.len() <= id {
                s.workers.push(WorkerState::default());
            }
        }
        let shared = shared.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut parts = line.splitn(2, ' ');
                let (tag, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let mut s = shared.lock().unwrap();
                match tag {
                    "TALLY" => {
                        if let Ok(t) = serde_json::from_str(rest) {
                            s.workers[id].tally = t;
                        }
                    }
                    "DONE" => s.workers[id].done = true,
                    "LOCK" | "UNLOCK" => {
                        let f: Vec<&str> = rest.split(' ').collect();
                        if f.len() >= 2 {
                            s.events.push(LockEvent {
                                worker: id,
                                key: f[0].to_string(),
                                t: f[1].parse().unwrap_or(0),
                                lock: tag == "LOCK",
                                ok: f.get(2).is_none_or(|o| *o == "ok"),
                            });
                        }
                    }
                    _ => {}
                }
            }
        });
        Ok(Worker { id, child })
    }

    /// The live worker holding `lock_key` (it reported taking it after `since`, and has not
    /// reported releasing it).
    fn holder(shared: &Mutex<Shared>, lock_key: &str, since: u64) -> Option<usize> {
        let s = shared.lock().unwrap();
        let mut held: HashMap<usize, bool> = HashMap::new();
        for e in s
            .events
            .iter()
            .filter(|e| e.key == lock_key && e.t >= since)
        {
            held.insert(e.worker, e.lock);
        }
        held.into_iter()
            .find(|(w, h)| *h && !s.workers[*w].killed)
            .map(|(w, _)| w)
    }

    /// Wait until some live worker released `lock_key` after `since` (a refresh completed);
    /// milliseconds from `since`, or `None` after `within`.
    async fn released(
        shared: &Mutex<Shared>,
        lock_key: &str,
        since: u64,
        within: Duration,
    ) -> Option<u64> {
        let waited = Instant::now();
        while waited.elapsed() < within {
            {
                let s = shared.lock().unwrap();
                if let Some(e) = s
                    .events
                    .iter()
                    .find(|e| !e.lock && e.ok && e.key == lock_key && e.t >= since)
                {
                    return Some(e.t - since);
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Wait until nothing is queued on `path`, so the next fault injected there is the next
    /// one served.
    async fn drain(sim: &str, path: &str) -> Result<bool, BoxError> {
        for _ in 0..100 {
            if !pending(sim).await?.iter().any(|f| f.path == path) {
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(false)
    }

    #[derive(Default)]
    struct Ledger {
        /// Revocations and expiries per token key.
        events: HashMap<String, u64>,
        /// Workers killed while holding the key's refresh lock.
        killed: HashMap<String, u64>,
        /// Token-endpoint faults injected that answer without issuing a token, per path.
        token_faults: BTreeMap<String, u64>,
        /// API faults injected, per kind.
        api_faults: BTreeMap<&'static str, u64>,
        /// (SIGKILL time, restart time) of each Redis restart.
        restarts: Vec<(u64, u64)>,
        /// Lock takeovers after a kill: (key, milliseconds from the kill to the next holder).
        takeovers: Vec<(String, Option<u64>)>,
        /// After each Redis restart: (key, ms from the restart until its refresh completed).
        restart_recoveries: Vec<(String, Option<u64>)>,
        /// Scenarios that could not be staged (nobody took the lock in time).
        unstaged: Vec<String>,
        /// Durable credentials unreadable right after a Redis restart.
        lost_after_restart: BTreeSet<String>,
        tickets_pushed: u64,
        tickets_unstored: u64,
    }

    fn random_api_fault(rng: &mut Rng) -> (Fault, &'static str) {
        let path = API_PATHS[rng.below(API_PATHS.len() as u64) as usize];
        match rng.below(4) {
            0 => (Fault::drop_connection(path), "drop"),
            1 => (Fault::status(path, 503), "HTTP 503"),
            2 => (Fault::errcode(path, -1), "errcode -1"),
            _ => (
                Fault::delay(path, 300 + rng.below(900)),
                "slow (300-1200 ms)",
            ),
        }
    }

    fn random_token_fault(rng: &mut Rng, path: &str) -> Fault {
        match rng.below(3) {
            0 => Fault::drop_connection(path),
            1 => Fault::status(path, 503),
            _ => Fault::errcode(path, -1),
        }
    }

    /// Revoke or expire the owner's tokens (WeChat then answers 40001 or 42001).
    async fn invalidate(sim: &str, owner: &str, expire: bool) -> Result<(), BoxError> {
        let path = if expire {
            "/_sim/expire"
        } else {
            "/_sim/revoke"
        };
        sim_post(sim, path, &json!({"appid": owner})).await?;
        Ok(())
    }

    #[derive(Clone, Copy, Debug)]
    enum Scenario {
        Revoke,
        Kill,
        RestartRedis,
    }

    pub async fn run(args: &[String]) -> Result<bool, BoxError> {
        let sim = arg_string(args, "--sim").ok_or("--sim")?;
        let sim = sim.trim_end_matches('/').to_string();
        let workers_n: usize = arg_value(args, "--workers", 4);
        let threads: usize = arg_value(args, "--threads", 4);
        let authorizers: usize = arg_value(args, "--authorizers", 16).max(1);
        let seconds: u64 = arg_value(args, "--seconds", 40);
        let revocations: usize = arg_value(args, "--revocations", 6);
        let kills: usize = arg_value(args, "--kills", 2);
        let restarts: usize = arg_value(args, "--redis-restarts", 1);
        let fault_every_ms: u64 = arg_value(args, "--fault-every-ms", 100);
        let max_requests: u64 = arg_value(args, "--max-requests", 200_000);
        let seed: u64 = arg_value(args, "--seed", 1);
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);

        let mut redis = Redis {
            bin: arg_string(args, "--redis-server").ok_or("--redis-server")?,
            dir: arg_string(args, "--redis-dir").ok_or("--redis-dir")?,
            port: free_port()?,
            // `--no-persistence` runs Redis as a cache: a restart then loses every credential,
            // which the soak must report.
            persistent: !args.iter().any(|a| a == "--no-persistence"),
            child: None,
        };
        std::fs::create_dir_all(&redis.dir)?;
        redis.start().await?;
        let redis_url = redis.url();
        println!(
            "soak: {workers_n} worker processes × {threads} threads, {authorizers} authorizers, \
             {seconds} s, seed {seed}; wechat-sim {sim}; redis-server 127.0.0.1:{} \
             ({})",
            redis.port,
            if redis.persistent {
                "appendonly, appendfsync always"
            } else {
                "NO persistence"
            }
        );

        // --- setup: the ticket, and every authorizer's authorization, through the handler --
        sim_post(&sim, "/_sim/reset", &json!({})).await?;
        sim_post(&sim, "/_sim/config", &json!({"rotate_refresh_token": true})).await?;
        let store: Arc<dyn Store> = Arc::new(RedisStore::connect(&redis_url)?);
        let platform = Component::with_store(
            component_config(&sim, &redis_url),
            store.clone(),
            Arc::new(SystemClock),
        )?;
        if !push_ticket(&sim, &platform, Duration::from_secs(5)).await? {
            return Err("the first ticket push was not stored".into());
        }
        for i in 0..authorizers {
            let v = sim_post(
                &sim,
                "/_sim/authorize",
                &json!({"component_appid": COMPONENT_APPID, "authorizer_appid": authorizer_appid(i)}),
            )
            .await?;
            let auth: Authorized = serde_json::from_value(v)?;
            let push = auth.outcome.push.ok_or("no authorized push")?;
            let r = platform.handle_callback(&as_request(&push)).await;
            if r.status != 200 {
                return Err(format!(
                    "authorizing {}: {} {}",
                    authorizer_appid(i),
                    r.status,
                    r.body
                )
                .into());
            }
        }
        let keys = token_keys(authorizers);
        // Keys with no stored token at the start each cost one fetch.
        let mut initial: HashMap<String, u64> = HashMap::new();
        for k in &keys {
            if store.get(k.key.data()).await?.is_none() {
                initial.insert(k.key.data().to_string(), 1);
            }
        }
        let stats_before = stats(&sim).await?;
        let issued_before: HashSet<String> =
            issued(&sim).await?.into_iter().map(|t| t.value).collect();

        // --- workers --------------------------------------------------------------------
        let worker_args: Vec<String> = vec![
            "--sim".into(),
            sim.clone(),
            "--redis".into(),
            redis_url.clone(),
            "--threads".into(),
            threads.to_string(),
            "--authorizers".into(),
            authorizers.to_string(),
            "--max-requests".into(),
            max_requests.to_string(),
            "--max-seconds".into(),
            (seconds + 120).to_string(),
            "--lock-ttl-ms".into(),
            lock_ttl_ms().to_string(),
        ];
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mut workers: Vec<Worker> = Vec::new();
        for id in 0..workers_n {
            workers.push(spawn_worker(id, &worker_args, &shared)?);
        }
        let mut next_id = workers_n;
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut ledger = Ledger::default();

        // The scenarios, spread evenly over the run (kills and restarts among the
        // revocations), with random API faults in between and a new ticket pushed every sixth
        // of the run. Each kind rotates its target over the Official Account, the component
        // and the authorizers. The run lasts `--seconds`, or until every scenario was staged.
        let mut plan: Vec<(f64, Scenario)> = Vec::new();
        for (n, kind) in [
            (revocations, Scenario::Revoke),
            (kills, Scenario::Kill),
            (restarts, Scenario::RestartRedis),
        ] {
            for i in 0..n {
                plan.push(((i as f64 + 0.5) / n as f64, kind));
            }
        }
        plan.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total = plan.len();
        let slot = Duration::from_secs(seconds) / (total as u32 + 1);
        let ticket_every = Duration::from_secs(seconds) / 6;
        let mut next_ticket = started + ticket_every;
        let mut next_scenario = started + slot;
        let mut plan_iter = plan.into_iter().map(|(_, kind)| kind).peekable();
        let mut cursors: HashMap<&'static str, usize> = HashMap::new();
        // When the last scenario on each token key finished.
        let mut settled: HashMap<String, Instant> = HashMap::new();
        let mut fault_timer = Instant::now();

        while Instant::now() < deadline || plan_iter.peek().is_some() {
            if fault_timer.elapsed() >= Duration::from_millis(fault_every_ms) {
                fault_timer = Instant::now();
                let (fault, what) = random_api_fault(&mut rng);
                inject(&sim, &fault).await?;
                *ledger.api_faults.entry(what).or_default() += 1;
            }
            if Instant::now() >= next_ticket && Instant::now() < deadline {
                next_ticket += ticket_every;
                ledger.tickets_pushed += 1;
                if !push_ticket(&sim, &platform, Duration::from_secs(10)).await? {
                    ledger.tickets_unstored += 1;
                }
            }
            if Instant::now() >= next_scenario {
                next_scenario = Instant::now().max(next_scenario) + slot;
                if let Some(scenario) = plan_iter.next() {
                    let name = match scenario {
                        Scenario::Revoke => "revoke",
                        Scenario::Kill => "kill",
                        Scenario::RestartRedis => "restart",
                    };
                    let cursor = cursors.entry(name).or_default();
                    // Kills start on an authorizer, whose refresh also rotates a durable
                    // refresh token; the others start on the Official Account.
                    let turn = match scenario {
                        Scenario::Kill => *cursor + 2,
                        _ => *cursor,
                    };
                    let target = &keys[match turn % 3 {
                        0 => 0,
                        1 => 1,
                        _ => 2 + (turn / 3) % authorizers,
                    }];
                    *cursor += 1;
                    let key = target.key.data().to_string();
                    // A call that met this token's last invalidation retries once with the new
                    // token, and the engine retries once by design: let those retries land
                    // before the same token is invalidated again, or one call can meet two
                    // invalidations and surface a token error. (Scenarios run back to back
                    // when one ran long, e.g. a lock takeover after a kill.)
                    if let Some(at) = settled.get(&key) {
                        tokio::time::sleep(RESETTLE.saturating_sub(at.elapsed())).await;
                    }
                    settled.insert(key.clone(), Instant::now());
                    match scenario {
                        Scenario::Revoke => {
                            // The refresh meets 0–2 faults, which the engine's retries absorb.
                            drain(&sim, target.path).await?;
                            let n = rng.below(3);
                            for _ in 0..n {
                                inject(&sim, &random_token_fault(&mut rng, target.path)).await?;
                            }
                            *ledger.token_faults.entry(target.path.into()).or_default() += n;
                            let expire = rng.below(2) == 0;
                            let since = now_ms();
                            invalidate(&sim, &target.owner, expire).await?;
                            *ledger.events.entry(key.clone()).or_default() += 1;
                            // Let the refresh finish before the next scenario, so no call
                            // meets two invalidations of one token back to back.
                            released(&shared, target.key.lock(), since, Duration::from_secs(5))
                                .await;
                            println!(
                                "  {:>5.1} s  {} {} ({n} faults on its refresh)",
                                started.elapsed().as_secs_f64(),
                                if expire { "expired" } else { "revoked" },
                                target.owner
                            );
                        }
                        Scenario::Kill => {
                            drain(&sim, target.path).await?;
                            inject(&sim, &Fault::delay(target.path, KILL_SLOW_MS)).await?;
                            let since = now_ms();
                            invalidate(&sim, &target.owner, false).await?;
                            *ledger.events.entry(key.clone()).or_default() += 1;
                            let lock_key = target.key.lock().to_string();
                            let mut victim = None;
                            let waited = Instant::now();
                            while waited.elapsed() < Duration::from_secs(10) {
                                if let Some(w) = holder(&shared, &lock_key, since) {
                                    // The lock is in Redis, held by that worker, mid-fetch.
                                    if store.get(&lock_key).await.ok().flatten().is_some() {
                                        victim = Some(w);
                                        break;
                                    }
                                }
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                            let Some(victim) = victim else {
                                ledger.unstaged.push(format!("kill on {key}"));
                                continue;
                            };
                            let pos = workers
                                .iter()
                                .position(|w| w.id == victim)
                                .ok_or("victim")?;
                            let mut w = workers.remove(pos);
                            shared.lock().unwrap().workers[victim].killed = true;
                            let _ = w.child.kill(); // SIGKILL
                            let _ = w.child.wait();
                            let killed_at = now_ms();
                            *ledger.killed.entry(key.clone()).or_default() += 1;
                            println!(
                                "  {:>5.1} s  kill -9 worker {victim} (pid {}) holding {lock_key}; \
                                 worker {next_id} replaces it",
                                started.elapsed().as_secs_f64(),
                                w.child.id()
                            );
                            workers.push(spawn_worker(next_id, &worker_args, &shared)?);
                            next_id += 1;
                            // Someone else takes the lock once its TTL has passed.
                            let mut took = None;
                            let waited = Instant::now();
                            while waited.elapsed() < Duration::from_millis(lock_ttl_ms() + 10_000) {
                                took = shared
                                    .lock()
                                    .unwrap()
                                    .events
                                    .iter()
                                    .find(|e| e.lock && e.key == lock_key && e.t >= killed_at)
                                    .map(|e| e.t - killed_at);
                                if took.is_some() {
                                    break;
                                }
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                            ledger.takeovers.push((key.clone(), took));
                            released(
                                &shared,
                                &lock_key,
                                killed_at,
                                Duration::from_millis(lock_ttl_ms() + 10_000),
                            )
                            .await;
                        }
                        Scenario::RestartRedis => {
                            drain(&sim, target.path).await?;
                            inject(&sim, &Fault::delay(target.path, RESTART_SLOW_MS)).await?;
                            let since = now_ms();
                            invalidate(&sim, &target.owner, false).await?;
                            *ledger.events.entry(key.clone()).or_default() += 1;
                            let lock_key = target.key.lock().to_string();
                            let waited = Instant::now();
                            let mut held = false;
                            while waited.elapsed() < Duration::from_secs(10) {
                                if holder(&shared, &lock_key, since).is_some() {
                                    held = true;
                                    break;
                                }
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                            if !held {
                                ledger.unstaged.push(format!(
                                    "refresh in flight on {key} during the Redis restart"
                                ));
                            }
                            redis.kill();
                            let killed_at = now_ms();
                            tokio::time::sleep(Duration::from_millis(REDIS_DOWN_MS)).await;
                            let restarted_at = now_ms();
                            redis.start().await?;
                            ledger.restarts.push((killed_at, restarted_at));
                            // The lock the stranded refresh left in Redis expires, and a
                            // worker completes the refresh.
                            let recovered = released(
                                &shared,
                                &lock_key,
                                restarted_at,
                                Duration::from_millis(lock_ttl_ms() + 10_000),
                            )
                            .await;
                            ledger.restart_recoveries.push((key.clone(), recovered));
                            // Every durable credential must be there, at once.
                            let missing = lost_credentials(&platform, authorizers).await?;
                            let lost = missing.len();
                            ledger.lost_after_restart.extend(missing);
                            println!(
                                "  {:>5.1} s  redis-server SIGKILLed while {} was refreshing, \
                                 restarted after {} ms; durable credentials missing: {lost}",
                                started.elapsed().as_secs_f64(),
                                target.owner,
                                REDIS_DOWN_MS
                            );
                        }
                    }
                    settled.insert(target.key.data().to_string(), Instant::now());
                    next_scenario = next_scenario.max(Instant::now() + Duration::from_millis(300));
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        // --- stop ------------------------------------------------------------------------
        for w in &mut workers {
            drop(w.child.stdin.take()); // EOF: finish the call in hand, report, exit
        }
        let stopping = Instant::now();
        for w in &mut workers {
            loop {
                if w.child.try_wait()?.is_some() {
                    break;
                }
                if stopping.elapsed() > Duration::from_millis(LOCK_WAIT_MS + 10_000) {
                    let _ = w.child.kill();
                    let _ = w.child.wait();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let elapsed = started.elapsed();

        // --- figures ---------------------------------------------------------------------
        let stats_after = stats(&sim).await?;
        let tokens = issued(&sim).await?;
        let remaining = pending(&sim).await?;
        let delta = |path: &str| {
            stats_after.get(path).copied().unwrap_or(0)
                - stats_before.get(path).copied().unwrap_or(0)
        };
        // A copy: the figures below are computed while the last reports are already in.
        let s = shared.lock().unwrap().clone();
        let mut totals = Tally::default();
        for w in &s.workers {
            totals.requests += w.tally.requests;
            totals.ok += w.tally.ok;
            for (k, n) in &w.tally.errors {
                *totals.errors.entry(k.clone()).or_default() += n;
            }
        }
        let unfinished = s.workers.iter().filter(|w| !w.killed && !w.done).count();

        // Refreshes a Redis restart can strand: a key whose lock was taken before the restart
        // (and less than a lock TTL before the kill) and not released before the kill.
        let mut stranded: HashMap<String, u64> = HashMap::new();
        for &(killed_at, restarted_at) in &ledger.restarts {
            let mut held: HashSet<(usize, String)> = HashSet::new();
            let mut keys_held: HashSet<String> = HashSet::new();
            for e in &s.events {
                if e.lock && e.t < restarted_at && e.t + lock_ttl_ms() > killed_at {
                    held.insert((e.worker, e.key.clone()));
                } else if !e.lock && e.ok && e.t < killed_at {
                    held.remove(&(e.worker, e.key.clone()));
                }
            }
            for (_, k) in held {
                keys_held.insert(k);
            }
            for k in keys_held {
                *stranded.entry(k).or_default() += 1;
            }
        }
        let lock_to_data: HashMap<String, String> = keys
            .iter()
            .map(|k| (k.key.lock().to_string(), k.key.data().to_string()))
            .collect();
        let stranded: HashMap<String, u64> = stranded
            .into_iter()
            .filter_map(|(lock, n)| lock_to_data.get(&lock).map(|d| (d.clone(), n)))
            .collect();

        // Tokens the sim issued during the run, per key.
        let new_tokens: Vec<&TokenInfo> = tokens
            .iter()
            .filter(|t| !issued_before.contains(&t.value))
            .collect();
        let mut total_bound = 0u64;
        let mut total_issued = 0u64;
        let mut duplicates = 0u64;
        let (mut sum_i, mut sum_e, mut sum_k, mut sum_s) = (0, 0, 0, 0);
        let mut over: Vec<String> = Vec::new();
        for k in &keys {
            let d = k.key.data();
            let issued_k = new_tokens
                .iter()
                .filter(|t| t.kind == k.kind && t.owner == k.owner)
                .count() as u64;
            let i = initial.get(d).copied().unwrap_or(0);
            let e = ledger.events.get(d).copied().unwrap_or(0);
            let kk = ledger.killed.get(d).copied().unwrap_or(0);
            let st = stranded.get(d).copied().unwrap_or(0);
            let bound = i + e + kk + st;
            sum_i += i;
            sum_e += e;
            sum_k += kk;
            sum_s += st;
            total_bound += bound;
            total_issued += issued_k;
            if issued_k > bound {
                duplicates += issued_k - bound;
                over.push(format!("{} issued {issued_k}, bound {bound}", k.owner));
            }
        }
        let token_calls: u64 = TOKEN_PATHS.iter().map(|p| delta(p)).sum();
        let faults_left = |path: &str, token: bool| -> u64 {
            remaining
                .iter()
                .filter(|f| f.path == path && (!token || f.delay_ms.is_none()))
                .map(|f| f.times as u64)
                .sum()
        };
        let faulted_token_calls: u64 = ledger
            .token_faults
            .iter()
            .map(|(p, n)| n.saturating_sub(faults_left(p, true)))
            .sum();
        let call_bound = total_bound + faulted_token_calls;
        let api_calls: u64 = stats_after
            .keys()
            .filter(|p| !TOKEN_PATHS.contains(&p.as_str()))
            .map(|p| delta(p))
            .sum();
        let api_faults_served: u64 = ledger.api_faults.values().sum::<u64>()
            - API_PATHS.iter().map(|p| faults_left(p, false)).sum::<u64>();

        // Durable credentials after the run: readable from Redis, and still accepted.
        // Each credential counts once, however many checks found it gone.
        let mut lost_set = ledger.lost_after_restart.clone();
        lost_set.extend(lost_credentials(&platform, authorizers).await?);
        let (rejected, behind) = rejected_credentials(&sim, &platform, authorizers).await?;
        lost_set.extend(rejected);
        let lost = lost_set.len() as u64;

        let unexpected: u64 = totals
            .errors
            .iter()
            .filter(|(k, _)| !EXPECTED_ERRORS.contains(&k.as_str()))
            .map(|(_, n)| n)
            .sum();
        let takeover_failed = ledger
            .takeovers
            .iter()
            .chain(&ledger.restart_recoveries)
            .filter(|(_, t)| t.is_none())
            .count();

        println!();
        println!("=== soak figures ({:.1} s) ===", elapsed.as_secs_f64());
        println!(
            "requests made:              {} ({} ok, {} failed) by {} worker processes ({} started, {} killed) × {threads} threads; {:.0}/s",
            totals.requests,
            totals.ok,
            totals.requests - totals.ok,
            workers_n,
            next_id,
            ledger.killed.values().sum::<u64>(),
            totals.requests as f64 / elapsed.as_secs_f64()
        );
        println!(
            "upstream API calls:         {api_calls} (the local server's count, retries included)"
        );
        println!(
            "faults injected:            {} on API calls ({}), {api_faults_served} served; {} on token refreshes, {faulted_token_calls} served",
            ledger.api_faults.values().sum::<u64>(),
            ledger
                .api_faults
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            ledger.token_faults.values().sum::<u64>(),
        );
        println!(
            "revocations/expiries:       {sum_e} (incl. the ones staging each kill and restart)"
        );
        println!(
            "workers killed holding a refresh lock: {} ({})",
            sum_k,
            ledger
                .takeovers
                .iter()
                .map(|(k, t)| match t {
                    Some(ms) => format!("{} retaken after {ms} ms", short_key(k)),
                    None => format!("{} NOT retaken", short_key(k)),
                })
                .collect::<Vec<_>>()
                .join("; ")
        );
        println!(
            "redis-server restarts:      {} (SIGKILL, {} ms down); refreshes in flight then: {sum_s} ({})",
            ledger.restarts.len(),
            REDIS_DOWN_MS,
            ledger
                .restart_recoveries
                .iter()
                .map(|(k, t)| match t {
                    Some(ms) => format!("{} refreshed {ms} ms after the restart", short_key(k)),
                    None => format!("{} NOT refreshed", short_key(k)),
                })
                .collect::<Vec<_>>()
                .join("; ")
        );
        println!(
            "tickets pushed:             {} during the run ({} could not be stored)",
            ledger.tickets_pushed, ledger.tickets_unstored
        );
        println!(
            "upstream token calls:       {token_calls} (bound {call_bound}) = {total_issued} tokens issued + {faulted_token_calls} answered with an injected fault + {} never answered (the caller was killed mid-request)",
            token_calls.saturating_sub(total_issued + faulted_token_calls)
        );
        println!(
            "  bound = initial fetches {sum_i} + revocations/expiries {sum_e} + killed lock holders {sum_k} \
             + refreshes in flight at a Redis restart {sum_s} = {total_bound} tokens, + {faulted_token_calls} faulted token calls"
        );
        for (path, _) in TOKEN_PATHS.iter().map(|p| (p, ())) {
            println!("    {:>6}  {path}", delta(path));
        }
        println!(
            "errors surfaced, by kind:   {}",
            if totals.errors.is_empty() {
                "none".to_string()
            } else {
                totals
                    .errors
                    .iter()
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        println!(
            "  of which unexpected (not {}): {unexpected}",
            EXPECTED_ERRORS.join(" / ")
        );
        println!(
            "credentials lost:           {lost} (must be 0; {} durable credentials checked: ticket + {authorizers} refresh tokens, \
             readable after each restart and at the end, and accepted by the server; {behind} stored refresh tokens behind the newest)",
            authorizers + 1
        );
        println!(
            "duplicate refreshes beyond the bound: {duplicates} (must be 0){}",
            if over.is_empty() {
                String::new()
            } else {
                format!(": {}", over.join("; "))
            }
        );

        let mut failures: Vec<String> = Vec::new();
        if lost > 0 {
            failures.push(format!("{lost} credentials lost"));
        }
        if duplicates > 0 {
            failures.push(format!("{duplicates} duplicate refreshes"));
        }
        if token_calls > call_bound {
            failures.push(format!(
                "{token_calls} token calls exceed the bound {call_bound}"
            ));
        }
        // Token calls that neither issued a token nor met an injected fault can only be the
        // requests of killed workers; any other (a stale ticket or refresh token refused) fails.
        let unanswered = token_calls.saturating_sub(total_issued + faulted_token_calls);
        if unanswered > sum_k {
            failures.push(format!(
                "{unanswered} token calls issued nothing without an injected fault \
                 (only {sum_k} callers were killed)"
            ));
        }
        if unexpected > 0 {
            failures.push(format!("{unexpected} unexpected errors"));
        }
        if takeover_failed > 0 {
            failures.push(format!(
                "{takeover_failed} refreshes after a kill or restart never completed"
            ));
        }
        if !ledger.unstaged.is_empty() {
            failures.push(format!("not staged: {}", ledger.unstaged.join("; ")));
        }
        if unfinished > 0 {
            failures.push(format!("{unfinished} workers did not finish"));
        }
        if totals.ok == 0 {
            failures.push("no request succeeded".into());
        }
        if failures.is_empty() {
            println!("soak: PASS");
            Ok(true)
        } else {
            println!("soak: FAIL: {}", failures.join("; "));
            Ok(false)
        }
    }

    fn short_key(k: &str) -> String {
        k.split(':')
            .nth(1)
            .map(|kind| format!("{kind} {}", k.rsplit(':').next().unwrap_or("")))
            .unwrap_or_else(|| k.to_string())
    }

    /// Durable credentials missing from the store (or unparseable): the ticket and every
    /// authorizer's refresh token. A connection broken by a Redis restart is re-made on the
    /// next command, so a store error is retried for a few seconds before it counts.
    async fn lost_credentials(
        platform: &Component,
        authorizers: usize,
    ) -> Result<Vec<String>, BoxError> {
        async fn retried<F, Fut>(read: F) -> Result<Option<String>, BoxError>
        where
            F: Fn() -> Fut,
            Fut: std::future::Future<Output = weixinkit::Result<Option<String>>>,
        {
            let mut tries = 0;
            loop {
                match read().await {
                    Ok(v) => return Ok(v),
                    Err(e) if e.kind() == "store" && tries < 50 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let mut lost = Vec::new();
        if retried(|| platform.verify_ticket()).await?.is_none() {
            lost.push("ticket".to_string());
        }
        for i in 0..authorizers {
            let appid = authorizer_appid(i);
            if retried(|| platform.refresh_token(&appid)).await?.is_none() {
                lost.push(appid);
            }
        }
        Ok(lost)
    }

    /// A WeChat endpoint called directly; a fault still queued there (the run's last refresh
    /// may not have met all of its faults) is passed over by asking again, as a client would.
    async fn wechat_post(sim: &str, path: &str, body: &Value) -> Result<Value, BoxError> {
        let mut last = String::new();
        for _ in 0..8 {
            match client::post_json(&format!("{sim}{path}"), body).await {
                Ok(r) if r.status == 200 => {
                    let v = r.json()?;
                    if v["errcode"].as_i64() != Some(-1) {
                        return Ok(v);
                    }
                    last = v.to_string();
                }
                Ok(r) => last = format!("HTTP {}", r.status),
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!("{}: {last}", path.split('?').next().unwrap_or(path)).into())
    }

    /// Stored credentials the server refuses (presented directly, not through the engine, so
    /// no fallback can mask a dead one), and refresh tokens that are not the newest issued.
    async fn rejected_credentials(
        sim: &str,
        platform: &Component,
        authorizers: usize,
    ) -> Result<(Vec<String>, u64), BoxError> {
        let mut rejected = Vec::new();
        let mut behind = 0;
        let ticket = platform.verify_ticket().await?.unwrap_or_default();
        let v = wechat_post(
            sim,
            "/cgi-bin/component/api_component_token",
            &json!({"component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
                    "component_verify_ticket": ticket}),
        )
        .await?;
        let Some(token) = v["component_access_token"].as_str().map(str::to_string) else {
            println!("  the stored ticket was refused: {v}");
            let all = std::iter::once("ticket".to_string())
                .chain((0..authorizers).map(authorizer_appid))
                .collect();
            return Ok((all, 0));
        };
        let list = wechat_post(
            sim,
            &format!("/cgi-bin/component/api_get_authorizer_list?component_access_token={token}"),
            &json!({"component_appid": COMPONENT_APPID, "offset": 0, "count": 500}),
        )
        .await?;
        let listed: HashMap<String, String> = list["list"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        Some((
                            x["authorizer_appid"].as_str()?.to_string(),
                            x["refresh_token"].as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for i in 0..authorizers {
            let appid = authorizer_appid(i);
            let stored = platform.refresh_token(&appid).await?.unwrap_or_default();
            if listed.get(&appid) != Some(&stored) {
                behind += 1;
            }
            let v = wechat_post(
                sim,
                &format!("/cgi-bin/component/api_authorizer_token?component_access_token={token}"),
                &json!({"component_appid": COMPONENT_APPID, "authorizer_appid": appid,
                        "authorizer_refresh_token": stored}),
            )
            .await?;
            if v["authorizer_access_token"].as_str().is_none() {
                println!(
                    "  {appid}'s stored refresh token was refused: {}",
                    v["errcode"]
                );
                rejected.push(appid);
            }
        }
        Ok((rejected, behind))
    }
}
