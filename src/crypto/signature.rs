//! SHA-1 signatures over sorted parameters, compared in constant time.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

fn sha1_sorted_hex(parts: &mut [&str]) -> [u8; 40] {
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts.iter() {
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = [0u8; 40];
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in digest.iter().enumerate() {
        hex[2 * i] = DIGITS[usize::from(byte >> 4)];
        hex[2 * i + 1] = DIGITS[usize::from(byte & 0x0f)];
    }
    hex
}

fn ct_eq_hex(expected: &[u8; 40], given: &str) -> bool {
    // Length is public (always 40); the content comparison is constant-time.
    given.len() == 40 && bool::from(expected.ct_eq(given.as_bytes()))
}

/// `msg_signature`: lowercase SHA-1 hex of the sorted [token, timestamp, nonce, encrypt].
///
/// ```
/// let sig = weixinkit::msg_signature("QDG6eK", "1409659589", "263014780",
///     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==");
/// assert_eq!(sig, "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
/// ```
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    let hex = sha1_sorted_hex(&mut [token, timestamp, nonce, encrypt]);
    String::from_utf8(hex.to_vec()).expect("hex is ASCII")
}

pub(crate) fn verify(
    token: &str,
    timestamp: &str,
    nonce: &str,
    encrypt: &str,
    given: &str,
) -> bool {
    ct_eq_hex(
        &sha1_sorted_hex(&mut [token, timestamp, nonce, encrypt]),
        given,
    )
}

/// The plain Official Account server check: `signature` is the SHA-1 hex of the sorted
/// [token, timestamp, nonce]. Constant-time; answer with `echostr` unchanged only when true.
///
/// ```
/// assert!(weixinkit::check_signature(
///     "spamtest", "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a", "1409735669", "1320562132"));
/// assert!(!weixinkit::check_signature("spamtest", "0", "1409735669", "1320562132"));
/// ```
pub fn check_signature(token: &str, signature: &str, timestamp: &str, nonce: &str) -> bool {
    ct_eq_hex(&sha1_sorted_hex(&mut [token, timestamp, nonce]), signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercase_or_truncated_signatures_are_rejected() {
        let sig = msg_signature("a", "b", "c", "d");
        assert!(verify("a", "b", "c", "d", &sig));
        assert!(!verify("a", "b", "c", "d", &sig.to_uppercase()));
        assert!(!verify("a", "b", "c", "d", &sig[..39]));
        assert!(!verify("a", "b", "c", "d", ""));
    }

    #[test]
    fn parameters_are_sorted_not_concatenated_in_order() {
        assert_eq!(
            msg_signature("a", "b", "c", "d"),
            msg_signature("d", "c", "b", "a")
        );
    }
}
