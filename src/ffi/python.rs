//! The Python facade: a native CPython extension (PyO3), `weixinkit._native`, re-exported by
//! the `weixinkit` package (`bindings/python/python/weixinkit/__init__.py`, which also defines
//! the `WeixinkitError` exception classes).
//!
//! Same contract as the UDL (names, fields, errors), but without uniffi's pure-Python
//! marshalling: arguments are read straight from the Python strings, results are built as
//! native objects. Every function converts its arguments, calls the core and converts the
//! result back; no logic lives here. The only laziness: `Message.fields` becomes a `dict` on
//! first access (most handlers only look at `Message.event`).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};

use crate::Error;

// --- errors ---------------------------------------------------------------------------------

/// `Error::kind()` → the `WeixinkitError` subclass raised for it.
const ERROR_CLASSES: [(&str, &str); 20] = [
    ("invalid_aes_key", "InvalidAesKey"),
    ("invalid_signature", "InvalidSignature"),
    ("stale_timestamp", "StaleTimestamp"),
    ("invalid_base64", "InvalidBase64"),
    ("invalid_ciphertext", "InvalidCiphertext"),
    ("invalid_padding", "InvalidPadding"),
    ("invalid_buffer", "InvalidBuffer"),
    ("receiver_id_mismatch", "ReceiverIdMismatch"),
    ("parse", "Parse"),
    ("invalid_input", "InvalidInput"),
    ("api", "Api"),
    ("transport", "Transport"),
    ("timeout", "Timeout"),
    ("http_status", "HttpStatus"),
    ("decode", "Decode"),
    ("store", "Store"),
    ("config", "Config"),
    ("token_unavailable", "TokenUnavailable"),
    ("ticket", "Ticket"),
    ("reauthorization_needed", "ReauthorizationNeeded"),
];

/// The exception classes, in `ERROR_CLASSES` order, looked up once from the package.
static ERROR_TYPES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn error_types(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    ERROR_TYPES.get_or_try_init(py, || {
        let base = py.import("weixinkit")?.getattr("WeixinkitError")?;
        ERROR_CLASSES
            .iter()
            .map(|(_, name)| Ok(base.getattr(*name)?.cast_into::<PyType>()?.unbind()))
            .collect()
    })
}

/// `WeixinkitError.<Kind>(code, reason)` for a core error.
fn raise(py: Python<'_>, e: Error) -> PyErr {
    let kind = e.kind();
    let index = ERROR_CLASSES.iter().position(|(k, _)| *k == kind);
    match (index, error_types(py)) {
        (Some(i), Ok(types)) => {
            PyErr::from_type(types[i].bind(py).clone(), (e.code(), e.to_string()))
        }
        (_, Err(lookup)) => lookup,
        (None, Ok(_)) => PyTypeError::new_err(format!("unknown weixinkit error kind {kind}")),
    }
}

trait OrRaise<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> OrRaise<T> for crate::Result<T> {
    #[inline]
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| raise(py, e))
    }
}

/// `Enum.VARIANT(field=repr, …)`, the fields from the variant's `__match_args__`.
fn variant_repr(slf: &Bound<'_, PyAny>, enum_name: &str, variant: &str) -> PyResult<String> {
    let mut parts = Vec::new();
    for field in slf
        .get_type()
        .getattr("__match_args__")?
        .cast::<PyTuple>()?
        .iter()
    {
        let value = slf.getattr(field.cast::<PyString>()?)?;
        parts.push(format!("{field}={}", value.repr()?));
    }
    Ok(format!("{enum_name}.{variant}({})", parts.join(", ")))
}

