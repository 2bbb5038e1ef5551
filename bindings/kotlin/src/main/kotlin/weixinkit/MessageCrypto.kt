// MessageCrypto, checkSignature, parseMessage, textReply and imageReply: the calls a callback
// server makes on every push, over JNI (src/ffi/jni.rs) instead of uniffi's JNA glue, which costs tens of
// microseconds per call (Structures and RustBuffer round trips) where the work takes about
// one. uniffi.toml excludes them from the generated code; the API, the doc comments
// (udl/weixinkit.udl) and the errors are the generated ones: results and errors cross as
// uniffi's own serialization and are read with the generated converters.

package weixinkit

import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * WXBizMsgCrypt: signature check, AES-256-CBC with PKCS#7-to-32 padding, receiver id check.
 *
 * Thread-safe: share one per account. `AutoCloseable`: `use {}` (try-with-resources in Java)
 * frees the native object at once, otherwise a cleaner frees it after garbage collection.
 * Calls on a closed object throw [IllegalStateException].
 */
class MessageCrypto private constructor(private val handle: Long) : Disposable, AutoCloseable {

    /**
     * `receiverId` is checked exactly: the appid (Official Account, Open Platform component),
     * the corpid or suite id (WeCom), or "" (WeCom bots).
     */
    @Throws(WeixinkitException::class)
    constructor(token: String, encodingAesKey: String, receiverId: String) :
        this(JniCrypto.create(token.utf8(), encodingAesKey.utf8(), receiverId.utf8()).handle())

    private val cleanable: UniffiCleaner.Cleanable = UniffiLib.CLEANER.register(this, Free(handle))
    private val wasDestroyed = AtomicBoolean(false)
    private val callCounter = AtomicLong(1)

    /** Whether [close] (or [destroy]) has released the native object. */
    val uniffiIsDestroyed: Boolean get() = wasDestroyed.get()

    /** Decrypt the `Encrypt` value of a push after checking `msg_signature`. */
    @Throws(WeixinkitException::class)
    fun decrypt(msgSignature: String, timestamp: String, nonce: String, encrypt: String): String =
        call { JniCrypto.decrypt(it, msgSignature.utf8(), timestamp.utf8(), nonce.utf8(), encrypt.utf8()) }.string()

    /** Decrypt a whole POST body: the XML envelope (`<Encrypt>`) or the JSON one (`"encrypt"`). */
    @Throws(WeixinkitException::class)
    fun decryptBody(msgSignature: String, timestamp: String, nonce: String, body: String): String =
        call { JniCrypto.decryptBody(it, msgSignature.utf8(), timestamp.utf8(), nonce.utf8(), body.utf8()) }.string()

    /** [decryptBody] and [parseMessage] in one call. */
    @Throws(WeixinkitException::class)
    fun decryptMessage(msgSignature: String, timestamp: String, nonce: String, body: String): Message =
        call { JniCrypto.decryptMessage(it, msgSignature.utf8(), timestamp.utf8(), nonce.utf8(), body.utf8()) }.message()

    /**
     * WeCom URL verification: check `msg_signature` over `echostr`, decrypt it and return the
     * plaintext to answer the GET with.
     */
    @Throws(WeixinkitException::class)
    fun verifyUrl(msgSignature: String, timestamp: String, nonce: String, echostr: String): String =
        call { JniCrypto.verifyUrl(it, msgSignature.utf8(), timestamp.utf8(), nonce.utf8(), echostr.utf8()) }.string()

    /** Encrypt a passive reply into the XML envelope (Encrypt, MsgSignature, TimeStamp, Nonce). */
    @Throws(WeixinkitException::class)
    fun encryptReply(plaintext: String, timestamp: String, nonce: String): String =
        call { JniCrypto.encryptReply(it, plaintext.utf8(), timestamp.utf8(), nonce.utf8()) }.string()

    /** Encrypt a passive reply into the JSON envelope (encrypt, msgsignature, timestamp, nonce). */
    @Throws(WeixinkitException::class)
    fun encryptReplyJson(plaintext: String, timestamp: String, nonce: String): String =
        call { JniCrypto.encryptReplyJson(it, plaintext.utf8(), timestamp.utf8(), nonce.utf8()) }.string()

    /** Releases the native object once no call is using it; later calls throw. */
    override fun destroy() {
        if (wasDestroyed.compareAndSet(false, true) && callCounter.decrementAndGet() == 0L) {
            cleanable.clean()
        }
    }

    override fun close() = destroy()

    override fun toString(): String = "MessageCrypto(${if (uniffiIsDestroyed) "closed" else "open"})"

    // The counter holds 1 while open plus one per running call; whoever takes it to 0 frees.
    private inline fun <R> call(block: (Long) -> R): R {
        do {
            val c = callCounter.get()
            check(c != 0L) { "MessageCrypto object has already been destroyed" }
            check(c != Long.MAX_VALUE) { "MessageCrypto call counter would overflow" }
        } while (!callCounter.compareAndSet(c, c + 1L))
        try {
            return block(handle)
        } finally {
            if (callCounter.decrementAndGet() == 0L) cleanable.clean()
        }
    }

    /** Captures the handle only, never the object, or it would never become unreachable. */
    private class Free(private val handle: Long) : Runnable {
        override fun run() = JniCrypto.free(handle)
    }

