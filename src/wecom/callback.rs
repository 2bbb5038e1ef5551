//! The suite's data/command callback URL: URL verification, then verify, decrypt, parse, run
//! the install lifecycle step, answer.

use crate::{CallbackRequest, CallbackResponse, Error, Event};

use super::suite::Suite;

fn reply(status: u16, body: &str) -> CallbackResponse {
    CallbackResponse {
        status,
        body: body.to_string(),
        message: None,
        plaintext: None,
    }
}

fn check_failed(e: Error) -> CallbackResponse {
    match e {
        Error::InvalidSignature | Error::StaleTimestamp(_) | Error::ReceiverIdMismatch { .. } => {
            reply(403, &e.to_string())
        }
        other => reply(400, &other.to_string()),
    }
}

impl Suite {
    /// Forget a push that [`handle_callback`](Self::handle_callback) answered 200 when your
    /// own handling of it then failed (your handler raised): with
    /// `callback.replay_window_seconds` on, WeCom's retry of it is then handled instead of
    /// refused with 409. `query` is the request's query, as it was handled. Nothing to do with
    /// the window off; a store failure is returned, and the retry is then refused until the
    /// window ends.
    pub async fn forget_push(&self, query: &[(String, String)]) -> crate::Result<()> {
        let callback = &self.inner.config.callback;
        crate::replay::forget(
            callback,
            &self.inner.tokens,
            self.suite_id(),
            query,
            "msg_signature",
        )
        .await
    }

    /// Handle a request to the suite's callback URL, as any web framework sees it:
    ///
    /// - `GET …&echostr=` (URL verification): check the signature, decrypt `echostr` (receiver
    ///   id: the suite id, or the provider's corp id when configured) and answer 200 with the
    ///   bare plaintext;
    /// - `POST`: verify, decrypt and parse the push, then run its lifecycle step —
    ///   `suite_ticket` is stored; `create_auth` exchanges the auth code (v2) and stores the
    ///   permanent code (a repeated push of an auth code this suite already exchanged, within
    ///   the code's 10-minute lifetime, is answered `success` and changes nothing);
    ///   `reset_permanent_code` stores the renewed one; `cancel_auth` forgets the corp's
    ///   permanent code and token — and answer 200 `success`. Every other push
    ///   (`change_auth`, `change_contact`, …) is only parsed: hand `message` to your handler.
    ///
    /// A bad signature or receiver id is a 403 (and nothing is stored); a malformed request a
    /// 400; a failed lifecycle step a 500, so that WeCom pushes again. With
    /// `callback.replay_window_seconds` on, a push outside the window is a 403 and one
    /// already received within it a 409 ([`crate::CallbackOptions`]); URL verification is
    /// not a push and is not recorded.
    pub async fn handle_callback(&self, request: &CallbackRequest) -> CallbackResponse {
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
        if request.method.eq_ignore_ascii_case("GET") {
            let Some(echostr) = param("echostr") else {
                return reply(400, "URL verification needs echostr");
            };
            return match self
                .inner
                .verify_crypto
                .verify_url(signature, timestamp, nonce, echostr)
            {
                Ok(plain) => reply(200, &plain),
                Err(e) => check_failed(e),
            };
        }
        if !request.method.eq_ignore_ascii_case("POST") {
            return reply(405, "the suite callback URL takes GET and POST");
        }
        let decrypted = self
            .inner
            .crypto
            .decrypt_body(signature, timestamp, nonce, &request.body)
            .and_then(|plain| crate::parse_message(&plain).map(|m| (m, plain)));
        let (message, plaintext) = match decrypted {
            Ok(m) => m,
            Err(e) => return check_failed(e),
        };
        let admitted = match crate::replay::admit(
            &self.inner.config.callback,
            &self.inner.tokens,
            self.suite_id(),
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
            Event::SuiteTicket { suite_id, .. }
            | Event::CreateAuth { suite_id, .. }
            | Event::ResetPermanentCode { suite_id, .. }
            | Event::CancelAuth { suite_id, .. }
                if suite_id != self.suite_id() =>
            {
                // Encrypted for this suite but naming another: refuse rather than store it.
                Err(Error::parse(format!(
                    "the push names suite {suite_id}, not {}",
                    self.suite_id()
                )))
            }
            Event::SuiteTicket { ticket, .. } => self.store_suite_ticket(ticket).await,
            Event::CreateAuth { auth_code, .. } | Event::ResetPermanentCode { auth_code, .. } => {
                self.exchange_pushed_auth_code(auth_code).await
            }
            Event::CancelAuth { auth_corp_id, .. } => self.forget_corp(auth_corp_id).await,
            _ => Ok(()),
        };
        if step.is_err() {
            crate::replay::release(&self.inner.tokens, admitted).await;
        }
        match step {
            Ok(()) => CallbackResponse {
                status: 200,
                body: "success".into(),
                message: Some(message),
                plaintext: Some(plaintext),
            },
            Err(e @ Error::Parse(_)) => reply(400, &e.to_string()),
            Err(e) => CallbackResponse {
                status: 500,
                body: format!("lifecycle step failed: {e}"),
                message: Some(message),
                plaintext: Some(plaintext),
            },
        }
    }
}
