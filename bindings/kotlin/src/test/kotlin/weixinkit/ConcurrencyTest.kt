package weixinkit

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.Collections

/** One shared MessageCrypto used from many coroutines on Dispatchers.Default at once. */
class ConcurrencyTest {

    private val sample = Vectors.cryptoById("tencent-wecom-sample-decrypt-xml")
    private val bad = Vectors.cryptoById("derived-pad-byte-33") // same credentials, bad padding

    @Test
    fun `one MessageCrypto decrypts concurrently from coroutines`() = runBlocking {
        val threads = Collections.synchronizedSet(mutableSetOf<String>())
        MessageCrypto(sample.req("token"), sample.req("encoding_aes_key"), sample.req("receiver_id")).use { crypto ->
            val jobs = (0 until WORKERS).map { worker ->
                async(Dispatchers.Default) {
                    var done = 0
                    repeat(ROUNDS) { i ->
                        threads += Thread.currentThread().name
                        // The shared sample push …
                        assertEquals(
                            sample.req("plaintext"),
                            crypto.decryptBody(sample.req("msg_signature"), sample.req("timestamp"), sample.req("nonce"), sample.req("post_body")),
                        )
                        // … a reply of this worker's own, encrypted and decrypted again …
                        val mine = "<xml><Content><![CDATA[worker $worker message $i]]></Content></xml>"
                        val reply = crypto.encryptReply(mine, "1409659813", "n$worker")
                        assertEquals(mine, crypto.decryptBody(xmlText(reply, "MsgSignature"), "1409659813", "n$worker", reply))
                        // … and an error, which must not disturb the others.
                        val e = assertThrows(WeixinkitException.InvalidPadding::class.java) {
                            crypto.decrypt(bad.req("msg_signature"), bad.req("timestamp"), bad.req("nonce"), bad.req("encrypt"))
                        }
                        assertEquals(-40008, e.code)
                        done++
                    }
                    done
                }
            }
            assertEquals(WORKERS * ROUNDS, jobs.awaitAll().sum())
        }
        // Dispatchers.Default has one thread per core (at least two).
        assertTrue(threads.size >= 2, "ran on $threads")
    }

    @Test
    fun `blocking calls can be moved off the caller with withContext`() = runBlocking {
        val plaintext = withContext(Dispatchers.Default) {
            MessageCrypto(sample.req("token"), sample.req("encoding_aes_key"), sample.req("receiver_id")).use {
                it.decryptMessage(sample.req("msg_signature"), sample.req("timestamp"), sample.req("nonce"), sample.req("post_body"))
            }
        }
        assertEquals("hello", (plaintext.event as Event.Text).content)
    }

    private companion object {
        // Enough to keep both default-dispatcher threads busy at once against the debug build.
        const val WORKERS = 8
        const val ROUNDS = 60
    }
}
