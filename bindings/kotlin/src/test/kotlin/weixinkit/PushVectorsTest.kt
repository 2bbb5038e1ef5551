package weixinkit

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** Every push of pushes.json, one dynamic test each, named by the push's id. */
class PushVectorsTest {

    @TestFactory
    fun `pushes json`(): List<DynamicTest> = Vectors.pushes.map { p ->
        dynamicTest(p.getString("id")) {
            val doc = p.str("xml") ?: p.str("json") ?: throw AssertionError("push has neither xml nor json")
            assertEquals(if (p.has("json")) "json" else "xml", p.getString("format"))
            if (!p.getBoolean("well_formed")) {
                val e = assertThrows(WeixinkitException.Parse::class.java) { parseMessage(doc) }
                assertEquals(-40002, e.code)
                assertTrue(e.reason.isNotBlank())
                return@dynamicTest
            }
            val kind = p.getString("kind")
            if (kind.startsWith("envelope_")) envelope(p, doc) else push(p, kind, doc)
        }
    }

    @Test
    fun `the vectors cover malformed documents and envelopes`() {
        assertTrue(Vectors.pushes.any { !it.getBoolean("well_formed") })
        assertTrue(Vectors.pushes.any { it.getString("kind").startsWith("envelope_") })
        assertTrue(Vectors.pushes.any { it.getString("format") == "json" })
    }

    /** A decrypted push: every expected path is in `fields`, and the typed event matches. */
    private fun push(p: JSONObject, kind: String, doc: String) {
        val message = parseMessage(doc)
        assertExpectedFields(p, message)
        assertTypedEvent(kind, message, p.getJSONObject("expected"))

        // A push captured encrypted: decryptMessage on the crypto vector gives the same message.
        p.str("crypto_ref")?.let { ref ->
            val v = Vectors.cryptoById(ref)
            MessageCrypto(v.req("token"), v.req("encoding_aes_key"), v.req("receiver_id")).use { c ->
                val body = v.str("post_body") ?: "<xml><Encrypt><![CDATA[${v.req("encrypt")}]]></Encrypt></xml>"
                assertEquals(message, c.decryptMessage(v.req("msg_signature"), v.req("timestamp"), v.req("nonce"), body))
            }
        }
    }

    /**
     * An outer POST body. Only the Official Account "compatible mode" one is also a message
     * (plaintext copies beside `Encrypt`); the others hold nothing but the ciphertext and its
     * routing ids, so `parseMessage` rejects them as not being a push. What matters for an
     * envelope is that `decryptBody` finds exactly its `Encrypt` value: a signature over that
     * value passes, a signature over anything else does not.
     */
    private fun envelope(p: JSONObject, doc: String) {
        val expected = p.getJSONObject("expected")
        val encrypt = expected.optString("Encrypt").ifEmpty { expected.optString("encrypt") }
            .ifEmpty { xmlText(doc, "Encrypt") } // the key of this capture is unknown

        when (val parsed = runCatching { parseMessage(doc) }.getOrElse { it }) {
            is Message -> assertExpectedFields(p, parsed)
            is WeixinkitException.Parse -> {
                assertEquals(-40002, parsed.code)
                assertFalse(expected.has("MsgType") || expected.has("InfoType"), "a message envelope must parse: $parsed")
            }
            else -> throw AssertionError("parseMessage: unexpected $parsed")
        }

        // The crypto vector whose POST body this is, if any: decrypt it for real.
        Vectors.crypto.filter { it.str("post_body") == doc }.forEach { source ->
            assertEquals(source.req("encrypt"), encrypt)
            MessageCrypto(source.req("token"), source.req("encoding_aes_key"), source.req("receiver_id")).use { c ->
                assertEquals(
                    source.req("plaintext"),
                    c.decryptBody(source.req("msg_signature"), source.req("timestamp"), source.req("nonce"), doc),
                )
            }
        }

        MessageCrypto("token", KEY, "wx").use { c ->
            val (ts, nonce) = "1409659813" to "n"
            // Signature accepted, so the failure comes from decrypting under the wrong key,
            // never from the envelope or the signature.
            val e = assertThrows(WeixinkitException::class.java) {
                c.decryptBody(msgSignature("token", ts, nonce, encrypt), ts, nonce, doc)
            }
            assertFalse(e is WeixinkitException.InvalidSignature || e is WeixinkitException.Parse, "$e")
            assertThrows(WeixinkitException.InvalidSignature::class.java) {
                c.decryptBody(msgSignature("token", ts, nonce, encrypt + "x"), ts, nonce, doc)
            }
        }
    }

