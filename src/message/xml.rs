//! Lossless XML reading: every leaf element's text by path, with whitespace trimmed around
//! (never inside) CDATA sections; clear errors for anything that is not well-formed.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event as XmlEvent};
use quick_xml::name::QName;
use quick_xml::Reader;

use super::Fields;
use crate::error::{Error, Result};

/// Text of one element: text nodes are trimmed at the element's edges, CDATA kept verbatim.
/// Borrows from the document when the element holds a single section (the common case).
#[derive(Default)]
struct TextBuf<'a> {
    text: Cow<'a, str>,
    /// Byte range covered by CDATA sections (first start, last end).
    cdata: Option<(usize, usize)>,
    /// Whitespace-only text seen after content: kept only if more content follows.
    pending_ws: Option<Cow<'a, str>>,
}

fn is_xml_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

impl<'a> TextBuf<'a> {
    fn append(&mut self, s: Cow<'a, str>) {
        if let Some(ws) = self.pending_ws.take() {
            self.text.to_mut().push_str(&ws);
        }
        if self.text.is_empty() {
            self.text = s;
        } else {
            self.text.to_mut().push_str(&s);
        }
    }

    fn push_text(&mut self, s: Cow<'a, str>) {
        if s.chars().all(is_xml_ws) {
            // Leading and trailing whitespace-only nodes are trimmed anyway; between two
            // sections it is kept.
            if !self.text.is_empty() {
                match &mut self.pending_ws {
                    Some(ws) => ws.to_mut().push_str(&s),
                    None => self.pending_ws = Some(s),
                }
            }
            return;
        }
        self.append(s);
    }

    fn push_cdata(&mut self, s: Cow<'a, str>) {
        let start = self.text.len() + self.pending_ws.as_ref().map_or(0, |w| w.len());
        self.append(s);
        let end = self.text.len();
        self.cdata = Some(match self.cdata {
            Some((first, _)) => (first, end),
            None => (start, end),
        });
    }

    fn push_ref(&mut self, r: &BytesRef<'_>) -> Result<()> {
        if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
            self.append(Cow::Owned(c.to_string()));
            return Ok(());
        }
        let name = r.decode().map_err(xml_err)?;
        match resolve_predefined_entity(&name) {
            Some(s) => {
                self.append(Cow::Borrowed(s));
                Ok(())
            }
            None => Err(Error::parse(format!("XML: unknown entity &{name};"))),
        }
    }

    fn finish(self) -> Cow<'a, str> {
        let text = self.text;
        let (keep_from, keep_to) = self.cdata.unwrap_or((text.len(), 0));
        let lead = text.len() - text.trim_start_matches(is_xml_ws).len();
        let start = lead.min(keep_from);
        let trail = text.trim_end_matches(is_xml_ws).len();
        let end = trail.max(keep_to).max(start);
        match text {
            Cow::Borrowed(s) => Cow::Borrowed(&s[start..end]),
            Cow::Owned(mut s) => {
                s.truncate(end);
                s.drain(..start);
                Cow::Owned(s)
            }
        }
    }
}

fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::parse(format!("XML: {e}"))
}

/// Append a text-ish event to `buf`; `Ok(false)` when the event is not text.
fn push_textual<'a>(buf: &mut TextBuf<'a>, ev: &XmlEvent<'a>) -> Result<bool> {
    match ev {
        XmlEvent::Text(t) => buf.push_text(t.xml_content().map_err(xml_err)?),
        XmlEvent::CData(c) => buf.push_cdata(c.decode().map_err(xml_err)?),
        XmlEvent::GeneralRef(r) => buf.push_ref(r)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Read the text of the element just opened (`name`) up to its end tag; child elements are
/// an error.
pub(crate) fn text_of<'a>(reader: &mut Reader<&'a [u8]>, name: QName<'_>) -> Result<Cow<'a, str>> {
    let mut buf = TextBuf::default();
    loop {
        let ev = reader.read_event().map_err(xml_err)?;
        match &ev {
            XmlEvent::End(e) if e.name() == name => return Ok(buf.finish()),
            XmlEvent::Start(_) | XmlEvent::Empty(_) | XmlEvent::End(_) => {
                return Err(Error::parse("XML: unexpected element inside a text field"))
            }
            XmlEvent::Eof => return Err(Error::parse("XML: document ends inside an element")),
            XmlEvent::Comment(_) | XmlEvent::PI(_) => {}
            other => {
                if !push_textual(&mut buf, other)? {
                    return Err(Error::parse("XML: unexpected content inside a text field"));
                }
            }
        }
    }
}

/// `<![CDATA[…]]>` around `s`, splitting any `]]>` inside it.
pub(crate) fn cdata(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 12);
    push_cdata(&mut out, s);
    out
}

