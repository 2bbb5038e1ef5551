//! `wechat-sim [--port N] [--config FILE.json] [--log]`
//!
//! Binds 127.0.0.1 (port 0 = a free port), prints exactly `listening on http://127.0.0.1:PORT`
//! as the first stdout line, flushes, and serves until SIGTERM or SIGINT.

use std::io::Write;
use std::process::ExitCode;

use weixinkit_sim::{Sim, SimConfig};

const USAGE: &str = "usage: wechat-sim [--port N] [--config FILE.json] [--log]

A local HTTP server that plays api.weixin.qq.com for weixinkit's tests.
  --port N         port on 127.0.0.1 (default 0 = any free port)
  --config FILE    JSON: {\"port\", \"default_apps\", \"apps\": [...], \"options\": {...}, \"log\"}
  --log            one line per request on stderr
Prints `listening on http://127.0.0.1:PORT` first, then serves until SIGTERM/SIGINT.";

fn parse_args() -> Result<SimConfig, String> {
    let mut port: Option<u16> = None;
    let mut config_file: Option<String> = None;
    let mut log = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--port" | "-p" => {
                let v = value("a port number")?;
                port = Some(v.parse().map_err(|_| format!("bad port: {v}"))?);
            }
            "--config" | "-c" => config_file = Some(value("a file name")?),
            "--log" | "-v" | "--verbose" => log = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}\n\n{USAGE}")),
        }
    }
    let mut config = match config_file {
        Some(file) => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
            serde_json::from_str::<SimConfig>(&text)
                .map_err(|e| format!("bad config file {file}: {e}"))?
        }
        None => SimConfig::default(),
    };
    if let Some(p) = port {
        config.port = p;
    }
    config.log |= log;
    Ok(config)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wechat-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let running = match Sim::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wechat-sim: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", running.base_url);
        let _ = out.flush();
    }
    wait_for_signal().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}
