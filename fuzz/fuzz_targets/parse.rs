//! Any document through parse_message: a typed event or a parse error, never a panic; a
//! parsed document's fields must survive a text reply round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weixinkit::{parse_message, text_reply, Error};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = std::str::from_utf8(data) else { return };
    match parse_message(doc) {
        Ok(m) => {
            let content = m.field("Content").unwrap_or_default();
            let back = parse_message(&text_reply("a", "b", 1, content)).unwrap();
            assert_eq!(back.field("Content"), Some(content));
        }
        Err(e) => assert!(matches!(e, Error::Parse(_)), "{e:?}"),
    }
});
