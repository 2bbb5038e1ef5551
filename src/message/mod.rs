//! Push messages: one entry point, [`parse_message`], for platform pushes (`InfoType`) and
//! user messages and events (`MsgType`), in XML or JSON, plus passive reply builders.

mod event;
mod fields;
mod reply;
pub(crate) mod xml;

pub use event::{AuthorizationNotice, Event, MessageHeader};
pub use fields::Fields;
pub use reply::{image_reply, news_reply, text_reply, Article, Reply, MAX_ARTICLES};

use crate::error::{Error, Result};

/// Whether a push field holds a credential (a ticket, an authorization or auth code, a
/// pre-auth or permanent code) by its name: a wire name (`ComponentVerifyTicket`,
/// `AuthorizationCode`, `SuiteTicket`, `AuthCode`, …, the last segment of a path) or a typed
/// field's (`ticket`, `authorization_code`, `auth_code`, …). Debug output and the hosts'
/// printed forms show `***` for these; the values themselves are intact.
///
/// ```
/// assert!(weixinkit::message::is_credential_field("ComponentVerifyTicket"));
/// assert!(weixinkit::message::is_credential_field("authorization_code"));
/// assert!(!weixinkit::message::is_credential_field("AuthorizerAppid"));
/// ```
pub fn is_credential_field(name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    matches!(
        name,
        "ComponentVerifyTicket"
            | "SuiteTicket"
            | "AuthorizationCode"
            | "PreAuthCode"
            | "AuthCode"
            | "PermanentCode"
            | "ticket"
            | "authorization_code"
            | "pre_auth_code"
            | "auth_code"
            | "permanent_code"
    )
}

/// A parsed push: the typed [`Event`] and every leaf field, so nothing is lost.
///
/// ```
/// let m = weixinkit::parse_message("<xml><InfoType>future_kind</InfoType><New>1</New></xml>")?;
/// assert!(matches!(m.event, weixinkit::Event::OtherInfo { .. }));
/// assert_eq!(m.field("New"), Some("1"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
///
/// `fields` holds each leaf element's trimmed text by its path below the root
/// (`ExtraInfo/AuthOpenKfIdList/OpenKfId`), in document order; the typed fields too.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Message {
    /// What the push is.
    pub event: Event,
    /// Every leaf element's text, by path.
    pub fields: Fields,
}

impl Message {
    /// The first text at `path`, if any.
    ///
    /// ```
    /// let m = weixinkit::parse_message("<xml><InfoType>x</InfoType><A><B>1</B></A></xml>")?;
    /// assert_eq!(m.field("A/B"), Some("1"));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn field(&self, path: &str) -> Option<&str> {
        self.fields.get(path)
    }
}

/// Parse a decrypted push (XML, or JSON when it starts with `{`).
///
/// ```
/// use weixinkit::{parse_message, Event};
/// let m = parse_message(
///     "<xml><AppId>wx1</AppId><CreateTime>1413192605</CreateTime>\
///      <InfoType>component_verify_ticket</InfoType>\
///      <ComponentVerifyTicket><![CDATA[ticket@@@x]]></ComponentVerifyTicket></xml>",
/// )?;
/// assert!(matches!(m.event, Event::ComponentVerifyTicket { ref ticket, .. } if ticket == "ticket@@@x"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn parse_message(xml_or_json: &str) -> Result<Message> {
    let fields = parse_fields(xml_or_json)?;
    let event = event::classify(&fields)?;
    Ok(Message { event, fields })
}

/// Every leaf field of any XML or JSON document (an envelope, say), without classifying it.
///
/// ```
/// let f = weixinkit::message::parse_fields("<xml><ToUserName>wx</ToUserName><Encrypt>e</Encrypt></xml>")?;
/// assert_eq!(f.get("Encrypt"), Some("e"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn parse_fields(xml_or_json: &str) -> Result<Fields> {
    let doc = xml_or_json.trim_start();
    if doc.starts_with('{') {
        json_fields(doc)
    } else {
        xml::leaf_fields(doc)
    }
}

fn json_fields(doc: &str) -> Result<Fields> {
    let value: serde_json::Value =
        serde_json::from_str(doc).map_err(|e| Error::parse(format!("JSON: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(Error::parse("JSON: the message is not an object"));
    };
    let mut fields = Fields::with_capacity(16);
    for (key, value) in map {
        flatten_json(key, value, &mut fields);
    }
    Ok(fields)
}

fn flatten_json(path: String, value: serde_json::Value, out: &mut Fields) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten_json(format!("{path}/{key}"), inner, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                flatten_json(path.clone(), item, out);
            }
        }
        Value::String(s) => out.push(path, s),
        Value::Null => out.push(path, String::new()),
        other => out.push(path, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_messages_flatten_like_xml() {
        let m = parse_message(
            r#"{"ToUserName":"wx","FromUserName":"u","CreateTime":1409659813,"MsgType":"text","Content":"hello","MsgId":123,"Nested":{"List":[1,2]},"N":null}"#,
        )
        .unwrap();
        assert!(
            matches!(m.event, Event::Text { ref content, ref msg_id, .. } if content == "hello" && msg_id == "123")
        );
        assert_eq!(
            m.fields.get_all("Nested/List").collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert_eq!(m.field("N"), Some(""));
    }

    #[test]
    fn serializes_as_a_tagged_event_with_its_fields() {
        let m = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>5</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>").unwrap();
        let v: serde_json::Value = serde_json::to_value(&m).unwrap();
        assert_eq!(v["event"]["type"], "subscribe");
        assert_eq!(v["event"]["header"]["create_time"], 5);
        assert_eq!(v["event"]["ticket"], serde_json::Value::Null);
        assert_eq!(v["fields"]["Event"][0], "subscribe");
    }

    #[test]
    fn json_that_is_not_an_object_is_an_error() {
        for doc in ["[1]", "{", "{\"MsgType\": }"] {
            assert_eq!(parse_message(doc).unwrap_err().code(), -40002, "{doc}");
        }
    }
}
