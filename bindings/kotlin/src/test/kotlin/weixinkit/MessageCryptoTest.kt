package weixinkit

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The API beyond the vectors: options, envelopes, replies, typed messages, object lifetime. */
class MessageCryptoTest {

    // The WeCom sample credentials (receiver id wx5823bf96d3bd56c7) and one of its pushes.
    private val sample = Vectors.cryptoById("tencent-wecom-sample-decrypt-xml")
    private val token = sample.req("token")
    private val key = sample.req("encoding_aes_key")
    private val corpId = sample.req("receiver_id")

    private fun JSONObject.decryptWith(c: MessageCrypto): String =
        c.decryptBody(req("msg_signature"), req("timestamp"), req("nonce"), req("post_body"))

    private fun options(policy: ReceiverIdPolicy, skew: Long? = null) =
        MessageCrypto.withOptions(token, key, CryptoOptions(policy, skew))

    private fun now() = (System.currentTimeMillis() / 1000).toString()

    @Test
    fun `exact policy through withOptions behaves like the plain constructor`() {
        options(ReceiverIdPolicy.Exact(corpId)).use { c ->
            assertEquals(sample.req("plaintext"), sample.decryptWith(c))
        }
        options(ReceiverIdPolicy.Exact("wx-other")).use { c ->
            val e = assertThrows(WeixinkitException.ReceiverIdMismatch::class.java) { sample.decryptWith(c) }
            assertEquals(-40005, e.code)
        }
        // An empty id expects an empty id (WeCom bots), it does not mean "any".
        options(ReceiverIdPolicy.Exact("")).use { c ->
            assertThrows(WeixinkitException.ReceiverIdMismatch::class.java) { sample.decryptWith(c) }
        }
    }

    @Test
    fun `any-of policy accepts each listed id and replies with the first`() {
        options(ReceiverIdPolicy.AnyOf(listOf("ww-suite", corpId))).use { suite ->
            assertEquals(sample.req("plaintext"), sample.decryptWith(suite))

            val reply = suite.encryptReply("<xml>r</xml>", "1409659813", "n")
            val sig = xmlText(reply, "MsgSignature")
            MessageCrypto(token, key, "ww-suite").use { first ->
                assertEquals("<xml>r</xml>", first.decryptBody(sig, "1409659813", "n", reply))
            }
            MessageCrypto(token, key, corpId).use { second ->
                assertThrows(WeixinkitException.ReceiverIdMismatch::class.java) {
                    second.decryptBody(sig, "1409659813", "n", reply)
                }
            }
        }
        options(ReceiverIdPolicy.AnyOf(listOf("a", "b"))).use { c ->
            assertThrows(WeixinkitException.ReceiverIdMismatch::class.java) { sample.decryptWith(c) }
        }
        val empty = assertThrows(WeixinkitException.InvalidInput::class.java) { options(ReceiverIdPolicy.AnyOf(emptyList())) }
        assertTrue(empty.reason.contains("AnyOf"), empty.reason)
    }

    @Test
    fun `unchecked policy decrypts any receiver but cannot encrypt replies`() {
        val wrongId = Vectors.cryptoById("derived-wrong-receiver-id")
        val control = Vectors.cryptoById("derived-positive-control")
        options(ReceiverIdPolicy.Unchecked).use { c ->
            assertEquals(sample.req("plaintext"), sample.decryptWith(c))
            // The vector a configured id must reject decrypts once the id is not checked.
            assertEquals(
                control.req("plaintext"),
                c.decrypt(wrongId.req("msg_signature"), wrongId.req("timestamp"), wrongId.req("nonce"), wrongId.req("encrypt")),
            )
            // Signatures are still checked.
            assertThrows(WeixinkitException.InvalidSignature::class.java) {
                c.decryptBody("0".repeat(40), sample.req("timestamp"), sample.req("nonce"), sample.req("post_body"))
            }
            val e = assertThrows(WeixinkitException.InvalidInput::class.java) { c.encryptReply("x", "1", "n") }
            assertEquals(-40006, e.code)
            assertThrows(WeixinkitException.InvalidInput::class.java) { c.encryptReplyJson("x", "1", "n") }
        }
    }

    @Test
    fun `a negative freshness window is refused`() {
        val e = assertThrows(WeixinkitException.InvalidInput::class.java) { options(ReceiverIdPolicy.Exact(corpId), skew = -1L) }
        assertEquals(-50005, e.code)
    }

