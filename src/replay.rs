//! The replay window of the callback handlers (`callback.replay_window_seconds`): a verified
//! push is admitted once per `(timestamp, nonce, msg_signature)` within the window, across
//! every process sharing the store.

use std::time::Duration;

use crate::config::CallbackOptions;
use crate::store::{self, Key, Kind};
use crate::token::TokenManager;
use crate::CallbackResponse;

/// A push admitted through the window: its record, to forget if its lifecycle step fails.
pub(crate) struct Admitted(Option<Key>);

impl Admitted {
    /// Nothing recorded (the window is off, or the request was refused before it).
    pub(crate) fn none() -> Self {
        Admitted(None)
    }
}

fn refuse(status: u16, body: String) -> CallbackResponse {
    CallbackResponse {
        status,
        body,
        message: None,
        plaintext: None,
    }
}

/// The record of one push to one account.
fn seen_key(
    tokens: &TokenManager,
    owner: &str,
    timestamp: &str,
    nonce: &str,
    signature: &str,
) -> Key {
    let seen = store::fingerprint(&format!("{timestamp}\n{nonce}\n{signature}"));
    Key::new(&tokens.options().key_prefix, Kind::SeenPush, owner, &seen)
}

/// Admit a push whose signature was verified: with the window on, a timestamp further than
/// the window from now is a 403, and a `(timestamp, nonce, signature)` already admitted
/// within the window a 409; the store failing is a 500 (WeChat pushes again). `owner` is the
/// account whose callback URL received it.
pub(crate) async fn admit(
    options: &CallbackOptions,
    tokens: &TokenManager,
    owner: &str,
    timestamp: &str,
    nonce: &str,
    signature: &str,
) -> Result<Admitted, CallbackResponse> {
    let window = options.replay_window_seconds;
    if window == 0 {
        return Ok(Admitted::none());
    }
    let now = tokens.clock().now();
    let Ok(ts) = timestamp.parse::<i64>() else {
        return Err(refuse(
            403,
            crate::Error::StaleTimestamp(format!("timestamp {timestamp:?} is not a number"))
                .to_string(),
        ));
    };
    let skew = now.abs_diff(ts);
    if skew > window {
        return Err(refuse(
            403,
            crate::Error::StaleTimestamp(format!(
                "timestamp {ts} is {skew} s from now, outside the {window} s replay window"
            ))
            .to_string(),
        ));
    }
    let key = seen_key(tokens, owner, timestamp, nonce, signature);
    let prefix = &tokens.options().key_prefix;
    // One lock per account rather than per push: stores whose locks are files keep one.
    let lock = Key::new(prefix, Kind::SeenPush, owner, owner);
    let record = serde_json::json!({"timestamp": ts, "seen_at": now}).to_string();
    match tokens
        .store()
        .set_if_absent(
            key.data(),
            lock.lock(),
            &record,
            Duration::from_secs(window),
        )
        .await
    {
        Ok(true) => Ok(Admitted(Some(key))),
        Ok(false) => Err(refuse(
            409,
            format!(
                "replayed push: this timestamp, nonce and signature were already received \
                 within the {window} s replay window"
            ),
        )),
        Err(e) => Err(refuse(
            500,
            format!("the replay window could not be checked: {e}"),
        )),
    }
}

/// Forget an admitted push that was not handled (its lifecycle step failed, or an Official
/// Account's message could not be parsed or answered), so that WeChat's retry is admitted.
pub(crate) async fn release(tokens: &TokenManager, admitted: Admitted) {
    if let Some(key) = admitted.0 {
        // Best effort: if the store is down, the retry is refused until the window ends.
        let _ = tokens.store().delete(key.data()).await;
    }
}

/// Forget the record of a push that was answered 200 but whose handling then failed in the
/// caller's own code, so that WeChat's retry of it is handled rather than refused as a replay.
/// `signature_param` names the query parameter the push was admitted by. Nothing to do with
/// the window off; a store failure is returned (the retry is then refused until the window
/// ends).
pub(crate) async fn forget(
    options: &CallbackOptions,
    tokens: &TokenManager,
    owner: &str,
    query: &[(String, String)],
    signature_param: &str,
) -> crate::Result<()> {
    if options.replay_window_seconds == 0 {
        return Ok(());
    }
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| {
                crate::Error::invalid_argument(format!(
                    "the push's query has no `{name}`: pass the query it was handled with"
                ))
            })
    };
    let key = seen_key(
        tokens,
        owner,
        param("timestamp")?,
        param("nonce")?,
        param(signature_param)?,
    );
    tokens.store().delete(key.data()).await
}
