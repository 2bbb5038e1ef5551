//! WXBizMsgCrypt done strictly: signatures, AES-256-CBC with PKCS#7-to-32 padding, the
//! receiver id check, and the envelopes WeChat and WeCom wrap ciphertexts in.
//!
//! Check order on the receiving side (each failure has its own [`Error`] variant):
//! key → signature → timestamp window → base64 → length → padding → length field → receiver id
//! → UTF-8.
//!
//! ```
//! use weixinkit::crypto::{check_signature, MessageCrypto};
//! // The plain Official Account check from Tencent's sample.
//! assert!(check_signature("spamtest", "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a", "1409735669", "1320562132"));
//! # let _ = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1");
//! ```

mod cipher;
mod envelope;
mod key;
mod random;
mod signature;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

pub use key::{decode_aes_key, AesKey};
pub use signature::{check_signature, msg_signature};

use crate::error::{codes, Error, Result};
use crate::message::{parse_message, Message};

/// A random prefix for one encrypted message.
fn fresh_prefix() -> Result<[u8; 16]> {
    random::prefix().map_err(|_| Error::InvalidInput {
        code: codes::ENCRYPT_AES,
        reason: "the operating system's random source failed".into(),
    })
}

/// How the receiver id that follows the decrypted message is checked.
///
/// ```
/// use weixinkit::ReceiverIdPolicy;
/// let suite = ReceiverIdPolicy::AnyOf { ids: vec!["ww-suite".into(), "ww-corp".into()] };
/// assert!(suite.accepts(b"ww-corp"));
/// assert!(!ReceiverIdPolicy::from("wx1").accepts(b"wx2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiverIdPolicy {
    /// Exactly this id; an empty string expects an empty id (WeCom bots).
    Exact {
        /// The appid, corpid or suite id.
        id: String,
    },
    /// Any one of these ids.
    AnyOf {
        /// Accepted ids; the first one is used for replies.
        ids: Vec<String>,
    },
    /// Not checked (say so explicitly); replies cannot be encrypted.
    Unchecked,
}

impl ReceiverIdPolicy {
    /// Whether `actual` satisfies the policy (byte for byte).
    ///
    /// ```
    /// use weixinkit::ReceiverIdPolicy;
    /// assert!(ReceiverIdPolicy::from("").accepts(b""));
    /// assert!(ReceiverIdPolicy::Unchecked.accepts(b"anything"));
    /// ```
    pub fn accepts(&self, actual: &[u8]) -> bool {
        match self {
            ReceiverIdPolicy::Exact { id } => id.as_bytes() == actual,
            ReceiverIdPolicy::AnyOf { ids } => ids.iter().any(|id| id.as_bytes() == actual),
            ReceiverIdPolicy::Unchecked => true,
        }
    }

    /// The id written after the message when encrypting a reply.
    fn reply_id(&self) -> Result<&str> {
        match self {
            ReceiverIdPolicy::Exact { id } => Ok(id),
            ReceiverIdPolicy::AnyOf { ids } => Ok(&ids[0]),
            ReceiverIdPolicy::Unchecked => Err(Error::InvalidInput {
                code: codes::ENCRYPT_AES,
                reason: "cannot encrypt a reply: the receiver id policy is Unchecked".into(),
            }),
        }
    }

    fn describe(&self) -> String {
        match self {
            ReceiverIdPolicy::Exact { id } => format!("{id:?}"),
            ReceiverIdPolicy::AnyOf { ids } => format!("one of {ids:?}"),
            ReceiverIdPolicy::Unchecked => "anything".into(),
        }
    }
}

impl From<&str> for ReceiverIdPolicy {
    fn from(id: &str) -> Self {
        ReceiverIdPolicy::Exact { id: id.to_owned() }
    }
}

impl From<String> for ReceiverIdPolicy {
    fn from(id: String) -> Self {
        ReceiverIdPolicy::Exact { id }
    }
}