    @Test
    fun `a freshness window rejects stale timestamps after the signature check`() {
        options(ReceiverIdPolicy.Exact(corpId), skew = 300L).use { c ->
            // The sample was signed in 2014.
            val stale = assertThrows(WeixinkitException.StaleTimestamp::class.java) { sample.decryptWith(c) }
            assertEquals(-40001, stale.code)
            assertTrue(stale.reason.contains("1409659813"), stale.reason)

            // A bad signature is reported as such, even when the timestamp is also stale.
            assertThrows(WeixinkitException.InvalidSignature::class.java) {
                c.decryptBody("0".repeat(40), sample.req("timestamp"), sample.req("nonce"), sample.req("post_body"))
            }

            // A fresh reply passes; one from ten minutes ago or ahead does not.
            val ts = now()
            val reply = c.encryptReply("<xml>fresh</xml>", ts, "n")
            assertEquals("<xml>fresh</xml>", c.decryptBody(xmlText(reply, "MsgSignature"), ts, "n", reply))
            for (off in listOf(-600L, 600L)) {
                val t = (ts.toLong() + off).toString()
                val r = c.encryptReply("<xml>x</xml>", t, "n")
                assertThrows(WeixinkitException.StaleTimestamp::class.java) { c.decryptBody(xmlText(r, "MsgSignature"), t, "n", r) }
            }
            // Not a number: stale as well.
            val r = c.encryptReply("<xml>x</xml>", "soon", "n")
            assertThrows(WeixinkitException.StaleTimestamp::class.java) { c.decryptBody(xmlText(r, "MsgSignature"), "soon", "n", r) }
        }
        // No window (the default): old timestamps are fine.
        options(ReceiverIdPolicy.Exact(corpId)).use { c -> assertEquals(sample.req("plaintext"), sample.decryptWith(c)) }
        assertEquals(null, CryptoOptions(ReceiverIdPolicy.Unchecked).maxClockSkewSecs)
    }

    @Test
    fun `JSON envelope in and out`() {
        MessageCrypto(token, key, corpId).use { c ->
            val reply = c.encryptReplyJson("{\"MsgType\":\"text\",\"Content\":\"你好\"}", "1409659813", "nonce-1")
            val json = JSONObject(reply)
            assertEquals(setOf("encrypt", "msgsignature", "timestamp", "nonce"), json.keySet())
            assertEquals("1409659813", json.getString("timestamp"))
            assertEquals("nonce-1", json.getString("nonce"))
            assertEquals(msgSignature(token, "1409659813", "nonce-1", json.getString("encrypt")), json.getString("msgsignature"))
            // The JSON reply is itself a valid JSON POST body.
            assertEquals(
                "{\"MsgType\":\"text\",\"Content\":\"你好\"}",
                c.decryptBody(json.getString("msgsignature"), "1409659813", "nonce-1", reply),
            )
            // Both key spellings WeCom uses are accepted on input.
            val upper = "{\"ToUserName\":\"$corpId\",\"Encrypt\":\"${json.getString("encrypt")}\",\"AgentID\":218}"
            assertEquals(
                "{\"MsgType\":\"text\",\"Content\":\"你好\"}",
                c.decryptBody(json.getString("msgsignature"), "1409659813", "nonce-1", upper),
            )
            val missing = assertThrows(WeixinkitException.Parse::class.java) { c.decryptBody("x", "1", "n", "{\"tousername\":\"x\"}") }
            assertEquals(-40002, missing.code)
        }
        // The JSON sample vector decrypts and parses to the same text message as the XML one.
        val jsonSample = Vectors.cryptoById("tencent-wecom-go-sample-decrypt-json")
        MessageCrypto(jsonSample.req("token"), jsonSample.req("encoding_aes_key"), jsonSample.req("receiver_id")).use { c ->
            val m = c.decryptMessage(jsonSample.req("msg_signature"), jsonSample.req("timestamp"), jsonSample.req("nonce"), jsonSample.req("post_body"))
            val text = assertInstanceOf(Event.Text::class.java, m.event)
            assertEquals("hello", text.content)
            assertEquals("4561255354251345929", text.msgId)
            assertEquals(listOf("218"), m.fields["AgentID"])
        }
    }

    @Test
    fun `XML reply envelope carries signature, timestamp and nonce`() {
        MessageCrypto(token, key, corpId).use { c ->
            val a = c.encryptReply("<xml>same</xml>", "1409659813", "n<&>")
            val b = c.encryptReply("<xml>same</xml>", "1409659813", "n<&>")
            assertTrue(a.startsWith("<xml><Encrypt><![CDATA["), a)
            assertEquals("n<&>", xmlText(a, "Nonce"))
            assertEquals(msgSignature(token, "1409659813", "n<&>", xmlText(a, "Encrypt")), xmlText(a, "MsgSignature"))
            // A fresh random prefix every time.
            assertNotEquals(xmlText(a, "Encrypt"), xmlText(b, "Encrypt"))
            for (reply in listOf(a, b)) {
                assertEquals("<xml>same</xml>", c.decryptBody(xmlText(reply, "MsgSignature"), "1409659813", "n<&>", reply))
            }
        }
    }

