//! JNI entry points for the Kotlin binding's hot path: `MessageCrypto`, `check_signature`,
//! `parse_message` and the text and image replies, the calls a callback server makes on every
//! push. The Kotlin side is
//! `bindings/kotlin/src/main/kotlin/weixinkit/MessageCrypto.kt` (`object JniCrypto`); the
//! public Kotlin API is the one the UDL describes.
//!
//! Why not uniffi's JNA glue for these: it lowers every string into a `RustBuffer` allocated by
//! a separate native call and passes JNA `Structure`s by value, which costs tens of
//! microseconds per call, far more than the work itself (about 1.5 µs to verify, decrypt and
//! parse a push). A JNI call costs a fraction of a microsecond.
//!
//! Conventions, the same for every export:
//! - strings arrive as UTF-8 `byte[]` (Kotlin's `String.toByteArray(UTF_8)`), never null;
//! - a fallible call answers a `byte[]` whose first byte is [`OK`] followed by the value, or
//!   [`ERR`] followed by the [`WeixinkitError`] in uniffi's serialization, which the Kotlin side
//!   reads with the generated converter, so the exception classes, codes and reasons are the
//!   ones every other call raises. A string value is its UTF-8 bytes, a message is the
//!   [`Message`] in uniffi's serialization, a new `MessageCrypto` is its handle as 8 big-endian
//!   bytes;
//! - a `MessageCrypto` handle is a `Box` turned into a `jlong`, released exactly once with
//!   `free`; the Kotlin class never calls it while a call on the handle is running;
//! - a panic never crosses the boundary: it becomes a Java `RuntimeException`.
//!
//! Each export converts its arguments, calls the core and converts the result back.

use ::jni::errors::ThrowRuntimeExAndDefault;
use ::jni::objects::{JByteArray, JClass};
use ::jni::sys::{jboolean, jlong};
use ::jni::{Env, EnvUnowned};

use super::uniffi::{Message, WeixinkitError};
use crate::{CryptoOptions, MessageCrypto, UniFfiTag};

/// First byte of a successful answer.
const OK: u8 = 0;
/// First byte of a failed answer.
const ERR: u8 = 1;

type JniResult<T> = Result<T, ::jni::errors::Error>;

/// A string argument. Kotlin always sends valid UTF-8; anything else is replaced, not trusted.
fn string(env: &Env<'_>, bytes: &JByteArray<'_>) -> JniResult<String> {
    let bytes = env.convert_byte_array(bytes)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The answer `[OK, value…]` or `[ERR, error…]` as a new `byte[]`.
fn answer<'l, T>(
    env: &mut Env<'l>,
    result: crate::Result<T>,
    write: impl FnOnce(T, &mut Vec<u8>),
) -> JniResult<JByteArray<'l>> {
    let mut buf = Vec::with_capacity(256);
    match result {
        Ok(value) => {
            buf.push(OK);
            write(value, &mut buf);
        }
        Err(e) => {
            buf.push(ERR);
            <WeixinkitError as ::uniffi::Lower<UniFfiTag>>::write(e.into(), &mut buf);
        }
    }
    env.byte_array_from_slice(&buf)
}

fn write_str(s: String, buf: &mut Vec<u8>) {
    buf.extend_from_slice(s.as_bytes());
}

fn write_message(m: crate::Message, buf: &mut Vec<u8>) {
    <Message as ::uniffi::Lower<UniFfiTag>>::write(m.into(), buf);
}

fn write_handle(c: MessageCrypto, buf: &mut Vec<u8>) {
    let handle = Box::into_raw(Box::new(c)) as jlong;
    buf.extend_from_slice(&handle.to_be_bytes());
}

/// The `MessageCrypto` behind a live handle.
///
/// # Safety
/// `handle` came from [`write_handle`] and has not been freed; the Kotlin class guarantees both.
unsafe fn crypto<'a>(handle: jlong) -> &'a MessageCrypto {
    &*(handle as *const MessageCrypto)
}

/// `MessageCrypto(token, encodingAesKey, receiverId)`.
#[no_mangle]
pub extern "system" fn Java_weixinkit_JniCrypto_create<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    token: JByteArray<'l>,
    encoding_aes_key: JByteArray<'l>,
    receiver_id: JByteArray<'l>,
) -> JByteArray<'l> {
    env.with_env(|env| {
        let (token, key, id) = (
            string(env, &token)?,
            string(env, &encoding_aes_key)?,
            string(env, &receiver_id)?,
        );
        answer(
            env,
            MessageCrypto::new(&token, &key, id.as_str()),
            write_handle,
        )
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// `MessageCrypto.withOptions(token, encodingAesKey, options)`; `options` is a `CryptoOptions`
/// in uniffi's serialization.
#[no_mangle]
pub extern "system" fn Java_weixinkit_JniCrypto_createWithOptions<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    token: JByteArray<'l>,
    encoding_aes_key: JByteArray<'l>,
    options: JByteArray<'l>,
) -> JByteArray<'l> {
    env.with_env(|env| {
        let (token, key) = (string(env, &token)?, string(env, &encoding_aes_key)?);
        let options = env.convert_byte_array(&options)?;
        let result = <CryptoOptions as ::uniffi::Lift<UniFfiTag>>::try_read(&mut &options[..])
            .map_err(|e| crate::Error::InvalidInput {
                code: crate::codes::INVALID_ARGUMENT,
                reason: format!("options could not be read: {e}"),
            })
            .and_then(|options| MessageCrypto::with_options(&token, &key, options));
        answer(env, result, write_handle)
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// Releases a handle (once; the Kotlin class's cleaner or `close` calls it).
#[no_mangle]
pub extern "system" fn Java_weixinkit_JniCrypto_free<'l>(
    _env: EnvUnowned<'l>,
    _class: JClass<'l>,
    handle: jlong,
) {
    if handle != 0 {
        // SAFETY: the handle came from `write_handle` and the Kotlin class frees it only once,
        // after its last call.
        drop(unsafe { Box::from_raw(handle as *mut MessageCrypto) });
    }
}

/// Generates an export taking a handle and four strings.
macro_rules! four_strings {
    ($doc:literal, $name:ident, $method:ident, $write:ident) => {
        #[doc = $doc]
        #[no_mangle]
        pub extern "system" fn $name<'l>(
            mut env: EnvUnowned<'l>,
            _class: JClass<'l>,
            handle: jlong,
            a: JByteArray<'l>,
            b: JByteArray<'l>,
            c: JByteArray<'l>,
            d: JByteArray<'l>,
        ) -> JByteArray<'l> {
            env.with_env(|env| {
                let (a, b, c, d) = (
                    string(env, &a)?,
                    string(env, &b)?,
                    string(env, &c)?,
                    string(env, &d)?,
                );
                // SAFETY: see `crypto`.
                let result = unsafe { crypto(handle) }.$method(&a, &b, &c, &d);
                answer(env, result, $write)
            })
            .resolve::<ThrowRuntimeExAndDefault>()
        }
    };
}