/// `Name(field=repr, …)` for a record.
fn record_repr(slf: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for field in fields {
        parts.push(format!("{field}={}", slf.getattr(*field)?.repr()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

// --- records --------------------------------------------------------------------------------

/// Sender, receiver and time of a user message or event.
#[pyclass(module = "weixinkit", frozen, eq, get_all, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct MessageHeader {
    to_user_name: String,
    from_user_name: String,
    create_time: i64,
}

#[pymethods]
impl MessageHeader {
    #[new]
    #[pyo3(signature = (*, to_user_name, from_user_name, create_time))]
    fn new(to_user_name: String, from_user_name: String, create_time: i64) -> Self {
        Self {
            to_user_name,
            from_user_name,
            create_time,
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        record_repr(
            slf.as_any(),
            "MessageHeader",
            &["to_user_name", "from_user_name", "create_time"],
        )
    }
}

impl From<crate::MessageHeader> for MessageHeader {
    fn from(h: crate::MessageHeader) -> Self {
        Self {
            to_user_name: h.to_user_name,
            from_user_name: h.from_user_name,
            create_time: h.create_time,
        }
    }
}

/// Open Platform `authorized` / `updateauthorized`.
#[pyclass(module = "weixinkit", frozen, eq, get_all, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct AuthorizationNotice {
    app_id: String,
    create_time: i64,
    authorizer_appid: String,
    authorization_code: String,
    /// As sent; values above 10^9 are absolute Unix seconds.
    authorization_code_expired_time: i64,
    pre_auth_code: String,
}

#[pymethods]
impl AuthorizationNotice {
    #[new]
    #[pyo3(signature = (*, app_id, create_time, authorizer_appid, authorization_code,
                        authorization_code_expired_time, pre_auth_code))]
    fn new(
        app_id: String,
        create_time: i64,
        authorizer_appid: String,
        authorization_code: String,
        authorization_code_expired_time: i64,
        pre_auth_code: String,
    ) -> Self {
        Self {
            app_id,
            create_time,
            authorizer_appid,
            authorization_code,
            authorization_code_expired_time,
            pre_auth_code,
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        record_repr(
            slf.as_any(),
            "AuthorizationNotice",
            &[
                "app_id",
                "create_time",
                "authorizer_appid",
                "authorization_code",
                "authorization_code_expired_time",
                "pre_auth_code",
            ],
        )
    }
}

impl From<crate::AuthorizationNotice> for AuthorizationNotice {
    fn from(n: crate::AuthorizationNotice) -> Self {
        Self {
            app_id: n.app_id,
            create_time: n.create_time,
            authorizer_appid: n.authorizer_appid,
            authorization_code: n.authorization_code,
            authorization_code_expired_time: n.authorization_code_expired_time,
            pre_auth_code: n.pre_auth_code,
        }
    }
}

/// One article of a news reply.
#[pyclass(module = "weixinkit", eq, get_all, set_all, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct Article {
    title: String,
    description: String,
    pic_url: String,
    url: String,
}

#[pymethods]
impl Article {
    #[new]
    #[pyo3(signature = (*, title, description, pic_url, url))]
    fn new(title: String, description: String, pic_url: String, url: String) -> Self {
        Self {
            title,
            description,
            pic_url,
            url,
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        record_repr(
            slf.as_any(),
            "Article",
            &["title", "description", "pic_url", "url"],
        )
    }
}

impl From<&Article> for crate::Article {
    fn from(a: &Article) -> Self {
        crate::Article {
            title: a.title.clone(),
            description: a.description.clone(),
            pic_url: a.pic_url.clone(),
            url: a.url.clone(),
        }
    }
}

// --- options --------------------------------------------------------------------------------

/// How the receiver id found after the decrypted message is checked.
#[pyclass(module = "weixinkit", eq, from_py_object)]
#[derive(Clone, PartialEq)]
pub enum ReceiverIdPolicy {
    /// Exactly this id (appid, corpid or suite id); an empty string expects an empty id.
    #[pyo3(name = "EXACT")]
    Exact { id: String },
    /// Any one of these ids (a WeCom suite callback receives both suite_id and corpid).
    #[pyo3(name = "ANY_OF")]
    AnyOf { ids: Vec<String> },
    /// Not checked. Replies cannot be encrypted under this policy.
    #[pyo3(name = "UNCHECKED")]
    Unchecked {},
}

#[pymethods]
impl ReceiverIdPolicy {
    fn is_exact(&self) -> bool {
        matches!(self, Self::Exact { .. })
    }
    fn is_any_of(&self) -> bool {
        matches!(self, Self::AnyOf { .. })
    }
    fn is_unchecked(&self) -> bool {
        matches!(self, Self::Unchecked {})
    }
    #[allow(non_snake_case)]
    fn is_EXACT(&self) -> bool {
        self.is_exact()
    }
    #[allow(non_snake_case)]
    fn is_ANY_OF(&self) -> bool {
        self.is_any_of()
    }
    #[allow(non_snake_case)]
    fn is_UNCHECKED(&self) -> bool {
        self.is_unchecked()
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let variant = match *slf.borrow() {
            Self::Exact { .. } => "EXACT",
            Self::AnyOf { .. } => "ANY_OF",
            Self::Unchecked {} => "UNCHECKED",
        };
        variant_repr(slf.as_any(), "ReceiverIdPolicy", variant)
    }
}

impl From<&ReceiverIdPolicy> for crate::ReceiverIdPolicy {
    fn from(p: &ReceiverIdPolicy) -> Self {
        match p {
            ReceiverIdPolicy::Exact { id } => Self::Exact { id: id.clone() },
            ReceiverIdPolicy::AnyOf { ids } => Self::AnyOf { ids: ids.clone() },
            ReceiverIdPolicy::Unchecked {} => Self::Unchecked,
        }
    }
}

/// Options for `MessageCrypto.with_options`.
#[pyclass(module = "weixinkit", eq, get_all, set_all, from_py_object)]
#[derive(Clone, PartialEq)]
pub struct CryptoOptions {
    receiver_id: ReceiverIdPolicy,
    /// Reject pushes whose `timestamp` differs from now by more than this many seconds.
    max_clock_skew_secs: Option<u32>,
}

#[pymethods]
impl CryptoOptions {
    #[new]
    #[pyo3(signature = (*, receiver_id, max_clock_skew_secs = None))]
    fn new(receiver_id: ReceiverIdPolicy, max_clock_skew_secs: Option<u32>) -> Self {
        Self {
            receiver_id,
            max_clock_skew_secs,
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        record_repr(
            slf.as_any(),
            "CryptoOptions",
            &["receiver_id", "max_clock_skew_secs"],
        )
    }
}

// --- events ---------------------------------------------------------------------------------

macro_rules! events {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $py_name:literal, $is:ident, $is_upper:ident { $($field:ident: $ty:ty),* $(,)? }
    ),* $(,)?) => {
        /// Every push weixinkit knows, classified by `InfoType` (platform pushes) or
        /// `MsgType`/`Event` (user messages). Unknown kinds land in the `OTHER_…` variants,
        /// never in an error. Each variant is a subclass (`Event.TEXT`, …).
        #[pyclass(module = "weixinkit", eq, frozen, )]
        #[derive(Clone, PartialEq)]
        pub enum Event {
            $(
                $(#[doc = $doc])*
                #[pyo3(name = $py_name)]
                $variant { $($field: $ty),* },
            )*
        }

        impl From<crate::Event> for Event {
            fn from(e: crate::Event) -> Self {
                match e {
                    $(crate::Event::$variant { $($field),* } => Event::$variant { $($field: $field.into()),* },)*
                }
            }
        }

        #[pymethods]
        impl Event {
            $(
                fn $is(&self) -> bool {
                    matches!(self, Event::$variant { .. })
                }
                #[allow(non_snake_case)]
                fn $is_upper(&self) -> bool {
                    matches!(self, Event::$variant { .. })
                }
            )*

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                let variant = match slf.get() {
                    $(Event::$variant { .. } => $py_name,)*
                };
                variant_repr(slf.as_any(), "Event", variant)
            }
        }
    };
}

