//! The envelopes around `Encrypt`: XML (`<xml><Encrypt>…`) and JSON (`{"encrypt": …}`),
//! on the way in and on the way out.

use std::borrow::Cow;

use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use serde::{Deserialize, Serialize};

use crate::error::{codes, Error, Result};
use crate::message::xml::{push_cdata, text_of};

/// Find the one `Encrypt` value in a POST body (XML or JSON, chosen by the first character).
pub(crate) fn extract_encrypt(body: &str) -> Result<Cow<'_, str>> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') {
        from_json(trimmed)
    } else {
        from_xml(trimmed)
    }
}

#[derive(Deserialize)]
struct JsonEnvelope {
    #[serde(alias = "Encrypt")]
    encrypt: Option<String>,
}

fn from_json(body: &str) -> Result<Cow<'_, str>> {
    let env: JsonEnvelope =
        serde_json::from_str(body).map_err(|e| Error::parse(format!("JSON envelope: {e}")))?;
    env.encrypt
        .map(Cow::Owned)
        .ok_or_else(|| Error::parse("JSON envelope has no \"encrypt\" field"))
}

fn from_xml(body: &str) -> Result<Cow<'_, str>> {
    let mut reader = Reader::from_str(body);
    let mut depth = 0usize;
    let mut found: Option<Cow<'_, str>> = None;
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Start(e)) => {
                depth += 1;
                if depth == 2 && e.local_name().as_ref() == b"Encrypt" {
                    if found.is_some() {
                        return Err(Error::parse("XML envelope has more than one <Encrypt>"));
                    }
                    found = Some(text_of(&mut reader, e.name())?);
                    depth -= 1;
                }
            }
            Ok(XmlEvent::End(_)) => depth -= 1,
            Ok(XmlEvent::Empty(e)) => {
                if depth == 1 && e.local_name().as_ref() == b"Encrypt" {
                    return Err(Error::parse("XML envelope has an empty <Encrypt/>"));
                }
            }
            Ok(XmlEvent::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::parse(format!("XML envelope: {e}"))),
        }
    }
    if depth != 0 {
        return Err(Error::parse("XML envelope ends inside an element"));
    }
    found.ok_or_else(|| Error::parse("XML envelope has no <Encrypt> element"))
}

/// The XML reply envelope, appended to `out`: `encrypt` appends the base64 ciphertext inside
/// its CDATA section, and `sign` signs it there. Base64 and hex never contain "]]>", so they
/// go in as they are; the caller's timestamp and nonce might, and are escaped.
pub(crate) fn xml_reply_into(
    out: &mut String,
    encrypt: impl FnOnce(&mut String),
    sign: impl FnOnce(&str) -> String,
    timestamp: &str,
    nonce: &str,
) {
    out.push_str("<xml><Encrypt><![CDATA[");
    let start = out.len();
    encrypt(out);
    let signature = sign(&out[start..]);
    debug_assert!(!out[start..].contains("]]>") && !signature.contains("]]>"));
    out.push_str("]]></Encrypt><MsgSignature><![CDATA[");
    out.push_str(&signature);
    out.push_str("]]></MsgSignature><TimeStamp>");
    push_cdata(out, timestamp);
    out.push_str("</TimeStamp><Nonce>");
    push_cdata(out, nonce);
    out.push_str("</Nonce></xml>");
}

#[derive(Serialize)]
struct JsonReply<'a> {
    encrypt: &'a str,
    msgsignature: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
}

pub(crate) fn json_reply(
    encrypt: &str,
    signature: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String> {
    serde_json::to_string(&JsonReply {
        encrypt,
        msgsignature: signature,
        timestamp,
        nonce,
    })
    .map_err(|e| Error::InvalidInput {
        code: codes::GEN_RETURN_XML,
        reason: format!("JSON reply: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_encrypt_in_xml_with_cdata_whitespace_and_siblings() {
        let body = "<xml>\n <ToUserName><![CDATA[wx]]></ToUserName>\n <Encrypt>\n  <![CDATA[abc=]]>\n </Encrypt><AgentID>1</AgentID></xml>";
        assert_eq!(extract_encrypt(body).unwrap(), "abc=");
        assert_eq!(
            extract_encrypt("<xml><Encrypt>plain+/=</Encrypt></xml>").unwrap(),
            "plain+/="
        );
    }

    #[test]
    fn nested_encrypt_is_not_the_envelope() {
        let err = extract_encrypt("<xml><A><Encrypt>x</Encrypt></A></xml>").unwrap_err();
        assert_eq!(err.code(), -40002);
    }

    #[test]
    fn duplicate_missing_or_broken_envelopes_are_parse_errors() {
        for body in [
            "<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
            "<xml><ToUserName>x</ToUserName></xml>",
            "<xml><Encrypt>a</Encrypt>",
            "<xml><Encrypt>a</xml>",
            "",
            "{\"tousername\":\"x\"}",
            "{\"encrypt\": 5}",
            "{\"encrypt\": \"a\", \"Encrypt\": \"b\"}",
            "{broken",
        ] {
            let err = extract_encrypt(body).unwrap_err();
            assert!(matches!(err, Error::Parse(_)), "{body:?}: {err:?}");
        }
    }

    #[test]
    fn finds_encrypt_in_json_either_case() {
        assert_eq!(
            extract_encrypt(r#"{"tousername":"x","encrypt":"e1","agentid":"218"}"#).unwrap(),
            "e1"
        );
        assert_eq!(
            extract_encrypt(r#" { "ToUserName": "x", "Encrypt": "e2" }"#).unwrap(),
            "e2"
        );
    }

    #[test]
    fn replies_round_trip_through_the_extractor() {
        let mut xml = String::new();
        let sign = |encrypt: &str| format!("sig-of-{encrypt}");
        xml_reply_into(&mut xml, |o| o.push_str("ZW5j"), sign, "1", "n]]>x");
        assert_eq!(extract_encrypt(&xml).unwrap(), "ZW5j");
        let fields = crate::message::parse_fields(&xml).unwrap();
        assert_eq!(fields.get("MsgSignature"), Some("sig-of-ZW5j"));
        assert_eq!(fields.get("Nonce"), Some("n]]>x"));
        let json = json_reply("ZW5j", "sig", "1", "n\"").unwrap();
        assert_eq!(extract_encrypt(&json).unwrap(), "ZW5j");
    }
}
