package weixinkit

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** Every vector of crypto.json, one dynamic test each, named by the vector's id. */
class CryptoVectorsTest {

    @TestFactory
    fun `crypto json`(): List<DynamicTest> = Vectors.crypto.map { v ->
        dynamicTest(v.getString("id")) {
            when (val outcome = v.getString("expected_outcome")) {
                "accept" -> accept(v)
                "reject" -> reject(v)
                else -> throw AssertionError("unknown expected_outcome \"$outcome\"")
            }
        }
    }

    @Test
    fun `the vectors cover every kind and outcome`() {
        val seen = Vectors.crypto.map { it.getString("kind") to it.getString("expected_outcome") }.toSet()
        for (kind in listOf("url_verify_wecom", "decrypt", "encrypt", "url_verify_mp", "key_decode")) {
            assertTrue(kind to "accept" in seen, "no accept vector of kind $kind")
        }
        assertTrue("decrypt" to "reject" in seen)
        assertTrue("url_verify_mp" to "reject" in seen)
    }

    private fun crypto(v: JSONObject) =
        MessageCrypto(v.req("token"), v.req("encoding_aes_key"), v.req("receiver_id"))

    private fun accept(v: JSONObject) {
        when (val kind = v.getString("kind")) {
            "decrypt" -> crypto(v).use { c ->
                val (sig, ts, nonce) = Triple(v.req("msg_signature"), v.req("timestamp"), v.req("nonce"))
                val encrypt = v.req("encrypt")
                val plaintext = v.req("plaintext")
                assertEquals(sig, msgSignature(v.req("token"), ts, nonce, encrypt))
                assertEquals(plaintext, c.decrypt(sig, ts, nonce, encrypt))
                v.str("post_body")?.let { body ->
                    assertEquals(plaintext, c.decryptBody(sig, ts, nonce, body))
                    // decryptMessage is decryptBody + parseMessage, failures included.
                    val parsed = runCatching { parseMessage(plaintext) }
                    parsed.onSuccess { assertEquals(it, c.decryptMessage(sig, ts, nonce, body)) }
                    parsed.onFailure { e ->
                        assertTrue(e is WeixinkitException.Parse, "$e")
                        assertThrows(WeixinkitException.Parse::class.java) { c.decryptMessage(sig, ts, nonce, body) }
                    }
                }
            }

            "url_verify_wecom" -> crypto(v).use { c ->
                assertEquals(
                    v.req("plaintext"),
                    c.verifyUrl(v.req("msg_signature"), v.req("timestamp"), v.req("nonce"), v.req("echostr")),
                )
            }

            "url_verify_mp" -> {
                assertTrue(checkSignature(v.req("token"), v.req("signature"), v.req("timestamp"), v.req("nonce")))
                // The GET is answered with echostr unchanged.
                assertEquals(v.req("plaintext"), v.req("echostr"))
            }

            "encrypt" -> crypto(v).use { c ->
                val (ts, nonce) = v.req("timestamp") to v.req("nonce")
                val encrypt = v.req("encrypt")
                val plaintext = v.req("plaintext")
                val sig = v.req("derived_msg_signature")
                assertEquals(sig, msgSignature(v.req("token"), ts, nonce, encrypt))
                assertEquals(plaintext, c.decrypt(sig, ts, nonce, encrypt))

                // Our own reply: a fresh random prefix, so a different ciphertext that still
                // decrypts to the same plaintext under the signature it carries.
                val reply = c.encryptReply(plaintext, ts, nonce)
                assertNotEquals(encrypt, xmlText(reply, "Encrypt"))
                assertEquals(ts, xmlText(reply, "TimeStamp"))
                assertEquals(nonce, xmlText(reply, "Nonce"))
                assertEquals(plaintext, c.decryptBody(xmlText(reply, "MsgSignature"), ts, nonce, reply))
            }

            "key_decode" -> {
                val key = decodeAesKey(v.req("encoding_aes_key"))
                assertEquals(32, key.size)
                assertEquals(v.req("aes_key_hex"), key.toHex())
                // The IV is the key's first 16 bytes.
                v.str("iv_hex")?.let { assertEquals(it, key.copyOf(16).toHex()) }
                // Decoding is deterministic and the key is usable.
                assertArrayEquals(key, decodeAesKey(v.req("encoding_aes_key")))
                MessageCrypto("t", v.req("encoding_aes_key"), "wx").use { }
            }

            else -> throw AssertionError("unknown kind \"$kind\"")
        }
    }

    private fun reject(v: JSONObject) {
        val kind = v.getString("kind")
        val reason = v.req("reject_reason")
        if (kind == "url_verify_mp") {
            assertEquals("signature_mismatch", reason)
            assertFalse(checkSignature(v.req("token"), v.req("signature"), v.req("timestamp"), v.req("nonce")))
            return
        }
        val expected = when (reason) {
            "signature_mismatch" -> WeixinkitException.InvalidSignature::class.java
            "receiver_id_mismatch" -> WeixinkitException.ReceiverIdMismatch::class.java
            "bad_padding" -> WeixinkitException.InvalidPadding::class.java
            "bad_length" -> WeixinkitException.InvalidCiphertext::class.java
            "bad_key" -> WeixinkitException.InvalidAesKey::class.java
            else -> throw AssertionError("unknown reject_reason \"$reason\"")
        }
        val (sig, ts, nonce) = Triple(v.req("msg_signature"), v.req("timestamp"), v.req("nonce"))
        val e = assertThrows(expected) {
            crypto(v).use { c ->
                when (kind) {
                    "decrypt" -> {
                        c.decrypt(sig, ts, nonce, v.req("encrypt"))
                    }
                    "url_verify_wecom" -> c.verifyUrl(sig, ts, nonce, v.req("echostr"))
                    else -> throw AssertionError("no reject handling for kind \"$kind\"")
                }
            }
        }
        val codes = expectedCodes(v.str("expected_error"))
        assertTrue(codes.isNotEmpty(), "expected_error names no code: ${v.str("expected_error")}")
        assertTrue(e.code in codes, "code ${e.code} not in $codes: ${e.reason}")
        assertTrue(e.reason.isNotBlank())
        // Secrets never appear in errors.
        assertFalse(e.reason.contains(v.req("encoding_aes_key")), e.reason)
        assertFalse(e.message.orEmpty().contains(v.req("token")), e.message)

        if (reason == "bad_key") {
            val keyError = assertThrows(WeixinkitException.InvalidAesKey::class.java) { decodeAesKey(v.req("encoding_aes_key")) }
            assertEquals(-40004, keyError.code)
        } else if (kind == "decrypt") {
            // The same rejection through the POST-body entry point.
            val body = "<xml><ToUserName><![CDATA[${v.req("receiver_id")}]]></ToUserName>" +
                "<Encrypt><![CDATA[${v.req("encrypt")}]]></Encrypt></xml>"
            crypto(v).use { c -> assertThrows(expected) { c.decryptBody(sig, ts, nonce, body) } }
        }
    }
}
