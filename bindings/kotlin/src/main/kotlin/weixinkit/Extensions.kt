// Small conveniences over the generated bindings. All behaviour lives in the Rust library.

package weixinkit

/**
 * The code of any weixinkit error, without matching on the variant first:
 * `catch (e: WeixinkitException) { log(e.kind, e.code) }`. The WXBizMsgCrypt code
 * (-40001 … -40011) for crypto failures, WeChat's `errcode` for [WeixinkitException.Api]
 * (40001, 45009, …), weixinkit's own -500xx for transport, store and configuration failures.
 */
val WeixinkitException.code: Int
    get() = when (this) {
        is WeixinkitException.InvalidAesKey -> code
        is WeixinkitException.InvalidSignature -> code
        is WeixinkitException.StaleTimestamp -> code
        is WeixinkitException.InvalidBase64 -> code
        is WeixinkitException.InvalidCiphertext -> code
        is WeixinkitException.InvalidPadding -> code
        is WeixinkitException.InvalidBuffer -> code
        is WeixinkitException.ReceiverIdMismatch -> code
        is WeixinkitException.Parse -> code
        is WeixinkitException.InvalidInput -> code
        is WeixinkitException.Api -> code
        is WeixinkitException.Transport -> code
        is WeixinkitException.Timeout -> code
        is WeixinkitException.HttpStatus -> code
        is WeixinkitException.Decode -> code
        is WeixinkitException.Store -> code
        is WeixinkitException.Config -> code
        is WeixinkitException.TokenUnavailable -> code
        is WeixinkitException.Ticket -> code
        is WeixinkitException.ReauthorizationNeeded -> code
        is WeixinkitException.OauthCode -> code
        is WeixinkitException.Internal -> code
    }

/** What failed, in words (never contains a secret, a token or a key). */
val WeixinkitException.reason: String
    get() = when (this) {
        is WeixinkitException.InvalidAesKey -> reason
        is WeixinkitException.InvalidSignature -> reason
        is WeixinkitException.StaleTimestamp -> reason
        is WeixinkitException.InvalidBase64 -> reason
        is WeixinkitException.InvalidCiphertext -> reason
        is WeixinkitException.InvalidPadding -> reason
        is WeixinkitException.InvalidBuffer -> reason
        is WeixinkitException.ReceiverIdMismatch -> reason
        is WeixinkitException.Parse -> reason
        is WeixinkitException.InvalidInput -> reason
        is WeixinkitException.Api -> reason
        is WeixinkitException.Transport -> reason
        is WeixinkitException.Timeout -> reason
        is WeixinkitException.HttpStatus -> reason
        is WeixinkitException.Decode -> reason
        is WeixinkitException.Store -> reason
        is WeixinkitException.Config -> reason
        is WeixinkitException.TokenUnavailable -> reason
        is WeixinkitException.Ticket -> reason
        is WeixinkitException.ReauthorizationNeeded -> reason
        is WeixinkitException.OauthCode -> reason
        is WeixinkitException.Internal -> reason
    }

/**
 * The stable, language-neutral name of the failure (`invalid_signature`, `api`, `store`, …):
 * the same `kind` Python's and PHP's errors carry.
 */
val WeixinkitException.kind: String
    get() = when (this) {
        is WeixinkitException.InvalidAesKey -> "invalid_aes_key"
        is WeixinkitException.InvalidSignature -> "invalid_signature"
        is WeixinkitException.StaleTimestamp -> "stale_timestamp"
        is WeixinkitException.InvalidBase64 -> "invalid_base64"
        is WeixinkitException.InvalidCiphertext -> "invalid_ciphertext"
        is WeixinkitException.InvalidPadding -> "invalid_padding"
        is WeixinkitException.InvalidBuffer -> "invalid_buffer"
        is WeixinkitException.ReceiverIdMismatch -> "receiver_id_mismatch"
        is WeixinkitException.Parse -> "parse"
        is WeixinkitException.InvalidInput -> "invalid_input"
        is WeixinkitException.Api -> "api"
        is WeixinkitException.Transport -> "transport"
        is WeixinkitException.Timeout -> "timeout"
        is WeixinkitException.HttpStatus -> "http_status"
        is WeixinkitException.Decode -> "decode"
        is WeixinkitException.Store -> "store"
        is WeixinkitException.Config -> "config"
        is WeixinkitException.TokenUnavailable -> "token_unavailable"
        is WeixinkitException.Ticket -> "ticket"
        is WeixinkitException.ReauthorizationNeeded -> "reauthorization_needed"
        is WeixinkitException.OauthCode -> "oauth_code"
        is WeixinkitException.Internal -> "internal"
    }

/**
 * The first text at `path` (`"ExtraInfo/AuthOpenKfIdList/OpenKfId"`), or null when the push has
 * no such element. [Message.fields] holds every value of repeated elements.
 */
fun Message.field(path: String): String? = fields[path]?.firstOrNull()

/**
 * Handle a request to the account's server URL and answer the message: [handler] gets the
 * typed [Message] of a verified request (status 200 only) and returns a reply as JSON
 * (`{"type":"text","content":"…"}`, or `image`, `voice`, `video`, `music`, `news`,
 * `transfer_customer_service`), or null to answer `success`. The reply is addressed back to
 * the user and encrypted when the request was. Forged requests answer 403 and never reach
 * [handler]; with `callback.replayWindowSeconds` configured, a push outside the window answers
 * 403 and one already received within it 409, without reaching [handler] either. When
 * [handler] throws, or its reply cannot be built, the message is forgotten ([forgetPush])
 * before the exception propagates, so that WeChat's retry is handled rather than refused.
 */
fun OfficialAccount.handleMessage(
    method: String,
    query: Map<String, String>,
    body: String,
    handler: (Message) -> String?,
): CallbackResponse {
    val result = handleMessage(method, query, body)
    val message = result.message ?: return result
    val plaintext = result.plaintext ?: return result
    if (result.status != 200) return result
    return forgettingOnFailure({ forgetPush(query) }) {
        val reply = handler(message) ?: return@forgettingOnFailure result
        result.copy(body = replyBody(query, plaintext, reply))
    }
}

/**
 * [handleMessage] without blocking the caller's thread: the request is checked (and admitted
 * through the replay window, which may read the store) on weixinkit's runtime, and [handler]
 * may suspend.
 */
suspend fun OfficialAccount.handleMessageAsync(
    method: String,
    query: Map<String, String>,
    body: String,
    handler: suspend (Message) -> String?,
): CallbackResponse {
    val result = handleMessageAsync(method, query, body)
    val message = result.message ?: return result
    val plaintext = result.plaintext ?: return result
    if (result.status != 200) return result
    return forgettingOnFailure({ forgetPushAsync(query) }) {
        val reply = handler(message) ?: return@forgettingOnFailure result
        result.copy(body = replyBody(query, plaintext, reply))
    }
}

/**
 * [handle] for a push answered 200; whatever it throws is thrown on after [forget] forgot the
 * push in the replay window, so that WeChat's retry is handled rather than refused as a replay
 * (409). A failure to forget is attached to that exception as suppressed: the retry is then
 * refused until the window ends.
 */
private inline fun <T> forgettingOnFailure(forget: () -> Unit, handle: () -> T): T =
    try {
        handle()
    } catch (e: Throwable) {
        try {
            forget()
        } catch (failure: Exception) {
            e.addSuppressed(failure)
        }
        throw e
    }
