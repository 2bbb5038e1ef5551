//! The crate's error type. Every variant names the check that failed and maps to the
//! WXBizMsgCrypt code users know from Tencent's sample libraries (see [`Error::code`]).

/// WXBizMsgCrypt codes, as returned by Tencent's sample libraries (never by the server).
///
/// ```
/// use weixinkit::{codes, MessageCrypto};
/// let c = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
/// assert_eq!(c.decrypt("bad", "1", "n", "x").unwrap_err().code(), codes::VALIDATE_SIGNATURE);
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub mod codes {
    /// `ValidateSignatureError`
    pub const VALIDATE_SIGNATURE: i32 = -40001;
    /// `ParseXmlError` (XML or JSON)
    pub const PARSE_XML: i32 = -40002;
    /// `IllegalAesKey`
    pub const ILLEGAL_AES_KEY: i32 = -40004;
    /// `ValidateAppidError` / `ValidateCorpidError`
    pub const VALIDATE_RECEIVER_ID: i32 = -40005;
    /// `EncryptAESError`
    pub const ENCRYPT_AES: i32 = -40006;
    /// `DecryptAESError`
    pub const DECRYPT_AES: i32 = -40007;
    /// `IllegalBuffer`
    pub const ILLEGAL_BUFFER: i32 = -40008;
    /// `DecodeBase64Error`
    pub const DECODE_BASE64: i32 = -40010;
    /// `GenReturnXmlError`
    pub const GEN_RETURN_XML: i32 = -40011;
}

/// Everything that can go wrong in weixinkit.
///
/// ```
/// use weixinkit::{Error, MessageCrypto};
/// let err = MessageCrypto::new("token", "too-short", "wx123").unwrap_err();
/// assert!(matches!(err, Error::InvalidAesKey(_)));
/// assert_eq!(err.code(), -40004);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The EncodingAESKey is not 43 base64 characters decoding to 32 bytes.
    #[error("invalid EncodingAESKey: {0}")]
    InvalidAesKey(&'static str),
    /// `msg_signature` (or the plain `signature`) does not match.
    #[error("signature mismatch")]
    InvalidSignature,
    /// The `timestamp` is not a number or is outside the freshness window.
    #[error("stale or invalid timestamp: {0}")]
    StaleTimestamp(String),
    /// The ciphertext is not valid base64.
    #[error("ciphertext is not valid base64")]
    InvalidBase64,
    /// The ciphertext is empty or not a whole number of 32-byte blocks.
    #[error("ciphertext length {0} is not a positive multiple of 32")]
    InvalidCiphertext(usize),
    /// The PKCS#7 padding is not 1..=32 identical bytes.
    #[error("invalid PKCS#7 padding")]
    InvalidPadding,
    /// The decrypted buffer is malformed (too short, bad length field, not UTF-8).
    #[error("malformed decrypted buffer: {0}")]
    InvalidBuffer(&'static str),
    /// The receiver id after the message is not the expected one.
    #[error("receiver id mismatch: got {actual:?}, expected {expected}")]
    ReceiverIdMismatch {
        /// What the message carried.
        actual: String,
        /// What the policy expected (ids are public, never secrets).
        expected: String,
    },
    /// The envelope or message is not well-formed, or lacks a required element.
    #[error("parse error: {0}")]
    Parse(String),
    /// An argument cannot be used as given.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// The WXBizMsgCrypt code that fits the failed step.
        code: i32,
        /// What is wrong.
        reason: String,
    },
}

impl Error {
    /// The WXBizMsgCrypt code for this failure (-40001 … -40011).
    ///
    /// ```
    /// assert_eq!(weixinkit::parse_message("<xml>").unwrap_err().code(), -40002);
    /// ```
    pub fn code(&self) -> i32 {
        use codes::*;
        match self {
            Error::InvalidAesKey(_) => ILLEGAL_AES_KEY,
            Error::InvalidSignature | Error::StaleTimestamp(_) => VALIDATE_SIGNATURE,
            Error::InvalidBase64 => DECODE_BASE64,
            Error::InvalidCiphertext(_) => DECRYPT_AES,
            Error::InvalidPadding | Error::InvalidBuffer(_) => ILLEGAL_BUFFER,
            Error::ReceiverIdMismatch { .. } => VALIDATE_RECEIVER_ID,
            Error::Parse(_) => PARSE_XML,
            Error::InvalidInput { code, .. } => *code,
        }
    }

    /// A stable, language-neutral name of the failed check (`invalid_signature`, …), shared by
    /// the C ABI and the host bindings.
    ///
    /// ```
    /// assert_eq!(weixinkit::parse_message("{").unwrap_err().kind(), "parse");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidAesKey(_) => "invalid_aes_key",
            Error::InvalidSignature => "invalid_signature",
            Error::StaleTimestamp(_) => "stale_timestamp",
            Error::InvalidBase64 => "invalid_base64",
            Error::InvalidCiphertext(_) => "invalid_ciphertext",
            Error::InvalidPadding => "invalid_padding",
            Error::InvalidBuffer(_) => "invalid_buffer",
            Error::ReceiverIdMismatch { .. } => "receiver_id_mismatch",
            Error::Parse(_) => "parse",
            Error::InvalidInput { .. } => "invalid_input",
        }
    }

    pub(crate) fn parse(msg: impl Into<String>) -> Self {
        Error::Parse(msg.into())
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