    companion object {
        /** Full control over the receiver id policy and the timestamp freshness window. */
        @JvmStatic
        @Throws(WeixinkitException::class)
        fun withOptions(token: String, encodingAesKey: String, options: CryptoOptions): MessageCrypto {
            val buf = ByteBuffer.allocate(FfiConverterTypeCryptoOptions.allocationSize(options).toInt())
            FfiConverterTypeCryptoOptions.write(options, buf)
            val bytes = buf.array().copyOf(buf.position())
            return MessageCrypto(JniCrypto.createWithOptions(token.utf8(), encodingAesKey.utf8(), bytes).handle())
        }
    }
}

/**
 * Plain Official Account server check (no encryption): true when `signature` is the SHA-1
 * of the sorted [token, timestamp, nonce]. Answer the GET with `echostr` unchanged only when
 * this is true. Compared in constant time.
 */
fun checkSignature(token: String, signature: String, timestamp: String, nonce: String): Boolean =
    JniCrypto.checkSignature(token.utf8(), signature.utf8(), timestamp.utf8(), nonce.utf8())

/**
 * Parse a decrypted push (XML, or the JSON some WeCom and mini program callbacks use) into
 * a typed event plus every element's text, so nothing is lost.
 */
@Throws(WeixinkitException::class)
fun parseMessage(xmlOrJson: String): Message = JniCrypto.parseMessage(xmlOrJson.utf8()).message()

/**
 * Passive text reply (`MsgType` text). `toUserName` is the push's FromUserName,
 * `fromUserName` its ToUserName.
 */
fun textReply(toUserName: String, fromUserName: String, createTime: Long, content: String): String =
    JniCrypto.textReply(toUserName.utf8(), fromUserName.utf8(), createTime, content.utf8()).string()

/** Passive image reply with a media id from the media upload API. */
fun imageReply(toUserName: String, fromUserName: String, createTime: Long, mediaId: String): String =
    JniCrypto.imageReply(toUserName.utf8(), fromUserName.utf8(), createTime, mediaId.utf8()).string()

private fun String.utf8(): ByteArray = toByteArray(Charsets.UTF_8)

/** The value after the status byte, or the error it carries thrown (see src/ffi/jni.rs). */
private fun ByteArray.value(): ByteBuffer {
    val buf = ByteBuffer.wrap(this)
    if (buf.get() != JniCrypto.OK) throw FfiConverterTypeWeixinkitError.read(buf)
    return buf
}

private fun ByteArray.string(): String {
    value()
    return String(this, 1, size - 1, Charsets.UTF_8)
}

private fun ByteArray.message(): Message = FfiConverterTypeMessage.read(value())

private fun ByteArray.handle(): Long = value().getLong()

/** The native side of this file: static methods implemented in src/ffi/jni.rs. */
internal object JniCrypto {
    const val OK: Byte = 0

    init {
        // The library JNA loads for the generated code, found the same way (jna.library.path,
        // the jar's platform folder, uniffi's override property), loaded for JNI as well.
        val name = System.getProperty("uniffi.component.weixinkit.libraryOverride") ?: "weixinkit"
        val file = com.sun.jna.NativeLibrary.getInstance(name).file
        when {
            file != null && file.exists() -> System.load(file.absolutePath)
            // JNA unpacked it from the jar (linux-x86-64/libweixinkit.so) into a temporary file
            // and removed that file once open: unpack it once more for the JVM's own loader.
            // The process then maps the library twice; no state crosses between the two (the
            // JNI calls below use only objects they created), so both work independently.
            file != null -> loadUnpacked(name)
            // Android: the APK's lib/<abi>/ folder, on the system's library path.
            else -> System.loadLibrary(name)
        }
    }

    private fun loadUnpacked(name: String) {
        val unpacked = com.sun.jna.Native.extractFromResourcePath(name, JniCrypto::class.java.classLoader)
        try {
            System.load(unpacked.absolutePath)
        } finally {
            // A temporary copy (JNA names them jna*): once loaded it is no longer needed.
            if (unpacked.name.startsWith("jna") && !unpacked.delete()) unpacked.deleteOnExit()
        }
    }

    @JvmStatic external fun create(token: ByteArray, encodingAesKey: ByteArray, receiverId: ByteArray): ByteArray
    @JvmStatic external fun createWithOptions(token: ByteArray, encodingAesKey: ByteArray, options: ByteArray): ByteArray
    @JvmStatic external fun free(handle: Long)
    @JvmStatic external fun decrypt(handle: Long, a: ByteArray, b: ByteArray, c: ByteArray, d: ByteArray): ByteArray
    @JvmStatic external fun decryptBody(handle: Long, a: ByteArray, b: ByteArray, c: ByteArray, d: ByteArray): ByteArray
    @JvmStatic external fun decryptMessage(handle: Long, a: ByteArray, b: ByteArray, c: ByteArray, d: ByteArray): ByteArray
    @JvmStatic external fun verifyUrl(handle: Long, a: ByteArray, b: ByteArray, c: ByteArray, d: ByteArray): ByteArray
    @JvmStatic external fun encryptReply(handle: Long, a: ByteArray, b: ByteArray, c: ByteArray): ByteArray
    @JvmStatic external fun encryptReplyJson(handle: Long, a: ByteArray, b: ByteArray, c: ByteArray): ByteArray
    @JvmStatic external fun checkSignature(token: ByteArray, signature: ByteArray, timestamp: ByteArray, nonce: ByteArray): Boolean
    @JvmStatic external fun parseMessage(xmlOrJson: ByteArray): ByteArray
    @JvmStatic external fun textReply(to: ByteArray, from: ByteArray, createTime: Long, content: ByteArray): ByteArray
    @JvmStatic external fun imageReply(to: ByteArray, from: ByteArray, createTime: Long, mediaId: ByteArray): ByteArray
}
