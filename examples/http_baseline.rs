//! The client side of one API call over keep-alive loopback, as a baseline for the host
//! benches (`bindings/python/bench_calls.py` runs it beside the Python clients):
//!
//! - `reqwest`: a bare `reqwest::Client` GET on a current-thread runtime, JSON parsed — the
//!   least any Rust client can spend;
//! - `weixinkit`: the same call through the core's `OfficialAccount::get` (token from the
//!   memory store) run on the calling thread (`runtime::block_on_here`), as Python's blocking
//!   methods run it;
//! - `weixinkit-runtime`: the same, handed to the library's worker threads
//!   (`runtime::block_on`), as the Kotlin and PHP blocking calls run it.
//!
//! ```text
//! cargo run --release --example http_baseline -- <mode> <base-url> <calls> [rounds]
//! ```
//!
//! Prints one JSON line: median calls/s and median client CPU µs per call (every thread of
//! this process, from /proc/self/task/*/schedstat) over the rounds.

use std::time::Instant;

const API: &str = "/cgi-bin/get_api_domain_ip";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(base), Some(calls)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: http_baseline <reqwest|weixinkit|weixinkit-runtime> <base-url> <calls> [rounds]");
        std::process::exit(2);
    };
    let calls: usize = calls.parse().expect("calls is a number");
    let rounds: usize = args
        .get(3)
        .map_or(5, |r| r.parse().expect("rounds is a number"));
    let mut call: Box<dyn FnMut()> = match mode.as_str() {
        "reqwest" => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = reqwest::Client::new();
            let url = format!("{base}{API}?access_token=T");
            Box::new(move || {
                let body: serde_json::Value = runtime.block_on(async {
                    let response = client.get(&url).send().await.unwrap();
                    assert!(response.status().is_success());
                    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
                });
                assert!(body.get("ip_list").is_some(), "{body}");
            })
        }
        "weixinkit" | "weixinkit-runtime" => {
            let here = mode == "weixinkit";
            let config = weixinkit::OfficialAccountConfig::from_json(&format!(
                r#"{{"app_id":"wxbench","secret":"s","http":{{"api_base_uri":"{base}"}},"store":{{"type":"memory"}}}}"#
            ))
            .unwrap();
            let account = weixinkit::OfficialAccount::new(config).unwrap();
            Box::new(move || {
                let call = account.get(API, &[]);
                let body = if here {
                    weixinkit::runtime::block_on_here(call)
                } else {
                    weixinkit::runtime::block_on(call)
                }
                .unwrap();
                assert!(body.get("ip_list").is_some(), "{body}");
            })
        }
        other => {
            eprintln!(
                "http_baseline: unknown mode {other:?} (reqwest, weixinkit or weixinkit-runtime)"
            );
            std::process::exit(2);
        }
    };
    for _ in 0..200 {
        call(); // connection, token and allocator warm
    }
    let per_round = (calls / rounds).max(1);
    let (mut rates, mut cpus) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (cpu0, wall0) = (process_cpu_ns(), Instant::now());
        for _ in 0..per_round {
            call();
        }
        let (cpu, wall) = (process_cpu_ns() - cpu0, wall0.elapsed());
        rates.push(per_round as f64 / wall.as_secs_f64());
        cpus.push(cpu as f64 / 1e3 / per_round as f64);
    }
    println!(
        r#"{{"calls_per_s":{:.1},"cpu_us_per_call":{:.3}}}"#,
        median(rates),
        median(cpus)
    );
}

/// CPU time of every live thread of this process, in nanoseconds.
fn process_cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task (Linux only)")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
