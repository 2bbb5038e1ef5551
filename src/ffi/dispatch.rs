//! Methods of the Open Platform clients by name, with JSON arguments and results: the one
//! conversion layer the C ABI, the Python extension and the uniffi object share, so that the
//! endpoints list grows without touching three facades (host-side wrappers add the types).
//!
//! Every method is a delegation: read the arguments, call the core, serialize the result.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::open_platform::{AuthorizationUrlOptions, Authorizer, CallbackRequest, Component};
use crate::{Error, Result};

fn arg<T: DeserializeOwned>(args: &Value, name: &str, method: &str) -> Result<T> {
    let value = args.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| Error::InvalidInput {
        code: crate::codes::INVALID_ARGUMENT,
        reason: format!("{method}: argument \"{name}\": {e}"),
    })
}

fn opt<T: DeserializeOwned>(args: &Value, name: &str, method: &str) -> Result<Option<T>> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => arg(args, name, method).map(Some),
    }
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::InvalidInput {
        code: crate::codes::INTERNAL,
        reason: format!("result: {e}"),
    })
}

/// Query parameters as `{"k":"v"}` or `[["k","v"], …]`.
fn pairs(args: &Value, name: &str, method: &str) -> Result<Vec<(String, String)>> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Ok((k.clone(), other.to_string())),
            })
            .collect(),
        Some(_) => arg(args, name, method),
    }
}

fn authorizer(c: &Component, args: &Value, method: &str) -> Result<Authorizer> {
    let appid: String = arg(args, "authorizer_appid", method)?;
    match opt::<String>(args, "access_token", method)? {
        Some(token) => c.authorizer_with_access_token(&appid, &token),
        None => c.authorizer(&appid),
    }
}

