//! # weixinkit
//!
//! The hard parts of the WeChat and WeCom third-party platforms in one Rust core, with the
//! same behaviour from Rust, Python, Kotlin and PHP.
//!
//! What is here:
//! - [`MessageCrypto`]: WXBizMsgCrypt done strictly (URL verification, decrypting pushes in
//!   XML or JSON envelopes, encrypting passive replies), with an explicit
//!   [`ReceiverIdPolicy`] and an optional timestamp window; [`check_signature`] for the plain
//!   Official Account server check;
//! - [`parse_message`]: typed [`Event`]s for platform pushes and user messages, every field
//!   kept; [`text_reply`], [`image_reply`], [`news_reply`]: passive replies;
//! - the token engine ([`token`], [`store`]): access tokens and tickets cached in a store
//!   shared by threads, processes and machines (memory, file, Redis, or the host's), fetched
//!   once per key however many callers miss, retried once after a token error;
//! - [`OfficialAccount`]: the access token (`token` or `stable_token`), the JS-SDK ticket and
//!   signature, `get` / `post_json` for any endpoint, web authorization of users, follower
//!   records, mini program login and the server URL handler with passive replies;
//! - [`oauth`]: [`WebsiteApp`] ("log in with WeChat"), the user-token records and
//!   [`OAuthState`], the CSRF-safe `state` of a redirect;
//! - [`Component`] ([`open_platform`]): the third-party platform's whole authorization
//!   lifecycle, the callback handler, and [`Authorizer`]s acting on behalf;
//! - [`wecom`]: WeCom service providers and third-party apps ([`wecom::Provider`],
//!   [`wecom::Suite`] with its install lifecycle and callback handler, [`wecom::Corp`]s it acts
//!   for) and corps' own apps ([`wecom::WorkAccount`]);
//! - [`ffi`]: the foreign facades (uniffi for Kotlin, PyO3 for Python, a C ABI for PHP), whose
//!   Open Platform methods all expand from one table, [`ffi::endpoints`];
//! - [`blocking`]: the same clients without `async`.
//!
//! Errors are one type, [`Error`]: a stable [`Error::kind`] (listed in [`ERROR_KINDS`]), the
//! code users search for ([`Error::code`]: WXBizMsgCrypt's for crypto failures, WeChat's
//! `errcode` for API errors, weixinkit's own -500xx otherwise) and, for API errors, WeChat's
//! [`Error::errmsg`] and the [`Error::endpoint`].
//!
//! ```
//! use weixinkit::{Event, MessageCrypto};
//!
//! // What WeChat does: encrypt a push and sign it.
//! let crypto = MessageCrypto::new("token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx1")?;
//! let push = "<xml><AppId>wx1</AppId><CreateTime>1700000000</CreateTime>\
//!     <InfoType>component_verify_ticket</InfoType>\
//!     <ComponentVerifyTicket>ticket@@@abc</ComponentVerifyTicket></xml>";
//! let encrypt = crypto.encrypt(push)?;
//! let sig = weixinkit::msg_signature("token", "1700000000", "nonce", &encrypt);
//! let body = format!("<xml><AppId>wx1</AppId><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
//!
//! // What your callback does: verify, decrypt, parse.
//! let message = crypto.decrypt_message(&sig, "1700000000", "nonce", &body)?;
//! match message.event {
//!     Event::ComponentVerifyTicket { ticket, .. } => assert_eq!(ticket, "ticket@@@abc"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), weixinkit::Error>(())
//! ```
#![warn(missing_docs)]

mod api;
// The endpoint tables' macros are used by `blocking` too.
#[macro_use]
pub mod ffi;
pub mod blocking;
pub mod config;
pub mod crypto;
mod error;
pub mod http;
pub mod logging;
pub mod message;
pub mod oauth;
pub mod official_account;
pub mod open_platform;
mod replay;
pub mod runtime;
pub mod store;
pub mod token;
pub mod wecom;

pub use config::{
    CallbackOptions, HttpOptions, OfficialAccountConfig, RetryPolicy, StoreConfig, TokenEndpoint,
    TokenOptions,
};
pub use crypto::{
    check_signature, decode_aes_key, msg_signature, CryptoOptions, MessageCrypto, ReceiverIdPolicy,
};
pub use error::{codes, Error, Result, KINDS as ERROR_KINDS};
pub use message::{
    image_reply, news_reply, parse_message, text_reply, Article, AuthorizationNotice, Event,
    Message, MessageHeader, Reply,
};
pub use oauth::{
    MiniProgramSession, OAuthState, OAuthUserInfo, UserAccessToken, UserInfo, WebsiteApp,
    WebsiteAppConfig,
};
pub use official_account::{jssdk_signature, JsSdkConfig, OfficialAccount};
pub use open_platform::{
    Authorizer, CallbackRequest, CallbackResponse, Component, ComponentConfig,
};
pub use token::Token;

// uniffi's generated code refers to `crate::UniFfiTag`; the scaffolding lives in `ffi::uniffi`.
#[doc(hidden)]
pub use ffi::uniffi::UniFfiTag;
