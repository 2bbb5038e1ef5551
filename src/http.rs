//! The HTTP client: reqwest with rustls, one connection pool per client, JSON in and out,
//! every body checked for `errcode`, bounded retry for what a retry can fix.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::{HttpOptions, RetryPolicy};
use crate::{Error, Result};

/// Which WeChat host a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// `api.weixin.qq.com`
    Api,
    /// `qyapi.weixin.qq.com`
    Work,
}

/// HTTP method of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET with query parameters.
    Get,
    /// POST with a JSON body.
    Post,
}

/// One request: host, path, query and an optional JSON body.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The host.
    pub host: Host,
    /// The path, starting with `/`.
    pub path: String,
    /// Query parameters (tokens and secrets go here; they never appear in errors).
    pub query: Vec<(String, String)>,
    /// JSON body for POST.
    pub body: Option<Value>,
}

impl Request {
    /// `GET path?query`.
    pub fn get(host: Host, path: &str, query: &[(&str, &str)]) -> Self {
        Request {
            method: Method::Get,
            host,
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: None,
        }
    }

    /// `POST path?query` with a JSON body.
    pub fn post(host: Host, path: &str, query: &[(&str, &str)], body: Value) -> Self {
        Request {
            method: Method::Post,
            body: Some(body),
            ..Request::get(host, path, query)
        }
    }
}

/// A cheap-to-clone HTTP client bound to one set of [`HttpOptions`].
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    options: std::sync::Arc<HttpOptions>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("options", &self.options)
            .finish()
    }
}

impl HttpClient {
    /// A client for these options.
    pub fn new(options: HttpOptions) -> Result<Self> {
        for (name, uri) in [
            ("api_base_uri", &options.api_base_uri),
            ("work_base_uri", &options.work_base_uri),
        ] {
            let parsed = reqwest::Url::parse(uri)
                .map_err(|e| Error::Config(format!("{name} {uri:?}: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(Error::Config(format!("{name} {uri:?} is not http(s)")));
            }
        }
        if options.timeout_ms == 0 {
            return Err(Error::Config("timeout_ms must be positive".into()));
        }
        let client = build_client(&options)?;
        Ok(HttpClient {
            client,
            options: std::sync::Arc::new(options),
        })
    }

    /// The connection pool to use here. A connection's task lives on the runtime that opened
    /// it, so a thread running its own runtime ([`crate::runtime::block_on_here`]) keeps a
    /// pool of its own per client: a connection opened there is only driven while that thread
    /// is inside a call, and must never be lent to another thread.
    fn pool(&self) -> Result<reqwest::Client> {
        if !crate::runtime::in_here() {
            return Ok(self.client.clone());
        }
        thread_local! {
            static POOLS: std::cell::RefCell<Vec<(std::sync::Weak<HttpOptions>, reqwest::Client)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        POOLS.with(|pools| {
            let mut pools = pools.borrow_mut();
            if let Some((_, client)) = pools.iter().find(|(owner, _)| {
                std::ptr::eq(owner.as_ptr(), std::sync::Arc::as_ptr(&self.options))
            }) {
                return Ok(client.clone());
            }
            // Pools of clients that are gone are dropped (until then the Weak keeps their
            // address from being reused, so the identity check above cannot be fooled).
            pools.retain(|(owner, _)| owner.strong_count() > 0);
            let client = build_client(&self.options)?;
            pools.push((std::sync::Arc::downgrade(&self.options), client.clone()));
            Ok(client)
        })
    }

    /// The options this client was built with.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Send `request`, retrying per the policy; the JSON body on success, else the error
    /// (`Error::Api` for a non-zero `errcode`).
    pub async fn send(&self, request: &Request) -> Result<Value> {
        let policy = &self.options.retry;
        let started = Instant::now();
        let mut retry = 0;
        loop {
            let result = self.send_once(request).await;
            match result {
                Err(ref e) if retry < policy.max_retries && retryable(policy, e) => {
                    let delay = with_jitter(policy.delay_before(retry), policy.jitter);
                    let deadline = Duration::from_millis(policy.deadline_ms);
                    if policy.deadline_ms > 0 && started.elapsed() + delay >= deadline {
                        tracing::warn!(
                            endpoint = request.path.as_str(),
                            attempt = retry + 1,
                            kind = e.kind(),
                            code = e.code(),
                            errcode = e.errcode(),
                            "not retrying: the retry deadline would pass"
                        );
                        return result;
                    }
                    tracing::warn!(
                        endpoint = request.path.as_str(),
                        attempt = retry + 1,
                        kind = e.kind(),
                        code = e.code(),
                        errcode = e.errcode(),
                        delay_ms = delay.as_millis() as u64,
                        error = %e,
                        "retrying a failed request"
                    );
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                _ => return result,
            }
        }
    }

    async fn send_once(&self, request: &Request) -> Result<Value> {
        let base = match request.host {
            Host::Api => &self.options.api_base_uri,
            Host::Work => &self.options.work_base_uri,
        };
        let endpoint = request.path.as_str();
        let mut url = reqwest::Url::parse(&format!("{}{}", base.trim_end_matches('/'), endpoint))
            .map_err(|e| Error::InvalidInput {
            code: crate::codes::INVALID_ARGUMENT,
            reason: format!("bad path {endpoint:?}: {e}"),
        })?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        let builder = match (request.method, &request.body) {
            (Method::Get, _) => self.pool()?.get(url),
            (Method::Post, body) => {
                let bytes =
                    serde_json::to_vec(body.as_ref().unwrap_or(&Value::Null)).map_err(|e| {
                        Error::InvalidInput {
                            code: crate::codes::INVALID_ARGUMENT,
                            reason: format!("body for {endpoint}: {e}"),
                        }
                    })?;
                self.pool()?
                    .post(url)
                    .header("content-type", "application/json; charset=utf-8")
                    .body(bytes)
            }
        };
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(endpoint, e))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(endpoint, e))?;
        if !status.is_success() {
            return Err(Error::HttpStatus {
                endpoint: endpoint.into(),
                status: status.as_u16(),
            });
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            endpoint: endpoint.into(),
            reason: format!("body is not JSON ({e})"),
        })?;
        check_errcode(endpoint, value)
    }
}

fn build_client(options: &HttpOptions) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(options.timeout_ms))
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("weixinkit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Config(format!("HTTP client: {e}")))
}

