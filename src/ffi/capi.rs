//! The C ABI: what PHP (FFI) and C callers link against. The header is
//! `bindings/php/weixinkit.h`, generated from this file by cbindgen (`cbindgen.toml`) and
//! checked for drift by the `php_header` integration test.
//!
//! Conventions, the same for every export:
//! - every name starts with `wxk_`;
//! - strings go in as a pointer and a byte length (no NUL needed, no `strlen`), must be UTF-8
//!   and must not be NULL (a NULL pointer is an `invalid_input` error, even with length 0);
//! - fallible calls return an `int32_t` status: `0` on success, otherwise the failure's code:
//!   the negative WXBizMsgCrypt code (`-40001` ... `-40011`), WeChat's `errcode` when the
//!   server refused a call (`40001`, `45009`, `-1`, ...), or weixinkit's own `-500xx` (transport,
//!   store, configuration; `-50099` if the library itself failed);
//! - the result string comes back through `char **out` (and its byte length through
//!   `size_t *out_len`, which may be NULL). On failure `*out` holds the error instead, as JSON:
//!   `{"kind":"invalid_signature","code":-40001,"message":"signature mismatch"}`;
//! - every `char *` handed out is owned by the caller and released with [`wxk_string_free`];
//!   every `WxkCrypto *` with [`wxk_crypto_free`], every `WxkClient *` with [`wxk_client_free`];
//! - a panic never crosses the boundary: it becomes status `-50099` with kind `internal`.
//!
//! Each export converts its arguments, calls the core and converts the result back.

use std::ffi::{c_char, c_void};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use std::sync::Arc;

use crate::error::codes;
use crate::token::SystemClock;
use crate::{Article, CryptoOptions, Error, MessageCrypto, ReceiverIdPolicy};

/// Status of a successful call.
const OK: i32 = 0;
/// Status (and error code) when the library itself failed (a panic caught at the boundary).
const INTERNAL: i32 = codes::INTERNAL;

/// A `MessageCrypto` handle: one account's token, AES key and receiver id policy.
///
/// Create it with [`wxk_crypto_new`] or [`wxk_crypto_new_with_options`], release it with
/// [`wxk_crypto_free`]. It is immutable, so one handle may be used from several threads.
pub struct WxkCrypto(MessageCrypto);

// ---------------------------------------------------------------------------------------------
// Owned strings handed to the caller.
//
// The allocation starts with a hidden header holding its capacity, so that `wxk_string_free`
// can release it from the pointer alone, whatever bytes (even NUL) the string contains. The
// caller's pointer is just past the header; the bytes are followed by a NUL for C callers.

const HEADER: usize = std::mem::size_of::<usize>();

struct OutBuf(Vec<u8>);

impl OutBuf {
    fn with_capacity(len: usize) -> Self {
        let mut buf = Vec::with_capacity(HEADER + len + 1);
        buf.extend_from_slice(&[0; HEADER]);
        OutBuf(buf)
    }

    /// A `String` to write a result into that becomes an `OutBuf` without a copy
    /// ([`from_header_string`](Self::from_header_string)): the header's room is reserved at its
    /// start, as NULs (valid UTF-8).
    fn header_string() -> String {
        let mut s = String::new();
        s.push_str(&"\0\0\0\0\0\0\0\0"[..HEADER]);
        s
    }

    fn from_header_string(s: String) -> Self {
        debug_assert!(s.as_bytes()[..HEADER].iter().all(|&b| b == 0));
        OutBuf(s.into_bytes())
    }

    fn from_str(s: &str) -> Self {
        let mut out = Self::with_capacity(s.len());
        out.0.extend_from_slice(s.as_bytes());
        out
    }

    fn json<T: serde::Serialize>(value: &T) -> Result<Self, Error> {
        let mut out = Self::with_capacity(1024);
        serde_json::to_writer(&mut out.0, value)
            .map_err(|e| Error::Internal(format!("cannot serialize the result: {e}")))?;
        Ok(out)
    }

    /// Hand the bytes over: returns the caller's pointer and the byte length (without NUL).
    fn into_raw(mut self) -> (*mut c_char, usize) {
        let len = self.0.len() - HEADER;
        self.0.push(0);
        let cap = self.0.capacity();
        self.0[..HEADER].copy_from_slice(&cap.to_ne_bytes());
        let mut buf = ManuallyDrop::new(self.0);
        // SAFETY: HEADER < buf.len(), so the offset stays inside the allocation.
        let data = unsafe { buf.as_mut_ptr().add(HEADER) };
        (data.cast(), len)
    }

    /// Release a pointer made by [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    /// `data` must come from `into_raw` and not have been released yet.
    unsafe fn release(data: *mut c_char) {
        let base = data.cast::<u8>().sub(HEADER);
        let cap = usize::from_ne_bytes(ptr::read(base.cast::<[u8; HEADER]>()));
        drop(Vec::from_raw_parts(base, 0, cap));
    }
}

impl From<String> for OutBuf {
    fn from(s: String) -> Self {
        OutBuf::from_str(&s)
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments and results.

fn invalid_input(code: i32, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        code,
        reason: reason.into(),
    }
}

/// Borrow a `(pointer, length)` argument as UTF-8.
///
/// # Safety
/// Unless NULL, `ptr` must point to `len` readable bytes that stay valid for `'a`.
unsafe fn str_arg<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(invalid_input(
            codes::PARSE_XML,
            format!("`{name}` is a NULL pointer"),
        ));
    }
    if len > isize::MAX as usize {
        return Err(invalid_input(
            codes::PARSE_XML,
            format!("`{name}` is too long"),
        ));
    }
    let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len);
    std::str::from_utf8(bytes)
        .map_err(|_| invalid_input(codes::PARSE_XML, format!("`{name}` is not valid UTF-8")))
}

/// Borrow the core object behind a handle.
///
/// # Safety
/// Unless NULL, `crypto` must come from `wxk_crypto_new*` and not have been freed.
unsafe fn crypto_arg<'a>(crypto: *const WxkCrypto) -> Result<&'a MessageCrypto, Error> {
    crypto
        .as_ref()
        .map(|c| &c.0)
        .ok_or_else(|| invalid_input(codes::PARSE_XML, "`crypto` is a NULL pointer"))
}

fn error_json(kind: &str, code: i32, message: &str, e: Option<&Error>) -> OutBuf {
    #[derive(serde::Serialize)]
    struct ErrorJson<'a> {
        kind: &'a str,
        code: i32,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        errcode: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        errmsg: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        endpoint: Option<&'a str>,
    }
    let body = ErrorJson {
        kind,
        code,
        message,
        errcode: e.and_then(Error::errcode),
        errmsg: e.and_then(Error::errmsg),
        endpoint: e.and_then(Error::endpoint),
    };
    let mut out = OutBuf::with_capacity(128);
    // Writing plain strings and integers into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out.0, &body);
    out
}

/// The error JSON: `{"kind","code","message"}`, plus WeChat's `errcode` / `errmsg` and the
/// `endpoint` where the failure has them.
fn error_out(e: &Error) -> OutBuf {
    error_json(e.kind(), e.code(), &e.to_string(), Some(e))
}

