//! WXBizMsgCrypt as WeChat's servers use it to encrypt pushes: AES-256-CBC (IV = first 16 key
//! bytes), PKCS#7 padding to 32 bytes, `random(16) ‖ len_be32 ‖ msg ‖ receiver_id`, and the
//! SHA-1 signatures over the sorted parts.
//!
//! Written independently of `weixinkit::crypto` on purpose: the sim is the other side of the
//! wire, so a bug shared by encrypt and decrypt in the library cannot hide behind it.

use aes::Aes256;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha1::{Digest, Sha1};

/// Real EncodingAESKeys often have non-zero unused bits in their last character.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Decode a 43-character EncodingAESKey into the 32-byte AES key.
///
/// ```
/// let key = weixinkit_sim::crypto::decode_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
/// assert_eq!(key.len(), 32);
/// assert!(weixinkit_sim::crypto::decode_aes_key("short").is_err());
/// ```
pub fn decode_aes_key(encoding_aes_key: &str) -> Result<[u8; 32], String> {
    if encoding_aes_key.len() != 43 {
        return Err(format!(
            "EncodingAESKey must be 43 characters, got {}",
            encoding_aes_key.len()
        ));
    }
    let bytes = LENIENT
        .decode(format!("{encoding_aes_key}="))
        .map_err(|e| format!("EncodingAESKey is not base64: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| "EncodingAESKey does not decode to 32 bytes".to_string())
}

/// SHA-1 hex of the sorted, concatenated parts (both WeChat signatures).
///
/// ```
/// // Tencent's plain Official Account sample.
/// assert_eq!(
///     weixinkit_sim::crypto::sha1_sorted(&["spamtest", "1409735669", "1320562132"]),
///     "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"
/// );
/// ```
pub fn sha1_sorted(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// WXBizMsgCrypt for one account: token, AES key and receiver id (the component appid for
/// Open Platform pushes).
#[derive(Clone)]
pub struct PushCrypto {
    token: String,
    key: [u8; 32],
    receiver_id: String,
}

impl std::fmt::Debug for PushCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushCrypto")
            .field("receiver_id", &self.receiver_id)
            .finish_non_exhaustive()
    }
}

impl PushCrypto {
    /// Fails unless `encoding_aes_key` is a valid 43-character key.
    pub fn new(token: &str, encoding_aes_key: &str, receiver_id: &str) -> Result<Self, String> {
        Ok(PushCrypto {
            token: token.to_owned(),
            key: decode_aes_key(encoding_aes_key)?,
            receiver_id: receiver_id.to_owned(),
        })
    }

    /// Encrypt with a fresh random prefix; returns the base64 `Encrypt` value.
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut random = [0u8; 16];
        crate::fill_random(&mut random);
        self.encrypt_with_random(plaintext, random)
    }

    /// Encrypt with a given 16-byte prefix (test vectors only).
    pub fn encrypt_with_random(&self, plaintext: &str, random: [u8; 16]) -> String {
        let msg = plaintext.as_bytes();
        let mut buf = Vec::with_capacity(20 + msg.len() + self.receiver_id.len() + 32);
        buf.extend_from_slice(&random);
        buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.receiver_id.as_bytes());
        let pad = 32 - buf.len() % 32;
        buf.resize(buf.len() + pad, pad as u8);
        let len = buf.len();
        cbc::Encryptor::<Aes256>::new_from_slices(&self.key, &self.key[..16])
            .expect("32-byte key, 16-byte IV")
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .expect("buffer is a whole number of blocks");
        STANDARD.encode(buf)
    }

    /// Decrypt an `Encrypt` value into (message, receiver id). For tests and debugging.
    pub fn decrypt(&self, encrypt: &str) -> Result<(String, String), String> {
        let mut buf = STANDARD
            .decode(encrypt)
            .map_err(|e| format!("base64: {e}"))?;
        if buf.is_empty() || buf.len() % 32 != 0 {
            return Err("ciphertext length is not a positive multiple of 32".into());
        }
        let plain = cbc::Decryptor::<Aes256>::new_from_slices(&self.key, &self.key[..16])
            .expect("32-byte key, 16-byte IV")
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| "AES decrypt failed".to_string())?;
        let pad = *plain.last().unwrap_or(&0) as usize;
        if pad == 0 || pad > 32 || pad > plain.len() {
            return Err("bad padding".into());
        }
        let plain = &plain[..plain.len() - pad];
        if plain.len() < 20 {
            return Err("decrypted buffer too short".into());
        }
        let len = u32::from_be_bytes([plain[16], plain[17], plain[18], plain[19]]) as usize;
        let rest = &plain[20..];
        if len > rest.len() {
            return Err("length field too large".into());
        }
        let msg = String::from_utf8(rest[..len].to_vec()).map_err(|_| "message is not UTF-8")?;
        let id = String::from_utf8(rest[len..].to_vec()).map_err(|_| "receiver id is not UTF-8")?;
        Ok((msg, id))
    }

    /// `msg_signature` = sha1(sorted[token, timestamp, nonce, encrypt]).
    pub fn msg_signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        sha1_sorted(&[&self.token, timestamp, nonce, encrypt])
    }

    /// The plain `signature` = sha1(sorted[token, timestamp, nonce]).
    pub fn signature(&self, timestamp: &str, nonce: &str) -> String {
        sha1_sorted(&[&self.token, timestamp, nonce])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tencent's Java sample (WxJava WxCryptUtilTest.testAesEncrypt), also in
    /// shared/vectors/crypto.json as `tencent-java-sample-encrypt-1`.
    #[test]
    fn matches_tencent_java_sample() {
        let c = PushCrypto::new(
            "pamtest",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "wxb11529c136998cb6",
        )
        .unwrap();
        let enc = c.encrypt_with_random("我是中文abcd123", *b"aaaabbbbccccdddd");
        assert_eq!(
            enc,
            "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
        );
        assert_eq!(
            c.msg_signature("1409304348", "xxxxxx", &enc),
            "82c962d39941aa48552f90ef55aa323dc620cc10"
        );
        assert_eq!(
            c.decrypt(&enc).unwrap(),
            (
                "我是中文abcd123".to_string(),
                "wxb11529c136998cb6".to_string()
            )
        );
    }

    /// shared/vectors/perf-push.json: a component_verify_ticket push, byte for byte.
    #[test]
    fn decrypts_the_perf_push_vector() {
        let c = PushCrypto::new(
            "perfAnchorToken2024",
            "6KdnFpAAr0zwIRN4HbCKIPWMkYCZ/fsCOzvuAHp6q98",
            "wx3c8d9a1b2e4f5a6b",
        )
        .unwrap();
        let enc = "8wo2CmjqvGgCFIpyb0NWP+FgJChaNwzkU2pU4WjLbp6RwLfK3Gz6Dlyw/zsJoZUbd/nvNAFVL7iNr8Vrn/331a9CjimdMh/rTj6m0fka06r2GzwVwd7YXa5w2RSF+5IWnvjGk0gA9srQuFIoqNzXwZNSfmAbhtxrcdXvDoc2tyiLgUwpqyQ22UhiLVYYXIvkD8RH4DLVF4zzjBqPoreZZz/TYpHP6JKL/Fh53O5jh1TAXJeD3sqpD1m/2Y7sNLaEX/yUmVJTT7dIcwtYY9xZflVH4jgz7f0BF6XT4zVsp6nBvM5pWIJqT6NfjqySHmvwWsxlYHXuTFmkc8IdNXPGhCilXCY9cP7fgHR7ZfsmHvO1nc2KOK/QNnFnyatVMPdA4x6l/HJyKIIKAw9hcaF/hn0n4IU5viXJM0jxZnv91GfTGarXGmTbpzz7rhxvD69Pf2X/Yz3tMkX0Df+OuW6roRM5t3h+e0aCsxpwBxON77FCfKZSic5lCedcNA++bbIA";
        assert_eq!(
            c.msg_signature("1713424800", "1320562132", enc),
            "b0dc0528bc56cccfa981624f7048d9dd350fe831"
        );
        let (msg, id) = c.decrypt(enc).unwrap();
        assert_eq!(id, "wx3c8d9a1b2e4f5a6b");
        assert!(msg.starts_with("<xml><AppId><![CDATA[wx3c8d9a1b2e4f5a6b]]></AppId><CreateTime>1713424800</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType>"));
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(PushCrypto::new("t", "abc", "wx").is_err());
        assert!(PushCrypto::new("t", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!", "wx").is_err());
    }
}
