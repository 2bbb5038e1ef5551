//! A parsed message as a flat list of items for C callers that build their own values (the
//! PHP extension builds PHP arrays from it), instead of JSON text they would parse again.
//!
//! The event is written by a small serde serializer, so the items follow exactly the shape
//! (and key order) the JSON of `wxk_parse_message` has: an `Object` item opens the event,
//! each member is one item (or an `Object` / `List` ... `End` run), `End` closes it. Then come
//! the fields, one `Field` item per leaf in document order (`key` the path, `str` the text).
//!
//! Every string lives in one byte arena owned by the [`FlatMessage`], so a message is three
//! allocations whatever its size; the items point into the arena once it has stopped growing.

use std::ffi::c_char;

use serde::ser::{self, Serialize};

use super::capi::{WxkItem, WxkItemKind};
use crate::Message;

/// An item before the arena is final: offsets instead of pointers.
struct Raw {
    kind: WxkItemKind,
    key: Option<(usize, usize)>,
    text: (usize, usize),
    int_value: i64,
    float_value: f64,
}

/// The items and the bytes they point into; `items` is valid as long as this lives.
pub struct FlatMessage {
    items: Vec<WxkItem>,
    _arena: Vec<u8>,
}

impl FlatMessage {
    pub fn items(&self) -> &[WxkItem] {
        &self.items
    }
}

#[derive(Debug)]
pub struct FlatError(String);

impl std::fmt::Display for FlatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlatError {}

impl ser::Error for FlatError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        FlatError(msg.to_string())
    }
}

#[derive(Default)]
struct Flattener {
    raw: Vec<Raw>,
    arena: Vec<u8>,
    /// The member name the next value gets (set by a struct field or a map key).
    key: Option<(usize, usize)>,
    /// A map key is being serialized: the next string (or number) is the key.
    in_key: bool,
}

impl Flattener {
    fn bytes(&mut self, s: &[u8]) -> (usize, usize) {
        let start = self.arena.len();
        self.arena.extend_from_slice(s);
        (start, s.len())
    }

    fn push(&mut self, kind: WxkItemKind, text: (usize, usize), int_value: i64, float_value: f64) {
        let key = self.key.take();
        self.raw.push(Raw {
            kind,
            key,
            text,
            int_value,
            float_value,
        });
    }

    fn scalar(
        &mut self,
        kind: WxkItemKind,
        int_value: i64,
        float_value: f64,
    ) -> Result<(), FlatError> {
        if self.in_key {
            return Err(FlatError("a map key that is not a string".into()));
        }
        self.push(kind, (0, 0), int_value, float_value);
        Ok(())
    }

    fn text(&mut self, s: &str) -> Result<(), FlatError> {
        let span = self.bytes(s.as_bytes());
        if self.in_key {
            self.key = Some(span);
            return Ok(());
        }
        self.push(WxkItemKind::String, span, 0, 0.0);
        Ok(())
    }

    fn open(&mut self, kind: WxkItemKind) -> Result<&mut Self, FlatError> {
        self.scalar(kind, 0, 0.0)?;
        Ok(self)
    }

    fn close(&mut self) -> Result<(), FlatError> {
        self.key = None;
        self.push(WxkItemKind::End, (0, 0), 0, 0.0);
        Ok(())
    }

    fn finish(self) -> FlatMessage {
        let base = self.arena.as_ptr();
        let at = |(start, len): (usize, usize)| -> (*const c_char, usize) {
            // SAFETY: every span was cut from `arena`, so start + len stays inside it.
            (unsafe { base.add(start) }.cast(), len)
        };
        let items = self
            .raw
            .iter()
            .map(|r| {
                let (key, key_len) = r.key.map(at).unwrap_or((std::ptr::null(), 0));
                let (str_ptr, str_len) = at(r.text);
                WxkItem {
                    kind: r.kind,
                    key,
                    key_len,
                    str: str_ptr,
                    str_len,
                    int_value: r.int_value,
                    float_value: r.float_value,
                }
            })
            .collect();
        FlatMessage {
            items,
            _arena: self.arena,
        }
    }
}

/// The message as items: the event (`Object` ... `End`), then one `Field` per leaf.
pub fn flatten(message: &Message) -> Result<FlatMessage, FlatError> {
    let mut f = Flattener {
        raw: Vec::with_capacity(16 + message.fields.len()),
        arena: Vec::with_capacity(512),
        ..Flattener::default()
    };
    message.event.serialize(&mut f)?;
    for (path, text) in message.fields.iter() {
        let key = f.bytes(path.as_bytes());
        let text = f.bytes(text.as_bytes());
        f.raw.push(Raw {
            kind: WxkItemKind::Field,
            key: Some(key),
            text,
            int_value: 0,
            float_value: 0.0,
        });
    }
    Ok(f.finish())
}