/// Store `buf` in the caller's out-parameters (or drop it when `out` is NULL).
///
/// # Safety
/// `out` and `out_len` must each be NULL or valid for a write.
unsafe fn put(out: *mut *mut c_char, out_len: *mut usize, buf: OutBuf) {
    if out.is_null() {
        return;
    }
    let (data, len) = buf.into_raw();
    *out = data;
    if !out_len.is_null() {
        *out_len = len;
    }
}

/// Run `body` behind a panic boundary and report its result through `out`/`out_len`: the
/// string it returns on success (none for calls whose result is elsewhere), the error JSON on
/// failure.
///
/// # Safety
/// `out` and `out_len` must each be NULL or valid for a write.
unsafe fn call(
    out: *mut *mut c_char,
    out_len: *mut usize,
    body: impl FnOnce() -> Result<Option<OutBuf>, Error>,
) -> i32 {
    let status = catch_unwind(AssertUnwindSafe(|| {
        if !out.is_null() {
            *out = ptr::null_mut();
        }
        if !out_len.is_null() {
            *out_len = 0;
        }
        match body() {
            Ok(buf) => {
                if let Some(buf) = buf {
                    put(out, out_len, buf);
                }
                OK
            }
            Err(e) => {
                put(out, out_len, error_out(&e));
                // A failure never reports status 0 (success).
                match e.code() {
                    OK => INTERNAL,
                    code => code,
                }
            }
        }
    }));
    status.unwrap_or_else(|_| {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            put(
                out,
                out_len,
                error_json(
                    "internal",
                    INTERNAL,
                    "internal error: weixinkit panicked",
                    None,
                ),
            )
        }));
        INTERNAL
    })
}

/// [`call`] for a constructor: the handle goes to `out_handle`, an error to `out_error`.
///
/// # Safety
/// `out_handle` and `out_error` must each be NULL or valid for a write.
unsafe fn construct<T>(
    out_handle: *mut *mut T,
    out_error: *mut *mut c_char,
    body: impl FnOnce() -> Result<T, Error>,
) -> i32 {
    call(out_error, ptr::null_mut(), || {
        let slot = out_handle
            .as_mut()
            .ok_or_else(|| invalid_input(codes::PARSE_XML, "the out-handle is a NULL pointer"))?;
        *slot = ptr::null_mut();
        *slot = Box::into_raw(Box::new(body()?));
        Ok(None)
    })
}

// ---------------------------------------------------------------------------------------------
// Exports.

/// The library version (`"0.1.0"`), a static NUL-terminated string: do not free it.
#[no_mangle]
pub extern "C" fn wxk_version() -> *const c_char {
    catch_unwind(|| concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()).unwrap_or(ptr::null())
}

/// Release a string this library handed out (`*out` of any call). NULL is ignored.
///
/// # Safety
/// `s` must be NULL or a pointer received from this library, released only once.
#[no_mangle]
pub unsafe extern "C" fn wxk_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| OutBuf::release(s)));
}

/// Release a crypto handle. NULL is ignored.
///
/// # Safety
/// `crypto` must be NULL or a handle from `wxk_crypto_new*`, released only once and not used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_free(crypto: *mut WxkCrypto) {
    if crypto.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(crypto))));
}

/// Build a crypto handle whose receiver id is checked exactly (appid, corpid, suite id, or ""
/// for WeCom bots).
///
/// On success `*out_crypto` is the handle and `*out_error` NULL; on failure (`-40004` for an
/// EncodingAESKey that is not 43 base64 characters) `*out_crypto` is NULL and `*out_error` the
/// error JSON.
///
/// # Safety
/// Each string pointer must be valid for its length; `out_crypto` must be valid for a write,
/// `out_error` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_new(
    token: *const c_char,
    token_len: usize,
    encoding_aes_key: *const c_char,
    encoding_aes_key_len: usize,
    receiver_id: *const c_char,
    receiver_id_len: usize,
    out_crypto: *mut *mut WxkCrypto,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_crypto, out_error, || {
        MessageCrypto::new(
            str_arg(token, token_len, "token")?,
            str_arg(encoding_aes_key, encoding_aes_key_len, "encoding_aes_key")?,
            str_arg(receiver_id, receiver_id_len, "receiver_id")?,
        )
        .map(WxkCrypto)
    })
}

/// How `wxk_crypto_new_with_options` reads its options.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsJson {
    receiver_id: PolicyJson,
    #[serde(default)]
    max_clock_skew_secs: Option<u32>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum PolicyJson {
    Exact(String),
    AnyOf(Vec<String>),
    Unchecked,
}

impl From<OptionsJson> for CryptoOptions {
    fn from(o: OptionsJson) -> Self {
        CryptoOptions {
            receiver_id: match o.receiver_id {
                PolicyJson::Exact(id) => ReceiverIdPolicy::Exact { id },
                PolicyJson::AnyOf(ids) => ReceiverIdPolicy::AnyOf { ids },
                PolicyJson::Unchecked => ReceiverIdPolicy::Unchecked,
            },
            max_clock_skew_secs: o.max_clock_skew_secs.map(i64::from),
        }
    }
}

/// Build a crypto handle with an explicit receiver id policy and an optional timestamp window,
/// given as JSON:
///
/// `{"receiver_id": {"exact": "wx1"}}`, `{"receiver_id": {"any_of": ["suite", "corp"]}}` or
/// `{"receiver_id": "unchecked"}`, each optionally with `"max_clock_skew_secs": 300`.
///
/// Results as for `wxk_crypto_new`; options that do not read as above give `-40002`
/// (`invalid_input`), an empty `any_of` list `-40005`.
///
/// # Safety
/// As for `wxk_crypto_new`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_new_with_options(
    token: *const c_char,
    token_len: usize,
    encoding_aes_key: *const c_char,
    encoding_aes_key_len: usize,
    options_json: *const c_char,
    options_json_len: usize,
    out_crypto: *mut *mut WxkCrypto,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_crypto, out_error, || {
        let options: OptionsJson =
            serde_json::from_str(str_arg(options_json, options_json_len, "options_json")?)
                .map_err(|e| invalid_input(codes::PARSE_XML, format!("options: {e}")))?;
        MessageCrypto::with_options(
            str_arg(token, token_len, "token")?,
            str_arg(encoding_aes_key, encoding_aes_key_len, "encoding_aes_key")?,
            options.into(),
        )
        .map(WxkCrypto)
    })
}

/// Check `msg_signature` over `encrypt` (the push's `Encrypt` value), decrypt it and return
/// the message in `*out`.
///
/// # Safety
/// `crypto` must be a live handle; each string pointer valid for its length; `out` and
/// `out_len` NULL or valid for a write. Release `*out` with `wxk_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_decrypt(
    crypto: *const WxkCrypto,
    msg_signature: *const c_char,
    msg_signature_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    encrypt: *const c_char,
    encrypt_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let plaintext = crypto_arg(crypto)?.decrypt(
            str_arg(msg_signature, msg_signature_len, "msg_signature")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
            str_arg(encrypt, encrypt_len, "encrypt")?,
        )?;
        Ok(Some(plaintext.into()))
    })
}