events! {
    /// Open Platform ticket, every 10 minutes: store it durably.
    ComponentVerifyTicket = "COMPONENT_VERIFY_TICKET", is_component_verify_ticket, is_COMPONENT_VERIFY_TICKET {
        app_id: String, create_time: i64, ticket: String },
    /// An account authorized the platform.
    Authorized = "AUTHORIZED", is_authorized, is_AUTHORIZED { notice: AuthorizationNotice },
    /// An account changed the permissions it granted.
    UpdateAuthorized = "UPDATE_AUTHORIZED", is_update_authorized, is_UPDATE_AUTHORIZED {
        notice: AuthorizationNotice },
    /// An account revoked the authorization.
    Unauthorized = "UNAUTHORIZED", is_unauthorized, is_UNAUTHORIZED {
        app_id: String, create_time: i64, authorizer_appid: String },
    /// Fast registration of a mini program (`notify_third_fasteregister`).
    FastRegister = "FAST_REGISTER", is_fast_register, is_FAST_REGISTER {
        app_id: String, create_time: i64, appid: String, status: i64, auth_code: String, msg: String },
    /// WeCom suite ticket, every 10 minutes.
    SuiteTicket = "SUITE_TICKET", is_suite_ticket, is_SUITE_TICKET {
        suite_id: String, timestamp: i64, ticket: String },
    /// WeCom corp installed the app: exchange `auth_code` for the permanent code.
    CreateAuth = "CREATE_AUTH", is_create_auth, is_CREATE_AUTH {
        suite_id: String, timestamp: i64, auth_code: String, state: String },
    /// WeCom corp changed the app's authorization.
    ChangeAuth = "CHANGE_AUTH", is_change_auth, is_CHANGE_AUTH {
        suite_id: String, timestamp: i64, auth_corp_id: String, state: String },
    /// WeCom corp removed the app.
    CancelAuth = "CANCEL_AUTH", is_cancel_auth, is_CANCEL_AUTH {
        suite_id: String, timestamp: i64, auth_corp_id: String },
    /// WeCom custom app's secret was reset.
    ResetPermanentCode = "RESET_PERMANENT_CODE", is_reset_permanent_code, is_RESET_PERMANENT_CODE {
        suite_id: String, timestamp: i64, auth_code: String },
    /// WeCom contact change (details in the message's fields).
    ChangeContact = "CHANGE_CONTACT", is_change_contact, is_CHANGE_CONTACT {
        suite_id: String, timestamp: i64, auth_corp_id: String, change_type: String },
    /// A platform push with another `InfoType`.
    OtherInfo = "OTHER_INFO", is_other_info, is_OTHER_INFO { info_type: String },
    Text = "TEXT", is_text, is_TEXT { header: MessageHeader, content: String, msg_id: String },
    Image = "IMAGE", is_image, is_IMAGE {
        header: MessageHeader, pic_url: String, media_id: String, msg_id: String },
    Voice = "VOICE", is_voice, is_VOICE {
        header: MessageHeader, media_id: String, format: String, recognition: Option<String>, msg_id: String },
    Video = "VIDEO", is_video, is_VIDEO {
        header: MessageHeader, media_id: String, thumb_media_id: String, msg_id: String },
    ShortVideo = "SHORT_VIDEO", is_short_video, is_SHORT_VIDEO {
        header: MessageHeader, media_id: String, thumb_media_id: String, msg_id: String },
    Location = "LOCATION", is_location, is_LOCATION {
        header: MessageHeader, location_x: f64, location_y: f64, scale: i64, label: String, msg_id: String },
    Link = "LINK", is_link, is_LINK {
        header: MessageHeader, title: String, description: String, url: String, msg_id: String },
    /// A user message with another `MsgType`.
    OtherMessage = "OTHER_MESSAGE", is_other_message, is_OTHER_MESSAGE {
        header: MessageHeader, msg_type: String },
    Subscribe = "SUBSCRIBE", is_subscribe, is_SUBSCRIBE {
        header: MessageHeader, event_key: String, ticket: Option<String> },
    Unsubscribe = "UNSUBSCRIBE", is_unsubscribe, is_UNSUBSCRIBE { header: MessageHeader },
    Scan = "SCAN", is_scan, is_SCAN { header: MessageHeader, event_key: String, ticket: Option<String> },
    /// The `LOCATION` event (periodic location report).
    LocationReport = "LOCATION_REPORT", is_location_report, is_LOCATION_REPORT {
        header: MessageHeader, latitude: f64, longitude: f64, precision: f64 },
    Click = "CLICK", is_click, is_CLICK { header: MessageHeader, event_key: String },
    View = "VIEW", is_view, is_VIEW { header: MessageHeader, url: String, menu_id: Option<String> },
    /// A user event with another `Event`.
    OtherEvent = "OTHER_EVENT", is_other_event, is_OTHER_EVENT { header: MessageHeader, event: String },
}

