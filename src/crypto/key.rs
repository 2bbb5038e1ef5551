//! EncodingAESKey → 32-byte AES key.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use crate::error::{Error, Result};

/// Standard alphabet, canonical padding, but tolerant of non-zero unused bits in the last
/// character: WeChat generates EncodingAESKeys whose 43rd character carries such bits.
const LENIENT_TAIL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// The 32-byte AES-256 key; its first 16 bytes are the CBC IV. `Debug` never shows it.
///
/// ```
/// use weixinkit::crypto::AesKey;
/// let key = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
/// assert_eq!(format!("{key:?}"), "AesKey(<redacted>)");
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey(pub(crate) [u8; 32]);

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(<redacted>)")
    }
}

impl AesKey {
    /// Decode a 43-character EncodingAESKey (strict everywhere but the last character's
    /// unused bits).
    ///
    /// ```
    /// use weixinkit::crypto::AesKey;
    /// // "G" carries non-zero unused bits; the canonical form ends in "E".
    /// let lenient = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
    /// let canonical = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFE")?;
    /// assert_eq!(lenient, canonical);
    /// assert!(AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDE-G").is_err());
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self> {
        if encoding_aes_key.len() != 43 {
            return Err(Error::InvalidAesKey("must be exactly 43 characters"));
        }
        let mut padded = [0u8; 44];
        padded[..43].copy_from_slice(encoding_aes_key.as_bytes());
        padded[43] = b'=';
        let mut key = [0u8; 33];
        match LENIENT_TAIL.decode_slice(padded, &mut key) {
            Ok(32) => Ok(AesKey(key[..32].try_into().expect("32 bytes"))),
            _ => Err(Error::InvalidAesKey("not base64 of 32 bytes")),
        }
    }

    /// The raw key bytes.
    ///
    /// ```
    /// # use weixinkit::crypto::AesKey;
    /// let key = AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
    /// assert_eq!(key.as_bytes()[..4], [0x69, 0xb7, 0x1d, 0x79]);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub(crate) fn iv(&self) -> [u8; 16] {
        self.0[..16].try_into().expect("16 bytes")
    }
}

/// Decode an EncodingAESKey into the 32-byte AES key.
///
/// ```
/// let key = weixinkit::decode_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
/// assert_eq!(key[0], 0x69);
/// assert!(weixinkit::decode_aes_key("abc").is_err());
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn decode_aes_key(encoding_aes_key: &str) -> Result<[u8; 32]> {
    AesKey::from_encoding_aes_key(encoding_aes_key).map(|k| k.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_lengths_and_alphabets() {
        for bad in [
            "",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2", // 42
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2CC", // 44
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2!", // bad char
            "jWmYm7qr5nMoAUwZ-jGtBxmz3KA1tkAj3ykkR6q2B2C", // url-safe char
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B=C", // padding inside
        ] {
            assert!(
                matches!(
                    AesKey::from_encoding_aes_key(bad),
                    Err(Error::InvalidAesKey(_))
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn multibyte_input_of_43_bytes_is_rejected_not_panicking() {
        let s = "é".repeat(21) + "a"; // 43 bytes, not base64
        assert!(AesKey::from_encoding_aes_key(&s).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let k =
            AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
        assert_eq!(format!("{k:?}"), "AesKey(<redacted>)");
    }
}