/// Options for [`MessageCrypto::with_options`].
///
/// ```
/// use weixinkit::{CryptoOptions, ReceiverIdPolicy};
/// let wecom_suite = CryptoOptions {
///     receiver_id: ReceiverIdPolicy::AnyOf { ids: vec!["suite_id".into(), "corp_id".into()] },
///     max_clock_skew_secs: Some(300),
/// };
/// # let _ = wecom_suite;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CryptoOptions {
    /// How the receiver id is checked.
    pub receiver_id: ReceiverIdPolicy,
    /// Reject pushes whose `timestamp` is further than this from now (seconds); `None` = off.
    /// Signed, as Java has no unsigned types; a negative window is refused.
    pub max_clock_skew_secs: Option<i64>,
}

/// WXBizMsgCrypt for one account: the token, the AES key and the receiver id policy.
///
/// Cheap to share (`Send + Sync`, no interior mutability); build it once per account.
///
/// ```
/// use weixinkit::MessageCrypto;
/// let crypto = MessageCrypto::new(
///     "QDG6eK",
///     "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
///     "wx5823bf96d3bd56c7",
/// )?;
/// let reply = crypto.encrypt_reply("<xml>hi</xml>", "1409659813", "nonce")?;
/// assert!(reply.starts_with("<xml><Encrypt><![CDATA["));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone)]
pub struct MessageCrypto {
    token: String,
    cipher: cipher::Cipher,
    receiver_id: ReceiverIdPolicy,
    max_clock_skew_secs: Option<u64>,
}

impl fmt::Debug for MessageCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageCrypto")
            .field("token", &"<redacted>")
            .field("key", &"<redacted>")
            .field("receiver_id", &self.receiver_id)
            .field("max_clock_skew_secs", &self.max_clock_skew_secs)
            .finish()
    }
}

impl MessageCrypto {
    /// Build with an exact receiver id (appid, corpid, suite id, or "" for WeCom bots).
    ///
    /// Fails with [`Error::InvalidAesKey`] unless `encoding_aes_key` is 43 base64 characters.
    ///
    /// ```
    /// use weixinkit::{Error, MessageCrypto};
    /// assert!(MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1").is_ok());
    /// let err = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", "wx1").unwrap_err();
    /// assert!(matches!(err, Error::InvalidAesKey(_)));
    /// ```
    pub fn new(
        token: &str,
        encoding_aes_key: &str,
        receiver_id: impl Into<ReceiverIdPolicy>,
    ) -> Result<Self> {
        Self::with_options(
            token,
            encoding_aes_key,
            CryptoOptions {
                receiver_id: receiver_id.into(),
                max_clock_skew_secs: None,
            },
        )
    }

    /// Build with an explicit receiver id policy and an optional freshness window.
    ///
    /// ```
    /// use weixinkit::{CryptoOptions, MessageCrypto, ReceiverIdPolicy};
    /// let crypto = MessageCrypto::with_options(
    ///     "token",
    ///     "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    ///     CryptoOptions { receiver_id: ReceiverIdPolicy::Unchecked, max_clock_skew_secs: Some(300) },
    /// )?;
    /// # let _ = crypto;
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn with_options(
        token: &str,
        encoding_aes_key: &str,
        options: CryptoOptions,
    ) -> Result<Self> {
        let key = AesKey::from_encoding_aes_key(encoding_aes_key)?;
        if let ReceiverIdPolicy::AnyOf { ids } = &options.receiver_id {
            if ids.is_empty() {
                return Err(Error::InvalidInput {
                    code: codes::VALIDATE_RECEIVER_ID,
                    reason: "ReceiverIdPolicy::AnyOf needs at least one id".into(),
                });
            }
        }
        let max_clock_skew_secs = match options.max_clock_skew_secs {
            None => None,
            Some(secs) => Some(u64::try_from(secs).map_err(|_| Error::InvalidInput {
                code: codes::INVALID_ARGUMENT,
                reason: format!("max_clock_skew_secs {secs} is negative"),
            })?),
        };
        Ok(MessageCrypto {
            token: token.to_owned(),
            cipher: cipher::Cipher::new(&key),
            receiver_id: options.receiver_id,
            max_clock_skew_secs,
        })
    }

