//! The uniffi facade: the objects and functions `udl/weixinkit.udl` declares.
//!
//! The scaffolding is included here, not at the crate root, so that the foreign
//! `MessageCrypto` (whose errors are [`WeixinkitError`]) can share its name with the core one.

use std::collections::HashMap;

pub use crate::crypto::{CryptoOptions, ReceiverIdPolicy};
pub use crate::message::{Article, AuthorizationNotice, Event, MessageHeader};
use crate::Error;

/// The error every foreign call raises: one variant per failed check, each with the
/// WXBizMsgCrypt `code` and a human `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeixinkitError {
    #[error("{reason} ({code})")]
    InvalidAesKey { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidSignature { code: i32, reason: String },
    #[error("{reason} ({code})")]
    StaleTimestamp { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidBase64 { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidCiphertext { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidPadding { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidBuffer { code: i32, reason: String },
    #[error("{reason} ({code})")]
    ReceiverIdMismatch { code: i32, reason: String },
    #[error("{reason} ({code})")]
    Parse { code: i32, reason: String },
    #[error("{reason} ({code})")]
    InvalidInput { code: i32, reason: String },
}

impl From<Error> for WeixinkitError {
    fn from(e: Error) -> Self {
        let (code, reason) = (e.code(), e.to_string());
        match e {
            Error::InvalidAesKey(_) => Self::InvalidAesKey { code, reason },
            Error::InvalidSignature => Self::InvalidSignature { code, reason },
            Error::StaleTimestamp(_) => Self::StaleTimestamp { code, reason },
            Error::InvalidBase64 => Self::InvalidBase64 { code, reason },
            Error::InvalidCiphertext(_) => Self::InvalidCiphertext { code, reason },
            Error::InvalidPadding => Self::InvalidPadding { code, reason },
            Error::InvalidBuffer(_) => Self::InvalidBuffer { code, reason },
            Error::ReceiverIdMismatch { .. } => Self::ReceiverIdMismatch { code, reason },
            Error::Parse(_) => Self::Parse { code, reason },
            Error::InvalidInput { .. } => Self::InvalidInput { code, reason },
        }
    }
}

type R<T> = Result<T, WeixinkitError>;

/// A parsed push as the foreign languages see it: the fields grouped by path.
pub struct Message {
    pub event: Event,
    pub fields: HashMap<String, Vec<String>>,
}

impl From<crate::Message> for Message {
    fn from(m: crate::Message) -> Self {
        Message {
            event: m.event,
            fields: m.fields.into_map(),
        }
    }
}

/// WXBizMsgCrypt for one account (see [`crate::MessageCrypto`]).
pub struct MessageCrypto(crate::MessageCrypto);

impl MessageCrypto {
    pub fn new(token: &str, encoding_aes_key: &str, receiver_id: &str) -> R<Self> {
        Ok(Self(crate::MessageCrypto::new(
            token,
            encoding_aes_key,
            receiver_id,
        )?))
    }

    pub fn with_options(token: &str, encoding_aes_key: &str, options: CryptoOptions) -> R<Self> {
        Ok(Self(crate::MessageCrypto::with_options(
            token,
            encoding_aes_key,
            options,
        )?))
    }

    pub fn decrypt(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> R<String> {
        Ok(self.0.decrypt(msg_signature, timestamp, nonce, encrypt)?)
    }

    pub fn decrypt_body(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> R<String> {
        Ok(self.0.decrypt_body(msg_signature, timestamp, nonce, body)?)
    }

    pub fn decrypt_message(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> R<Message> {
        Ok(self
            .0
            .decrypt_message(msg_signature, timestamp, nonce, body)?
            .into())
    }

    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> R<String> {
        Ok(self
            .0
            .verify_url(msg_signature, timestamp, nonce, echostr)?)
    }

    pub fn encrypt_reply(&self, plaintext: &str, timestamp: &str, nonce: &str) -> R<String> {
        Ok(self.0.encrypt_reply(plaintext, timestamp, nonce)?)
    }

    pub fn encrypt_reply_json(&self, plaintext: &str, timestamp: &str, nonce: &str) -> R<String> {
        Ok(self.0.encrypt_reply_json(plaintext, timestamp, nonce)?)
    }
}

pub fn check_signature(token: &str, signature: &str, timestamp: &str, nonce: &str) -> bool {
    crate::check_signature(token, signature, timestamp, nonce)
}

pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    crate::msg_signature(token, timestamp, nonce, encrypt)
}

pub fn decode_aes_key(encoding_aes_key: &str) -> R<Vec<u8>> {
    Ok(crate::decode_aes_key(encoding_aes_key)?.to_vec())
}

pub fn parse_message(xml_or_json: &str) -> R<Message> {
    Ok(crate::parse_message(xml_or_json)?.into())
}

pub fn text_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    content: &str,
) -> String {
    crate::text_reply(to_user_name, from_user_name, create_time, content)
}

pub fn image_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    media_id: &str,
) -> String {
    crate::image_reply(to_user_name, from_user_name, create_time, media_id)
}

pub fn news_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    articles: Vec<Article>,
) -> R<String> {
    Ok(crate::news_reply(
        to_user_name,
        from_user_name,
        create_time,
        &articles,
    )?)
}

uniffi::include_scaffolding!("weixinkit");