// --- messages -------------------------------------------------------------------------------

/// A parsed push: the typed event, and every leaf element's trimmed text keyed by its path
/// below the root (`ExtraInfo/AuthOpenKfIdList/OpenKfId`), repeated elements in order.
#[pyclass(module = "weixinkit", frozen)]
pub struct Message {
    event: Py<PyAny>,
    /// The core's fields, until `fields` is first read.
    leaves: crate::message::Fields,
    fields: PyOnceLock<Py<PyDict>>,
}

impl Message {
    fn new(py: Python<'_>, m: crate::Message) -> PyResult<Self> {
        Ok(Self {
            event: Event::from(m.event).into_pyobject(py)?.into_any().unbind(),
            leaves: m.fields,
            fields: PyOnceLock::new(),
        })
    }

    fn fields_dict<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyDict>> {
        let dict = self.fields.get_or_try_init(py, || {
            // Fields::into_map, keeping the paths in first-appearance order.
            let dict = PyDict::new(py);
            for (path, text) in self.leaves.iter() {
                let path = PyString::new(py, path);
                match dict.get_item(&path)? {
                    Some(texts) => texts.cast_into::<PyList>()?.append(text)?,
                    None => dict.set_item(path, PyList::new(py, [text])?)?,
                }
            }
            Ok::<_, PyErr>(dict.unbind())
        })?;
        Ok(dict.bind(py))
    }
}

#[pymethods]
impl Message {
    #[new]
    #[pyo3(signature = (*, event, fields))]
    fn py_new(event: Bound<'_, Event>, fields: Bound<'_, PyDict>) -> Self {
        let cell = PyOnceLock::new();
        let _ = cell.set(fields.py(), fields.unbind());
        Self {
            event: event.into_any().unbind(),
            leaves: Default::default(),
            fields: cell,
        }
    }

    /// The typed event.
    #[getter]
    fn event(&self, py: Python<'_>) -> Py<PyAny> {
        self.event.clone_ref(py)
    }

    /// `{path: [text, …]}`, every leaf element.
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.fields_dict(py).cloned()
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(other) = other.cast::<Message>() else {
            return Ok(py.NotImplemented());
        };
        let other = other.get();
        let equal = self.event.bind(py).eq(other.event.bind(py))?
            && self.fields_dict(py)?.eq(other.fields_dict(py)?)?;
        Ok(equal.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Message(event={}, fields={})",
            self.event.bind(py).repr()?,
            self.fields_dict(py)?.repr()?
        ))
    }
}