/// Call `method` of a [`Component`] (see the method list in the README's Open Platform
/// section and `wxk_client_call`).
pub async fn component(c: &Component, method: &str, args: &Value) -> Result<Value> {
    let m = method;
    let s = |name: &str| arg::<String>(args, name, m);
    match method {
        "app_id" => to_json(c.app_id()),
        "store_verify_ticket" => to_json(c.store_verify_ticket(&s("ticket")?).await?),
        "verify_ticket" => to_json(c.verify_ticket().await?),
        "start_push_ticket" => to_json(c.start_push_ticket().await?),
        "component_access_token" => to_json(c.component_access_token().await?),
        "create_pre_auth_code" => to_json(c.create_pre_auth_code().await?),
        "authorization_url" => {
            let options: AuthorizationUrlOptions = opt(args, "options", m)?.unwrap_or_default();
            to_json(c.authorization_url(&s("pre_auth_code")?, &s("redirect_uri")?, &options))
        }
        "create_authorization_url" => {
            let options: AuthorizationUrlOptions = opt(args, "options", m)?.unwrap_or_default();
            to_json(
                c.create_authorization_url(&s("redirect_uri")?, &options)
                    .await?,
            )
        }
        "query_auth" => to_json(c.query_auth(&s("authorization_code")?).await?),
        "refresh_token" => to_json(c.refresh_token(&s("authorizer_appid")?).await?),
        "store_refresh_token" => to_json(
            c.store_refresh_token(&s("authorizer_appid")?, &s("refresh_token")?)
                .await?,
        ),
        "forget_authorizer" => to_json(c.forget_authorizer(&s("authorizer_appid")?).await?),
        "authorizer_access_token" => to_json(authorizer(c, args, m)?.access_token().await?),
        "authorizer_info" => to_json(c.authorizer_info(&s("authorizer_appid")?).await?),
        "authorizer_list" => {
            let offset = opt::<i64>(args, "offset", m)?.unwrap_or(0);
            let count = opt::<i64>(args, "count", m)?.unwrap_or(500);
            to_json(c.authorizer_list(offset, count).await?)
        }
        "reseed_refresh_tokens" => to_json(c.reseed_refresh_tokens().await?),
        "authorizer_option" => to_json(
            c.authorizer_option(&s("authorizer_appid")?, &s("option_name")?)
                .await?,
        ),
        "set_authorizer_option" => to_json(
            c.set_authorizer_option(
                &s("authorizer_appid")?,
                &s("option_name")?,
                &s("option_value")?,
            )
            .await?,
        ),
        "clear_quota" => to_json(c.clear_quota().await?),
        "clear_quota_v2" => {
            let appid: Option<String> = opt(args, "appid", m)?;
            to_json(c.clear_quota_v2(appid.as_deref()).await?)
        }
        "oauth_authorize_url" => to_json(c.oauth_authorize_url(
            &s("appid")?,
            &s("redirect_uri")?,
            &s("scope")?,
            &opt::<String>(args, "state", m)?.unwrap_or_default(),
        )),
        "oauth_access_token" => to_json(c.oauth_access_token(&s("appid")?, &s("code")?).await?),
        "oauth_refresh_token" => to_json(
            c.oauth_refresh_token(&s("appid")?, &s("refresh_token")?)
                .await?,
        ),
        "oauth_user_info" => to_json(
            c.oauth_user_info(&s("access_token")?, &s("openid")?)
                .await?,
        ),
        "jscode2session" => to_json(c.jscode2session(&s("appid")?, &s("js_code")?).await?),
        "call" => {
            let query = pairs(args, "query", m)?;
            let q: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let body: Option<Value> = opt(args, "body", m)?;
            to_json(c.call(&s("path")?, &q, body.as_ref()).await?)
        }
        "authorizer_get" => {
            let query = pairs(args, "query", m)?;
            let q: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            to_json(authorizer(c, args, m)?.get(&s("path")?, &q).await?)
        }
        "authorizer_post_json" => {
            let body: Value = opt(args, "body", m)?.unwrap_or(json!({}));
            to_json(
                authorizer(c, args, m)?
                    .post_json(&s("path")?, &body)
                    .await?,
            )
        }
        "authorizer_clear_quota" => to_json(authorizer(c, args, m)?.clear_quota().await?),
        "handle_callback" => {
            let request = CallbackRequest {
                method: s("method")?,
                query: pairs(args, "query", m)?,
                body: opt::<String>(args, "body", m)?.unwrap_or_default(),
            };
            to_json(c.handle_callback(&request).await)
        }
        other => Err(Error::InvalidInput {
            code: crate::codes::INVALID_ARGUMENT,
            reason: format!("unknown Component method {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use std::sync::Arc;

    fn platform() -> Component {
        let config = crate::ComponentConfig::from_json(
            r#"{"component_app_id":"wxc","component_secret":"s","token":"t",
                "encoding_aes_key":"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                "http":{"api_base_uri":"http://127.0.0.1:9"}}"#,
        )
        .unwrap();
        Component::with_store(
            config,
            Arc::new(MemoryStore::new()),
            Arc::new(crate::token::SystemClock),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn methods_take_named_arguments_and_refuse_unknown_ones() {
        let c = platform();
        assert_eq!(
            component(&c, "app_id", &json!({})).await.unwrap(),
            json!("wxc")
        );
        component(&c, "store_verify_ticket", &json!({"ticket": "ticket@@@1"}))
            .await
            .unwrap();
        assert_eq!(
            component(&c, "verify_ticket", &json!({})).await.unwrap(),
            json!("ticket@@@1")
        );
        let url = component(
            &c,
            "authorization_url",
            &json!({"pre_auth_code": "p", "redirect_uri": "https://x/y", "options": {"mobile": true}}),
        )
        .await
        .unwrap();
        assert!(url.as_str().unwrap().contains("bindcomponent"), "{url}");
        let e = component(&c, "query_auth", &json!({})).await.unwrap_err();
        assert!(e.to_string().contains("authorization_code"), "{e}");
        let e = component(&c, "nope", &json!({})).await.unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        let answer = component(
            &c,
            "handle_callback",
            &json!({"method": "POST", "query": {"nonce": "1"}, "body": ""}),
        )
        .await
        .unwrap();
        assert_eq!(answer["status"], 400);
    }
}