/// Decrypt a whole POST body (the XML envelope with `<Encrypt>`, or the JSON one with
/// `"encrypt"`) and return the decrypted message in `*out`.
///
/// # Safety
/// As for `wxk_crypto_decrypt`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_decrypt_body(
    crypto: *const WxkCrypto,
    msg_signature: *const c_char,
    msg_signature_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    body: *const c_char,
    body_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let plaintext = crypto_arg(crypto)?.decrypt_body(
            str_arg(msg_signature, msg_signature_len, "msg_signature")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
            str_arg(body, body_len, "body")?,
        )?;
        Ok(Some(plaintext.into()))
    })
}

/// Verify, decrypt and parse a POST body in one call; `*out` is the parsed message as JSON:
/// `{"event":{"type":"component_verify_ticket",...},"fields":{"InfoType":["component_verify_ticket"],...}}`
/// (see `wxk_parse_message`).
///
/// # Safety
/// As for `wxk_crypto_decrypt`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_decrypt_message(
    crypto: *const WxkCrypto,
    msg_signature: *const c_char,
    msg_signature_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    body: *const c_char,
    body_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let message = crypto_arg(crypto)?.decrypt_message(
            str_arg(msg_signature, msg_signature_len, "msg_signature")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
            str_arg(body, body_len, "body")?,
        )?;
        OutBuf::json(&message).map(Some)
    })
}

/// WeCom URL verification: check `msg_signature` over `echostr` (already URL-decoded),
/// decrypt it and return in `*out` the plaintext to answer the GET with.
///
/// # Safety
/// As for `wxk_crypto_decrypt`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_verify_url(
    crypto: *const WxkCrypto,
    msg_signature: *const c_char,
    msg_signature_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    echostr: *const c_char,
    echostr_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let plaintext = crypto_arg(crypto)?.verify_url(
            str_arg(msg_signature, msg_signature_len, "msg_signature")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
            str_arg(echostr, echostr_len, "echostr")?,
        )?;
        Ok(Some(plaintext.into()))
    })
}

/// Encrypt a passive reply into the XML envelope (`Encrypt`, `MsgSignature`, `TimeStamp`,
/// `Nonce`), returned in `*out`. Fails with `-40006` under the unchecked receiver id policy.
///
/// # Safety
/// As for `wxk_crypto_decrypt`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_encrypt_reply(
    crypto: *const WxkCrypto,
    plaintext: *const c_char,
    plaintext_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        // Written in place: the reply is handed over without a copy.
        let mut reply = OutBuf::header_string();
        crypto_arg(crypto)?.encrypt_reply_into(
            &mut reply,
            str_arg(plaintext, plaintext_len, "plaintext")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
        )?;
        Ok(Some(OutBuf::from_header_string(reply)))
    })
}

/// Encrypt a passive reply into the JSON envelope
/// (`{"encrypt","msgsignature","timestamp","nonce"}`), returned in `*out`.
///
/// # Safety
/// As for `wxk_crypto_decrypt`.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_encrypt_reply_json(
    crypto: *const WxkCrypto,
    plaintext: *const c_char,
    plaintext_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let reply = crypto_arg(crypto)?.encrypt_reply_json(
            str_arg(plaintext, plaintext_len, "plaintext")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
        )?;
        Ok(Some(reply.into()))
    })
}

/// The plain Official Account server check: `*out_valid` is true when `signature` is the SHA-1
/// of the sorted [token, timestamp, nonce] (compared in constant time). Answer the GET with
/// `echostr` unchanged only then. A mismatch is not an error: the status is 0 either way
/// unless an argument is unusable.
///
/// # Safety
/// Each string pointer must be valid for its length; `out_valid` must be valid for a write;
/// `out_error` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_check_signature(
    token: *const c_char,
    token_len: usize,
    signature: *const c_char,
    signature_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    out_valid: *mut bool,
    out_error: *mut *mut c_char,
) -> i32 {
    call(out_error, ptr::null_mut(), || {
        let slot = out_valid
            .as_mut()
            .ok_or_else(|| invalid_input(codes::PARSE_XML, "`out_valid` is a NULL pointer"))?;
        *slot = false;
        *slot = crate::check_signature(
            str_arg(token, token_len, "token")?,
            str_arg(signature, signature_len, "signature")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
        );
        Ok(None)
    })
}

/// `msg_signature` for an encrypted message: the SHA-1 hex of the sorted
/// [token, timestamp, nonce, encrypt], returned in `*out`.
///
/// # Safety
/// Each string pointer must be valid for its length; `out` and `out_len` NULL or valid for a
/// write. Release `*out` with `wxk_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxk_msg_signature(
    token: *const c_char,
    token_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    encrypt: *const c_char,
    encrypt_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let signature = crate::msg_signature(
            str_arg(token, token_len, "token")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
            str_arg(encrypt, encrypt_len, "encrypt")?,
        );
        Ok(Some(signature.into()))
    })
}

/// Decode a 43-character EncodingAESKey into the 32-byte AES key, written to `out_key`
/// (`out_key_len` must be at least 32). Fails with `-40004` for a malformed key.
///
/// # Safety
/// `encoding_aes_key` must be valid for its length; `out_key` valid for `out_key_len` bytes of
/// writes; `out_error` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_decode_aes_key(
    encoding_aes_key: *const c_char,
    encoding_aes_key_len: usize,
    out_key: *mut u8,
    out_key_len: usize,
    out_error: *mut *mut c_char,
) -> i32 {
    call(out_error, ptr::null_mut(), || {
        if out_key.is_null() || out_key_len < 32 {
            return Err(invalid_input(
                codes::PARSE_XML,
                "`out_key` must point to at least 32 bytes",
            ));
        }
        let key = crate::decode_aes_key(str_arg(
            encoding_aes_key,
            encoding_aes_key_len,
            "encoding_aes_key",
        )?)?;
        ptr::copy_nonoverlapping(key.as_ptr(), out_key, key.len());
        Ok(None)
    })
}

/// Parse a decrypted push (XML, or JSON when it starts with `{`); `*out` is the message as
/// JSON: `{"event": {"type": "<snake_case kind>", ...typed fields}, "fields": {"<path>":
/// ["text", ...], ...}}` where each path is a leaf element below the root (`ExtraInfo/Item/Id`) and
/// repeated elements keep their order. WeCom intelligent-bot JSON callbacks are
/// `ai_bot_message`. Unknown kinds are `other_info`, `other_message` or `other_event`; a
/// malformed push fails with `-40002`.
///
/// # Safety
/// `xml_or_json` must be valid for its length; `out` and `out_len` NULL or valid for a write.
/// Release `*out` with `wxk_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxk_parse_message(
    xml_or_json: *const c_char,
    xml_or_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let message = crate::parse_message(str_arg(xml_or_json, xml_or_json_len, "xml_or_json")?)?;
        OutBuf::json(&message).map(Some)
    })
}