    private fun assertExpectedFields(p: JSONObject, message: Message) {
        val expected = p.getJSONObject("expected")
        assertTrue(expected.length() > 0, "well-formed push without expected fields")
        for (path in expected.keySet()) {
            val want: List<String> = when (val value = expected.get(path)) {
                is JSONArray -> List(value.length()) { value.getString(it) }
                else -> listOf(value.toString())
            }
            assertEquals(want, message.fields[path], "fields[\"$path\"]")
            assertEquals(want.first(), message.field(path))
        }
        assertNull(message.field("No/Such/Element"))
    }

    private fun assertTypedEvent(kind: String, message: Message, expected: JSONObject) {
        fun text(path: String) = expected.getString(path)
        fun long(path: String) = expected.getString(path).toLong()
        fun header(h: MessageHeader) {
            assertEquals(text("ToUserName"), h.toUserName)
            assertEquals(text("FromUserName"), h.fromUserName)
            assertEquals(long("CreateTime"), h.createTime)
        }

        val event = message.event
        when (kind) {
            "component_verify_ticket" -> {
                val e = assertInstanceOf(Event.ComponentVerifyTicket::class.java, event)
                assertEquals(text("AppId"), e.appId)
                assertEquals(long("CreateTime"), e.createTime)
                assertEquals(text("ComponentVerifyTicket"), e.ticket)
            }
            "authorized" -> notice(assertInstanceOf(Event.Authorized::class.java, event).notice, expected)
            "updateauthorized" -> notice(assertInstanceOf(Event.UpdateAuthorized::class.java, event).notice, expected)
            "unauthorized" -> {
                val e = assertInstanceOf(Event.Unauthorized::class.java, event)
                assertEquals(text("AppId"), e.appId)
                assertEquals(long("CreateTime"), e.createTime)
                assertEquals(text("AuthorizerAppid"), e.authorizerAppid)
            }
            "suite_ticket" -> {
                val e = assertInstanceOf(Event.SuiteTicket::class.java, event)
                assertEquals(text("SuiteId"), e.suiteId)
                assertEquals(long("TimeStamp"), e.timestamp)
                assertEquals(text("SuiteTicket"), e.ticket)
            }
            "create_auth" -> {
                val e = assertInstanceOf(Event.CreateAuth::class.java, event)
                assertEquals(text("SuiteId"), e.suiteId)
                assertEquals(long("TimeStamp"), e.timestamp)
                assertEquals(text("AuthCode"), e.authCode)
                assertEquals(text("State"), e.state)
            }
            "reset_permanent_code" -> {
                val e = assertInstanceOf(Event.ResetPermanentCode::class.java, event)
                assertEquals(text("SuiteId"), e.suiteId)
                assertEquals(long("TimeStamp"), e.timestamp)
                assertEquals(text("AuthCode"), e.authCode)
            }
            "event_subscribe" -> {
                val e = assertInstanceOf(Event.Subscribe::class.java, event)
                header(e.header)
                assertEquals(expected.optString("EventKey"), e.eventKey)
            }
            "text" -> {
                val e = assertInstanceOf(Event.Text::class.java, event)
                header(e.header)
                assertEquals(text("Content"), e.content)
                assertEquals(text("MsgId"), e.msgId)
            }
            else -> throw AssertionError("no typed-event check for push kind \"$kind\"; add one")
        }
    }

    private fun notice(n: AuthorizationNotice, expected: JSONObject) {
        assertEquals(expected.getString("AppId"), n.appId)
        assertEquals(expected.getString("AuthorizerAppid"), n.authorizerAppid)
        assertEquals(expected.getString("AuthorizationCode"), n.authorizationCode)
    }

    private companion object {
        const val KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    }
}