fn message(py: Python<'_>, m: crate::Result<crate::Message>) -> PyResult<Message> {
    Message::new(py, m.or_raise(py)?)
}

// --- crypto ---------------------------------------------------------------------------------

/// WXBizMsgCrypt: signature check, AES-256-CBC with PKCS#7-to-32 padding, receiver id check.
/// Immutable; share one per account across threads.
///
/// The methods keep the GIL: a call is a few microseconds, about what handing the GIL over
/// to another thread and back costs, so releasing it measured slower for one thread and
/// gained little with two.
#[pyclass(module = "weixinkit", frozen)]
pub struct MessageCrypto(crate::MessageCrypto);

#[pymethods]
impl MessageCrypto {
    /// `receiver_id` is checked exactly: the appid (Official Account, Open Platform component),
    /// the corpid or suite id (WeCom), or "" (WeCom bots).
    #[new]
    fn new(
        py: Python<'_>,
        token: &str,
        encoding_aes_key: &str,
        receiver_id: &str,
    ) -> PyResult<Self> {
        crate::MessageCrypto::new(token, encoding_aes_key, receiver_id)
            .or_raise(py)
            .map(Self)
    }

    /// Full control over the receiver id policy and the timestamp freshness window.
    #[staticmethod]
    fn with_options(
        py: Python<'_>,
        token: &str,
        encoding_aes_key: &str,
        options: PyRef<'_, CryptoOptions>,
    ) -> PyResult<Self> {
        let options = crate::CryptoOptions {
            receiver_id: (&options.receiver_id).into(),
            max_clock_skew_secs: options.max_clock_skew_secs,
        };
        crate::MessageCrypto::with_options(token, encoding_aes_key, options)
            .or_raise(py)
            .map(Self)
    }

    /// Decrypt the `Encrypt` value of a push after checking `msg_signature`.
    fn decrypt(
        &self,
        py: Python<'_>,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> PyResult<String> {
        self.0
            .decrypt(msg_signature, timestamp, nonce, encrypt)
            .or_raise(py)
    }

    /// Decrypt a whole POST body: the XML envelope (`<Encrypt>`) or the JSON one (`"encrypt"`).
    fn decrypt_body(
        &self,
        py: Python<'_>,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> PyResult<String> {
        self.0
            .decrypt_body(msg_signature, timestamp, nonce, body)
            .or_raise(py)
    }

    /// `decrypt_body` and `parse_message` in one call.
    fn decrypt_message(
        &self,
        py: Python<'_>,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &str,
    ) -> PyResult<Message> {
        message(
            py,
            self.0
                .decrypt_message(msg_signature, timestamp, nonce, body),
        )
    }

    /// WeCom URL verification: check `msg_signature` over `echostr`, decrypt it and return the
    /// plaintext to answer the GET with.
    fn verify_url(
        &self,
        py: Python<'_>,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> PyResult<String> {
        self.0
            .verify_url(msg_signature, timestamp, nonce, echostr)
            .or_raise(py)
    }

    /// Encrypt a passive reply into the XML envelope (Encrypt, MsgSignature, TimeStamp, Nonce).
    fn encrypt_reply(
        &self,
        py: Python<'_>,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
    ) -> PyResult<String> {
        self.0
            .encrypt_reply(plaintext, timestamp, nonce)
            .or_raise(py)
    }

    /// Encrypt a passive reply into the JSON envelope (encrypt, msgsignature, timestamp, nonce).
    fn encrypt_reply_json(
        &self,
        py: Python<'_>,
        plaintext: &str,
        timestamp: &str,
        nonce: &str,
    ) -> PyResult<String> {
        self.0
            .encrypt_reply_json(plaintext, timestamp, nonce)
            .or_raise(py)
    }
}

// --- functions ------------------------------------------------------------------------------

/// Plain Official Account server check (no encryption): true when `signature` is the SHA-1
/// of the sorted [token, timestamp, nonce]. Compared in constant time.
#[pyfunction]
fn check_signature(token: &str, signature: &str, timestamp: &str, nonce: &str) -> bool {
    crate::check_signature(token, signature, timestamp, nonce)
}

/// `msg_signature` for an encrypted message: SHA-1 hex of the sorted
/// [token, timestamp, nonce, encrypt].
#[pyfunction]
fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    crate::msg_signature(token, timestamp, nonce, encrypt)
}