/// Every leaf field of any XML or JSON document, without classifying it: `*out` is a JSON
/// object `{"<path>": ["text", ...], ...}` as in the `fields` of `wxk_parse_message`. Useful
/// for the plaintext beside `Encrypt` in an envelope (`ToUserName`, `AgentID`, `AppId`).
///
/// # Safety
/// As for `wxk_parse_message`.
#[no_mangle]
pub unsafe extern "C" fn wxk_parse_fields(
    xml_or_json: *const c_char,
    xml_or_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let fields =
            crate::message::parse_fields(str_arg(xml_or_json, xml_or_json_len, "xml_or_json")?)?;
        OutBuf::json(&fields).map(Some)
    })
}

// ---------------------------------------------------------------------------------------------
// A parsed message as items, for C callers that build their own values from it (the PHP
// extension builds PHP arrays) rather than parse the JSON of `wxk_parse_message` again.

/// What a [`WxkItem`] is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WxkItemKind {
    /// A string: `str`, `str_len`.
    String,
    /// An integer: `int_value`.
    Int,
    /// A number with a fraction: `float_value`.
    Float,
    /// `int_value` is 0 or 1.
    Bool,
    /// No value.
    Null,
    /// An object opens: its members follow, each with its `key`, up to the matching `End`.
    Object,
    /// A list opens: its elements follow (without keys) up to the matching `End`.
    List,
    /// Closes the innermost open `Object` or `List`.
    End,
    /// One leaf of the message's fields: `key` is its path, `str` its text.
    Field,
}

/// One item of a parsed message (see [`wxk_message_items`]). `key` is the member name inside an
/// object (NULL elsewhere); strings are UTF-8, not NUL-terminated, and live as long as the
/// message.
#[repr(C)]
pub struct WxkItem {
    /// What the item is.
    pub kind: WxkItemKind,
    /// The member name inside an object, the path of a `Field`; NULL elsewhere.
    pub key: *const c_char,
    /// The byte length of `key`.
    pub key_len: usize,
    /// The text of a `String` or `Field` (not NUL-terminated).
    pub str: *const c_char,
    /// The byte length of `str`.
    pub str_len: usize,
    /// The value of an `Int`, 0 or 1 for a `Bool`.
    pub int_value: i64,
    /// The value of a `Float`.
    pub float_value: f64,
}

/// A parsed message held for [`wxk_message_items`]; release it with [`wxk_message_free`].
pub struct WxkMessage(super::flat::FlatMessage);

fn flat_message(message: &crate::Message) -> Result<WxkMessage, Error> {
    super::flat::flatten(message)
        .map(WxkMessage)
        .map_err(|e| Error::Internal(format!("cannot flatten the message: {e}")))
}

/// Release a message from `wxk_*_message_items`. NULL is ignored.
///
/// # Safety
/// `message` must be NULL or a message from this library, released only once.
#[no_mangle]
pub unsafe extern "C" fn wxk_message_free(message: *mut WxkMessage) {
    if message.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(message))));
}

/// The items of a message: first its event, an `Object` item up to its matching `End` with the
/// members and key order of the `event` JSON of `wxk_parse_message`; then one `Field` item per
/// leaf element, in document order (the `fields` JSON groups these by path). `*out_count` gets
/// the number of items. NULL for a NULL message.
///
/// # Safety
/// `message` must be NULL or a live message; `out_count` NULL or valid for a write. The items
/// are valid until the message is released.
#[no_mangle]
pub unsafe extern "C" fn wxk_message_items(
    message: *const WxkMessage,
    out_count: *mut usize,
) -> *const WxkItem {
    let items = message.as_ref().map(|m| m.0.items()).unwrap_or_default();
    if !out_count.is_null() {
        *out_count = items.len();
    }
    if message.is_null() {
        ptr::null()
    } else {
        items.as_ptr()
    }
}

/// `wxk_parse_message`, with the message as items (`wxk_message_items`) in `*out_message`
/// instead of JSON; on failure `*out_message` is NULL and `*out_error` the error JSON.
///
/// # Safety
/// `xml_or_json` must be valid for its length; `out_message` valid for a write; `out_error`
/// NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_parse_message_items(
    xml_or_json: *const c_char,
    xml_or_json_len: usize,
    out_message: *mut *mut WxkMessage,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_message, out_error, || {
        flat_message(&crate::parse_message(str_arg(
            xml_or_json,
            xml_or_json_len,
            "xml_or_json",
        )?)?)
    })
}

/// `wxk_crypto_decrypt_message`, with the message as items (`wxk_message_items`) in
/// `*out_message` instead of JSON; on failure `*out_message` is NULL and `*out_error` the
/// error JSON.
///
/// # Safety
/// `crypto` must be a live handle; each string pointer valid for its length; `out_message`
/// valid for a write; `out_error` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_crypto_decrypt_message_items(
    crypto: *const WxkCrypto,
    msg_signature: *const c_char,
    msg_signature_len: usize,
    timestamp: *const c_char,
    timestamp_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    body: *const c_char,
    body_len: usize,
    out_message: *mut *mut WxkMessage,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_message, out_error, || {
        flat_message(&crypto_arg(crypto)?.decrypt_message(
            str_arg(msg_signature, msg_signature_len, "msg_signature")?,
            str_arg(timestamp, timestamp_len, "timestamp")?,
            str_arg(nonce, nonce_len, "nonce")?,
            str_arg(body, body_len, "body")?,
        )?)
    })
}

/// A passive text reply, returned in `*out`. `to_user_name` is the push's `FromUserName`,
/// `from_user_name` its `ToUserName`.
///
/// # Safety
/// Each string pointer must be valid for its length; `out` and `out_len` NULL or valid for a
/// write. Release `*out` with `wxk_string_free`.
#[no_mangle]
pub unsafe extern "C" fn wxk_text_reply(
    to_user_name: *const c_char,
    to_user_name_len: usize,
    from_user_name: *const c_char,
    from_user_name_len: usize,
    create_time: i64,
    content: *const c_char,
    content_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let xml = crate::text_reply(
            str_arg(to_user_name, to_user_name_len, "to_user_name")?,
            str_arg(from_user_name, from_user_name_len, "from_user_name")?,
            create_time,
            str_arg(content, content_len, "content")?,
        );
        Ok(Some(xml.into()))
    })
}

/// A passive image reply with a `media_id` from the media upload API, returned in `*out`.
///
/// # Safety
/// As for `wxk_text_reply`.
#[no_mangle]
pub unsafe extern "C" fn wxk_image_reply(
    to_user_name: *const c_char,
    to_user_name_len: usize,
    from_user_name: *const c_char,
    from_user_name_len: usize,
    create_time: i64,
    media_id: *const c_char,
    media_id_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let xml = crate::image_reply(
            str_arg(to_user_name, to_user_name_len, "to_user_name")?,
            str_arg(from_user_name, from_user_name_len, "from_user_name")?,
            create_time,
            str_arg(media_id, media_id_len, "media_id")?,
        );
        Ok(Some(xml.into()))
    })
}

