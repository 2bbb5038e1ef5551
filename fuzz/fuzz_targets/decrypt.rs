//! Any POST body and query through verify + decrypt + parse: errors are fine, panics are not.
//! Half the inputs are signed correctly so the fuzzer gets past the signature check and
//! reaches base64, AES, padding, the length field and the receiver id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weixinkit::{msg_signature, CryptoOptions, MessageCrypto, ReceiverIdPolicy};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let crypto = MessageCrypto::with_options(
        "token",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        CryptoOptions {
            receiver_id: if mode & 2 == 0 { "wx1".into() } else { ReceiverIdPolicy::Unchecked },
            max_clock_skew_secs: None,
        },
    )
    .unwrap();
    if mode & 1 == 0 {
        // The input is the Encrypt value itself, correctly signed.
        let sig = msg_signature("token", "1", "n", &text);
        let _ = crypto.decrypt(&sig, "1", "n", &text);
        // And wrapped in both envelopes.
        let _ = crypto.decrypt_message(&sig, "1", "n", &format!("<xml><Encrypt><![CDATA[{text}]]></Encrypt></xml>"));
        let _ = crypto.decrypt_body(&sig, "1", "n", &format!("{{\"encrypt\":{:?}}}", text));
    } else {
        // The input is a whole body; the signature is whatever it is.
        let _ = crypto.decrypt_message("0000000000000000000000000000000000000000", "1", "n", &text);
    }
    // Round trip must always hold.
    let wx = MessageCrypto::new("token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1").unwrap();
    let enc = wx.encrypt(&text).unwrap();
    let sig = msg_signature("token", "1", "n", &enc);
    assert_eq!(wx.decrypt(&sig, "1", "n", &enc).unwrap(), text);
});