    /// The receiver id policy in force.
    ///
    /// ```
    /// # use weixinkit::{MessageCrypto, ReceiverIdPolicy};
    /// let c = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
    /// assert_eq!(c.receiver_id(), &ReceiverIdPolicy::from("wx1"));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn receiver_id(&self) -> &ReceiverIdPolicy {
        &self.receiver_id
    }

    /// Check `msg_signature` over `encrypt`, then decrypt it and return the message.
    ///
    /// ```
    /// # use weixinkit::MessageCrypto;
    /// let crypto = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
    /// let encrypt = crypto.encrypt("hello")?;
    /// let sig = weixinkit::msg_signature("t", "1700000000", "n", &encrypt);
    /// assert_eq!(crypto.decrypt(&sig, "1700000000", "n", &encrypt)?, "hello");
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn decrypt(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String> {
        self.decrypt_at(msg_signature, timestamp, nonce, encrypt, unix_now())
    }

    /// [`decrypt`](Self::decrypt) with the current time given (tests, replays). The time
    /// matters only when a freshness window is configured.
    ///
    /// ```
    /// use weixinkit::{msg_signature, CryptoOptions, Error, MessageCrypto};
    /// let c = MessageCrypto::with_options("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    ///     CryptoOptions { receiver_id: "wx1".into(), max_clock_skew_secs: Some(300) })?;
    /// let enc = c.encrypt("hi")?;
    /// let sig = msg_signature("t", "1700000000", "n", &enc);
    /// assert_eq!(c.decrypt_at(&sig, "1700000000", "n", &enc, 1700000100)?, "hi");
    /// let late = c.decrypt_at(&sig, "1700000000", "n", &enc, 1700000301).unwrap_err();
    /// assert!(matches!(late, Error::StaleTimestamp(_)));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn decrypt_at(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
        now_unix_secs: u64,
    ) -> Result<String> {
        if !signature::verify(&self.token, timestamp, nonce, encrypt, msg_signature) {
            return Err(Error::InvalidSignature);
        }
        self.check_fresh(timestamp, now_unix_secs)?;
        let msg = cipher::decrypt(&self.cipher, encrypt, &self.receiver_id)?;
        Ok(msg)
    }

    /// Decrypt a whole POST body: the XML envelope (`<xml>…<Encrypt>…</Encrypt></xml>`, the
    /// "compatible mode" one with plaintext fields beside it too) or the JSON one
    /// (`{"encrypt": …}` / `{"Encrypt": …}`).
    ///
    /// The receiver id is never taken from the envelope's `ToUserName`: only the policy counts.
    ///
    /// ```
    /// # use weixinkit::MessageCrypto;
    /// // Tencent's WeCom sample request (JSON envelope).
    /// let c = MessageCrypto::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let body = r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}"#;
    /// let plain = c.decrypt_body("0623cbc5a8cbee5bcc137c70de99575366fc2af3", "1409659813", "1372623149", body)?;
    /// assert!(plain.contains(r#""Content":"hello""#));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn decrypt_body(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> Result<String> {
        let encrypt = envelope::extract_encrypt(body)?;
        self.decrypt(msg_signature, timestamp, nonce, &encrypt)
    }

    /// [`decrypt_body`](Self::decrypt_body) then [`parse_message`].
    ///
    /// ```
    /// # use weixinkit::{Event, MessageCrypto};
    /// let c = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
    /// let xml = weixinkit::text_reply("gh_1", "openid", 1, "hello"); // any message will do
    /// let enc = c.encrypt(&xml)?;
    /// let sig = weixinkit::msg_signature("t", "1", "n", &enc);
    /// let body = format!("<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>");
    /// let m = c.decrypt_message(&sig, "1", "n", &body)?;
    /// assert!(matches!(m.event, Event::Text { ref content, .. } if content == "hello"));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn decrypt_message(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> Result<Message> {
        parse_message(&self.decrypt_body(msg_signature, timestamp, nonce, body)?)
    }

    /// WeCom URL verification: check `msg_signature` over `echostr` (already URL-decoded),
    /// decrypt it and return the plaintext to answer with.
    ///
    /// ```
    /// # use weixinkit::MessageCrypto;
    /// // Tencent's published WeCom sample request.
    /// let c = MessageCrypto::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let echo = c.verify_url("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
    ///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")?;
    /// assert_eq!(echo, "1616140317555161061");
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<String> {
        self.decrypt(msg_signature, timestamp, nonce, echostr)
    }

    /// Encrypt `plaintext` with a fresh random prefix; returns the base64 `Encrypt` value.
    ///
    /// ```
    /// # use weixinkit::MessageCrypto;
    /// let c = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
    /// assert_ne!(c.encrypt("same")?, c.encrypt("same")?); // random prefix
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn encrypt(&self, plaintext: &str) -> Result<String> {
        self.encrypt_with_random(plaintext, fresh_prefix()?)
    }

    /// Encrypt with a given 16-byte random prefix. Only for reproducing test vectors: a
    /// reused prefix makes equal messages encrypt equally.
    #[doc(hidden)]
    pub fn encrypt_with_random(&self, plaintext: &str, random: [u8; 16]) -> Result<String> {
        let id = self.receiver_id.reply_id()?;
        Ok(cipher::encrypt(
            &self.cipher,
            plaintext.as_bytes(),
            id.as_bytes(),
            random,
        ))
    }

    /// Encrypt a passive reply and wrap it in the XML envelope WeChat expects.
    ///
    /// ```
    /// # use weixinkit::MessageCrypto;
    /// let c = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
    /// let env = c.encrypt_reply("<xml>…</xml>", "1409304348", "xxxxxx")?;
    /// let f = weixinkit::message::parse_fields(&env)?;
    /// let sig = f.get("MsgSignature").unwrap();
    /// assert_eq!(c.decrypt_body(sig, "1409304348", "xxxxxx", &env)?, "<xml>…</xml>");
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn encrypt_reply(&self, plaintext: &str, timestamp: &str, nonce: &str) -> Result<String> {
        let mut out = String::new();
        self.encrypt_reply_into(&mut out, plaintext, timestamp, nonce)?;
        Ok(out)
    }

    /// [`encrypt_reply`](Self::encrypt_reply), appended to `out`: the ciphertext is encoded
    /// straight into the envelope, which is every passive answer's path (the C ABI hands `out`
    /// over without a copy).
    pub(crate) fn encrypt_reply_into(
        &self,
        out: &mut String,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<()> {
        let id = self.receiver_id.reply_id()?;
        let random = fresh_prefix()?;
        let encrypted_len = cipher::encrypted_len(plaintext.len(), id.len());
        // The envelope's own text is 187 bytes with the signature; one more for a C caller's NUL.
        out.reserve(encrypted_len.div_ceil(3) * 4 + timestamp.len() + nonce.len() + 200);
        envelope::xml_reply_into(
            out,
            |out| {
                cipher::encrypt_append(
                    &self.cipher,
                    plaintext.as_bytes(),
                    id.as_bytes(),
                    random,
                    out,
                )
            },
            |encrypt| msg_signature(&self.token, timestamp, nonce, encrypt),
            timestamp,
            nonce,
        );
        Ok(())
    }

    /// Encrypt a passive reply into the JSON envelope
    /// (`{"encrypt","msgsignature","timestamp","nonce"}`).
    ///
    /// ```
    /// # use weixinkit::MessageCrypto;
    /// let c = MessageCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "ww1")?;
    /// let env = c.encrypt_reply_json(r#"{"MsgType":"text"}"#, "1", "n")?;
    /// let f = weixinkit::message::parse_fields(&env)?;
    /// assert_eq!(f.get("timestamp"), Some("1"));
    /// assert_eq!(c.decrypt_body(f.get("msgsignature").unwrap(), "1", "n", &env)?, r#"{"MsgType":"text"}"#);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn encrypt_reply_json(
        &self,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<String> {
        let encrypt = self.encrypt(plaintext)?;
        let signature = msg_signature(&self.token, timestamp, nonce, &encrypt);
        envelope::json_reply(&encrypt, &signature, timestamp, nonce)
    }

    fn check_fresh(&self, timestamp: &str, now: u64) -> Result<()> {
        let Some(window) = self.max_clock_skew_secs else {
            return Ok(());
        };
        let ts: u64 = timestamp.parse().map_err(|_| {
            Error::StaleTimestamp(format!("timestamp {timestamp:?} is not a number"))
        })?;
        let skew = now.abs_diff(ts);
        if skew > window {
            return Err(Error::StaleTimestamp(format!(
                "timestamp {ts} is {skew} s from now, more than the allowed {window} s"
            )));
        }
        Ok(())
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

    fn crypto(policy: ReceiverIdPolicy, window: Option<i64>) -> MessageCrypto {
        MessageCrypto::with_options(
            "QDG6eK",
            KEY,
            CryptoOptions {
                receiver_id: policy,
                max_clock_skew_secs: window,
            },
        )
        .unwrap()
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = crypto("wx1".into(), None);
        let shown = format!("{c:?}");
        assert!(!shown.contains("QDG6eK"), "{shown}");
        assert!(!shown.contains("jWmYm7"), "{shown}");
        assert!(shown.contains("wx1"));
    }

    #[test]
    fn any_of_accepts_each_listed_id_and_replies_with_the_first() {
        let suite = crypto(
            ReceiverIdPolicy::AnyOf {
                ids: vec!["suite".into(), "corp".into()],
            },
            None,
        );
        for id in ["suite", "corp"] {
            let sender = crypto(id.into(), None);
            let enc = sender.encrypt("m").unwrap();
            let sig = msg_signature("QDG6eK", "1", "n", &enc);
            assert_eq!(suite.decrypt(&sig, "1", "n", &enc).unwrap(), "m");
        }
        let enc = suite.encrypt("r").unwrap();
        let only_suite = crypto("suite".into(), None);
        let sig = msg_signature("QDG6eK", "1", "n", &enc);
        assert_eq!(only_suite.decrypt(&sig, "1", "n", &enc).unwrap(), "r");
    }

    #[test]
    fn empty_any_of_is_rejected_at_construction() {
        let err = MessageCrypto::with_options(
            "t",
            KEY,
            CryptoOptions {
                receiver_id: ReceiverIdPolicy::AnyOf { ids: vec![] },
                max_clock_skew_secs: None,
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), "invalid_input");
    }

    #[test]
    fn unchecked_accepts_any_id_but_cannot_reply() {
        let any = crypto(ReceiverIdPolicy::Unchecked, None);
        let enc = crypto("whoever".into(), None).encrypt("m").unwrap();
        let sig = msg_signature("QDG6eK", "1", "n", &enc);
        assert_eq!(any.decrypt(&sig, "1", "n", &enc).unwrap(), "m");
        assert_eq!(any.encrypt_reply("x", "1", "n").unwrap_err().code(), -40006);
    }

    #[test]
    fn empty_receiver_id_means_expect_empty() {
        let bot = crypto("".into(), None);
        let enc = bot.encrypt("m").unwrap();
        let sig = msg_signature("QDG6eK", "1", "n", &enc);
        assert_eq!(bot.decrypt(&sig, "1", "n", &enc).unwrap(), "m");
        let err = crypto("wx1".into(), None)
            .decrypt(&sig, "1", "n", &enc)
            .unwrap_err();
        assert!(matches!(err, Error::ReceiverIdMismatch { .. }));
    }

    #[test]
    fn freshness_window_rejects_old_and_future_timestamps() {
        let c = crypto("wx1".into(), Some(300));
        let enc = c.encrypt("m").unwrap();
        for (ts, now, ok) in [
            ("1000", 1000, true),
            ("1000", 1300, true),
            ("1000", 1301, false),
            ("1400", 1000, false),
            ("x", 0, false),
        ] {
            let sig = msg_signature("QDG6eK", ts, "n", &enc);
            let got = c.decrypt_at(&sig, ts, "n", &enc, now);
            assert_eq!(got.is_ok(), ok, "ts={ts} now={now}: {got:?}");
            if !ok {
                assert!(matches!(got.unwrap_err(), Error::StaleTimestamp(_)));
            }
        }
    }

    #[test]
    fn signature_is_checked_before_the_window() {
        let c = crypto("wx1".into(), Some(1));
        let enc = c.encrypt("m").unwrap();
        let err = c.decrypt_at("0000", "5", "n", &enc, 1_000_000).unwrap_err();
        assert_eq!(err, Error::InvalidSignature);
    }
}
