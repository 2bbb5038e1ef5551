//! The Open Platform operations by name, with JSON arguments and results: how the C ABI
//! (`wxk_client_call`) reaches them. The arms are expanded from the one table in
//! [`super::endpoints`]; the other facades expand the same table into typed methods.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::open_platform::{Authorizer, Component};
use crate::OfficialAccount;
use crate::{Error, Result};

fn arg<T: DeserializeOwned>(args: &Value, name: &str, method: &str) -> Result<T> {
    let value = args.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| Error::InvalidInput {
        code: crate::codes::INVALID_ARGUMENT,
        reason: format!("{method}: argument \"{name}\": {e}"),
    })
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(format!("result: {e}")))
}

// The names the table's rows use for their argument and result types.
use super::{Body, Json, Query};
use crate::official_account::JsSdkConfig;
use crate::open_platform::{
    Authorization, AuthorizationUrlOptions, AuthorizerList, AuthorizerListItem, PreAuthCode,
};
use crate::token::Token;
use crate::wecom::PermanentCode;
use crate::CallbackResponse;
use crate::{MiniProgramSession, OAuthUserInfo, UserAccessToken, UserInfo};

/// Expands a table into `async fn $fn_name(receiver, method, args) -> Result<Option<Value>>`:
/// `None` when no row has that name.
macro_rules! dispatch_arms {
    (
        extra { $fn_name:ident, $Recv:ty }
        io { $( $(#[$m:meta])* fn $name:ident / $name_async:ident ( $recv:ident $(, $arg:ident : $ty:ty $(= $default:ident)?)* $(,)? ) -> $ret:ty $body:block )* }
        pure { $( $(#[$pm:meta])* fn $pname:ident ( $precv:ident $(, $parg:ident : $pty:ty $(= $pdefault:ident)?)* $(,)? ) -> $pret:ty $pbody:block )* }
    ) => {
        #[allow(unused_variables)]
        async fn $fn_name(receiver: &$Recv, method: &str, args: &Value) -> Result<Option<Value>> {
            match method {
                $( stringify!($name) => {
                    $( let $arg: $ty = arg(args, stringify!($arg), method)?; )*
                    let $recv = receiver;
                    let value: $ret = $body?.into();
                    to_json(value).map(Some)
                } )*
                $( stringify!($pname) => {
                    $( let $parg: $pty = arg(args, stringify!($parg), method)?; )*
                    let $precv = receiver;
                    let value: $pret = $pbody?.into();
                    to_json(value).map(Some)
                } )*
                _ => Ok(None),
            }
        }
    };
}

component_endpoints!(dispatch_arms {
    component_row,
    Component
});
authorizer_endpoints!(dispatch_arms {
    authorizer_row,
    Authorizer
});

provider_endpoints!(dispatch_arms {
    provider_row,
    crate::wecom::Provider
});
suite_endpoints!(dispatch_arms {
    suite_row,
    crate::wecom::Suite
});
corp_endpoints!(dispatch_arms {
    corp_row,
    crate::wecom::Corp
});
work_account_endpoints!(dispatch_arms {
    work_account_row,
    crate::wecom::WorkAccount
});

fn unknown(client: &str, method: &str) -> Error {
    Error::invalid_argument(format!("unknown {client} method {method:?}"))
}

/// Call an operation of a WeCom [`crate::wecom::Provider`] by name (or `corp_id`).
pub async fn provider(p: &crate::wecom::Provider, method: &str, args: &Value) -> Result<Value> {
    if method == "corp_id" {
        return to_json(p.corp_id());
    }
    provider_row(p, method, args)
        .await?
        .ok_or_else(|| unknown("Provider", method))
}

/// Call an operation of a WeCom [`crate::wecom::Suite`] by name: a `Suite` row's name,
/// `suite_id`, or `corp.<name>` for a `Corp` row with `corp_id` beside the row's arguments.
pub async fn suite(s: &crate::wecom::Suite, method: &str, args: &Value) -> Result<Value> {
    if method == "suite_id" {
        return to_json(s.suite_id());
    }
    let found = match method.strip_prefix("corp.") {
        Some(name) => {
            let corp_id: String = arg(args, "corp_id", method)?;
            corp_row(&s.corp(&corp_id)?, name, args).await?
        }
        None => suite_row(s, method, args).await?,
    };
    found.ok_or_else(|| unknown("Suite", method))
}

/// Call an operation of a WeCom [`crate::wecom::WorkAccount`] by name (or `corp_id`).
pub async fn work_account(
    w: &crate::wecom::WorkAccount,
    method: &str,
    args: &Value,
) -> Result<Value> {
    if method == "corp_id" {
        return to_json(w.corp_id());
    }
    work_account_row(w, method, args)
        .await?
        .ok_or_else(|| unknown("WorkAccount", method))
}

official_account_endpoints!(dispatch_arms {
    official_account_row,
    OfficialAccount
});

website_app_endpoints!(dispatch_arms {
    website_app_row,
    crate::WebsiteApp
});
oauth_state_endpoints!(dispatch_arms {
    oauth_state_row,
    crate::OAuthState
});

/// Call an operation of a [`crate::WebsiteApp`] by name (or `app_id`).
pub async fn website_app(w: &crate::WebsiteApp, method: &str, args: &Value) -> Result<Value> {
    if method == "app_id" {
        return to_json(w.app_id());
    }
    website_app_row(w, method, args)
        .await?
        .ok_or_else(|| unknown("WebsiteApp", method))
}

/// Call an operation of an [`crate::OAuthState`] by name (or `ttl_secs`).
pub async fn oauth_state(s: &crate::OAuthState, method: &str, args: &Value) -> Result<Value> {
    if method == "ttl_secs" {
        return to_json(s.ttl_secs());
    }
    oauth_state_row(s, method, args)
        .await?
        .ok_or_else(|| unknown("OAuthState", method))
}

/// Call an operation of an [`OfficialAccount`] by name with named JSON arguments: a row of
/// its table (`oauth_access_token` with `{"code": …}`), or `app_id`.
pub async fn official_account(a: &OfficialAccount, method: &str, args: &Value) -> Result<Value> {
    if method == "app_id" {
        return to_json(a.app_id());
    }
    official_account_row(a, method, args)
        .await?
        .ok_or_else(|| Error::InvalidInput {
            code: crate::codes::INVALID_ARGUMENT,
            reason: format!("unknown OfficialAccount method {method:?}"),
        })
}

fn authorizer(c: &Component, args: &Value, method: &str) -> Result<Authorizer> {
    let appid: String = arg(args, "authorizer_appid", method)?;
    match arg::<Option<String>>(args, "access_token", method)? {
        Some(token) => c.authorizer_with_access_token(&appid, &token),
        None => c.authorizer(&appid),
    }
}

/// Call an operation of a [`Component`] by name with named JSON arguments: a `Component`
/// row's name (`query_auth` with `{"authorization_code": …}`), `app_id`, or
/// `authorizer.<name>` for an `Authorizer` row, with `authorizer_appid` (and, for an
/// authorizer used with a fixed token, `access_token`) beside the row's arguments.
pub async fn component(c: &Component, method: &str, args: &Value) -> Result<Value> {
    if method == "app_id" {
        return to_json(c.app_id());
    }
    let found = match method.strip_prefix("authorizer.") {
        Some(name) => authorizer_row(&authorizer(c, args, method)?, name, args).await?,
        None => component_row(c, method, args).await?,
    };
    found.ok_or_else(|| Error::InvalidInput {
        code: crate::codes::INVALID_ARGUMENT,
        reason: format!("unknown Component method {method:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use serde_json::json;
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
        // A body that was not UTF-8 reaches the C ABI as null: the core's one answer.
        let answer = component(
            &c,
            "handle_callback",
            &json!({"method": "POST", "query": {}, "body": null}),
        )
        .await
        .unwrap();
        assert_eq!(answer["status"], 400);
        assert_eq!(answer["body"], "the request body is not UTF-8");
    }

    #[tokio::test]
    async fn authorizer_rows_are_reached_under_their_prefix_with_the_appid() {
        let c = platform();
        // A fixed token and a dead server: the row was found and tried the network.
        let e = component(
            &c,
            "authorizer.get",
            &json!({"authorizer_appid": "wxa", "access_token": "T", "path": "/cgi-bin/x"}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), "transport", "{e}");
        let e = component(&c, "authorizer.get", &json!({"path": "/x"}))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("authorizer_appid"), "{e}");
        let e = component(&c, "authorizer.nope", &json!({"authorizer_appid": "wxa"}))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        let e = component(
            &c,
            "authorizer.get",
            &json!({"authorizer_appid": "wx:a", "path": "/x"}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), crate::codes::INVALID_ARGUMENT, "{e}");
    }

    #[tokio::test]
    async fn a_state_is_issued_and_verified_by_name() {
        let s = crate::OAuthState::with_ttl("a key of sixteen bytes", 60).unwrap();
        let state = oauth_state(&s, "issue", &json!({"session_value": "sess"}))
            .await
            .unwrap();
        let state = state.as_str().unwrap();
        assert_eq!(
            oauth_state(
                &s,
                "verify",
                &json!({"state": state, "session_value": "sess"})
            )
            .await
            .unwrap(),
            Value::Null
        );
        let e = oauth_state(
            &s,
            "verify",
            &json!({"state": state, "session_value": "other"}),
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert_eq!(
            oauth_state(&s, "ttl_secs", &json!({})).await.unwrap(),
            json!(60)
        );
        let e = oauth_state(&s, "issue", &json!({})).await.unwrap_err();
        assert!(e.to_string().contains("session_value"), "{e}");
    }

    #[test]
    fn the_name_lists_follow_the_table() {
        assert!(super::super::endpoints::COMPONENT_METHODS.contains(&"query_auth"));
        assert!(super::super::endpoints::COMPONENT_METHODS.contains(&"authorization_url"));
        assert!(super::super::endpoints::AUTHORIZER_METHODS.contains(&"api_domain_ip"));
    }
}
