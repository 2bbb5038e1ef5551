//! One way to call an endpoint with a managed token: inject it, and on a token error refresh
//! it (if still the one that failed) and retry exactly once. Every client uses this.

use serde_json::Value;

use crate::http::{Host, HttpClient, Method, Request};
use crate::store::Key;
use crate::token::{TokenManager, TokenSource};
use crate::{Error, Result};

/// A call whose token comes from a [`TokenManager`].
pub(crate) struct TokenCall<'a> {
    pub http: &'a HttpClient,
    pub tokens: &'a TokenManager,
    pub key: &'a Key,
    pub source: &'a dyn TokenSource,
    /// errcodes meaning "this token is bad".
    pub token_errors: &'a [i64],
    /// The query parameter carrying the token (`access_token`, `component_access_token`).
    pub param: &'a str,
}

impl TokenCall<'_> {
    pub async fn send(
        &self,
        method: Method,
        host: Host,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        check_call(path, query, self.param)?;
        self.tokens
            .with_token(self.key, self.source, self.token_errors, |token| {
                let request = build(method, host, path, query, body, self.param, &token);
                async move { self.http.send(&request).await }
            })
            .await
    }
}

/// A call with a fixed token (an authorizer token handed over by the caller): no refresh.
pub(crate) async fn send_with_token(
    http: &HttpClient,
    token: &str,
    method: Method,
    host: Host,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<Value> {
    check_call(path, query, "access_token")?;
    http.send(&build(
        method,
        host,
        path,
        query,
        body,
        "access_token",
        token,
    ))
    .await
}

fn build(
    method: Method,
    host: Host,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
    param: &str,
    token: &str,
) -> Request {
    let mut q = query.to_vec();
    q.push((param, token));
    match method {
        Method::Get => Request::get(host, path, &q),
        Method::Post => Request::post(host, path, &q, body.cloned().unwrap_or(Value::Null)),
    }
}

pub(crate) fn check_call(path: &str, query: &[(&str, &str)], param: &str) -> Result<()> {
    if !path.starts_with('/') || path.contains(['?', '#']) {
        return Err(Error::InvalidInput {
            code: crate::codes::INVALID_ARGUMENT,
            reason: format!("path {path:?} must start with '/' and carry no query"),
        });
    }
    // Any spelling of a token parameter would send a second token beside ours.
    const TOKEN_PARAMS: &[&str] = &[
        "access_token",
        "component_access_token",
        "suite_access_token",
        "provider_access_token",
    ];
    if query
        .iter()
        .any(|(k, _)| *k == param || TOKEN_PARAMS.contains(k))
    {
        return Err(Error::InvalidInput {
            code: crate::codes::INVALID_ARGUMENT,
            reason: format!("{param} is added by weixinkit; leave it out of the query"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_calls_refuse_paths_with_queries_and_their_own_token() {
        assert!(check_call("/cgi-bin/x", &[("a", "b")], "access_token").is_ok());
        assert!(check_call("cgi-bin/x", &[], "access_token").is_err());
        assert!(check_call("/cgi-bin/x?access_token=1", &[], "access_token").is_err());
        assert!(check_call("/cgi-bin/x", &[("access_token", "1")], "access_token").is_err());
        assert!(check_call(
            "/x",
            &[("component_access_token", "1")],
            "component_access_token"
        )
        .is_err());
    }
}