/// A passive news reply, returned in `*out`. `articles_json` is a JSON array of 1 to 8
/// `{"title","description","pic_url","url"}` objects (each field optional); anything else
/// fails with `-40011`.
///
/// # Safety
/// As for `wxk_text_reply`.
#[no_mangle]
pub unsafe extern "C" fn wxk_news_reply(
    to_user_name: *const c_char,
    to_user_name_len: usize,
    from_user_name: *const c_char,
    from_user_name_len: usize,
    create_time: i64,
    articles_json: *const c_char,
    articles_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let articles: Vec<Article> =
            serde_json::from_str(str_arg(articles_json, articles_json_len, "articles_json")?)
                .map_err(|e| invalid_input(codes::GEN_RETURN_XML, format!("articles: {e}")))?;
        let xml = crate::news_reply(
            str_arg(to_user_name, to_user_name_len, "to_user_name")?,
            str_arg(from_user_name, from_user_name_len, "from_user_name")?,
            create_time,
            &articles,
        )?;
        Ok(Some(xml.into()))
    })
}

// ---------------------------------------------------------------------------------------------
// API clients (token engine). One handle type, one call function: methods are named by string
// and take their arguments as one JSON object, so new endpoints never change the header.

/// A client handle: an Official Account or a third-party platform (component).
///
/// Create it with [`wxk_official_account_new`], [`wxk_component_new`], [`wxk_provider_new`],
/// [`wxk_suite_new`], [`wxk_work_account_new`], [`wxk_website_app_new`] or
/// [`wxk_oauth_state_new`], call it with
/// [`wxk_client_call`], release it with [`wxk_client_free`]. Safe to use from several threads.
pub struct WxkClient(Client);

enum Client {
    OfficialAccount(crate::blocking::OfficialAccount),
    Component(crate::Component),
    Provider(crate::wecom::Provider),
    Suite(crate::wecom::Suite),
    WorkAccount(crate::wecom::WorkAccount),
    WebsiteApp(crate::WebsiteApp),
    OAuthState(crate::OAuthState),
}

/// Release a client handle. NULL is ignored.
///
/// # Safety
/// `client` must be NULL or a handle from `wxk_*_new`, released only once and not used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn wxk_client_free(client: *mut WxkClient) {
    if client.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(client))));
}

/// A client constructor over a given store and clock (`Component::with_store`, …).
type WithStore<C, T> =
    fn(C, Arc<dyn crate::store::Store>, Arc<dyn crate::token::Clock>) -> crate::Result<T>;

/// A client from its configuration JSON: `parse` it, then `new` (the store it names) or
/// `with_store` (the host store named by `{"type":"host","id":N}`, taken out first).
fn configured<C, T>(
    json: &str,
    parse: fn(&str) -> crate::Result<C>,
    new: fn(C) -> crate::Result<T>,
    with_store: WithStore<C, T>,
) -> Result<T, Error> {
    let (json, host) = super::host_store::take_from_config(json)?;
    let config = parse(&json)?;
    match host {
        None => new(config),
        Some(store) => with_store(config, store, Arc::new(SystemClock)),
    }
}

/// Build an Official Account client from its configuration JSON (the same record every
/// binding uses: `{"app_id":"wx…","secret":"…","store":{"type":"file","dir":"…"},"http":{…},
/// "tokens":{…}}`; unset options take their defaults, the store defaults to the file store).
/// `"store":{"type":"host","id":N}` names a host store from [`wxk_host_store_new`].
///
/// # Safety
/// `config_json` must be valid for `config_json_len` bytes; `out_client` must be valid for a
/// write, `out_error` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_official_account_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        let account = configured(
            json,
            crate::OfficialAccountConfig::from_json,
            crate::OfficialAccount::new,
            crate::OfficialAccount::with_store,
        )?;
        Ok(WxkClient(Client::OfficialAccount(
            crate::blocking::OfficialAccount::from_async(account),
        )))
    })
}

/// Build a third-party platform (component) client from its configuration JSON:
/// `{"component_app_id":"wx…","component_secret":"…","token":"…","encoding_aes_key":"…",
/// "store":{…},"http":{…},"tokens":{…}}` (the store defaults to the file store).
///
/// # Safety
/// As [`wxk_official_account_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_component_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        configured(
            json,
            crate::ComponentConfig::from_json,
            crate::Component::new,
            crate::Component::with_store,
        )
        .map(|c| WxkClient(Client::Component(c)))
    })
}

/// Build a WeCom service provider client from its configuration JSON:
/// `{"corp_id":"ww…","provider_secret":"…","store":{…},"http":{…},"tokens":{…}}`.
///
/// # Safety
/// As [`wxk_official_account_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_provider_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        configured(
            json,
            crate::wecom::ProviderConfig::from_json,
            crate::wecom::Provider::new,
            crate::wecom::Provider::with_store,
        )
        .map(|p| WxkClient(Client::Provider(p)))
    })
}

/// Build a WeCom third-party app (suite) client from its configuration JSON:
/// `{"suite_id":"ww…","suite_secret":"…","token":"…","encoding_aes_key":"…",
/// "provider_corp_id":null,"store":{…},"http":{…},"tokens":{…}}`. Its `Corp` rows are called
/// as `corp.<name>` with `corp_id` among the arguments.
///
/// # Safety
/// As [`wxk_official_account_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_suite_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        configured(
            json,
            crate::wecom::SuiteConfig::from_json,
            crate::wecom::Suite::new,
            crate::wecom::Suite::with_store,
        )
        .map(|s| WxkClient(Client::Suite(s)))
    })
}

/// Build a WeCom self-built app client from its configuration JSON:
/// `{"corp_id":"ww…","corp_secret":"…","store":{…},"http":{…},"tokens":{…}}`.
///
/// # Safety
/// As [`wxk_official_account_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_work_account_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        configured(
            json,
            crate::wecom::WorkAccountConfig::from_json,
            crate::wecom::WorkAccount::new,
            crate::wecom::WorkAccount::with_store,
        )
        .map(|w| WxkClient(Client::WorkAccount(w)))
    })
}

/// Build an Open Platform website app client ("log in with WeChat") from its configuration
/// JSON: `{"app_id":"wx…","secret":"…","http":{…}}` (no store: it caches nothing).
///
/// # Safety
/// As [`wxk_official_account_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_website_app_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        let config = crate::WebsiteAppConfig::from_json(json)?;
        Ok(WxkClient(Client::WebsiteApp(crate::WebsiteApp::new(
            config,
        )?)))
    })
}

/// What [`wxk_oauth_state_new`] takes.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuthStateConfig {
    key: String,
    #[serde(default)]
    ttl_secs: Option<i64>,
}

/// Build the `state` helper of authorization redirects from `{"key":"…","ttl_secs":600}`
/// (the key at least 16 bytes; `ttl_secs` 1 to 86400, 600 when absent). Its methods, through
/// [`wxk_client_call`]: `issue` `{"session_value":"…"}` → the state, `verify`
/// `{"state":"…","session_value":"…"}` → `null` or an `invalid_input` error saying why.
///
/// # Safety
/// As [`wxk_official_account_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_oauth_state_new(
    config_json: *const c_char,
    config_json_len: usize,
    out_client: *mut *mut WxkClient,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_client, out_error, || {
        let json = str_arg(config_json, config_json_len, "config_json")?;
        let config: OAuthStateConfig = serde_json::from_str(json).map_err(|e| {
            invalid_input(
                codes::INVALID_ARGUMENT,
                format!("OAuthState configuration: {e}"),
            )
        })?;
        let state = crate::OAuthState::with_ttl(
            &config.key,
            config
                .ttl_secs
                .unwrap_or(crate::oauth::DEFAULT_STATE_TTL_SECS),
        )?;
        Ok(WxkClient(Client::OAuthState(state)))
    })
}

