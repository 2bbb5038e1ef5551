package weixinkit

import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.security.MessageDigest
import java.util.concurrent.TimeUnit

/** Web authorization, follower records, mini program login and the server URL handler. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OAuthTest : WithSim() {
    private val token = "oatoken"
    private val aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

    private fun account(appId: String = Services.APP_ID, secret: String = Services.SECRET) = OfficialAccount(
        Services.config(sim.baseUrl, Services.uniquePrefix("oauth"), secret = secret)
            .copy(appId = appId, token = Secret(token), encodingAesKey = Secret(aesKey)),
        null,
    )

    private fun code(appId: String, vararg more: Pair<String, Any>): JSONObject {
        val body = JSONObject().put("appid", appId)
        for ((k, v) in more) body.put(k, v)
        return sim.post("/_sim/oauth_code", body)
    }

    @Test
    fun `web authorization from code to profile`() {
        account().use { a ->
            assertEquals(
                "https://open.weixin.qq.com/connect/oauth2/authorize?appid=${Services.APP_ID}" +
                    "&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=snsapi_userinfo" +
                    "&state=st1#wechat_redirect",
                a.oauthUrl("https://example.com/cb", "snsapi_userinfo", "st1"),
            )
            assertThrows(WeixinkitException.InvalidInput::class.java) { a.oauthUrl("https://e.com", "snsapi_login", null) }
            val c = code(Services.APP_ID)
            val user = a.oauthAccessToken(c.getString("code"))
            assertEquals(c.getString("openid"), user.openid)
            assertEquals(7200L, user.expiresIn)
            assertFalse(user.toString().contains(user.accessToken), user.toString())
            assertFalse(user.toString().contains(user.refreshToken), user.toString())
            assertTrue(a.oauthCheck(user.accessToken, user.openid))
            assertFalse(a.oauthCheck(user.accessToken, "o-someone-else"))
            val renewed = a.oauthRefreshToken(user.refreshToken)
            val profile = a.oauthUserInfo(renewed.accessToken, renewed.openid, "en")
            assertEquals("Sim User", profile.nickname)
            assertEquals(40030L, assertThrows(WeixinkitException.Api::class.java) { a.oauthRefreshToken("REFRESH_nope") }.errcode)
        }
    }

    @Test
    fun `used expired and unknown codes are OauthCode and never retried`(): Unit = runBlocking {
        account().use { a ->
            val used = code(Services.APP_ID).getString("code")
            a.oauthAccessTokenAsync(used)
            val expired = code(Services.APP_ID, "expired" to true).getString("code")
            for ((c, errcode) in listOf(used to 40163, expired to 42003, "CODE_nope" to 40029)) {
                val before = sim.calls("/sns/oauth2/access_token")
                val e = try {
                    a.oauthAccessTokenAsync(c)
                    null
                } catch (e: WeixinkitException.OauthCode) {
                    e
                }
                assertNotNull(e, "code $errcode was accepted")
                assertEquals(errcode, e!!.code)
                assertEquals("oauth_code", e.kind)
                assertEquals(before + 1, sim.calls("/sns/oauth2/access_token"), "never retried")
            }
        }
    }

    @Test
    fun `the subscribe check and mini program login`(): Unit = runBlocking {
        account().use { a ->
            val follower = code(Services.APP_ID, "scope" to "snsapi_base")
            assertTrue(a.userInfoByCodeAsync(follower.getString("code")).subscribe)
            val visitor = code(Services.APP_ID, "scope" to "snsapi_base", "subscribed" to false)
            val info = a.userInfoByCode(visitor.getString("code"))
            assertFalse(info.subscribe)
            assertEquals(visitor.getString("openid"), info.openid)
            assertFalse(a.userInfoAsync(visitor.getString("openid")).subscribe)
            assertEquals(40003L, assertThrows(WeixinkitException.Api::class.java) { a.userInfo("nope") }.errcode)
        }
        account("wxmini0000000000001", "mini-secret").use { mini ->
            val c = code("wxmini0000000000001")
            val session = mini.jscode2sessionAsync(c.getString("code"))
            assertEquals(c.getString("openid"), session.openid)
            assertFalse(session.toString().contains(session.sessionKey))
            assertThrows(WeixinkitException.OauthCode::class.java) { mini.jscode2session(c.getString("code")) }
        }
    }

    /** The text of `<tag>` in an envelope (CDATA or not). */
    private fun element(xml: String, tag: String): String =
        Regex("<$tag>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</$tag>", RegexOption.DOT_MATCHES_ALL).find(xml)?.groupValues?.get(1)
            ?: error("no <$tag> in $xml")

    private fun signature(timestamp: String, nonce: String): String =
        MessageDigest.getInstance("SHA-1").digest(listOf(token, timestamp, nonce).sorted().joinToString("").toByteArray())
            .joinToString("") { "%02x".format(it) }

    @Test
    fun `the server URL answers a text message with an encrypted reply`() {
        val text = "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o-user-1]]></FromUserName>" +
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>"
        account().use { a ->
            val (ts, nonce) = "1700000000" to "n0"
            val get = a.handleMessage("GET", mapOf("signature" to signature(ts, nonce), "timestamp" to ts, "nonce" to nonce, "echostr" to "e-1"), "")
            assertEquals(200 to "e-1", get.status to get.body)
            MessageCrypto(token, aesKey, Services.APP_ID).use { crypto ->
                // What WeChat sends has the same Encrypt element as a passive reply's envelope.
                val body = crypto.encryptReply(text, ts, nonce)
                val query = mapOf(
                    "signature" to signature(ts, nonce), "timestamp" to ts, "nonce" to nonce,
                    "encrypt_type" to "aes", "msg_signature" to element(body, "MsgSignature"),
                )
                var seen = 0
                val result = a.handleMessage("POST", query, body) { message ->
                    seen++
                    JSONObject().put("type", "text").put("content", "you said " + message.field("Content")).toString()
                }
                assertEquals(200, result.status)
                assertFalse(result.body.contains("you said"))
                val plain = crypto.decryptBody(
                    element(result.body, "MsgSignature"), element(result.body, "TimeStamp"), element(result.body, "Nonce"), result.body,
                )
                val reply = parseMessage(plain)
                assertEquals("you said hello", reply.field("Content"))
                assertEquals("o-user-1", reply.field("ToUserName"))
                val forged = a.handleMessage("POST", query + ("msg_signature" to "0".repeat(40)), body) { seen++; null }
                assertEquals(403, forged.status)
                assertEquals(1, seen)
            }
        }
    }

    @Test
    fun `the server URL refuses a replayed message within the replay window`(): Unit = runBlocking {
        val text = "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o-user-1]]></FromUserName>" +
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>"
        val config = Services.config(sim.baseUrl, Services.uniquePrefix("oareplay"))
            .copy(token = Secret(token), encodingAesKey = Secret(aesKey), callback = CallbackOptions(replayWindowSeconds = 300L))
        OfficialAccount(config, null).use { a ->
            val ts = (System.currentTimeMillis() / 1000).toString()
            val query = mapOf("signature" to signature(ts, "kt-replay"), "timestamp" to ts, "nonce" to "kt-replay")
            var seen = 0
            val first = a.handleMessage("POST", query, text) { seen++; null }
            assertEquals(200 to "success", first.status to first.body)
            val again = a.handleMessage("POST", query, text) { seen++; null }
            assertEquals(409, again.status, again.body)
            assertTrue(again.body.contains("replay"), again.body)
            assertEquals(null, again.message)
            // The suspend face shares the same window.
            val replayed = a.handleMessageAsync("POST", query, text) { seen++; null }
            assertEquals(409, replayed.status, replayed.body)
            assertEquals(1, seen)
            val fresh = mapOf("signature" to signature(ts, "kt-replay-2"), "timestamp" to ts, "nonce" to "kt-replay-2")
            val answered = a.handleMessageAsync("POST", fresh, text) {
                JSONObject().put("type", "text").put("content", "you said " + it.field("Content")).toString()
            }
            assertEquals(200, answered.status, answered.body)
            assertTrue(answered.body.contains("you said hello"), answered.body)
            assertEquals(409, a.handleMessage("POST", fresh, text) { null }.status)
            // Outside the window: 403.
            val old = (System.currentTimeMillis() / 1000 - 301).toString()
            val stale = a.handleMessage("POST", mapOf("signature" to signature(old, "kt-old"), "timestamp" to old, "nonce" to "kt-old"), text) { null }
            assertEquals(403, stale.status, stale.body)
            assertTrue(stale.body.contains("replay window"), stale.body)

            // A handler that throws after the 200 (the server answers 500): the message is
            // forgotten, so WeChat's retry is handled rather than refused.
            val failing = mapOf("signature" to signature(ts, "kt-fail"), "timestamp" to ts, "nonce" to "kt-fail")
            val thrown = assertThrows(IllegalStateException::class.java) {
                a.handleMessage("POST", failing, text) { error("the database is down") }
            }
            assertEquals("the database is down", thrown.message)
            assertEquals(200, a.handleMessage("POST", failing, text) { null }.status)
            assertEquals(409, a.handleMessage("POST", failing, text) { null }.status)
            val failingAsync = mapOf("signature" to signature(ts, "kt-fail-2"), "timestamp" to ts, "nonce" to "kt-fail-2")
            val thrownAsync = runCatching { a.handleMessageAsync("POST", failingAsync, text) { error("the queue is full") } }
            assertEquals("the queue is full", thrownAsync.exceptionOrNull()?.message)
            assertEquals(200, a.handleMessageAsync("POST", failingAsync, text) { null }.status)
            // A reply that cannot be built is the same.
            val badReply = mapOf("signature" to signature(ts, "kt-bad"), "timestamp" to ts, "nonce" to "kt-bad")
            assertThrows(WeixinkitException.InvalidInput::class.java) {
                a.handleMessage("POST", badReply, text) { """{"type":"sticker"}""" }
            }
            assertEquals(200, a.handleMessage("POST", badReply, text) { null }.status)
            // By hand, for handling done after the call returned.
            val manual = mapOf("signature" to signature(ts, "kt-manual"), "timestamp" to ts, "nonce" to "kt-manual")
            assertEquals(200, a.handleMessage("POST", manual, text).status)
            a.forgetPush(manual)
            assertEquals(200, a.handleMessage("POST", manual, text).status)
        }
    }

    private val webAppId = "wxweb0000000000001"
    private val webSecret = "web-secret"
    private val stateKey = "a state key of at least 16 bytes"

    private fun website(): WebsiteApp {
        sim.post("/_sim/apps", JSONObject().put("appid", webAppId).put("secret", webSecret).put("kind", "website_app"))
        val http = HttpOptions(timeoutMs = 5_000L, apiBaseUri = sim.baseUrl, retry = RetryPolicy(delayMs = 10L))
        return WebsiteApp(WebsiteAppConfig(appId = webAppId, secret = Secret(webSecret), http = http))
    }

    @Test
    fun `website QR login from code to profile, blocking and suspend`(): Unit = runBlocking {
        website().use { app ->
            assertEquals(webAppId, app.appId())
            assertEquals(
                "https://open.weixin.qq.com/connect/qrconnect?appid=$webAppId" +
                    "&redirect_uri=https%3A%2F%2Fexample.com%2Flogin&response_type=code&scope=snsapi_login" +
                    "&state=st1#wechat_redirect",
                app.qrconnectUrl("https://example.com/login", "st1"),
            )
            assertTrue(app.qrconnectUrl("https://example.com/login", "st1", "en").endsWith("&state=st1&lang=en#wechat_redirect"))
            for ((uri, state, lang) in listOf(Triple("/relative", "st1", null), Triple("https://e.com", "not ok", null), Triple("https://e.com", "st1", "de"))) {
                assertThrows(WeixinkitException.InvalidInput::class.java) { app.qrconnectUrl(uri, state, lang) }
            }
            val c = code(webAppId, "scope" to "snsapi_login")
            val user = app.oauthAccessToken(c.getString("code"))
            assertEquals(c.getString("openid"), user.openid)
            assertEquals("snsapi_login", user.scope)
            assertTrue(app.oauthCheck(user.accessToken, user.openid))
            val renewed = app.oauthRefreshTokenAsync(user.refreshToken)
            val profile = app.oauthUserInfoAsync(renewed.accessToken, renewed.openid, "en")
            assertEquals(c.getString("openid"), profile.openid)
            assertEquals("Sim User", profile.nickname)
            val used = assertThrows(WeixinkitException.OauthCode::class.java) { app.oauthAccessToken(c.getString("code")) }
            assertEquals(40163, used.code)
            val other = code(webAppId, "scope" to "snsapi_login")
            assertEquals(other.getString("openid"), app.oauthAccessTokenAsync(other.getString("code")).openid)
        }
        assertThrows(WeixinkitException.Config::class.java) { WebsiteApp(WebsiteAppConfig(appId = webAppId, secret = Secret(""))) }
    }

    @Test
    fun `the state ties the redirect to the session`() {
        OAuthState(stateKey).use { states ->
            assertEquals(600L, states.ttlSecs())
            assertFalse(states.toString().contains(stateKey))
            val state = states.issue("session-1")
            assertTrue(Regex("[0-9a-f]{56}").matches(state), state)
            states.verify(state, "session-1")
            assertTrue(states.issue("session-1") != state)
            val flipped = state.substring(0, 40) + (if (state[40] == '0') '1' else '0') + state.substring(41)
            val other = assertThrows(WeixinkitException.InvalidInput::class.java) { states.verify(state, "session-2") }
            assertEquals(-50005, other.code)
            assertTrue(other.message!!.contains("session"), other.message)
            assertThrows(WeixinkitException.InvalidInput::class.java) { states.verify(flipped, "session-1") }
            OAuthState("another key of 16 bytes+").use { otherKey ->
                assertThrows(WeixinkitException.InvalidInput::class.java) { otherKey.verify(state, "session-1") }
            }
            assertThrows(WeixinkitException.InvalidInput::class.java) { states.verify("", "session-1") }
        }
        OAuthState(stateKey, 1L).use { short ->
            val old = short.issue("session-1")
            short.verify(old, "session-1")
            Thread.sleep(2_100)
            val expired = assertThrows(WeixinkitException.InvalidInput::class.java) { short.verify(old, "session-1") }
            assertTrue(expired.message!!.contains("expired"), expired.message)
        }
        assertThrows(WeixinkitException.InvalidInput::class.java) { OAuthState("short") }
        assertThrows(WeixinkitException.InvalidInput::class.java) { OAuthState(stateKey, 0L) }
    }
}