/// A JSON body is a failure when it has an `errcode` other than 0 (number or string).
pub(crate) fn check_errcode(endpoint: &str, value: Value) -> Result<Value> {
    let errcode = match value.get("errcode") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(-1),
        Some(Value::String(s)) => s.trim().parse::<i64>().map_err(|_| Error::Decode {
            endpoint: endpoint.into(),
            reason: format!("errcode {s:?} is not a number"),
        })?,
        Some(other) => {
            return Err(Error::Decode {
                endpoint: endpoint.into(),
                reason: format!("errcode {other} is not a number"),
            })
        }
    };
    if errcode == 0 {
        return Ok(value);
    }
    let errmsg = value
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    Err(Error::Api {
        endpoint: endpoint.into(),
        errcode,
        errmsg,
    })
}

fn transport_error(endpoint: &str, e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            endpoint: endpoint.into(),
        };
    }
    // reqwest's Display includes the URL, whose query may hold a secret: strip it.
    let e = e.without_url();
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    Error::Transport {
        endpoint: endpoint.into(),
        reason,
    }
}

fn retryable(policy: &RetryPolicy, e: &Error) -> bool {
    match e {
        Error::Transport { .. } | Error::Timeout { .. } => true,
        Error::HttpStatus { status, .. } => policy.statuses.contains(status),
        Error::Api { errcode, .. } => *errcode == -1,
        _ => false,
    }
}

fn with_jitter(delay: Duration, jitter: f64) -> Duration {
    if jitter <= 0.0 || delay.is_zero() {
        return delay;
    }
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return delay;
    }
    let unit = u32::from_le_bytes(b) as f64 / u32::MAX as f64;
    delay + delay.mul_f64(jitter.min(1.0) * unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errcode_is_checked_as_number_or_string() {
        assert!(check_errcode("/x", json!({"access_token": "t"})).is_ok());
        assert!(check_errcode("/x", json!({"errcode": 0, "errmsg": "ok"})).is_ok());
        assert!(check_errcode("/x", json!({"errcode": "0"})).is_ok());
        let e =
            check_errcode("/x", json!({"errcode": "40029", "errmsg": "invalid code"})).unwrap_err();
        assert_eq!(e.errcode(), Some(40029));
        assert_eq!(e.to_string(), "/x failed: errcode 40029: invalid code");
        let e = check_errcode("/x", json!({"errcode": 45009})).unwrap_err();
        assert_eq!(e.code(), 45009);
        assert_eq!(
            check_errcode("/x", json!({"errcode": "x"}))
                .unwrap_err()
                .kind(),
            "decode"
        );
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        let p = RetryPolicy::default();
        let api = |errcode| Error::Api {
            endpoint: "/x".into(),
            errcode,
            errmsg: String::new(),
        };
        assert!(retryable(&p, &api(-1)));
        for code in [45009, 45011, 40164, 61004, 48001, 40001, 42001] {
            assert!(!retryable(&p, &api(code)), "{code}");
        }
        let status = |status| Error::HttpStatus {
            endpoint: "/x".into(),
            status,
        };
        assert!(retryable(&p, &status(503)));
        assert!(!retryable(&p, &status(404)));
        assert!(retryable(
            &p,
            &Error::Transport {
                endpoint: "/x".into(),
                reason: "reset".into()
            }
        ));
    }

    #[test]
    fn jitter_adds_at_most_its_fraction() {
        let d = Duration::from_millis(1000);
        for _ in 0..100 {
            let j = with_jitter(d, 0.5);
            assert!(j >= d && j <= Duration::from_millis(1500), "{j:?}");
        }
        assert_eq!(with_jitter(d, 0.0), d);
    }

    #[test]
    fn bad_base_uri_is_a_config_error() {
        let options = HttpOptions {
            api_base_uri: "ftp://x".into(),
            ..HttpOptions::default()
        };
        assert_eq!(HttpClient::new(options).unwrap_err().kind(), "config");
    }
}