/// Decode a 43-character EncodingAESKey into the 32-byte AES key.
#[pyfunction]
fn decode_aes_key<'py>(py: Python<'py>, encoding_aes_key: &str) -> PyResult<Bound<'py, PyBytes>> {
    let key = crate::decode_aes_key(encoding_aes_key).or_raise(py)?;
    Ok(PyBytes::new(py, &key))
}

/// Parse a decrypted push (XML, or JSON) into a typed event plus every element's text.
#[pyfunction]
fn parse_message(py: Python<'_>, xml_or_json: &str) -> PyResult<Message> {
    message(py, crate::parse_message(xml_or_json))
}

/// Passive text reply. `to_user_name` is the push's FromUserName, `from_user_name` its
/// ToUserName.
#[pyfunction]
fn text_reply(to_user_name: &str, from_user_name: &str, create_time: i64, content: &str) -> String {
    crate::text_reply(to_user_name, from_user_name, create_time, content)
}

/// Passive image reply with a media id from the media upload API.
#[pyfunction]
fn image_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    media_id: &str,
) -> String {
    crate::image_reply(to_user_name, from_user_name, create_time, media_id)
}

/// Passive news (article) reply, 1 to 8 articles.
#[pyfunction]
fn news_reply(
    py: Python<'_>,
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    articles: Vec<PyRef<'_, Article>>,
) -> PyResult<String> {
    let articles: Vec<crate::Article> = articles.iter().map(|a| (&**a).into()).collect();
    crate::news_reply(to_user_name, from_user_name, create_time, &articles).or_raise(py)
}

// --- token engine ---------------------------------------------------------------------------

/// A token or ticket and when it expires (Unix seconds). Its `repr` hides the value.
#[pyclass(module = "weixinkit", frozen, eq, hash, get_all)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token {
    value: String,
    expires_at: i64,
    issued_at: i64,
}

#[pymethods]
impl Token {
    fn __repr__(&self) -> String {
        format!(
            "Token(value='***', expires_at={}, issued_at={})",
            self.expires_at, self.issued_at
        )
    }
}

impl From<crate::Token> for Token {
    fn from(t: crate::Token) -> Self {
        Token {
            value: t.value,
            expires_at: t.expires_at,
            issued_at: t.issued_at,
        }
    }
}

/// A store implemented in Python: any object with `get(key)`, `set(key, value, ttl_ms)`,
/// `delete(key)`, `try_lock(lock_key, ttl_ms)` and `unlock(lock_key, fence)`. Each call runs on
/// a worker thread holding the GIL only for the call; an exception becomes a store error.
struct PyHostStore(std::sync::Arc<Py<PyAny>>);

impl PyHostStore {
    async fn call<T, F>(&self, method: &'static str, args: F) -> crate::Result<T>
    where
        T: for<'a, 'py> FromPyObjectOwned<'py> + Send + 'static,
        F: for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>> + Send + 'static,
    {
        let host = self.0.clone();
        let joined = tokio::task::spawn_blocking(move || {
            Python::attach(|py| -> PyResult<T> {
                let args = args(py)?;
                host.bind(py)
                    .call_method1(method, args)?
                    .extract::<T>()
                    .map_err(Into::into)
            })
            .map_err(|e| crate::Error::Store(format!("host store {method}: {e}")))
        })
        .await;
        joined.unwrap_or_else(|e| Err(crate::Error::Store(format!("host store {method}: {e}"))))
    }
}

#[async_trait::async_trait]
impl crate::store::Store for PyHostStore {
    async fn get(&self, key: &str) -> crate::Result<Option<String>> {
        let key = key.to_string();
        self.call("get", move |py| PyTuple::new(py, [key])).await
    }

    async fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<std::time::Duration>,
    ) -> crate::Result<()> {
        let (key, value) = (key.to_string(), value.to_string());
        let ttl_ms = ttl.map(|t| t.as_millis() as u64);
        let _: Py<PyAny> = self
            .call("set", move |py| {
                PyTuple::new(
                    py,
                    [
                        key.into_pyobject(py)?.into_any(),
                        value.into_pyobject(py)?.into_any(),
                        ttl_ms.into_pyobject(py)?.into_any(),
                    ],
                )
            })
            .await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> crate::Result<()> {
        let key = key.to_string();
        let _: Py<PyAny> = self
            .call("delete", move |py| PyTuple::new(py, [key]))
            .await?;
        Ok(())
    }

    async fn try_lock(
        &self,
        lock_key: &str,
        ttl: std::time::Duration,
    ) -> crate::Result<Option<String>> {
        let lock_key = lock_key.to_string();
        let ttl_ms = ttl.as_millis() as u64;
        self.call("try_lock", move |py| {
            PyTuple::new(
                py,
                [
                    lock_key.into_pyobject(py)?.into_any(),
                    ttl_ms.into_pyobject(py)?.into_any(),
                ],
            )
        })
        .await
    }

    async fn unlock(&self, lock_key: &str, fence: &str) -> crate::Result<()> {
        let (lock_key, fence) = (lock_key.to_string(), fence.to_string());
        let _: Py<PyAny> = self
            .call("unlock", move |py| PyTuple::new(py, [lock_key, fence]))
            .await?;
        Ok(())
    }
}

/// Run a core future on the library's runtime as an asyncio awaitable.
fn awaitable<'py, T, F>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: std::future::Future<Output = crate::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        future.await.map_err(|e| Python::attach(|py| raise(py, e)))
    })
}

