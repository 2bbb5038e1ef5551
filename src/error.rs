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

    // weixinkit's own codes, for failures that are neither WXBizMsgCrypt's nor the server's.

    /// The request never got an answer: connection refused or dropped, DNS, TLS.
    pub const TRANSPORT: i32 = -50001;
    /// No answer within the configured timeout or overall deadline.
    pub const TIMEOUT: i32 = -50002;
    /// The server answered with an HTTP status that is not a success.
    pub const HTTP_STATUS: i32 = -50003;
    /// The server answered 200 with a body that is not the JSON expected.
    pub const DECODE: i32 = -50004;
    /// An argument to an API method cannot be used (empty URL, bad path, unknown method).
    pub const INVALID_ARGUMENT: i32 = -50005;
    /// The token store failed (Redis down, directory not writable, host store raised).
    pub const STORE: i32 = -50010;
    /// The configuration cannot be used (empty app id, bad base URI, bad Redis URL).
    pub const CONFIG: i32 = -50020;
    /// No token could be had: another process holds the refresh lock past the wait limit, or
    /// this process only reads (central-control mode) and nothing fresh is stored.
    pub const TOKEN_UNAVAILABLE: i32 = -50030;
    /// No `component_verify_ticket` (or `suite_ticket`) was ever stored for the platform.
    pub const TICKET_MISSING: i32 = -50040;
    /// The authorizer has no stored refresh token (never authorized here, or forgotten); for
    /// a WeCom suite, no permanent code is stored for the corp.
    pub const NOT_AUTHORIZED: i32 = -50041;
    /// weixinkit itself failed (a bug): reported by the C ABI when a panic was caught.
    pub const INTERNAL: i32 = -50099;
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
    /// WeChat answered with a non-zero `errcode` (HTTP 200 carries business errors).
    #[error("{endpoint} failed: errcode {errcode}: {errmsg}")]
    Api {
        /// The path called (`/cgi-bin/token`); never the query, which may hold secrets.
        endpoint: String,
        /// WeChat's `errcode` (40001, 45009, …).
        errcode: i64,
        /// WeChat's `errmsg`, with its `rid` for support.
        errmsg: String,
    },
    /// The request got no answer (connection refused or dropped, DNS, TLS).
    #[error("{endpoint}: transport error: {reason}")]
    Transport {
        /// The path called.
        endpoint: String,
        /// What the HTTP client reported.
        reason: String,
    },
    /// No answer within the timeout or the retry policy's overall deadline.
    #[error("{endpoint}: timed out")]
    Timeout {
        /// The path called.
        endpoint: String,
    },
    /// An HTTP status that is not a success.
    #[error("{endpoint}: HTTP status {status}")]
    HttpStatus {
        /// The path called.
        endpoint: String,
        /// The status received.
        status: u16,
    },
    /// A 200 answer whose body is not the JSON expected.
    #[error("{endpoint}: unexpected response: {reason}")]
    Decode {
        /// The path called.
        endpoint: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// The token store failed.
    #[error("store error: {0}")]
    Store(String),
    /// The configuration cannot be used.
    #[error("configuration error: {0}")]
    Config(String),
    /// No token could be had in time (see [`codes::TOKEN_UNAVAILABLE`]).
    #[error("token unavailable: {0}")]
    TokenUnavailable(String),
    /// The platform's pushed ticket is missing (code -50040) or WeChat refused it (61005
    /// expired, 61006 invalid; WeCom's 40085 for a suite_ticket): wait for the next push or
    /// call `api_start_push_ticket` (WeCom: push it from the provider console).
    #[error("pushed ticket problem for {component_appid}: {reason}")]
    Ticket {
        /// The third-party platform's appid, or the WeCom suite id.
        component_appid: String,
        /// 61005, 61006, 40085, or -50040 when none was ever stored.
        errcode: i64,
        /// What went wrong.
        reason: String,
    },
    /// The authorizer must authorize the platform again: its refresh token is dead (61023,
    /// and the list of authorizers had no other) or it cancelled the authorization (61003),
    /// or no refresh token is stored for it (-50041). For a WeCom suite: the corp must
    /// install the app again (its permanent code was revoked, 40084, or none is stored).
    #[error("{authorizer_appid} needs re-authorization: {reason}")]
    ReauthorizationNeeded {
        /// The Official Account / mini program, or the WeCom corp id.
        authorizer_appid: String,
        /// 61023, 61003, 40084, or -50041.
        errcode: i64,
        /// What went wrong.
        reason: String,
    },
    /// A user's one-time code (web OAuth `code`, website login `code`, mini program
    /// `js_code`) cannot be exchanged: 40163 it was already used, 42003 it expired, 40029 it
    /// is unknown to WeChat (also what an expired or reused `js_code` gives). Never retried:
    /// send the user through the authorization (or `wx.login`) again.
    #[error("{endpoint}: the code {what}; start the user's authorization again (errcode {errcode}: {errmsg})", what = oauth_code_what(*errcode))]
    OAuthCode {
        /// The path called.
        endpoint: String,
        /// 40029, 40163 or 42003.
        errcode: i64,
        /// WeChat's `errmsg`.
        errmsg: String,
    },
    /// weixinkit itself failed: a bug to report (a caught panic, a result that would not
    /// serialize). Never a problem with the caller's input or WeChat's answer.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Every [`Error::kind`], in one order: the list each host's error classes are generated from
/// or checked against (Python's `WeixinkitError` subclasses, Kotlin's `WeixinkitException`
/// subclasses, PHP's exception classes).
pub const KINDS: &[&str] = &[
    "invalid_aes_key",
    "invalid_signature",
    "stale_timestamp",
    "invalid_base64",
    "invalid_ciphertext",
    "invalid_padding",
    "invalid_buffer",
    "receiver_id_mismatch",
    "parse",
    "invalid_input",
    "api",
    "transport",
    "timeout",
    "http_status",
    "decode",
    "store",
    "config",
    "token_unavailable",
    "ticket",
    "reauthorization_needed",
    "oauth_code",
    "internal",
];

/// The `errcode`s of a one-time user code that cannot be exchanged (see [`Error::OAuthCode`]).
pub const OAUTH_CODE_ERRORS: &[i64] = &[40029, 40163, 42003];

fn oauth_code_what(errcode: i64) -> &'static str {
    match errcode {
        40163 => "was already used",
        42003 => "has expired",
        _ => "is invalid, already used or expired",
    }
}

