//! Foreign facades: uniffi (Kotlin), PyO3 (Python, feature `python`) and a C ABI (PHP). Each
//! function converts its arguments, calls the core and converts the result back; no logic
//! lives here. The Open Platform operations are declared once, in [`endpoints`], and expand
//! into every facade.

#[macro_use]
pub mod endpoints;
pub mod capi;
pub mod dispatch;
pub(crate) mod flat;
pub(crate) mod host_store;
pub mod jni;
#[cfg(feature = "python")]
// Fields are named after the wire fields they hold, as in the UDL.
#[allow(missing_docs)]
pub mod python;
#[allow(missing_docs)]
pub mod uniffi;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A JSON value crossing a foreign boundary: WeChat's answer, or a request body. Kotlin sees
/// JSON text, Python a `dict`/`list`, PHP an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Json(pub Value);

impl From<Value> for Json {
    fn from(value: Value) -> Self {
        Json(value)
    }
}

/// Query parameters in the caller's order. Kotlin passes a `Map`, Python a `dict` or pairs,
/// PHP an array (`{"k":"v"}` or `[["k","v"], …]` in the C ABI's JSON); non-string JSON
/// values are sent as their JSON text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Borrowed pairs, as the core takes them.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

impl<'de> Deserialize<'de> for Query {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        fn text(v: Value) -> String {
            match v {
                Value::String(s) => s,
                other => other.to_string(),
            }
        }
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(Query::default()),
            Value::Object(map) => Ok(Query(map.into_iter().map(|(k, v)| (k, text(v))).collect())),
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Array(pair) if pair.len() == 2 => {
                        let mut pair = pair.into_iter();
                        match (pair.next(), pair.next()) {
                            (Some(Value::String(k)), Some(v)) => Ok((k, text(v))),
                            _ => Err("a query pair is [name, value] with a string name"),
                        }
                    }
                    _ => Err("a query pair is [name, value]"),
                })
                .collect::<Result<_, _>>()
                .map(Query)
                .map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(
                "query parameters are an object or a list of [name, value] pairs",
            )),
        }
    }
}

/// A request body as the host read it: `None` when its bytes are not UTF-8 (no WeChat push
/// is), so that every host answers such a request the same way. In the C ABI's JSON a string,
/// or null for bytes that are not UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Body(pub Option<String>);