/// Generates an export taking a handle and three strings.
macro_rules! three_strings {
    ($doc:literal, $name:ident, $method:ident, $write:ident) => {
        #[doc = $doc]
        #[no_mangle]
        pub extern "system" fn $name<'l>(
            mut env: EnvUnowned<'l>,
            _class: JClass<'l>,
            handle: jlong,
            a: JByteArray<'l>,
            b: JByteArray<'l>,
            c: JByteArray<'l>,
        ) -> JByteArray<'l> {
            env.with_env(|env| {
                let (a, b, c) = (string(env, &a)?, string(env, &b)?, string(env, &c)?);
                // SAFETY: see `crypto`.
                let result = unsafe { crypto(handle) }.$method(&a, &b, &c);
                answer(env, result, $write)
            })
            .resolve::<ThrowRuntimeExAndDefault>()
        }
    };
}

four_strings!(
    "`MessageCrypto.decrypt(msgSignature, timestamp, nonce, encrypt)`.",
    Java_weixinkit_JniCrypto_decrypt,
    decrypt,
    write_str
);
four_strings!(
    "`MessageCrypto.decryptBody(msgSignature, timestamp, nonce, body)`.",
    Java_weixinkit_JniCrypto_decryptBody,
    decrypt_body,
    write_str
);
four_strings!(
    "`MessageCrypto.decryptMessage(msgSignature, timestamp, nonce, body)`.",
    Java_weixinkit_JniCrypto_decryptMessage,
    decrypt_message,
    write_message
);
four_strings!(
    "`MessageCrypto.verifyUrl(msgSignature, timestamp, nonce, echostr)`.",
    Java_weixinkit_JniCrypto_verifyUrl,
    verify_url,
    write_str
);
three_strings!(
    "`MessageCrypto.encryptReply(plaintext, timestamp, nonce)`.",
    Java_weixinkit_JniCrypto_encryptReply,
    encrypt_reply,
    write_str
);
three_strings!(
    "`MessageCrypto.encryptReplyJson(plaintext, timestamp, nonce)`.",
    Java_weixinkit_JniCrypto_encryptReplyJson,
    encrypt_reply_json,
    write_str
);

/// `checkSignature(token, signature, timestamp, nonce)`.
#[no_mangle]
pub extern "system" fn Java_weixinkit_JniCrypto_checkSignature<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    token: JByteArray<'l>,
    signature: JByteArray<'l>,
    timestamp: JByteArray<'l>,
    nonce: JByteArray<'l>,
) -> jboolean {
    env.with_env(|env| -> JniResult<jboolean> {
        let (token, signature, timestamp, nonce) = (
            string(env, &token)?,
            string(env, &signature)?,
            string(env, &timestamp)?,
            string(env, &nonce)?,
        );
        Ok(crate::check_signature(
            &token, &signature, &timestamp, &nonce,
        ))
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// `parseMessage(xmlOrJson)`.
#[no_mangle]
pub extern "system" fn Java_weixinkit_JniCrypto_parseMessage<'l>(
    mut env: EnvUnowned<'l>,
    _class: JClass<'l>,
    xml_or_json: JByteArray<'l>,
) -> JByteArray<'l> {
    env.with_env(|env| {
        let text = string(env, &xml_or_json)?;
        answer(env, crate::parse_message(&text), write_message)
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// Generates an export for a passive reply builder: two names, a time and one more string.
macro_rules! reply {
    ($doc:literal, $name:ident, $build:path) => {
        #[doc = $doc]
        #[no_mangle]
        pub extern "system" fn $name<'l>(
            mut env: EnvUnowned<'l>,
            _class: JClass<'l>,
            to_user_name: JByteArray<'l>,
            from_user_name: JByteArray<'l>,
            create_time: jlong,
            text: JByteArray<'l>,
        ) -> JByteArray<'l> {
            env.with_env(|env| {
                let (to, from, text) = (
                    string(env, &to_user_name)?,
                    string(env, &from_user_name)?,
                    string(env, &text)?,
                );
                answer(env, Ok($build(&to, &from, create_time, &text)), write_str)
            })
            .resolve::<ThrowRuntimeExAndDefault>()
        }
    };
}

reply!(
    "`textReply(toUserName, fromUserName, createTime, content)`.",
    Java_weixinkit_JniCrypto_textReply,
    crate::text_reply
);
reply!(
    "`imageReply(toUserName, fromUserName, createTime, mediaId)`.",
    Java_weixinkit_JniCrypto_imageReply,
    crate::image_reply
);
