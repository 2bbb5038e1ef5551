//! AES-256-CBC over `random(16) ‖ len_be32 ‖ msg ‖ receiver_id ‖ PKCS#7-to-32 pad`.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use base64_simd::STANDARD;

use super::key::AesKey;
use super::ReceiverIdPolicy;
use crate::error::{Error, Result};

/// WeChat pads to 32 bytes, not to the 16-byte AES block.
pub(crate) const BLOCK: usize = 32;

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

/// The expanded AES-256 key schedule and the IV, computed once per [`super::MessageCrypto`].
#[derive(Clone)]
pub(crate) struct Cipher {
    aes: aes::Aes256,
    iv: [u8; 16],
}

impl Cipher {
    pub(crate) fn new(key: &AesKey) -> Self {
        Cipher {
            aes: aes::Aes256::new(&key.0.into()),
            iv: key.iv(),
        }
    }

    fn decryptor(&self) -> Decryptor {
        Decryptor::inner_iv_init(self.aes.clone(), &self.iv.into())
    }

    fn encryptor(&self) -> Encryptor {
        Encryptor::inner_iv_init(self.aes.clone(), &self.iv.into())
    }
}

pub(crate) fn decrypt(
    cipher: &Cipher,
    encrypt: &str,
    receiver: &ReceiverIdPolicy,
) -> Result<String> {
    // Strict base64: standard alphabet, canonical padding, no stray bits.
    let mut buf = STANDARD
        .decode_to_vec(encrypt)
        .map_err(|_| Error::InvalidBase64)?;
    if buf.is_empty() || buf.len() % BLOCK != 0 {
        return Err(Error::InvalidCiphertext(buf.len()));
    }
    let len = buf.len();
    cipher
        .decryptor()
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| Error::InvalidCiphertext(len))?;
    let pad = usize::from(buf[len - 1]);
    if pad == 0 || pad > BLOCK || buf[len - pad..len].iter().any(|&b| usize::from(b) != pad) {
        return Err(Error::InvalidPadding);
    }
    let content = &buf[..len - pad];
    if content.len() < 20 {
        return Err(Error::InvalidBuffer("shorter than the 20-byte header"));
    }
    let msg_len = u32::from_be_bytes(content[16..20].try_into().expect("4 bytes")) as usize;
    let rest = &content[20..];
    if msg_len > rest.len() {
        return Err(Error::InvalidBuffer("length field exceeds the buffer"));
    }
    let actual_id = &rest[msg_len..];
    if !receiver.accepts(actual_id) {
        return Err(Error::ReceiverIdMismatch {
            actual: String::from_utf8_lossy(actual_id).into_owned(),
            expected: receiver.describe(),
        });
    }
    // Reuse the buffer for the message: drop the id and padding, then the 20-byte header.
    buf.truncate(20 + msg_len);
    buf.drain(..20);
    String::from_utf8(buf).map_err(|_| Error::InvalidBuffer("message is not UTF-8"))
}

/// The ciphertext's length in bytes for a message and receiver id of these lengths: the
/// 20-byte header and both, padded to the next multiple of 32 (a whole block of padding when
/// already aligned).
pub(crate) fn encrypted_len(msg_len: usize, receiver_id_len: usize) -> usize {
    let body = 16 + 4 + msg_len + receiver_id_len;
    body + (BLOCK - body % BLOCK)
}

/// The base64 ciphertext, appended to `out`.
pub(crate) fn encrypt_append(
    cipher: &Cipher,
    msg: &[u8],
    receiver_id: &[u8],
    random: [u8; 16],
    out: &mut String,
) {
    let body = 16 + 4 + msg.len() + receiver_id.len();
    let total = encrypted_len(msg.len(), receiver_id.len());
    let pad = total - body; // 1..=32
    let mut buf = Vec::with_capacity(total);
    buf.extend_from_slice(&random);
    // WeChat messages are far below 4 GiB; a longer one cannot be represented at all.
    let msg_len = u32::try_from(msg.len()).expect("message longer than 4 GiB");
    buf.extend_from_slice(&msg_len.to_be_bytes());
    buf.extend_from_slice(msg);
    buf.extend_from_slice(receiver_id);
    buf.resize(total, pad as u8);
    cipher
        .encryptor()
        .encrypt_padded_mut::<NoPadding>(&mut buf, total)
        .expect("buffer is a whole number of blocks");
    STANDARD.encode_append(&buf, out);
}