/// Call `method` on a client with its arguments as a JSON object; the result as JSON.
///
/// A component client takes the methods listed in the README's Open Platform section
/// (`component_access_token`, `create_authorization_url`, `query_auth`, `handle_callback`,
/// `authorizer_get`, …), with named arguments (`{"authorizer_appid":"wx…","path":"…"}`).
///
/// An Official Account client takes the operations of its table
/// (src/ffi/endpoints.rs, `official_account_endpoints`: `access_token`, `jssdk_config`
/// `{"url":"…"}`, `get` `{"path":"/cgi-bin/…","query":{…}}`, `post_json`
/// `{"path":"…","body":{…}}`, `oauth_access_token` `{"code":"…"}`, `handle_message`, …) and
/// `app_id` `{}` → `"wx…"`.
///
/// # Safety
/// `client` must be a live handle; each string pointer valid for its length; `out` and
/// `out_len` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_client_call(
    client: *const WxkClient,
    method: *const c_char,
    method_len: usize,
    args_json: *const c_char,
    args_json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let client = &client
            .as_ref()
            .ok_or_else(|| invalid_input(codes::INVALID_ARGUMENT, "`client` is a NULL pointer"))?
            .0;
        let method = str_arg(method, method_len, "method")?;
        let args = str_arg(args_json, args_json_len, "args_json")?;
        let args: serde_json::Value =
            serde_json::from_str(if args.is_empty() { "{}" } else { args }).map_err(|e| {
                invalid_input(codes::INVALID_ARGUMENT, format!("{method} arguments: {e}"))
            })?;
        let value = match client {
            Client::OfficialAccount(a) => crate::runtime::block_on(
                super::dispatch::official_account(a.as_async(), method, &args),
            )?,
            Client::Component(c) => {
                crate::runtime::block_on(super::dispatch::component(c, method, &args))?
            }
            Client::Provider(p) => {
                crate::runtime::block_on(super::dispatch::provider(p, method, &args))?
            }
            Client::Suite(s) => crate::runtime::block_on(super::dispatch::suite(s, method, &args))?,
            Client::WorkAccount(w) => {
                crate::runtime::block_on(super::dispatch::work_account(w, method, &args))?
            }
            Client::WebsiteApp(w) => {
                crate::runtime::block_on(super::dispatch::website_app(w, method, &args))?
            }
            Client::OAuthState(s) => {
                crate::runtime::block_on(super::dispatch::oauth_state(s, method, &args))?
            }
        };
        Ok(Some(OutBuf::json(&value)?))
    })
}

// ---------------------------------------------------------------------------------------------
// Host stores: a token store the caller implements (PHP's `HostStore`, e.g. over a PSR-16
// cache), named in a client's configuration as `"store":{"type":"host","id":N}`.

/// What a [`WxkStoreCall`] is asked to do.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WxkStoreOp {
    /// `get(key)`: answer 0 with the value, or 1 when absent.
    Get = 0,
    /// `set(key, value, ttl_ms)`, `ttl_ms` -1 for no expiry: answer 0.
    Set = 1,
    /// `delete(key)`: answer 0 (also when absent).
    Delete = 2,
    /// `try_lock(key, ttl_ms)`: take the lock only if free and answer 0 with a fresh fence
    /// value, or 1 when someone else holds it.
    TryLock = 3,
    /// `unlock(key, fence)`: release the lock only if it still holds `fence` (`value`):
    /// answer 0.
    Unlock = 4,
}

/// What a host store callback says back besides its status: the value (`get`), the fence
/// (`try_lock`) or the reason it failed. Set it with [`wxk_store_reply`]; it lives only for
/// the callback.
#[derive(Default)]
pub struct WxkStoreReply(Option<Vec<u8>>);

impl WxkStoreReply {
    pub(crate) fn take(&mut self) -> Option<Vec<u8>> {
        self.0.take()
    }
}

/// A host store's callback. It runs synchronously on the thread that created the store, inside
/// a client call made on that thread (calls from anywhere else fail with a store error before
/// reaching it). `key` and `value` are UTF-8 bytes, not NUL-terminated, valid for the call only
/// (`value` empty unless the `op` takes one; bytes rather than `char *`, which PHP's FFI would
/// read up to a NUL). Return 0 on success, 1 for "absent" / "not acquired", -1 on failure,
/// with [`wxk_store_reply`] for the text.
pub type WxkStoreCall = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        op: WxkStoreOp,
        key: *const u8,
        key_len: usize,
        value: *const u8,
        value_len: usize,
        ttl_ms: i64,
        reply: *mut WxkStoreReply,
    ) -> i32,
>;

/// Releases a host store's context once nothing uses the store any more (may be NULL).
pub type WxkStoreRelease = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

/// A host store registration; see [`wxk_host_store_new`].
pub struct WxkHostStore(super::host_store::Registered);

/// Set the text of a host store callback's reply (copied). NULL `reply` is ignored.
///
/// # Safety
/// `reply` must be NULL or the pointer the callback received; `text` valid for `text_len`
/// bytes (NULL only with length 0).
#[no_mangle]
pub unsafe extern "C" fn wxk_store_reply(
    reply: *mut WxkStoreReply,
    text: *const c_char,
    text_len: usize,
) {
    let Some(reply) = reply.as_mut() else { return };
    reply.0 = Some(if text.is_null() || text_len == 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(text.cast::<u8>(), text_len).to_vec()
    });
}

/// Register a store implemented by the caller: `call` answers its five operations (see
/// [`WxkStoreCall`]) with `ctx`; `release(ctx)` runs once nothing uses the store (when the
/// handle and every client built with it are freed). Name it in a client's configuration as
/// `"store":{"type":"host","id":N}` with `N` from [`wxk_host_store_id`].
///
/// The store is bound to the calling thread: PHP, which may only be entered on its own thread,
/// is called back from client calls made there and never from anywhere else.
///
/// # Safety
/// `call` must be safe to call with `ctx` on this thread until `release` runs; `out_store` must
/// be valid for a write, `out_error` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn wxk_host_store_new(
    call: WxkStoreCall,
    release: WxkStoreRelease,
    ctx: *mut c_void,
    out_store: *mut *mut WxkHostStore,
    out_error: *mut *mut c_char,
) -> i32 {
    construct(out_store, out_error, || {
        let call =
            call.ok_or_else(|| invalid_input(codes::INVALID_ARGUMENT, "`call` is a NULL pointer"))?;
        Ok(WxkHostStore(super::host_store::register(
            call, release, ctx,
        )))
    })
}

