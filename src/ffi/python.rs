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
const ERROR_CLASSES: [(&str, &str); 22] = [
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
    ("oauth_code", "OauthCode"),
    ("internal", "Internal"),
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
            let err = PyErr::from_type(types[i].bind(py).clone(), (e.code(), e.to_string()));
            // kind + code + reason on every error; WeChat's errcode / errmsg and the endpoint
            // where the failure has them (None otherwise).
            let value = err.value(py);
            let attrs = value.setattr("kind", kind).and_then(|()| {
                value.setattr("errcode", e.errcode())?;
                value.setattr("errmsg", e.errmsg())?;
                value.setattr("endpoint", e.endpoint())
            });
            match attrs {
                Ok(()) => err,
                Err(failed) => failed,
            }
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
        let name = field.cast::<PyString>()?;
        if crate::message::is_credential_field(name.to_str()?) {
            parts.push(format!("{field}='***'"));
            continue;
        }
        let value = slf.getattr(name)?;
        parts.push(format!("{field}={}", value.repr()?));
    }
    Ok(format!("{enum_name}.{variant}({})", parts.join(", ")))
}

/// `Name(field=repr, …)` for a record.
fn record_repr(slf: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for field in fields {
        if crate::message::is_credential_field(field) {
            parts.push(format!("{field}='***'"));
        } else {
            parts.push(format!("{field}={}", slf.getattr(*field)?.repr()?));
        }
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
    /// `None` when absent or not an integer (the raw text is in the message's fields).
    create_time: Option<i64>,
    authorizer_appid: String,
    authorization_code: String,
    /// As sent; values above 10^9 are absolute Unix seconds. `None` when absent or not an
    /// integer (the raw text is in the message's fields).
    authorization_code_expired_time: Option<i64>,
    pre_auth_code: String,
}

#[pymethods]
impl AuthorizationNotice {
    #[new]
    #[pyo3(signature = (*, app_id, create_time, authorizer_appid, authorization_code,
                        authorization_code_expired_time, pre_auth_code))]
    fn new(
        app_id: String,
        create_time: Option<i64>,
        authorizer_appid: String,
        authorization_code: String,
        authorization_code_expired_time: Option<i64>,
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
        app_id: String, create_time: Option<i64>, ticket: String },
    /// An account authorized the platform.
    Authorized = "AUTHORIZED", is_authorized, is_AUTHORIZED { notice: AuthorizationNotice },
    /// An account changed the permissions it granted.
    UpdateAuthorized = "UPDATE_AUTHORIZED", is_update_authorized, is_UPDATE_AUTHORIZED {
        notice: AuthorizationNotice },
    /// An account revoked the authorization.
    Unauthorized = "UNAUTHORIZED", is_unauthorized, is_UNAUTHORIZED {
        app_id: String, create_time: Option<i64>, authorizer_appid: String },
    /// Fast registration of a mini program (`notify_third_fasteregister`).
    FastRegister = "FAST_REGISTER", is_fast_register, is_FAST_REGISTER {
        app_id: String, create_time: Option<i64>, appid: String, status: Option<i64>, auth_code: String, msg: String },
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

    // --- WeCom intelligent bot (智能机器人): JSON callbacks with lower-case keys ----------
    /// A WeCom intelligent-bot callback: a user's message to the bot or an event.
    AiBotMessage = "AI_BOT_MESSAGE", is_ai_bot_message, is_AI_BOT_MESSAGE {
        msg_id: String, aibot_id: String, chat_id: Option<String>, chat_type: String,
        from_user_id: String, response_url: Option<String>, create_time: Option<i64>,
        msg_type: String, content: Option<String>, url: Option<String>,
        stream_id: Option<String>, event_type: Option<String> },
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
        // Credentials (tickets, codes) print as '***', as in the event's repr.
        let fields = PyDict::new(py);
        for (path, texts) in self.fields_dict(py)?.iter() {
            if crate::message::is_credential_field(path.cast::<PyString>()?.to_str()?) {
                fields.set_item(path, PyList::new(py, ["***"])?)?;
            } else {
                fields.set_item(path, texts)?;
            }
        }
        Ok(format!(
            "Message(event={}, fields={})",
            self.event.bind(py).repr()?,
            fields.repr()?
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
            max_clock_skew_secs: options.max_clock_skew_secs.map(i64::from),
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

// --- Open Platform: expanded from the endpoint table ----------------------------------------

/// A core result as a Python object.
trait ToPy {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

macro_rules! to_py_via_into_pyobject {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                Ok(self.into_pyobject(py)?.into_any().unbind())
            }
        }
    )*};
}