impl ser::Serializer for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), FlatError> {
        self.scalar(WxkItemKind::Bool, i64::from(v), 0.0)
    }
    fn serialize_i8(self, v: i8) -> Result<(), FlatError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), FlatError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), FlatError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), FlatError> {
        if self.in_key {
            return self.text(&v.to_string());
        }
        self.scalar(WxkItemKind::Int, v, 0.0)
    }
    fn serialize_u8(self, v: u8) -> Result<(), FlatError> {
        self.serialize_i64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), FlatError> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), FlatError> {
        self.serialize_i64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), FlatError> {
        match i64::try_from(v) {
            Ok(v) => self.serialize_i64(v),
            // As PHP's json_decode reads an integer beyond PHP_INT_MAX.
            Err(_) => self.serialize_f64(v as f64),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), FlatError> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), FlatError> {
        // serde_json writes a non-finite number as null.
        if v.is_finite() {
            self.scalar(WxkItemKind::Float, 0, v)
        } else {
            self.scalar(WxkItemKind::Null, 0, 0.0)
        }
    }
    fn serialize_char(self, v: char) -> Result<(), FlatError> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), FlatError> {
        self.text(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), FlatError> {
        Err(FlatError("bytes are not supported".into()))
    }
    fn serialize_none(self) -> Result<(), FlatError> {
        self.scalar(WxkItemKind::Null, 0, 0.0)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), FlatError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), FlatError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), FlatError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), FlatError> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), FlatError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), FlatError> {
        self.open(WxkItemKind::Object)?;
        self.key = Some(self.bytes(variant.as_bytes()));
        value.serialize(&mut *self)?;
        self.close()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, FlatError> {
        self.open(WxkItemKind::List)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, FlatError> {
        self.open(WxkItemKind::List)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, FlatError> {
        self.open(WxkItemKind::List)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, FlatError> {
        self.open(WxkItemKind::Object)?;
        self.key = Some(self.bytes(variant.as_bytes()));
        self.open(WxkItemKind::List)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, FlatError> {
        self.open(WxkItemKind::Object)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, FlatError> {
        self.open(WxkItemKind::Object)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, FlatError> {
        self.open(WxkItemKind::Object)?;
        self.key = Some(self.bytes(variant.as_bytes()));
        self.open(WxkItemKind::Object)
    }
}

impl ser::SerializeSeq for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), FlatError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()
    }
}

impl ser::SerializeTuple for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), FlatError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), FlatError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), FlatError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()?;
        self.close()
    }
}

impl ser::SerializeMap for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), FlatError> {
        self.in_key = true;
        let result = key.serialize(&mut **self);
        self.in_key = false;
        result
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), FlatError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()
    }
}

impl ser::SerializeStruct for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FlatError> {
        self.key = Some(self.bytes(key.as_bytes()));
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()
    }
}

impl ser::SerializeStructVariant for &mut Flattener {
    type Ok = ();
    type Error = FlatError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FlatError> {
        self.key = Some(self.bytes(key.as_bytes()));
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), FlatError> {
        self.close()?;
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rebuild JSON from the items, to compare with serde_json's text of the same message.
    fn to_json(items: &[WxkItem]) -> (serde_json::Value, Vec<(String, String)>) {
        fn s(p: *const c_char, n: usize) -> String {
            let b = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n) };
            String::from_utf8(b.to_vec()).unwrap()
        }
        fn value(items: &[WxkItem], i: &mut usize) -> serde_json::Value {
            let item = &items[*i];
            *i += 1;
            match item.kind {
                WxkItemKind::String => s(item.str, item.str_len).into(),
                WxkItemKind::Int => item.int_value.into(),
                WxkItemKind::Float => item.float_value.into(),
                WxkItemKind::Bool => (item.int_value != 0).into(),
                WxkItemKind::Null => serde_json::Value::Null,
                WxkItemKind::Object => {
                    let mut map = serde_json::Map::new();
                    while items[*i].kind != WxkItemKind::End {
                        let key = s(items[*i].key, items[*i].key_len);
                        map.insert(key, value(items, i));
                    }
                    *i += 1;
                    map.into()
                }
                WxkItemKind::List => {
                    let mut list = Vec::new();
                    while items[*i].kind != WxkItemKind::End {
                        list.push(value(items, i));
                    }
                    *i += 1;
                    list.into()
                }
                WxkItemKind::End | WxkItemKind::Field => panic!("unexpected item"),
            }
        }
        let mut i = 0;
        let event = value(items, &mut i);
        let fields = items[i..]
            .iter()
            .map(|f| {
                assert_eq!(f.kind, WxkItemKind::Field);
                (s(f.key, f.key_len), s(f.str, f.str_len))
            })
            .collect();
        (event, fields)
    }

    #[test]
    fn items_carry_the_same_event_and_fields_as_the_json() {
        let pushes = [
            "<xml><AppId>wx1</AppId><CreateTime>1413192605</CreateTime>\
             <InfoType>component_verify_ticket</InfoType>\
             <ComponentVerifyTicket><![CDATA[ticket@@@x]]></ComponentVerifyTicket></xml>",
            "<xml><AppId>c</AppId><CreateTime>1</CreateTime><InfoType>authorized</InfoType>\
             <AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>\
             <AuthorizationCodeExpiredTime>2</AuthorizationCodeExpiredTime>\
             <PreAuthCode>p</PreAuthCode></xml>",
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>\
             <CreateTime>7</CreateTime><MsgType>location</MsgType><Location_X>23.5</Location_X>\
             <Location_Y>113</Location_Y><Scale>20</Scale><Label>x</Label><MsgId>9</MsgId></xml>",
            "<xml><InfoType>future</InfoType><A><B>1</B><B>2</B></A></xml>",
        ];
        for push in pushes {
            let message = crate::parse_message(push).unwrap();
            let flat = flatten(&message).unwrap();
            let (event, fields) = to_json(flat.items());
            assert_eq!(
                event,
                serde_json::to_value(&message.event).unwrap(),
                "{push}"
            );
            let expected: Vec<(String, String)> = message
                .fields
                .iter()
                .map(|(p, t)| (p.to_owned(), t.to_owned()))
                .collect();
            assert_eq!(fields, expected, "{push}");
        }
    }
}