/// A running background refresh (`OfficialAccount.keep_fresh()`).
#[pyclass(module = "weixinkit._native", frozen)]
pub struct BackgroundRefresh(crate::official_account::BackgroundRefresh);

#[pymethods]
impl BackgroundRefresh {
    /// Stop refreshing.
    fn stop(&self) {
        self.0.stop()
    }
}

/// An Official Account client (see the Rust `OfficialAccount`). `config_json` is the shared
/// configuration record; `store`, if given, is a Python object implementing the store.
/// Blocking methods release the GIL; the `_async` ones return asyncio awaitables.
#[pyclass(module = "weixinkit._native", frozen)]
pub struct OfficialAccount(crate::OfficialAccount);

fn json_text(value: serde_json::Value) -> String {
    value.to_string()
}

#[pymethods]
impl OfficialAccount {
    #[new]
    #[pyo3(signature = (config_json, store=None))]
    fn new(py: Python<'_>, config_json: &str, store: Option<Py<PyAny>>) -> PyResult<Self> {
        let config = crate::OfficialAccountConfig::from_json(config_json).or_raise(py)?;
        let account = match store {
            None => crate::OfficialAccount::new(config),
            Some(host) => crate::OfficialAccount::with_store(
                config,
                std::sync::Arc::new(PyHostStore(std::sync::Arc::new(host))),
                std::sync::Arc::new(crate::token::SystemClock),
            ),
        };
        account.map(Self).or_raise(py)
    }

    #[getter]
    fn app_id(&self) -> &str {
        self.0.app_id()
    }

    fn __repr__(&self) -> String {
        format!("OfficialAccount(app_id={:?})", self.0.app_id())
    }

    fn access_token(&self, py: Python<'_>) -> PyResult<Token> {
        py.detach(|| crate::runtime::block_on(self.0.access_token()))
            .map(Token::from)
            .or_raise(py)
    }

    fn access_token_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let a = self.0.clone();
        awaitable(py, async move { a.access_token().await.map(Token::from) })
    }

    fn refresh_access_token(&self, py: Python<'_>) -> PyResult<Token> {
        py.detach(|| crate::runtime::block_on(self.0.refresh_access_token()))
            .map(Token::from)
            .or_raise(py)
    }

    fn refresh_access_token_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let a = self.0.clone();
        awaitable(py, async move {
            a.refresh_access_token().await.map(Token::from)
        })
    }

    /// Central-control mode: keep the access token fresh from a background task until the
    /// returned handle's `stop()` (or its garbage collection).
    fn keep_fresh(&self) -> BackgroundRefresh {
        BackgroundRefresh(self.0.keep_fresh())
    }

    fn jsapi_ticket(&self, py: Python<'_>) -> PyResult<Token> {
        py.detach(|| crate::runtime::block_on(self.0.jsapi_ticket()))
            .map(Token::from)
            .or_raise(py)
    }

    fn jsapi_ticket_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let a = self.0.clone();
        awaitable(py, async move { a.jsapi_ticket().await.map(Token::from) })
    }

    /// `wx.config` fields as a JSON object string.
    fn jssdk_config(&self, py: Python<'_>, url: &str) -> PyResult<String> {
        py.detach(|| crate::runtime::block_on(self.0.jssdk_config(url)))
            .map(|c| serde_json::json!(c).to_string())
            .or_raise(py)
    }

    fn jssdk_config_async<'py>(&self, py: Python<'py>, url: String) -> PyResult<Bound<'py, PyAny>> {
        let a = self.0.clone();
        awaitable(py, async move {
            a.jssdk_config(&url)
                .await
                .map(|c| serde_json::json!(c).to_string())
        })
    }

    /// GET any endpoint with the token added; WeChat's answer as a JSON string.
    #[pyo3(signature = (path, query=Vec::new()))]
    fn get(&self, py: Python<'_>, path: &str, query: Vec<(String, String)>) -> PyResult<String> {
        py.detach(|| {
            let pairs: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            crate::runtime::block_on(self.0.get(path, &pairs))
        })
        .map(json_text)
        .or_raise(py)
    }

    #[pyo3(signature = (path, query=Vec::new()))]
    fn get_async<'py>(
        &self,
        py: Python<'py>,
        path: String,
        query: Vec<(String, String)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = self.0.clone();
        awaitable(py, async move {
            let pairs: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            a.get(&path, &pairs).await.map(json_text)
        })
    }

    /// POST a JSON body (given as a JSON string) with the token added; the answer as JSON.
    fn post_json(&self, py: Python<'_>, path: &str, body_json: &str) -> PyResult<String> {
        let body = parse_body(body_json).or_raise(py)?;
        py.detach(|| crate::runtime::block_on(self.0.post_json(path, &body)))
            .map(json_text)
            .or_raise(py)
    }

    fn post_json_async<'py>(
        &self,
        py: Python<'py>,
        path: String,
        body_json: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = parse_body(body_json).or_raise(py)?;
        let a = self.0.clone();
        awaitable(
            py,
            async move { a.post_json(&path, &body).await.map(json_text) },
        )
    }
}

