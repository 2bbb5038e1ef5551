//! The authorization event URL: verify, decrypt, parse, run the lifecycle step, answer.

use serde::{Deserialize, Serialize};

use crate::{Error, Event, Message};

use super::Component;

/// An HTTP request to the authorization event URL, as any web framework sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The query parameters (`msg_signature`, `timestamp`, `nonce`, …), URL-decoded.
    pub query: Vec<(String, String)>,
    /// The raw body.
    pub body: String,
}

/// What to answer, and what arrived. Its Debug form shows the plaintext's length only (it
/// holds tickets and codes) and the message with its credentials as `***`.
#[derive(Clone, PartialEq, Serialize)]
pub struct CallbackResponse {
    /// HTTP status: 200, 400 (malformed), 403 (signature, receiver or timestamp check
    /// failed), 405, 409 (a replayed push, with `callback.replay_window_seconds` on), or 500
    /// (the lifecycle step failed: WeChat will push again).
    pub status: u16,
    /// The body: `success` on 200, a short reason otherwise.
    pub body: String,
    /// The verified, decrypted push (after the built-in lifecycle step ran).
    pub message: Option<Message>,
    /// The decrypted XML the message was parsed from.
    pub plaintext: Option<String>,
}

impl std::fmt::Debug for CallbackResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackResponse")
            .field("status", &self.status)
            .field("body", &self.body)
            .field("message", &self.message)
            .field(
                "plaintext",
                &self
                    .plaintext
                    .as_ref()
                    .map(|p| format!("<{} bytes>", p.len())),
            )
            .finish()
    }
}

impl CallbackResponse {
    /// The answer to a request whose body is not UTF-8 (no WeChat push is): 400, nothing
    /// stored. Hosts that receive bytes use it, so every language answers alike.
    pub fn not_utf8() -> Self {
        CallbackResponse {
            status: 400,
            body: "the request body is not UTF-8".into(),
            message: None,
            plaintext: None,
        }
    }
}

impl Component {
    /// Forget a push that [`handle_callback`](Self::handle_callback) answered 200 when your own
    /// handling of it then failed (your handler raised): with
    /// `callback.replay_window_seconds` on, WeChat's retry of it is then handled instead of
    /// refused with 409. `query` is the request's query, as it was handled. Nothing to do with
    /// the window off; a store failure is returned, and the retry is then refused until the
    /// window ends.
    pub async fn forget_push(&self, query: &[(String, String)]) -> crate::Result<()> {
        let callback = &self.inner.config.callback;
        crate::replay::forget(
            callback,
            &self.inner.tokens,
            self.app_id(),
            query,
            "msg_signature",
        )
        .await
    }

    /// Handle a request to the authorization event URL: verify, decrypt, parse, apply the
    /// lifecycle (store the ticket; on `authorized` / `updateauthorized` exchange the code and
    /// persist; on `unauthorized` forget the authorizer), and say what to answer. The caller
    /// then hands `message` to its own handler. With `callback.replay_window_seconds` on, a
    /// push outside the window is a 403 and one already received within it a 409
    /// ([`crate::CallbackOptions`]).
    pub async fn handle_callback(&self, request: &CallbackRequest) -> CallbackResponse {
        let reply = |status: u16, body: &str| CallbackResponse {
            status,
            body: body.to_string(),
            message: None,
            plaintext: None,
        };
        if !request.method.eq_ignore_ascii_case("POST") {
            return reply(405, "the authorization event URL takes POST");
        }
        let param = |name: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let (Some(signature), Some(timestamp), Some(nonce)) =
            (param("msg_signature"), param("timestamp"), param("nonce"))
        else {
            return reply(400, "msg_signature, timestamp and nonce are required");
        };
        let decrypted = self
            .inner
            .crypto
            .decrypt_body(signature, timestamp, nonce, &request.body)
            .and_then(|plain| crate::parse_message(&plain).map(|m| (m, plain)));
        let (message, plaintext) = match decrypted {
            Ok(m) => m,
            Err(
                e @ (Error::InvalidSignature
                | Error::StaleTimestamp(_)
                | Error::ReceiverIdMismatch { .. }),
            ) => return reply(403, &e.to_string()),
            Err(e) => return reply(400, &e.to_string()),
        };
        let admitted = match crate::replay::admit(
            &self.inner.config.callback,
            &self.inner.tokens,
            self.app_id(),
            timestamp,
            nonce,
            signature,
        )
        .await
        {
            Ok(admitted) => admitted,
            Err(refused) => return refused,
        };
        let step = match &message.event {
            Event::ComponentVerifyTicket { ticket, .. } => self.store_verify_ticket(ticket).await,
            Event::Authorized { notice } | Event::UpdateAuthorized { notice } => {
                match self.query_auth(&notice.authorization_code).await {
                    // The code was already exchanged (a repeated push, or the redirect's
                    // auth_code went through query_auth first): nothing is lost if a refresh
                    // token is stored, and answering 500 would make WeChat push forever.
                    Err(Error::Api { errcode: 61009, .. })
                        if self
                            .refresh_token(&notice.authorizer_appid)
                            .await
                            .is_ok_and(|t| t.is_some()) =>
                    {
                        Ok(())
                    }
                    other => other.map(|_| ()),
                }
            }
            Event::Unauthorized {
                authorizer_appid, ..
            } => match self.forget_authorizer(authorizer_appid).await {
                Ok(()) => self
                    .remember_reauthorization(
                        authorizer_appid,
                        crate::codes::NOT_AUTHORIZED as i64,
                        "an unauthorized push said it revoked the authorization",
                    )
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            },
            _ => Ok(()),
        };
        match step {
            Ok(()) => CallbackResponse {
                status: 200,
                body: "success".into(),
                message: Some(message),
                plaintext: Some(plaintext),
            },
            Err(e) => {
                crate::replay::release(&self.inner.tokens, admitted).await;
                CallbackResponse {
                    status: 500,
                    body: format!("lifecycle step failed: {e}"),
                    message: Some(message),
                    plaintext: Some(plaintext),
                }
            }
        }
    }
}