/// The number a configuration names a host store by; 0 for NULL.
///
/// # Safety
/// `store` must be NULL or a live handle from [`wxk_host_store_new`].
#[no_mangle]
pub unsafe extern "C" fn wxk_host_store_id(store: *const WxkHostStore) -> u64 {
    store.as_ref().map_or(0, |s| s.0.id)
}

/// Release a host store handle (clients built with it keep using it). NULL is ignored.
///
/// # Safety
/// `store` must be NULL or a handle from [`wxk_host_store_new`], released only once, on the
/// thread that created it.
#[no_mangle]
pub unsafe extern "C" fn wxk_host_store_free(store: *mut WxkHostStore) {
    if store.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(store))));
}

// ---------------------------------------------------------------------------------------------
// Logging. Host callbacks must not run on the library's runtime threads (PHP's may only run on
// the PHP thread), so the core's events are kept in a bounded buffer that the host drains on
// its own thread, after each call.

/// The records buffered for the host until it drains them.
const LOG_BUFFER: usize = 10_000;

fn log_buffer() -> &'static Arc<crate::logging::LogBuffer> {
    static BUFFER: std::sync::OnceLock<Arc<crate::logging::LogBuffer>> = std::sync::OnceLock::new();
    BUFFER.get_or_init(|| Arc::new(crate::logging::LogBuffer::new(LOG_BUFFER)))
}

/// Keep the core's events at `level` (`error`, `warn`, `info`, `debug`, `trace`) or above in a
/// buffer (the last 10 000) for `wxk_log_drain`. No result (`*out` stays NULL) on success;
/// `invalid_input` for an unknown level. Logging is off until this is called.
///
/// # Safety
/// `level` points to `level_len` readable bytes; `out` and `out_len` are writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn wxk_log_enable(
    level: *const c_char,
    level_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> i32 {
    call(out, out_len, || {
        let level = crate::logging::LogLevel::parse(str_arg(level, level_len, "level")?)?;
        crate::logging::set_log_sink(log_buffer().clone(), level)?;
        Ok(None)
    })
}

/// Stop keeping the core's events (those buffered stay until drained).
#[no_mangle]
pub extern "C" fn wxk_log_disable() {
    crate::logging::clear_log_sink();
}