fn parse_body(body_json: &str) -> crate::Result<serde_json::Value> {
    serde_json::from_str(body_json).map_err(|e| crate::Error::InvalidInput {
        code: crate::codes::INVALID_ARGUMENT,
        reason: format!("body is not JSON: {e}"),
    })
}

/// A third-party platform client (see the Rust `Component`). Methods are called by name
/// with JSON arguments (`call("query_auth", '{"authorization_code": "…"}')`) and answer JSON;
/// the `weixinkit` package wraps them in typed methods.
#[pyclass(module = "weixinkit._native", frozen)]
pub struct Component(crate::Component);

#[pymethods]
impl Component {
    #[new]
    #[pyo3(signature = (config_json, store=None))]
    fn new(py: Python<'_>, config_json: &str, store: Option<Py<PyAny>>) -> PyResult<Self> {
        let config = crate::ComponentConfig::from_json(config_json).or_raise(py)?;
        let component = match store {
            None => crate::Component::new(config),
            Some(host) => crate::Component::with_store(
                config,
                std::sync::Arc::new(PyHostStore(std::sync::Arc::new(host))),
                std::sync::Arc::new(crate::token::SystemClock),
            ),
        };
        component.map(Self).or_raise(py)
    }

    #[getter]
    fn app_id(&self) -> &str {
        self.0.app_id()
    }

    fn __repr__(&self) -> String {
        format!("Component(app_id={:?})", self.0.app_id())
    }

    /// Call `method` with `args_json` (a JSON object); the result as JSON. Releases the GIL.
    fn call(&self, py: Python<'_>, method: &str, args_json: &str) -> PyResult<String> {
        let args = parse_body(args_json).or_raise(py)?;
        py.detach(|| crate::runtime::block_on(super::dispatch::component(&self.0, method, &args)))
            .map(json_text)
            .or_raise(py)
    }

    /// `call` as an asyncio awaitable.
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        method: String,
        args_json: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = parse_body(args_json).or_raise(py)?;
        let c = self.0.clone();
        awaitable(py, async move {
            super::dispatch::component(&c, &method, &args)
                .await
                .map(json_text)
        })
    }
}

/// The JS-SDK signature (see the Rust `jssdk_signature`).
#[pyfunction]
fn jssdk_signature(jsapi_ticket: &str, nonce_str: &str, timestamp: i64, url: &str) -> String {
    crate::jssdk_signature(jsapi_ticket, nonce_str, timestamp, url)
}

/// The native part of the `weixinkit` package.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MessageCrypto>()?;
    m.add_class::<Message>()?;
    m.add_class::<Event>()?;
    m.add_class::<MessageHeader>()?;
    m.add_class::<AuthorizationNotice>()?;
    m.add_class::<Article>()?;
    m.add_class::<ReceiverIdPolicy>()?;
    m.add_class::<CryptoOptions>()?;
    m.add_function(wrap_pyfunction!(check_signature, m)?)?;
    m.add_function(wrap_pyfunction!(msg_signature, m)?)?;
    m.add_function(wrap_pyfunction!(decode_aes_key, m)?)?;
    m.add_function(wrap_pyfunction!(parse_message, m)?)?;
    m.add_function(wrap_pyfunction!(text_reply, m)?)?;
    m.add_function(wrap_pyfunction!(image_reply, m)?)?;
    m.add_function(wrap_pyfunction!(news_reply, m)?)?;
    m.add_class::<Token>()?;
    m.add_class::<OfficialAccount>()?;
    m.add_class::<Component>()?;
    m.add_class::<BackgroundRefresh>()?;
    m.add_function(wrap_pyfunction!(jssdk_signature, m)?)?;
    // Async methods run on the library's runtime; asyncio awaits them.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(crate::runtime::runtime());
    Ok(())
}