to_py_via_into_pyobject!(
    String,
    Option<String>,
    i64,
    crate::UserAccessToken,
    crate::OAuthUserInfo,
    crate::UserInfo,
    crate::MiniProgramSession,
    Vec<String>,
    Vec<crate::open_platform::AuthorizerListItem>,
    crate::open_platform::Authorization,
    crate::open_platform::PreAuthCode,
    crate::open_platform::AuthorizerList,
    crate::wecom::PermanentCode
);

impl ToPy for bool {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.into_pyobject(py)?.to_owned().into_any().unbind())
    }
}

impl ToPy for () {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py.None())
    }
}

impl ToPy for crate::Token {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(Token::from(self).into_pyobject(py)?.into_any().unbind())
    }
}

impl ToPy for serde_json::Value {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        use serde_json::Value;
        Ok(match self {
            Value::Null => py.None(),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => i.into_pyobject(py)?.into_any().unbind(),
                (None, Some(u)) => u.into_pyobject(py)?.into_any().unbind(),
                _ => n
                    .as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind(),
            },
            Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(item.to_py(py)?)?;
                }
                list.into_any().unbind()
            }
            Value::Object(map) => {
                let dict = PyDict::new(py);
                for (k, v) in map {
                    dict.set_item(k, v.to_py(py)?)?;
                }
                dict.into_any().unbind()
            }
        })
    }
}

/// `wx.config`'s fields as a `dict`.
impl ToPy for crate::JsSdkConfig {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serde_json::json!(self).to_py(py)
    }
}

impl ToPy for crate::CallbackResponse {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let message = match self.message {
            Some(m) => Some(Py::new(py, Message::new(py, m)?)?),
            None => None,
        };
        let response = CallbackResponse {
            status: self.status,
            body: self.body,
            message,
            plaintext: self.plaintext,
        };
        Ok(response.into_pyobject(py)?.into_any().unbind())
    }
}

/// Python values as JSON (for request bodies): dict, list, str, int, float, bool, None.
fn json_from_py(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<serde_json::Value> {
    use pyo3::types::{PyBool, PyFloat, PyInt, PyMapping, PySequence};
    use serde_json::Value;
    if depth > 64 {
        return Err(PyTypeError::new_err("the JSON body is nested too deeply"));
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = value.cast::<PyInt>() {
        return match i.extract::<i64>() {
            Ok(n) => Ok(Value::from(n)),
            Err(_) => Ok(Value::from(i.extract::<u64>()?)),
        };
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyTypeError::new_err("NaN and infinities are not JSON"));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_string()));
    }
    if let Ok(map) = value.cast::<PyMapping>() {
        let mut object = serde_json::Map::new();
        for item in map.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err("JSON object keys are str"))?;
            object.insert(key.to_str()?.to_string(), json_from_py(&v, depth + 1)?);
        }
        return Ok(Value::Object(object));
    }
    if !value.is_instance_of::<PyBytes>() {
        if let Ok(seq) = value.cast::<PySequence>() {
            let mut items = Vec::new();
            for item in seq.try_iter()? {
                items.push(json_from_py(&item?, depth + 1)?);
            }
            return Ok(Value::Array(items));
        }
    }
    Err(PyTypeError::new_err(format!(
        "{} is not JSON (dict, list, str, int, float, bool or None)",
        value.get_type().name()?
    )))
}

impl<'a, 'py> FromPyObject<'a, 'py> for super::Json {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        json_from_py(&value, 0).map(super::Json)
    }
}

/// A `dict` or an iterable of `(name, value)` pairs; values as `str()` shows them.
impl<'a, 'py> FromPyObject<'a, 'py> for super::Query {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        use pyo3::types::PyMapping;
        let text = |v: &Bound<'py, PyAny>| -> PyResult<String> {
            match v.cast::<PyString>() {
                Ok(s) => Ok(s.to_str()?.to_string()),
                Err(_) => Ok(v.str()?.to_str()?.to_string()),
            }
        };
        let pairs: Vec<Bound<'py, PyAny>> = if let Ok(map) = value.cast::<PyMapping>() {
            map.items()?.iter().collect()
        } else if value.is_none() {
            Vec::new()
        } else {
            value.try_iter()?.collect::<PyResult<_>>()?
        };
        pairs
            .into_iter()
            .map(|pair| {
                let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) =
                    pair.extract().map_err(|_| {
                        PyTypeError::new_err("query parameters are a dict or (name, value) pairs")
                    })?;
                Ok((text(&k)?, text(&v)?))
            })
            .collect::<PyResult<_>>()
            .map(super::Query)
    }
}

