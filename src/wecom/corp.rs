//! Acting for a corp that installed the suite.

use std::fmt;

use serde_json::{json, Value};

use crate::api::TokenCall;
use crate::config::validate_id_arg;
use crate::http::{Host, Method};
use crate::official_account::fetched_from;
use crate::store::Kind;
use crate::token::{Fetched, Token, TokenSource};
use crate::{Error, Result};

use super::suite::Suite;
use super::CORP_TOKEN_ERRORS;

/// The corp token from the stored permanent code (`service/get_corp_token`). A revoked code
/// (40084) is forgotten at once, so later calls fail without asking WeCom until a new one is
/// stored.
pub(super) struct CorpTokenSource<'a> {
    pub(super) suite: &'a Suite,
    pub(super) corp_id: &'a str,
}

#[async_trait::async_trait]
impl TokenSource for CorpTokenSource<'_> {
    async fn fetch(&self, _failed: Option<&str>) -> Result<Fetched> {
        let (suite, corp_id) = (self.suite, self.corp_id);
        let code = suite.require_permanent_code(corp_id).await?;
        let endpoint = "/cgi-bin/service/get_corp_token";
        let answer = suite
            .call(
                endpoint,
                &[],
                Some(&json!({"auth_corpid": corp_id, "permanent_code": code})),
            )
            .await;
        match answer {
            Ok(body) => fetched_from(&body, "access_token", endpoint),
            Err(e) => match suite.revoked(corp_id, e) {
                revoked @ Error::ReauthorizationNeeded { .. } => {
                    // Only forget the code that was refused, not one stored meanwhile.
                    if suite.stored_permanent_code(corp_id).await?.as_deref() == Some(&code) {
                        suite.forget_corp(corp_id).await?;
                    }
                    Err(revoked)
                }
                other => Err(other),
            },
        }
    }
}

impl Suite {
    /// A client for a corp that installed the suite (its permanent code stored by
    /// [`Suite::permanent_code`] or the callback handler): its corp token is cached per corp
    /// and refreshed automatically.
    pub fn corp(&self, corp_id: &str) -> Result<Corp> {
        validate_id_arg("corp_id", corp_id)?;
        Ok(Corp {
            suite: self.clone(),
            corp_id: corp_id.to_string(),
        })
    }

    /// A corp's access token, from its stored permanent code.
    pub async fn corp_access_token(&self, corp_id: &str) -> Result<Token> {
        self.corp(corp_id)?.access_token().await
    }
}

/// A corp the suite acts for: `get` / `post_json` reach any WeCom API with its token.
#[derive(Clone)]
pub struct Corp {
    suite: Suite,
    corp_id: String,
}

impl fmt::Debug for Corp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Corp")
            .field("suite", &self.suite.suite_id())
            .field("corp_id", &self.corp_id)
            .finish()
    }
}

impl Corp {
    /// The corp id.
    pub fn corp_id(&self) -> &str {
        &self.corp_id
    }

    fn source(&self) -> CorpTokenSource<'_> {
        CorpTokenSource {
            suite: &self.suite,
            corp_id: &self.corp_id,
        }
    }

    /// Its access token (cached; minted from the stored permanent code when due).
    pub async fn access_token(&self) -> Result<Token> {
        let key = self.suite.key(Kind::CorpAccessToken, &self.corp_id);
        self.suite.inner.tokens.get(&key, &self.source()).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let s = &self.suite.inner;
        let key = self.suite.key(Kind::CorpAccessToken, &self.corp_id);
        let source = self.source();
        let call = TokenCall {
            http: &s.http,
            tokens: &s.tokens,
            key: &key,
            source: &source,
            token_errors: CORP_TOKEN_ERRORS,
            param: "access_token",
        };
        call.send(method, Host::Work, path, query, body).await
    }

    /// `GET` any WeCom endpoint as the corp.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.send(Method::Get, path, query, None).await
    }

    /// `POST` a JSON body to any WeCom endpoint as the corp.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::Post, path, &[], Some(body)).await
    }
}
