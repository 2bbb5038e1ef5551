//! [`Fields`]: every leaf element of a push, in document order.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Every leaf element's text keyed by its path below the root (`ExtraInfo/AuthOpenKfIdList/OpenKfId`),
/// in document order; repeated elements appear once per occurrence.
///
/// Serializes as a JSON object `{"path": ["text", …]}` with paths in first-appearance order.
///
/// ```
/// let f = weixinkit::message::parse_fields("<xml><A>1</A><L><I>x</I><I>y</I></L></xml>")?;
/// assert_eq!(f.get("A"), Some("1"));
/// assert_eq!(f.get_all("L/I").collect::<Vec<_>>(), ["x", "y"]);
/// assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"A":["1"],"L/I":["x","y"]}"#);
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Fields(Vec<(String, String)>);

/// Credentials (see [`is_credential_field`](super::is_credential_field)) print as `***`.
impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<(&str, &str)> = self
            .0
            .iter()
            .map(|(path, text)| {
                let text = if super::is_credential_field(path) {
                    "***"
                } else {
                    text.as_str()
                };
                (path.as_str(), text)
            })
            .collect();
        f.debug_tuple("Fields").field(&shown).finish()
    }
}

impl Fields {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Fields(Vec::with_capacity(n))
    }

    pub(crate) fn push(&mut self, path: String, text: String) {
        self.0.push((path, text));
    }

    /// The first text at `path`.
    ///
    /// ```
    /// let f = weixinkit::message::parse_fields("<xml><A>1</A><A>2</A></xml>")?;
    /// assert_eq!(f.get("A"), Some("1"));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn get(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }

    /// Every text at `path`, in document order.
    ///
    /// ```
    /// let f = weixinkit::message::parse_fields("<xml><A>1</A><A>2</A></xml>")?;
    /// assert_eq!(f.get_all("A").collect::<Vec<_>>(), ["1", "2"]);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn get_all<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }

    /// Whether any element has this path.
    ///
    /// ```
    /// let f = weixinkit::message::parse_fields("<xml><A/></xml>")?;
    /// assert!(f.contains("A") && !f.contains("B"));
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn contains(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// `(path, text)` pairs in document order.
    ///
    /// ```
    /// let f = weixinkit::message::parse_fields("<xml><B>2</B><A>1</A></xml>")?;
    /// assert_eq!(f.iter().collect::<Vec<_>>(), [("B", "2"), ("A", "1")]);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// Number of leaf elements.
    ///
    /// ```
    /// let f = weixinkit::message::parse_fields("<xml><A>1</A><A>2</A></xml>")?;
    /// assert_eq!(f.len(), 2);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    ///
    /// ```
    /// assert!(weixinkit::message::parse_fields("<xml/>")?.is_empty());
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Group by path: path → texts in document order.
    ///
    /// ```
    /// let f = weixinkit::message::parse_fields("<xml><A>1</A><B>x</B><A>2</A></xml>")?;
    /// assert_eq!(f.into_map()["A"], ["1", "2"]);
    /// # Ok::<(), weixinkit::Error>(())
    /// ```
    pub fn into_map(self) -> HashMap<String, Vec<String>> {
        let mut map: HashMap<String, Vec<String>> = HashMap::with_capacity(self.0.len());
        for (path, text) in self.0 {
            map.entry(path).or_default().push(text);
        }
        map
    }

    /// Paths in first-appearance order, each with its texts.
    fn grouped(&self) -> Vec<(&str, Vec<&str>)> {
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::with_capacity(self.0.len());
        for (path, text) in &self.0 {
            match groups.iter_mut().find(|(p, _)| p == path) {
                Some((_, texts)) => texts.push(text),
                None => groups.push((path, vec![text])),
            }
        }
        groups
    }
}

impl IntoIterator for Fields {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let groups = self.grouped();
        let mut map = serializer.serialize_map(Some(groups.len()))?;
        for (path, texts) in groups {
            map.serialize_entry(path, &texts)?;
        }
        map.end()
    }
}