/// Authorization link options: `None`, a `dict` of the fields, or any object with a
/// `to_dict()` (the package's `AuthorizationUrlOptions`).
impl<'a, 'py> FromPyObject<'a, 'py> for crate::open_platform::AuthorizationUrlOptions {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let value = if value.hasattr("to_dict")? {
            value.call_method0("to_dict")?
        } else {
            value.to_owned()
        };
        let json = json_from_py(&value, 0)?;
        serde_json::from_value(json).map_err(|e| {
            raise(
                value.py(),
                crate::Error::invalid_argument(format!("authorization link options: {e}")),
            )
        })
    }
}

/// `str` or `bytes`.
impl<'a, 'py> FromPyObject<'a, 'py> for super::Body {
    type Error = PyErr;

    fn extract(value: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if value.is_none() {
            return Ok(super::Body(Some(String::new())));
        }
        if let Ok(s) = value.cast::<PyString>() {
            return Ok(super::Body(s.to_str().ok().map(str::to_string)));
        }
        let bytes: Vec<u8> = value
            .cast::<PyBytes>()
            .map(|b| b.as_bytes().to_vec())
            .map_err(|_| PyTypeError::new_err("the body is str or bytes"))?;
        Ok(super::Body(String::from_utf8(bytes).ok()))
    }
}

#[pymethods]
impl crate::open_platform::Authorization {
    fn __repr__(&self) -> String {
        format!(
            "Authorization(authorizer_appid={:?}, authorizer_access_token='***', expires_in={}, \
             authorizer_refresh_token='***', func_info={:?})",
            self.authorizer_appid, self.expires_in, self.func_info
        )
    }
}

#[pymethods]
impl crate::UserAccessToken {
    fn __repr__(&self) -> String {
        format!(
            "UserAccessToken(access_token='***', expires_in={}, refresh_token='***', openid={:?}, \
             scope={:?}, unionid={:?}, is_snapshotuser={})",
            self.expires_in,
            self.openid,
            self.scope,
            self.unionid,
            if self.is_snapshotuser {
                "True"
            } else {
                "False"
            }
        )
    }
}

#[pymethods]
impl crate::MiniProgramSession {
    fn __repr__(&self) -> String {
        format!(
            "MiniProgramSession(openid={:?}, session_key='***', unionid={:?})",
            self.openid, self.unionid
        )
    }
}

#[pymethods]
impl crate::open_platform::PreAuthCode {
    fn __repr__(&self) -> String {
        format!(
            "PreAuthCode(pre_auth_code='***', expires_in={})",
            self.expires_in
        )
    }
}

#[pymethods]
impl crate::wecom::PermanentCode {
    fn __repr__(&self) -> String {
        format!(
            "PermanentCode(corp_id={:?}, corp_name={:?}, permanent_code='***', access_token={}, \
             expires_in={}, state={:?}, agent_ids={:?})",
            self.corp_id,
            self.corp_name,
            if self.access_token.is_some() {
                "'***'"
            } else {
                "None"
            },
            self.expires_in,
            self.state,
            self.agent_ids
        )
    }
}

#[pymethods]
impl crate::open_platform::AuthorizerList {
    fn __repr__(&self) -> String {
        format!(
            "AuthorizerList(total_count={}, list=[{} items])",
            self.total_count,
            self.list.len()
        )
    }

    fn __len__(&self) -> usize {
        self.list.len()
    }
}

#[pymethods]
impl crate::open_platform::AuthorizerListItem {
    fn __repr__(&self) -> String {
        format!(
            "AuthorizerListItem(authorizer_appid={:?}, refresh_token='***', auth_time={})",
            self.authorizer_appid, self.auth_time
        )
    }
}

/// What to answer the authorization event URL (`status`, `body`), and what arrived
/// (`message`, parsed once by the library; `plaintext`, the decrypted XML).
#[pyclass(module = "weixinkit._native", frozen, get_all)]
pub struct CallbackResponse {
    status: u16,
    body: String,
    message: Option<Py<Message>>,
    plaintext: Option<String>,
}

#[pymethods]
impl CallbackResponse {
    /// Whether the push was verified and its lifecycle step done (status 200).
    #[getter]
    fn ok(&self) -> bool {
        self.status == 200
    }

    /// The same response answering with `body` instead (a reply to the message).
    fn with_body(&self, py: Python<'_>, body: String) -> Self {
        CallbackResponse {
            status: self.status,
            body,
            message: self.message.as_ref().map(|m| m.clone_ref(py)),
            plaintext: self.plaintext.clone(),
        }
    }