    @Test
    fun `decryptMessage gives the typed event and every field`() {
        val mp = Vectors.cryptoById("tencent-mp-python-sample-decrypt")
        MessageCrypto(mp.req("token"), mp.req("encoding_aes_key"), mp.req("receiver_id")).use { c ->
            val m = c.decryptMessage(mp.req("msg_signature"), mp.req("timestamp"), mp.req("nonce"), mp.req("post_body"))
            assertEquals(parseMessage(mp.req("plaintext")), m)
            val text = assertInstanceOf(Event.Text::class.java, m.event)
            assertEquals(MessageHeader("gh_10f6c3c3ac5a", "oyORnuP8q7ou2gfYjqLzSIWZf0rs", 1409735668L), text.header)
            assertEquals("abcdteT", text.content)
            assertEquals("text", m.field("MsgType"))

            // Errors from either stage come through: signature, then parsing.
            assertThrows(WeixinkitException.InvalidSignature::class.java) {
                c.decryptMessage("0".repeat(40), mp.req("timestamp"), mp.req("nonce"), mp.req("post_body"))
            }
        }
        // A decrypted payload that is not a push is a parse error, not a crash.
        MessageCrypto(token, key, corpId).use { c ->
            val reply = c.encryptReply("<xml><Hello>x</Hello></xml>", "1", "n")
            val e = assertThrows(WeixinkitException.Parse::class.java) { c.decryptMessage(xmlText(reply, "MsgSignature"), "1", "n", reply) }
            assertEquals(-40002, e.code)
        }
    }

    @Test
    fun `passive replies parse back as the messages they describe`() {
        val text = parseMessage(textReply("openid", "gh_account", 1700000000L, "hi ]]> <there> & 你好"))
        val t = assertInstanceOf(Event.Text::class.java, text.event)
        assertEquals(MessageHeader("openid", "gh_account", 1700000000L), t.header)
        assertEquals("hi ]]> <there> & 你好", t.content)

        // Replies nest the media id (<Image><MediaId>), unlike incoming image messages.
        val image = parseMessage(imageReply("openid", "gh_account", 1L, "MEDIA_ID"))
        assertInstanceOf(Event.Image::class.java, image.event)
        assertEquals(listOf("MEDIA_ID"), image.fields["Image/MediaId"])

        val articles = (1..8).map { Article("t$it", "d$it", "https://p/$it.jpg", "https://u/$it") }
        val news = parseMessage(newsReply("openid", "gh_account", 2L, articles))
        val other = assertInstanceOf(Event.OtherMessage::class.java, news.event)
        assertEquals("news", other.msgType)
        assertEquals(listOf("8"), news.fields["ArticleCount"])
        assertEquals(articles.map { it.title }, news.fields["Articles/item/Title"])
        assertEquals(articles.map { it.url }, news.fields["Articles/item/Url"])

        for (count in listOf(0, 9)) {
            val e = assertThrows(WeixinkitException.InvalidInput::class.java) {
                newsReply("openid", "gh_account", 2L, (0 until count).map { Article("t", "", "", "") })
            }
            assertTrue(e.reason.contains("$count"), e.reason)
        }

        // A reply encrypted and decrypted again is the same message.
        MessageCrypto(token, key, corpId).use { c ->
            val plain = textReply("openid", "gh_account", 3L, "ok")
            val reply = c.encryptReply(plain, "3", "n")
            assertEquals(parseMessage(plain), c.decryptMessage(xmlText(reply, "MsgSignature"), "3", "n", reply))
        }
    }

    @Test
    fun `a malformed number an Open Platform push does not need is null, its text kept`() {
        val m = parseMessage(
            "<xml><AppId>c</AppId><CreateTime>soon</CreateTime><InfoType>authorized</InfoType>" +
                "<AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>" +
                "<AuthorizationCodeExpiredTime>one hour</AuthorizationCodeExpiredTime></xml>",
        )
        val notice = assertInstanceOf(Event.Authorized::class.java, m.event).notice
        assertEquals("code", notice.authorizationCode)
        assertEquals(null, notice.createTime)
        assertEquals(null, notice.authorizationCodeExpiredTime)
        assertEquals(listOf("one hour"), m.fields["AuthorizationCodeExpiredTime"])
        val ok = parseMessage(
            "<xml><AppId>c</AppId><CreateTime>7</CreateTime><InfoType>unauthorized</InfoType>" +
                "<AuthorizerAppid>wxa</AuthorizerAppid></xml>",
        )
        assertEquals(7L, assertInstanceOf(Event.Unauthorized::class.java, ok.event).createTime)
        val e = assertThrows(WeixinkitException.Parse::class.java) {
            parseMessage("<xml><InfoType>authorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid></xml>")
        }
        assertTrue(e.reason.contains("AuthorizationCode"), e.reason)
    }

