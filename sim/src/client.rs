//! A minimal HTTP/1.1 client (plain `http://` only, one connection per request): the sim uses
//! it to deliver pushes to a callback URL, and tests use it to talk to the sim without pulling
//! in a full client.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let resp = weixinkit_sim::client::get("http://127.0.0.1:8080/_sim/stats").await?;
//! assert_eq!(resp.status, 200);
//! let stats = resp.json()?;
//! # let _ = stats; Ok(()) }
//! ```

use std::io;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A complete response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The whole body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body as (lossy) UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> io::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("response is not JSON ({e}): {}", self.text()),
            )
        })
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Send one request. `url` must be `http://host[:port][/path][?query]`. Any failure to get a
/// complete response (refused, reset, closed early) is an `io::Error`.
pub async fn request(
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: impl Into<Bytes>,
) -> io::Result<HttpResponse> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("only http:// URLs are supported: {url}"),
        )
    })?;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    let addr = if authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(other)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, authority);
    if let Some(ct) = content_type {
        builder = builder.header(CONTENT_TYPE, ct);
    }
    let req = builder.body(Full::new(body.into())).map_err(other)?;
    let resp = sender.send_request(req).await.map_err(other)?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.into_body().collect().await.map_err(other)?.to_bytes();
    Ok(HttpResponse {
        status,
        content_type,
        body,
    })
}

/// `GET url`.
pub async fn get(url: &str) -> io::Result<HttpResponse> {
    request("GET", url, None, Bytes::new()).await
}

/// `POST url` with a JSON body.
pub async fn post_json(url: &str, body: &serde_json::Value) -> io::Result<HttpResponse> {
    request(
        "POST",
        url,
        Some("application/json"),
        serde_json::to_vec(body).map_err(other)?,
    )
    .await
}