    /// `status, body, message = response`.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyIterator>> {
        let message = self.message.as_ref().map(|m| m.clone_ref(py));
        (self.status, self.body.clone(), message)
            .into_pyobject(py)?
            .into_any()
            .try_iter()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let message = match &self.message {
            Some(m) => m.bind(py).repr()?.to_string(),
            None => "None".into(),
        };
        Ok(format!(
            "CallbackResponse(status={}, body={:?}, message={message})",
            self.status, self.body
        ))
    }
}

/// A blocking call: the GIL is released while the core works.
fn blocking<T: ToPy + Send>(
    py: Python<'_>,
    future: impl std::future::Future<Output = crate::Result<T>> + Send,
) -> PyResult<Py<PyAny>> {
    let mut future = std::pin::pin!(future);
    // The whole call runs on the caller's thread (`block_on_here`): no hand-off to the
    // library's workers and back. A call that finishes without waiting (a token the near cache
    // holds) is answered by the first poll, without even releasing the GIL; anything else goes
    // on from where that poll left it, with the GIL released.
    let first = crate::runtime::enter_here(|| {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        future.as_mut().poll(&mut cx)
    });
    let result = match first {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => py.detach(|| crate::runtime::block_on_here(future)),
    };
    result.or_raise(py)?.to_py(py)
}

/// An asyncio awaitable of the core call, run on the library's runtime.
fn awaitable_py<'py, T: ToPy + Send + 'static>(
    py: Python<'py>,
    future: impl std::future::Future<Output = crate::Result<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let value = future.await;
        Python::attach(|py| value.or_raise(py)?.to_py(py))
    })
}

// The names the table's rows use for their argument types (results go through `ToPy`).
use super::{Body, Json, Query};
use crate::open_platform::AuthorizationUrlOptions;