    @Test
    fun `a WeCom intelligent-bot JSON callback is typed with every field kept`() {
        val m = parseMessage(
            """{"msgid":"M1","aibotid":"AIBOT","chatid":"C1","chattype":"group","from":{"userid":"zhangsan"},""" +
                """"response_url":"https://example.com/r","msgtype":"image","image":{"url":"https://example.com/i.png"},""" +
                """"quote":{"msgtype":"text","text":{"content":"earlier"}}}""",
        )
        val e = assertInstanceOf(Event.AiBotMessage::class.java, m.event)
        assertEquals(listOf("M1", "AIBOT", "C1", "group", "zhangsan"), listOf(e.msgId, e.aibotId, e.chatId, e.chatType, e.fromUserId))
        assertEquals("image", e.msgType)
        assertEquals("https://example.com/i.png", e.url)
        assertEquals("https://example.com/r", e.responseUrl)
        assertEquals(null, e.content)
        assertEquals(null, e.createTime)
        assertEquals(listOf("earlier"), m.fields["quote/text/content"])
        val event = assertInstanceOf(
            Event.AiBotMessage::class.java,
            parseMessage(
                """{"msgid":"M2","create_time":1700000000,"aibotid":"AIBOT","chattype":"single",""" +
                    """"from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}""",
            ).event,
        )
        assertEquals("enter_chat", event.eventType)
        assertEquals(1700000000L, event.createTime)
        assertEquals(null, event.chatId)
    }

    @Test
    fun `signatures and keys`() {
        val mp = Vectors.cryptoById("tencent-mp-sample-plain-signature")
        val args = listOf(mp.req("token"), mp.req("signature"), mp.req("timestamp"), mp.req("nonce"))
        assertTrue(checkSignature(args[0], args[1], args[2], args[3]))
        assertFalse(checkSignature(args[0], args[1], args[2], args[3] + "0"))
        assertFalse(checkSignature(args[0], "", args[2], args[3]))

        // SHA-1 of the sorted parts: order of the arguments does not matter to the digest.
        assertEquals(msgSignature("a", "b", "c", "d"), msgSignature("d", "c", "b", "a"))
        assertTrue(Regex("[0-9a-f]{40}").matches(msgSignature("a", "b", "c", "d")))

        for (bad in listOf("", "short", key.dropLast(1), "$key=", key.dropLast(1) + "!")) {
            val e = assertThrows(WeixinkitException.InvalidAesKey::class.java) { decodeAesKey(bad) }
            assertEquals(-40004, e.code)
            assertThrows(WeixinkitException.InvalidAesKey::class.java) { MessageCrypto(token, bad, corpId) }
        }
    }

    @Test
    fun `errors carry code and reason and never the secrets`() {
        MessageCrypto(token, key, corpId).use { c ->
            val e: WeixinkitException = assertThrows(WeixinkitException.InvalidSignature::class.java) {
                c.decryptBody("0".repeat(40), "1", "n", sample.req("post_body"))
            }
            assertEquals(-40001, e.code) // the extension property on the sealed base class
            assertTrue(e.message!!.contains("-40001"), e.message)
            assertFalse(e.message!!.contains(token) || e.message!!.contains(key), e.message)

            val b64 = assertThrows(WeixinkitException.InvalidBase64::class.java) {
                c.decrypt(msgSignature(token, "1", "n", "!!!"), "1", "n", "!!!")
            }
            assertEquals(-40010, b64.code)
        }
    }

    @Test
    fun `objects are closed by use and refuse calls afterwards`() {
        val c = MessageCrypto(token, key, corpId)
        assertInstanceOf(AutoCloseable::class.java, c)
        val plain = c.use { it.decryptBody(sample.req("msg_signature"), sample.req("timestamp"), sample.req("nonce"), sample.req("post_body")) }
        assertEquals(sample.req("plaintext"), plain)
        assertTrue(c.uniffiIsDestroyed)
        assertThrows(IllegalStateException::class.java) { c.encryptReply("x", "1", "n") }
        c.close() // closing twice is harmless

        // Closed even when the block throws.
        val d = MessageCrypto(token, key, corpId)
        assertThrows(WeixinkitException.InvalidSignature::class.java) {
            d.use { it.decrypt("0", "1", "n", "x") }
        }
        assertTrue(d.uniffiIsDestroyed)
    }
}
