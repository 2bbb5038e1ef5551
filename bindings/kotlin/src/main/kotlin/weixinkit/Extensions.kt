// Small conveniences over the generated bindings. All behaviour lives in the Rust library.

package weixinkit

/**
 * The WXBizMsgCrypt code (-40001 … -40011) of any weixinkit error, without matching on the
 * variant first: `catch (e: WeixinkitException) { log(e.code) }`.
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
    }

/** Which check failed, in words (never contains the token or the key). */
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
    }

/**
 * The first text at `path` (`"ExtraInfo/AuthOpenKfIdList/OpenKfId"`), or null when the push has
 * no such element. [Message.fields] holds every value of repeated elements.
 */
fun Message.field(path: String): String? = fields[path]?.firstOrNull()