/// Expands a table into the `#[pymethods]` of a blocking class (`async: false`) or an asyncio
/// one (`async: true`, every `io` row returns an awaitable under the same name), with the
/// hand-written `extra` items.
macro_rules! python_methods {
    (
        extra { $Class:ident, $is_async:ident, { $($extra:tt)* } }
        io { $( $(#[$m:meta])* fn $name:ident / $name_async:ident ( $recv:ident $(, $arg:ident : $ty:ty $(= $default:ident)?)* $(,)? ) -> $ret:ty $body:block )* }
        pure { $( $(#[$pm:meta])* fn $pname:ident ( $precv:ident $(, $parg:ident : $pty:ty $(= $pdefault:ident)?)* $(,)? ) -> $pret:ty $pbody:block )* }
    ) => {
        #[pymethods]
        impl $Class {
            $($extra)*

            $(
                $(#[$m])*
                #[pyo3(signature = ($($arg $(= $default)?),*))]
                fn $name<'py>(&self, py: Python<'py> $(, $arg: $ty)*) -> PyResult<Bound<'py, PyAny>> {
                    python_methods!(@call $is_async, py, self, $recv, $body)
                }
            )*
            $(
                $(#[$pm])*
                #[pyo3(signature = ($($parg $(= $pdefault)?),*))]
                fn $pname(&self, py: Python<'_> $(, $parg: $pty)*) -> PyResult<Py<PyAny>> {
                    let $precv = &self.0;
                    let value = $pbody;
                    value.or_raise(py)?.to_py(py)
                }
            )*
        }
    };
    (@call false, $py:ident, $self:ident, $recv:ident, $body:block) => {{
        let $recv = &$self.0;
        blocking($py, async move { $body }).map(|v| v.into_bound($py))
    }};
    (@call true, $py:ident, $self:ident, $recv:ident, $body:block) => {{
        let owned = $self.0.clone();
        awaitable_py($py, async move {
            let $recv = &owned;
            $body
        })
    }};
}

/// A third-party platform client (see the Rust `Component`); blocking methods release the
/// GIL. `config_json` is the shared configuration record; `store`, if given, a Python object
/// implementing the store. The `weixinkit` package's `Component` takes typed configurations.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct Component(crate::Component);

/// The same platform client with asyncio methods (each returns an awaitable).
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct AsyncComponent(crate::Component);

/// An Official Account or mini program the platform acts for (blocking methods).
#[pyclass(module = "weixinkit._native", frozen)]
pub struct Authorizer(crate::Authorizer);

/// An authorizer with asyncio methods.
#[pyclass(module = "weixinkit._native", frozen)]
pub struct AsyncAuthorizer(crate::Authorizer);

fn open_component(
    py: Python<'_>,
    config_json: &str,
    store: Option<Py<PyAny>>,
) -> PyResult<crate::Component> {
    let config = crate::ComponentConfig::from_json(config_json).or_raise(py)?;
    match store {
        None => crate::Component::new(config),
        Some(host) => crate::Component::with_store(
            config,
            std::sync::Arc::new(PyHostStore(std::sync::Arc::new(host))),
            std::sync::Arc::new(crate::token::SystemClock),
        ),
    }
    .or_raise(py)
}

/// The Open Platform classes, with the hand-written constructors and factories beside the
/// table's rows (`#[pymethods]` takes no macro calls, so the items are spelled out here).
macro_rules! python_component {
    ($Class:ident, $is_async:ident, $Authorizer:ident, { $($factory:tt)* }) => {
        component_endpoints!(python_methods { $Class, $is_async, {
        #[new]
        #[pyo3(signature = (config_json, store=None))]
        fn new(py: Python<'_>, config_json: &str, store: Option<Py<PyAny>>) -> PyResult<Self> {
            open_component(py, config_json, store).map(Self)
        }

        /// The platform's AppID.
        #[getter]
        fn app_id(&self) -> &str {
            self.0.app_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(app_id={:?})", stringify!($Class), self.0.app_id())
        }

        /// Central-control mode: keep the component access token fresh from a background
        /// task until the returned handle's `stop()` (or its garbage collection).
        fn keep_fresh(&self) -> BackgroundRefresh {
            BackgroundRefresh(self.0.keep_fresh())
        }

        /// The authorizer whose refresh token is stored: its token is refreshed automatically.
        fn authorizer(&self, py: Python<'_>, authorizer_appid: &str) -> PyResult<$Authorizer> {
            self.0.authorizer(authorizer_appid).map($Authorizer).or_raise(py)
        }

        /// The authorizer with an access token used as is (never refreshed).
        fn authorizer_with_access_token(
            &self,
            py: Python<'_>,
            authorizer_appid: &str,
            access_token: &str,
        ) -> PyResult<$Authorizer> {
            self.0
                .authorizer_with_access_token(authorizer_appid, access_token)
                .map($Authorizer)
                .or_raise(py)
        }

        $($factory)*
        } });
    };
}

macro_rules! python_authorizer {
    ($Class:ident, $is_async:ident) => {
        authorizer_endpoints!(python_methods { $Class, $is_async, {
        /// The authorizer's AppID.
        #[getter]
        fn app_id(&self) -> &str {
            self.0.app_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(app_id={:?})", stringify!($Class), self.0.app_id())
        }

        /// Central-control mode: keep this authorizer's access token fresh from a background
        /// task until the returned handle's `stop()` (or its garbage collection).
        fn keep_fresh(&self) -> BackgroundRefresh {
            BackgroundRefresh(self.0.keep_fresh())
        }
        } });
    };
}

python_component!(Component, false, Authorizer, {
    /// The authorizer from a refresh token kept elsewhere (stored durably first).
    fn authorizer_with_refresh_token(
        &self,
        py: Python<'_>,
        authorizer_appid: &str,
        refresh_token: &str,
    ) -> PyResult<Authorizer> {
        py.detach(|| {
            crate::runtime::block_on(
                self.0
                    .authorizer_with_refresh_token(authorizer_appid, refresh_token),
            )
        })
        .map(Authorizer)
        .or_raise(py)
    }
});
python_component!(AsyncComponent, true, AsyncAuthorizer, {
    /// The authorizer from a refresh token kept elsewhere (stored durably first): an
    /// awaitable of the `AsyncAuthorizer`.
    fn authorizer_with_refresh_token<'py>(
        &self,
        py: Python<'py>,
        authorizer_appid: String,
        refresh_token: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.0.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let a = c
                .authorizer_with_refresh_token(&authorizer_appid, &refresh_token)
                .await;
            Python::attach(|py| Py::new(py, AsyncAuthorizer(a.or_raise(py)?)))
        })
    }
});
python_authorizer!(Authorizer, false);
python_authorizer!(AsyncAuthorizer, true);

// --- WeCom ----------------------------------------------------------------------------------

/// A core WeCom client from its configuration JSON, over the host's store when one is given.
fn open_wecom<C, T>(
    py: Python<'_>,
    config: crate::Result<C>,
    store: Option<Py<PyAny>>,
    new: impl FnOnce(C) -> crate::Result<T>,
    with_store: impl FnOnce(
        C,
        std::sync::Arc<dyn crate::store::Store>,
        std::sync::Arc<dyn crate::token::Clock>,
    ) -> crate::Result<T>,
) -> PyResult<T> {
    let config = config.or_raise(py)?;
    match store {
        None => new(config),
        Some(host) => with_store(
            config,
            std::sync::Arc::new(PyHostStore(std::sync::Arc::new(host))),
            std::sync::Arc::new(crate::token::SystemClock),
        ),
    }
    .or_raise(py)
}

/// A WeCom service provider client (see the Rust `wecom::Provider`); blocking methods release
/// the GIL. The `weixinkit` package's `Provider` takes a typed `ProviderConfig`.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct Provider(crate::wecom::Provider);

/// The same provider client with asyncio methods.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct AsyncProvider(crate::wecom::Provider);

/// A WeCom third-party app client (see the Rust `wecom::Suite`); blocking methods release the
/// GIL. The `weixinkit` package's `Suite` takes a typed `SuiteConfig`.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct Suite(crate::wecom::Suite);

/// The same suite client with asyncio methods.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct AsyncSuite(crate::wecom::Suite);

/// A corp the suite acts for (blocking methods).
#[pyclass(module = "weixinkit._native", frozen)]
pub struct Corp(crate::wecom::Corp);

/// A corp the suite acts for, with asyncio methods.
#[pyclass(module = "weixinkit._native", frozen)]
pub struct AsyncCorp(crate::wecom::Corp);

/// A corp's own app (see the Rust `wecom::WorkAccount`); blocking methods release the GIL.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct WorkAccount(crate::wecom::WorkAccount);

/// The same app with asyncio methods.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct AsyncWorkAccount(crate::wecom::WorkAccount);

macro_rules! python_provider {
    ($Class:ident, $is_async:ident) => {
        provider_endpoints!(python_methods { $Class, $is_async, {
        #[new]
        #[pyo3(signature = (config_json, store=None))]
        fn new(py: Python<'_>, config_json: &str, store: Option<Py<PyAny>>) -> PyResult<Self> {
            open_wecom(
                py,
                crate::wecom::ProviderConfig::from_json(config_json),
                store,
                crate::wecom::Provider::new,
                crate::wecom::Provider::with_store,
            )
            .map(Self)
        }

        /// The provider's corp id.
        #[getter]
        fn corp_id(&self) -> &str {
            self.0.corp_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(corp_id={:?})", stringify!($Class), self.0.corp_id())
        }
        } });
    };
}

/// An Official Account (or mini program) with its own AppSecret (see the Rust
/// `OfficialAccount`); blocking methods release the GIL. `config_json` is the shared
/// configuration record; `store`, if given, a Python object implementing the store.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct OfficialAccount(crate::OfficialAccount);

/// The same account with asyncio methods (each `io` row returns an awaitable).
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct AsyncOfficialAccount(crate::OfficialAccount);

macro_rules! python_official_account {
    ($Class:ident, $is_async:ident) => {
        official_account_endpoints!(python_methods { $Class, $is_async, {
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

        /// The AppID.
        #[getter]
        fn app_id(&self) -> &str {
            self.0.app_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(app_id={:?})", stringify!($Class), self.0.app_id())
        }

        /// Central-control mode: keep the access token fresh from a background task until
        /// the returned handle's `stop()` (or its garbage collection).
        fn keep_fresh(&self) -> BackgroundRefresh {
            BackgroundRefresh(self.0.keep_fresh())
        }
        } });
    };
}

macro_rules! python_suite {
    ($Class:ident, $is_async:ident, $Corp:ident) => {
        suite_endpoints!(python_methods { $Class, $is_async, {
        #[new]
        #[pyo3(signature = (config_json, store=None))]
        fn new(py: Python<'_>, config_json: &str, store: Option<Py<PyAny>>) -> PyResult<Self> {
            open_wecom(
                py,
                crate::wecom::SuiteConfig::from_json(config_json),
                store,
                crate::wecom::Suite::new,
                crate::wecom::Suite::with_store,
            )
            .map(Self)
        }

        /// The suite id.
        #[getter]
        fn suite_id(&self) -> &str {
            self.0.suite_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(suite_id={:?})", stringify!($Class), self.0.suite_id())
        }

        /// A corp that installed the suite (its permanent code stored): its corp token is
        /// cached per corp and refreshed automatically.
        fn corp(&self, py: Python<'_>, corp_id: &str) -> PyResult<$Corp> {
            self.0.corp(corp_id).map($Corp).or_raise(py)
        }
        } });
    };
}

macro_rules! python_corp {
    ($Class:ident, $is_async:ident) => {
        corp_endpoints!(python_methods { $Class, $is_async, {
        /// The corp id.
        #[getter]
        fn corp_id(&self) -> &str {
            self.0.corp_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(corp_id={:?})", stringify!($Class), self.0.corp_id())
        }
        } });
    };
}

macro_rules! python_work_account {
    ($Class:ident, $is_async:ident) => {
        work_account_endpoints!(python_methods { $Class, $is_async, {
        #[new]
        #[pyo3(signature = (config_json, store=None))]
        fn new(py: Python<'_>, config_json: &str, store: Option<Py<PyAny>>) -> PyResult<Self> {
            open_wecom(
                py,
                crate::wecom::WorkAccountConfig::from_json(config_json),
                store,
                crate::wecom::WorkAccount::new,
                crate::wecom::WorkAccount::with_store,
            )
            .map(Self)
        }

        /// The corp id.
        #[getter]
        fn corp_id(&self) -> &str {
            self.0.corp_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(corp_id={:?})", stringify!($Class), self.0.corp_id())
        }
        } });
    };
}

/// An Open Platform website app ("log in with WeChat", see the Rust `WebsiteApp`); blocking
/// methods release the GIL. `config_json` is the shared configuration record.
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct WebsiteApp(crate::WebsiteApp);

/// The same website app with asyncio methods (each `io` row returns an awaitable).
#[pyclass(module = "weixinkit._native", frozen, subclass)]
pub struct AsyncWebsiteApp(crate::WebsiteApp);

macro_rules! python_website_app {
    ($Class:ident, $is_async:ident) => {
        website_app_endpoints!(python_methods { $Class, $is_async, {
        #[new]
        fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
            crate::WebsiteAppConfig::from_json(config_json)
                .and_then(crate::WebsiteApp::new)
                .map(Self)
                .or_raise(py)
        }

        /// The AppID.
        #[getter]
        fn app_id(&self) -> &str {
            self.0.app_id()
        }

        fn __repr__(&self) -> String {
            format!("{}(app_id={:?})", stringify!($Class), self.0.app_id())
        }
        } });
    };
}

/// The `state` of an authorization redirect, bound to the caller's session (see the Rust
/// `OAuthState`): `issue(session_value)` on the way out, `verify(state, session_value)` on the
/// way back. The key never shows in its `repr`.
#[pyclass(module = "weixinkit._native", frozen)]
pub struct OAuthState(crate::OAuthState);

oauth_state_endpoints!(python_methods { OAuthState, false, {
    #[new]
    #[pyo3(signature = (key, ttl_secs=None))]
    fn new(py: Python<'_>, key: &str, ttl_secs: Option<i64>) -> PyResult<Self> {
        crate::OAuthState::with_ttl(key, ttl_secs.unwrap_or(crate::oauth::DEFAULT_STATE_TTL_SECS))
            .map(Self)
            .or_raise(py)
    }

    /// How long an issued state stays valid, in seconds.
    #[getter]
    fn ttl_secs(&self) -> i64 {
        self.0.ttl_secs()
    }

    fn __repr__(&self) -> String {
        format!("OAuthState(key='***', ttl_secs={})", self.0.ttl_secs())
    }
} });

python_website_app!(WebsiteApp, false);
python_website_app!(AsyncWebsiteApp, true);
python_provider!(Provider, false);
python_provider!(AsyncProvider, true);
python_suite!(Suite, false, Corp);
python_suite!(AsyncSuite, true, AsyncCorp);
python_corp!(Corp, false);
python_corp!(AsyncCorp, true);
python_work_account!(WorkAccount, false);
python_work_account!(AsyncWorkAccount, true);
python_official_account!(OfficialAccount, false);
python_official_account!(AsyncOfficialAccount, true);

/// The JS-SDK signature (see the Rust `jssdk_signature`).
#[pyfunction]
fn jssdk_signature(jsapi_ticket: &str, nonce_str: &str, timestamp: i64, url: &str) -> String {
    crate::jssdk_signature(jsapi_ticket, nonce_str, timestamp, url)
}

// --- logging --------------------------------------------------------------------------------

/// Forwards the core's records to the standard `logging` module: a record of target
/// `weixinkit::token` goes to the logger `weixinkit.token` (a child of `weixinkit`) as
/// `message key=value …`, with the fields also in `record.weixinkit` (a dict). Runs on the
/// thread that emitted the event, taking the GIL (which every blocking call releases while
/// the core works).
struct PythonLogging;

impl crate::logging::LogSink for PythonLogging {
    fn log(&self, record: crate::logging::LogRecord) {
        use crate::logging::LogLevel;
        let level = match record.level {
            LogLevel::Error => 40,
            LogLevel::Warn => 30,
            LogLevel::Info => 20,
            LogLevel::Debug => 10,
            LogLevel::Trace => 5,
        };
        // try_attach: while the interpreter shuts down (or mid-GC) the record is dropped;
        // attach would panic on whichever thread logged, inside the library's work.
        let _ = Python::try_attach(|py| {
            let emit = || -> PyResult<()> {
                let name = record.target.replace("::", ".");
                let logger = py
                    .import("logging")?
                    .call_method1("getLogger", (name.as_str(),))?;
                if !logger
                    .call_method1("isEnabledFor", (level,))?
                    .extract::<bool>()?
                {
                    return Ok(());
                }
                let fields = PyDict::new(py);
                for (k, v) in &record.fields {
                    fields.set_item(k, v)?;
                }
                let extra = PyDict::new(py);
                extra.set_item("weixinkit", fields)?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("extra", extra)?;
                logger.call_method("log", (level, "%s", record.to_line()), Some(&kwargs))?;
                Ok(())
            };
            // A failing handler must not fail the library's work; Python reports it.
            if let Err(e) = emit() {
                e.write_unraisable(py, None);
            }
        });
    }
}

/// Send the core's events to `logging` (loggers `weixinkit.*`). `level` ("error", "warn",
/// "info", "debug", "trace") is the most verbose level the core emits; by default the
/// `weixinkit` logger's effective level as configured now.
#[pyfunction]
#[pyo3(signature = (level = None))]
fn enable_logging(py: Python<'_>, level: Option<&str>) -> PyResult<()> {
    use crate::logging::LogLevel;
    let level = match level {
        Some(name) => LogLevel::parse(name).or_raise(py)?,
        None => {
            let effective: i64 = py
                .import("logging")?
                .call_method1("getLogger", ("weixinkit",))?
                .call_method0("getEffectiveLevel")?
                .extract()?;
            match effective {
                ..10 => LogLevel::Trace,
                10..20 => LogLevel::Debug,
                20..30 => LogLevel::Info,
                30..40 => LogLevel::Warn,
                _ => LogLevel::Error,
            }
        }
    };
    crate::logging::set_log_sink(std::sync::Arc::new(PythonLogging), level).or_raise(py)
}

/// Stop sending the core's events to `logging`.
#[pyfunction]
fn disable_logging() {
    crate::logging::clear_log_sink();
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
    m.add_class::<AsyncOfficialAccount>()?;
    m.add_class::<crate::UserAccessToken>()?;
    m.add_class::<crate::OAuthUserInfo>()?;
    m.add_class::<crate::UserInfo>()?;
    m.add_class::<crate::MiniProgramSession>()?;
    m.add_class::<Component>()?;
    m.add_class::<AsyncComponent>()?;
    m.add_class::<Authorizer>()?;
    m.add_class::<AsyncAuthorizer>()?;
    m.add_class::<CallbackResponse>()?;
    m.add_class::<crate::open_platform::Authorization>()?;
    m.add_class::<crate::open_platform::PreAuthCode>()?;
    m.add_class::<crate::open_platform::AuthorizerList>()?;
    m.add_class::<crate::open_platform::AuthorizerListItem>()?;
    m.add_class::<BackgroundRefresh>()?;
    m.add_class::<Provider>()?;
    m.add_class::<AsyncProvider>()?;
    m.add_class::<Suite>()?;
    m.add_class::<AsyncSuite>()?;
    m.add_class::<Corp>()?;
    m.add_class::<AsyncCorp>()?;
    m.add_class::<WorkAccount>()?;
    m.add_class::<AsyncWorkAccount>()?;
    m.add_class::<crate::wecom::PermanentCode>()?;
    m.add_class::<WebsiteApp>()?;
    m.add_class::<AsyncWebsiteApp>()?;
    m.add_class::<OAuthState>()?;
    m.add_function(wrap_pyfunction!(jssdk_signature, m)?)?;
    m.add_function(wrap_pyfunction!(enable_logging, m)?)?;
    m.add_function(wrap_pyfunction!(disable_logging, m)?)?;
    // Async methods run on the library's runtime; asyncio awaits them.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(crate::runtime::runtime());
    Ok(())
}