/// Append `s` as a CDATA section; a `]]>` inside is split across two sections.
pub(crate) fn push_cdata(out: &mut String, s: &str) {
    out.push_str("<![CDATA[");
    if !s.as_bytes().contains(&b']') {
        // The usual case, without a substring search.
        out.push_str(s);
        out.push_str("]]>");
        return;
    }
    let mut rest = s;
    while let Some(i) = rest.find("]]>") {
        out.push_str(&rest[..i]);
        out.push_str("]]]]><![CDATA[>");
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out.push_str("]]>");
}

struct Open<'a> {
    /// `path` length before this element.
    path_len: usize,
    /// Where this element's name starts in `path` (for the end-tag check).
    name_start: usize,
    has_children: bool,
    text: TextBuf<'a>,
}

/// Every leaf element below the root, keyed by path (`A/B/C`), in document order.
pub(crate) fn leaf_fields(doc: &str) -> Result<Fields> {
    let mut reader = Reader::from_str(doc);
    // End tags are checked against `path` below; quick-xml's own check would keep a second
    // copy of every open name.
    reader.config_mut().check_end_names = false;
    let mut fields = Fields::with_capacity(16);
    let mut stack: Vec<Open> = Vec::with_capacity(4);
    // Root name, then `/name` per open element; keys are the part after the root's `/`.
    let mut path = String::with_capacity(64);
    let mut key_start = 0;
    loop {
        let ev = reader.read_event().map_err(xml_err)?;
        match &ev {
            XmlEvent::Start(e) | XmlEvent::Empty(e) => {
                if stack.is_empty() && !path.is_empty() {
                    return Err(Error::parse("XML: more than one root element"));
                }
                if let Some(parent) = stack.last_mut() {
                    parent.has_children = true;
                }
                let path_len = path.len();
                if !stack.is_empty() {
                    path.push('/');
                }
                let name_start = path.len();
                path.push_str(std::str::from_utf8(e.name().as_ref()).map_err(xml_err)?);
                if stack.is_empty() {
                    key_start = path.len() + 1;
                }
                if matches!(ev, XmlEvent::Empty(_)) {
                    if !stack.is_empty() {
                        fields.push(path[key_start..].to_owned(), String::new());
                        path.truncate(path_len);
                    }
                    // `<xml/>` keeps its name in `path` so a second root is still caught.
                } else {
                    stack.push(Open {
                        path_len,
                        name_start,
                        has_children: false,
                        text: TextBuf::default(),
                    });
                }
            }
            XmlEvent::End(e) => {
                let open = stack
                    .pop()
                    .ok_or_else(|| Error::parse("XML: end tag without a start tag"))?;
                if e.name().as_ref() != &path.as_bytes()[open.name_start..] {
                    return Err(Error::parse(format!(
                        "XML: </{}> closes <{}>",
                        String::from_utf8_lossy(e.name().as_ref()),
                        &path[open.name_start..]
                    )));
                }
                if !open.has_children && !stack.is_empty() {
                    fields.push(
                        path[key_start..].to_owned(),
                        open.text.finish().into_owned(),
                    );
                }
                if !stack.is_empty() {
                    path.truncate(open.path_len);
                }
            }
            XmlEvent::Eof => break,
            XmlEvent::DocType(_) => return Err(Error::parse("XML: DOCTYPE is not allowed")),
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::PI(_) => {}
            other => match stack.last_mut() {
                Some(open) => {
                    push_textual(&mut open.text, other)?;
                }
                None => {
                    let stray = matches!(other, XmlEvent::Text(t) if t.iter().all(|b| b.is_ascii_whitespace()));
                    if !stray {
                        return Err(Error::parse("XML: content outside the root element"));
                    }
                }
            },
        }
    }
    if !stack.is_empty() {
        return Err(Error::parse("XML: document ends inside an element"));
    }
    if path.is_empty() {
        return Err(Error::parse("XML: no root element"));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_between_sections_is_kept_and_single_sections_borrow() {
        assert_eq!(
            one("<xml><A><![CDATA[a]]> <![CDATA[b]]></A></xml>", "A"),
            "a b"
        );
        assert_eq!(one("<xml><A>x &amp; </A></xml>", "A"), "x &");
        assert_eq!(one("<xml><A> \n </A></xml>", "A"), "");
        let mut reader = Reader::from_str("<E>\n <![CDATA[abc]]>\n</E>");
        let XmlEvent::Start(e) = reader.read_event().unwrap() else {
            panic!()
        };
        let name = e.name().as_ref().to_vec();
        let text = text_of(&mut reader, QName(&name)).unwrap();
        assert!(matches!(text, Cow::Borrowed("abc")), "{text:?}");
    }

    fn one(doc: &str, key: &str) -> String {
        leaf_fields(doc).unwrap().get(key).unwrap().to_owned()
    }

    #[test]
    fn trims_around_cdata_but_not_inside() {
        assert_eq!(one("<xml><A> <![CDATA[x]]>\n</A></xml>", "A"), "x");
        assert_eq!(one("<xml><A><![CDATA[ keep ]]></A></xml>", "A"), " keep ");
        assert_eq!(one("<xml><A>  plain text </A></xml>", "A"), "plain text");
        assert_eq!(
            one("<xml><A><![CDATA[a]]> mid <![CDATA[b]]></A></xml>", "A"),
            "a mid b"
        );
        assert_eq!(one("<xml><A>   </A></xml>", "A"), "");
    }

    #[test]
    fn resolves_entities_and_char_refs() {
        assert_eq!(
            one("<xml><A>a &amp; b &lt;&#x4e2d;&#25991;</A></xml>", "A"),
            "a & b <中文"
        );
        assert!(leaf_fields("<xml><A>&nbsp;</A></xml>").is_err());
    }

    #[test]
    fn keeps_nested_and_repeated_leaves_and_empty_elements() {
        let f =
            leaf_fields("<xml><E><L><I>1</I><I>2</I></L></E><Empty></Empty><Self/></xml>").unwrap();
        assert_eq!(f.get_all("E/L/I").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(f.get("Empty"), Some(""));
        assert_eq!(f.get("Self"), Some(""));
        assert!(!f.contains("E"));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for doc in [
            "",
            "   ",
            "<xml><A>1</A><xml>",
            "<xml><A>1</B></xml>",
            "<xml></xml><xml></xml>",
            "text<xml/>",
            "<xml><A>1</A></xml>trailing",
            "<!DOCTYPE x [<!ENTITY e 'x'>]><xml>&e;</xml>",
            "<xml><A>\u{0}</A",
            "<xml><A>1</A></B>",
            "</xml>",
            "<xml/><xml/>",
            "<xml><A><B>1</A></B></xml>",
        ] {
            assert!(leaf_fields(doc).is_err(), "{doc:?} accepted");
        }
    }

    #[test]
    fn cdata_escapes_its_terminator() {
        let wrapped = format!("<xml><A>{}</A></xml>", cdata("x]]>y"));
        assert_eq!(one(&wrapped, "A"), "x]]>y");
    }
}