/// The buffered records, oldest first, and how many were dropped because the buffer was full:
/// `{"records":[{"level":"info","target":"weixinkit::token","message":"token refreshed",
/// "fields":{"key":"…",…}},…],"dropped":0}`. The buffer is empty afterwards.
///
/// # Safety
/// `out` and `out_len` are writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn wxk_log_drain(out: *mut *mut c_char, out_len: *mut usize) -> i32 {
    call(out, out_len, || {
        let (records, dropped) = log_buffer().drain();
        let records: Vec<serde_json::Value> = records
            .into_iter()
            .map(|r| {
                serde_json::json!({
                    "level": r.level.as_str(),
                    "target": r.target,
                    "message": r.message,
                    "fields": r
                        .fields
                        .into_iter()
                        .map(|(k, v)| (k, serde_json::Value::String(v)))
                        .collect::<serde_json::Map<_, _>>(),
                })
            })
            .collect();
        OutBuf::json(&serde_json::json!({"records": records, "dropped": dropped})).map(Some)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    /// Take `*out` as an owned Rust string and release it.
    unsafe fn take(out: *mut c_char, len: usize) -> String {
        assert!(!out.is_null());
        let s =
            String::from_utf8(std::slice::from_raw_parts(out.cast::<u8>(), len).to_vec()).unwrap();
        assert_eq!(*out.add(len), 0, "NUL-terminated");
        wxk_string_free(out);
        s
    }

    fn new_crypto(receiver_id: &str) -> *mut WxkCrypto {
        let mut crypto = ptr::null_mut();
        let mut err = ptr::null_mut();
        let status = unsafe {
            wxk_crypto_new(
                "QDG6eK".as_ptr().cast(),
                6,
                KEY.as_ptr().cast(),
                KEY.len(),
                receiver_id.as_ptr().cast(),
                receiver_id.len(),
                &mut crypto,
                &mut err,
            )
        };
        assert_eq!(status, 0);
        assert!(err.is_null());
        crypto
    }

    fn error_of(out: *mut c_char, len: usize) -> serde_json::Value {
        serde_json::from_str(&unsafe { take(out, len) }).unwrap()
    }

    #[test]
    fn replies_round_trip_through_decrypt_message_as_json() {
        let crypto = new_crypto("wx1");
        let (mut out, mut len) = (ptr::null_mut(), 0);
        let xml = crate::text_reply("o", "gh", 7, "hi");
        let status = unsafe {
            wxk_crypto_encrypt_reply(
                crypto,
                xml.as_ptr().cast(),
                xml.len(),
                "1".as_ptr().cast(),
                1,
                "n".as_ptr().cast(),
                1,
                &mut out,
                &mut len,
            )
        };
        assert_eq!(status, 0);
        let envelope = unsafe { take(out, len) };
        let sig = envelope
            .split("<MsgSignature><![CDATA[")
            .nth(1)
            .and_then(|rest| rest.split("]]>").next())
            .unwrap()
            .to_owned();
        let status = unsafe {
            wxk_crypto_decrypt_message(
                crypto,
                sig.as_ptr().cast(),
                sig.len(),
                "1".as_ptr().cast(),
                1,
                "n".as_ptr().cast(),
                1,
                envelope.as_ptr().cast(),
                envelope.len(),
                &mut out,
                &mut len,
            )
        };
        assert_eq!(status, 0);
        let message: serde_json::Value = serde_json::from_str(&unsafe { take(out, len) }).unwrap();
        assert_eq!(message["event"]["type"], "text");
        assert_eq!(message["event"]["content"], "hi");
        assert_eq!(message["fields"]["Content"][0], "hi");
        unsafe { wxk_crypto_free(crypto) };
    }

    #[test]
    fn errors_come_back_as_status_and_json_with_kind_and_code() {
        let crypto = new_crypto("wx1");
        let (mut out, mut len) = (ptr::null_mut(), 0);
        let status = unsafe {
            wxk_crypto_decrypt(
                crypto,
                "0".as_ptr().cast(),
                1,
                "1".as_ptr().cast(),
                1,
                "n".as_ptr().cast(),
                1,
                "AAAA".as_ptr().cast(),
                4,
                &mut out,
                &mut len,
            )
        };
        assert_eq!(status, -40001);
        let err = error_of(out, len);
        assert_eq!(err["kind"], "invalid_signature");
        assert_eq!(err["code"], -40001);
        assert_eq!(err["message"], "signature mismatch");
        unsafe { wxk_crypto_free(crypto) };
    }

    #[test]
    fn a_bad_key_fails_construction_without_echoing_the_key() {
        let (mut crypto, mut err) = (ptr::null_mut(), ptr::null_mut());
        let key = "secret-key-that-is-too-short";
        let status = unsafe {
            wxk_crypto_new(
                "t".as_ptr().cast(),
                1,
                key.as_ptr().cast(),
                key.len(),
                "wx".as_ptr().cast(),
                2,
                &mut crypto,
                &mut err,
            )
        };
        assert_eq!(status, -40004);
        assert!(crypto.is_null());
        let text = unsafe { CStr::from_ptr(err) }.to_str().unwrap().to_owned();
        unsafe { wxk_string_free(err) };
        assert!(text.contains("\"kind\":\"invalid_aes_key\""), "{text}");
        assert!(!text.contains(key), "{text}");
    }

    #[test]
    fn null_pointers_and_invalid_utf8_are_invalid_input_errors() {
        let (mut out, mut len) = (ptr::null_mut(), 0);
        let status = unsafe { wxk_parse_message(ptr::null(), 0, &mut out, &mut len) };
        assert_eq!(status, -40002);
        assert_eq!(error_of(out, len)["kind"], "invalid_input");

        let bytes = b"<xml>\xff</xml>";
        let status = unsafe { wxk_parse_message(bytes.as_ptr().cast(), 12, &mut out, &mut len) };
        assert_eq!(status, -40002);
        let err = error_of(out, len);
        assert_eq!(err["kind"], "invalid_input");
        assert!(err["message"].as_str().unwrap().contains("UTF-8"));

        let status = unsafe {
            wxk_crypto_decrypt(
                ptr::null(),
                "s".as_ptr().cast(),
                1,
                "1".as_ptr().cast(),
                1,
                "n".as_ptr().cast(),
                1,
                "e".as_ptr().cast(),
                1,
                &mut out,
                &mut len,
            )
        };
        assert_eq!(status, -40002);
        assert!(error_of(out, len)["message"]
            .as_str()
            .unwrap()
            .contains("crypto"));

        // No out-parameters at all: the status still tells.
        let status = unsafe { wxk_parse_message(ptr::null(), 0, ptr::null_mut(), ptr::null_mut()) };
        assert_eq!(status, -40002);
        unsafe {
            wxk_string_free(ptr::null_mut());
            wxk_crypto_free(ptr::null_mut());
        }
    }

    #[test]
    fn strings_with_nul_bytes_keep_their_length_and_free_cleanly() {
        let (mut out, mut len) = (ptr::null_mut(), 0);
        let content = "a\0b";
        let status = unsafe {
            wxk_text_reply(
                "o".as_ptr().cast(),
                1,
                "g".as_ptr().cast(),
                1,
                1,
                content.as_ptr().cast(),
                content.len(),
                &mut out,
                &mut len,
            )
        };
        assert_eq!(status, 0);
        assert_eq!(
            unsafe { take(out, len) },
            crate::text_reply("o", "g", 1, content)
        );
    }

    #[test]
    fn options_json_selects_the_receiver_id_policy() {
        let cases = [
            (r#"{"receiver_id":{"exact":"wx1"}}"#, 0),
            (
                r#"{"receiver_id":{"any_of":["a","b"]},"max_clock_skew_secs":300}"#,
                0,
            ),
            (r#"{"receiver_id":"unchecked"}"#, 0),
            (r#"{"receiver_id":{"any_of":[]}}"#, -40005),
            (r#"{"receiver_id":"sometimes"}"#, -40002),
            (r#"{"max_clock_skew_secs":3}"#, -40002),
        ];
        for (options, expected) in cases {
            let (mut crypto, mut err) = (ptr::null_mut(), ptr::null_mut());
            let status = unsafe {
                wxk_crypto_new_with_options(
                    "t".as_ptr().cast(),
                    1,
                    KEY.as_ptr().cast(),
                    KEY.len(),
                    options.as_ptr().cast(),
                    options.len(),
                    &mut crypto,
                    &mut err,
                )
            };
            assert_eq!(status, expected, "{options}");
            assert_eq!(crypto.is_null(), expected != 0);
            assert_eq!(err.is_null(), expected == 0);
            unsafe {
                wxk_crypto_free(crypto);
                wxk_string_free(err);
            }
        }
    }

    #[test]
    fn decode_aes_key_writes_32_bytes_and_checks_the_buffer() {
        let mut key = [0u8; 32];
        let mut err = ptr::null_mut();
        let status =
            unsafe { wxk_decode_aes_key(KEY.as_ptr().cast(), 43, key.as_mut_ptr(), 32, &mut err) };
        assert_eq!(status, 0);
        assert!(err.is_null());
        assert_eq!(key, crate::decode_aes_key(KEY).unwrap());
        let status =
            unsafe { wxk_decode_aes_key(KEY.as_ptr().cast(), 43, key.as_mut_ptr(), 16, &mut err) };
        assert_eq!(status, -40002);
        unsafe { wxk_string_free(err) };
    }

    #[test]
    fn check_signature_reports_a_mismatch_as_false_not_an_error() {
        let args = [
            "spamtest",
            "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a",
            "1409735669",
        ];
        for (nonce, expected) in [("1320562132", true), ("1", false)] {
            let mut valid = !expected;
            let mut err = ptr::null_mut();
            let status = unsafe {
                wxk_check_signature(
                    args[0].as_ptr().cast(),
                    args[0].len(),
                    args[1].as_ptr().cast(),
                    args[1].len(),
                    args[2].as_ptr().cast(),
                    args[2].len(),
                    nonce.as_ptr().cast(),
                    nonce.len(),
                    &mut valid,
                    &mut err,
                )
            };
            assert_eq!((status, valid), (0, expected));
            assert!(err.is_null());
        }
    }

    #[test]
    fn client_argument_errors_never_report_success() {
        let config = r#"{"app_id":"wx1","secret":"s","store":{"type":"memory"},
            "http":{"api_base_uri":"http://127.0.0.1:9"}}"#;
        let (mut client, mut err) = (ptr::null_mut(), ptr::null_mut());
        let status = unsafe {
            wxk_official_account_new(config.as_ptr().cast(), config.len(), &mut client, &mut err)
        };
        assert_eq!(status, 0);
        for (method, args) in [
            ("nope", "{}"),
            ("get", "{}"),
            ("jssdk_config", r#"{"url":""}"#),
        ] {
            let (mut out, mut len) = (ptr::null_mut(), 0);
            let status = unsafe {
                wxk_client_call(
                    client,
                    method.as_ptr().cast(),
                    method.len(),
                    args.as_ptr().cast(),
                    args.len(),
                    &mut out,
                    &mut len,
                )
            };
            assert_eq!(status, codes::INVALID_ARGUMENT, "{method}");
            let e = error_of(out, len);
            assert_eq!(e["kind"], "invalid_input", "{method}");
        }
        unsafe { wxk_client_free(client) };
    }

    #[test]
    fn a_panic_stops_at_the_boundary_as_an_internal_error() {
        let (mut out, mut len) = (ptr::null_mut(), 0);
        let status = unsafe { call(&mut out, &mut len, || panic!("deliberate")) };
        assert_eq!(status, codes::INTERNAL);
        let err = error_of(out, len);
        assert_eq!(err["kind"], "internal");
        assert_eq!(err["code"], codes::INTERNAL);
    }

    #[test]
    fn the_version_is_the_crate_version() {
        let v = unsafe { CStr::from_ptr(wxk_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