impl Error {
    /// The code users search for: WXBizMsgCrypt's (-40001 … -40011) for crypto failures,
    /// WeChat's `errcode` for [`Error::Api`], weixinkit's own -500xx for transport, store and
    /// configuration failures (see [`codes`]).
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
            Error::Api { errcode, .. } => i32::try_from(*errcode).unwrap_or(i32::MIN),
            Error::Transport { .. } => TRANSPORT,
            Error::Timeout { .. } => TIMEOUT,
            Error::HttpStatus { .. } => HTTP_STATUS,
            Error::Decode { .. } => DECODE,
            Error::Store(_) => STORE,
            Error::Config(_) => CONFIG,
            Error::TokenUnavailable(_) => TOKEN_UNAVAILABLE,
            Error::Internal(_) => INTERNAL,
            Error::Ticket { errcode, .. }
            | Error::ReauthorizationNeeded { errcode, .. }
            | Error::OAuthCode { errcode, .. } => i32::try_from(*errcode).unwrap_or(i32::MIN),
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
            Error::Api { .. } => "api",
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } => "timeout",
            Error::HttpStatus { .. } => "http_status",
            Error::Decode { .. } => "decode",
            Error::Store(_) => "store",
            Error::Config(_) => "config",
            Error::TokenUnavailable(_) => "token_unavailable",
            Error::Ticket { .. } => "ticket",
            Error::ReauthorizationNeeded { .. } => "reauthorization_needed",
            Error::OAuthCode { .. } => "oauth_code",
            Error::Internal(_) => "internal",
        }
    }

    /// WeChat's `errcode` when the server refused the call, else `None`.
    ///
    /// ```
    /// let e = weixinkit::Error::Api { endpoint: "/cgi-bin/token".into(), errcode: 40164, errmsg: "invalid ip".into() };
    /// assert_eq!(e.errcode(), Some(40164));
    /// ```
    pub fn errcode(&self) -> Option<i64> {
        match self {
            Error::Api { errcode, .. } | Error::OAuthCode { errcode, .. } => Some(*errcode),
            Error::Ticket { errcode, .. } | Error::ReauthorizationNeeded { errcode, .. }
                if *errcode > 0 =>
            {
                Some(*errcode)
            }
            _ => None,
        }
    }

    /// WeChat's `errmsg` (with its `rid`) when the server refused the call, else `None`.
    ///
    /// ```
    /// let e = weixinkit::Error::Api { endpoint: "/cgi-bin/token".into(), errcode: 40164, errmsg: "invalid ip rid: 1".into() };
    /// assert_eq!(e.errmsg(), Some("invalid ip rid: 1"));
    /// ```
    pub fn errmsg(&self) -> Option<&str> {
        match self {
            Error::Api { errmsg, .. } | Error::OAuthCode { errmsg, .. } => Some(errmsg),
            _ => None,
        }
    }

    /// The endpoint path an HTTP failure concerns (never its query), else `None`.
    ///
    /// ```
    /// let e = weixinkit::Error::Timeout { endpoint: "/cgi-bin/token".into() };
    /// assert_eq!(e.endpoint(), Some("/cgi-bin/token"));
    /// ```
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Error::Api { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::Timeout { endpoint }
            | Error::HttpStatus { endpoint, .. }
            | Error::Decode { endpoint, .. }
            | Error::OAuthCode { endpoint, .. } => Some(endpoint),
            _ => None,
        }
    }

    /// An argument that cannot be used (code -50005).
    pub(crate) fn invalid_argument(reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            code: codes::INVALID_ARGUMENT,
            reason: reason.into(),
        }
    }

    /// An [`Error::Api`] with a one-time-code errcode (40029, 40163, 42003) as
    /// [`Error::OAuthCode`]; anything else unchanged. For code-exchange endpoints only.
    pub(crate) fn for_code_exchange(self) -> Self {
        match self {
            Error::Api {
                endpoint,
                errcode,
                errmsg,
            } if OAUTH_CODE_ERRORS.contains(&errcode) => Error::OAuthCode {
                endpoint,
                errcode,
                errmsg,
            },
            other => other,
        }
    }

    pub(crate) fn parse(msg: impl Into<String>) -> Self {
        Error::Parse(msg.into())
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