pub(crate) fn encrypt(cipher: &Cipher, msg: &[u8], receiver_id: &[u8], random: [u8; 16]) -> String {
    let mut out = String::new();
    encrypt_append(cipher, msg, receiver_id, random, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Cipher {
        Cipher::new(
            &AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap(),
        )
    }

    /// Encrypt raw plaintext bytes (already padded) to craft malformed buffers.
    fn raw(bytes: &[u8]) -> String {
        let mut buf = bytes.to_vec();
        let n = buf.len();
        key()
            .encryptor()
            .encrypt_padded_mut::<NoPadding>(&mut buf, n)
            .unwrap();
        STANDARD.encode_to_string(buf)
    }

    fn open(enc: &str) -> Result<String> {
        decrypt(&key(), enc, &ReceiverIdPolicy::from("id"))
    }

    #[test]
    fn pad_is_between_1_and_32_for_every_length() {
        for n in 0..100 {
            let msg = "x".repeat(n);
            let enc = encrypt(&key(), msg.as_bytes(), b"id", [7; 16]);
            let len = STANDARD.decode_to_vec(&enc).unwrap().len();
            assert_eq!(len % 32, 0);
            let pad = len - (20 + n + 2);
            assert!((1..=32).contains(&pad), "n={n} pad={pad}");
            assert_eq!(open(&enc).unwrap(), msg);
        }
    }

    #[test]
    fn inconsistent_pad_bytes_are_rejected() {
        let mut block = [0u8; 32];
        block[16..20].copy_from_slice(&2u32.to_be_bytes());
        block[20..22].copy_from_slice(b"hi");
        block[22..24].copy_from_slice(b"id");
        block[24..32].copy_from_slice(&[8, 8, 8, 8, 8, 8, 7, 8]);
        assert_eq!(open(&raw(&block)), Err(Error::InvalidPadding));
        block[24..32].copy_from_slice(&[8; 8]);
        assert_eq!(open(&raw(&block)).unwrap(), "hi");
    }

    #[test]
    fn length_field_past_the_end_is_rejected() {
        let mut block = [30u8; 64];
        block[..16].copy_from_slice(&[1; 16]);
        block[16..20].copy_from_slice(&1000u32.to_be_bytes());
        assert!(matches!(open(&raw(&block)), Err(Error::InvalidBuffer(_))));
    }

    #[test]
    fn buffer_shorter_than_header_is_rejected() {
        let block = [20u8; 32]; // 12 bytes remain after the pad
        assert!(matches!(open(&raw(&block)), Err(Error::InvalidBuffer(_))));
    }

    #[test]
    fn non_utf8_message_is_rejected() {
        let mut block = [0u8; 32];
        block[16..20].copy_from_slice(&2u32.to_be_bytes());
        block[20..22].copy_from_slice(&[0xff, 0xfe]);
        block[22..24].copy_from_slice(b"id");
        block[24..32].copy_from_slice(&[8; 8]);
        assert_eq!(
            open(&raw(&block)),
            Err(Error::InvalidBuffer("message is not UTF-8"))
        );
    }

    #[test]
    fn sixteen_byte_multiples_and_empty_input_are_rejected() {
        assert_eq!(open(""), Err(Error::InvalidCiphertext(0)));
        assert_eq!(
            open(&STANDARD.encode_to_string([0u8; 48])),
            Err(Error::InvalidCiphertext(48))
        );
        assert_eq!(open("not base64!"), Err(Error::InvalidBase64));
        // Non-canonical trailing bits are a base64 error, not silently accepted.
        assert_eq!(open("AB=="), Err(Error::InvalidBase64));
    }
}
