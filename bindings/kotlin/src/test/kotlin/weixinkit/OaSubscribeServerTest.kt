package weixinkit

import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.URI
import java.net.URLDecoder
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.security.MessageDigest
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

/**
 * examples/kotlin/OaSubscribeServer.kt for real: started as its own JVM on a free port; the
 * test plays the browser (following the redirect to WeChat's page by hand, keeping the session
 * cookie) and WeChat (the local server issues the code; an encrypted message is posted to the
 * server URL and its reply decrypted).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OaSubscribeServerTest : WithSim() {
    private val token = "oatoken"
    private val aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    private var process: Process? = null
    private var storeDir: File? = null
    private val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()

    @AfterEach
    fun stop() {
        process?.let { p ->
            p.destroy()
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor()
        }
        storeDir?.deleteRecursively()
    }

    /** Start the example as its header says; its base URL. */
    private fun startExample(): String {
        val dir = Files.createTempDirectory("wxk-oa-example").toFile().also { storeDir = it }
        val java = File(System.getProperty("java.home"), "bin/java").path
        val classpath = System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path")
        val command = mutableListOf(java, "-cp", classpath)
        System.getProperty("jna.library.path")?.let { command += "-Djna.library.path=$it" }
        command += "weixinkit.examples.OaSubscribeServerKt"
        val log = File("target/sim-logs").apply { mkdirs() }.let { File.createTempFile("oa-subscribe-server-", ".log", it) }
        val builder = ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log))
        builder.environment().apply {
            put("WEIXINKIT_OA_APPID", Services.APP_ID)
            put("WEIXINKIT_OA_SECRET", Services.SECRET)
            put("WEIXINKIT_OA_TOKEN", token)
            put("WEIXINKIT_OA_AES_KEY", aesKey)
            put("WEIXINKIT_STATE_KEY", "a state key for the example test")
            put("WEIXINKIT_API_BASE_URI", sim.baseUrl)
            put("WEIXINKIT_STORE_DIR", dir.path)
            put("PORT", "0")
        }
        val started = builder.start().also { process = it }
        val lines = LinkedBlockingQueue<String>()
        Thread {
            BufferedReader(InputStreamReader(started.inputStream)).forEachLine { lines.put(it) }
        }.apply { isDaemon = true }.start()
        val first = lines.poll(30, TimeUnit.SECONDS)
            ?: throw AssertionError("the example printed nothing within 30 s (stderr: $log)")
        return Regex("^listening on (http://127\\.0\\.0\\.1:\\d+)$").find(first)?.groupValues?.get(1)
            ?: throw AssertionError("the example's first line is \"$first\" (stderr: $log)")
    }

    private fun encode(query: Map<String, String>) =
        query.entries.joinToString("&") { (k, v) -> URLEncoder.encode(k, "UTF-8") + "=" + URLEncoder.encode(v, "UTF-8") }

    private fun send(method: String, url: String, body: String = "", cookie: String? = null): HttpResponse<String> {
        val request = HttpRequest.newBuilder(URI(url)).method(method, HttpRequest.BodyPublishers.ofString(body))
        cookie?.let { request.header("Cookie", it) }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString())
    }

    private fun parameters(query: String): Map<String, String> = query.split('&').associate {
        val (k, v) = it.split('=', limit = 2)
        URLDecoder.decode(k, "UTF-8") to URLDecoder.decode(v, "UTF-8")
    }

    /** /subscribed: WeChat's page's parameters and the session cookie. */
    private fun begin(base: String): Pair<Map<String, String>, String> {
        val start = send("GET", "$base/subscribed")
        assertEquals(302, start.statusCode())
        val location = URI(start.headers().firstValue("Location").orElseThrow())
        assertEquals(listOf("open.weixin.qq.com", "/connect/oauth2/authorize", "wechat_redirect"), listOf(location.host, location.path, location.fragment))
        val query = parameters(location.rawQuery)
        assertEquals(Services.APP_ID, query["appid"])
        assertEquals("snsapi_base", query["scope"])
        assertEquals("$base/oauth/callback", query["redirect_uri"])
        assertTrue(Regex("[0-9a-f]{56}").matches(query.getValue("state")))
        val cookie = start.headers().firstValue("Set-Cookie").orElseThrow().substringBefore(';')
        assertTrue(cookie.startsWith("sid="), cookie)
        return query to cookie
    }

    private fun code(subscribed: Boolean): String =
        sim.post("/_sim/oauth_code", JSONObject().put("appid", Services.APP_ID).put("scope", "snsapi_base").put("subscribed", subscribed))
            .getString("code")

    @Test
    fun `the subscribe check from redirect to answer`() {
        val base = startExample()
        for ((subscribed, expected) in listOf(true to "subscribed", false to "not subscribed")) {
            val (query, cookie) = begin(base)
            // WeChat (the local server) issues the code and redirects back with the state.
            val back = "$base/oauth/callback?" + encode(mapOf("code" to code(subscribed), "state" to query.getValue("state")))
            val page = send("GET", back, cookie = cookie)
            assertEquals(200 to expected, page.statusCode() to page.body())
            // A reload: the code is used, the visitor starts again.
            val reload = send("GET", back, cookie = cookie)
            assertEquals(302 to "/subscribed", reload.statusCode() to reload.headers().firstValue("Location").orElse(""))
        }
        // Another session's state, or a forged one: refused before any code is exchanged.
        val (query, _) = begin(base)
        val (_, otherCookie) = begin(base)
        val before = sim.calls("/sns/oauth2/access_token")
        val c = code(true)
        val stolen = send("GET", "$base/oauth/callback?" + encode(mapOf("code" to c, "state" to query.getValue("state"))), cookie = otherCookie)
        assertEquals(400, stolen.statusCode())
        assertTrue(stolen.body().contains("session"), stolen.body())
        val forged = send("GET", "$base/oauth/callback?" + encode(mapOf("code" to c, "state" to "0".repeat(56))), cookie = otherCookie)
        assertEquals(400, forged.statusCode())
        assertEquals(before, sim.calls("/sns/oauth2/access_token"))
    }

    private fun element(xml: String, tag: String): String =
        Regex("<$tag>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</$tag>", RegexOption.DOT_MATCHES_ALL).find(xml)?.groupValues?.get(1)
            ?: error("no <$tag> in $xml")

    private fun signature(timestamp: String, nonce: String): String =
        MessageDigest.getInstance("SHA-1").digest(listOf(token, timestamp, nonce).sorted().joinToString("").toByteArray())
            .joinToString("") { "%02x".format(it) }

    @Test
    fun `the server URL answers a text message with an encrypted reply`() {
        val base = startExample()
        val text = "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o-user-1]]></FromUserName>" +
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>"
        val (ts, nonce) = (System.currentTimeMillis() / 1000).toString() to "n0"
        MessageCrypto(token, aesKey, Services.APP_ID).use { crypto ->
            // What WeChat sends has the same Encrypt element as a passive reply's envelope.
            val body = crypto.encryptReply(text, ts, nonce)
            val query = mapOf(
                "signature" to signature(ts, nonce), "timestamp" to ts, "nonce" to nonce,
                "encrypt_type" to "aes", "msg_signature" to element(body, "MsgSignature"),
            )
            val answer = send("POST", "$base/wechat?" + encode(query), body)
            assertEquals(200, answer.statusCode(), answer.body())
            assertFalse(answer.body().contains("you said"))
            val plain = crypto.decryptBody(
                element(answer.body(), "MsgSignature"), element(answer.body(), "TimeStamp"), element(answer.body(), "Nonce"), answer.body(),
            )
            val reply = parseMessage(plain)
            assertEquals("you said hello", reply.field("Content"))
            assertEquals("o-user-1", reply.field("ToUserName"))
            val forged = send("POST", "$base/wechat?" + encode(query + ("msg_signature" to "0".repeat(40))), body)
            assertEquals(403, forged.statusCode())
            // The example turns the replay window on: the same push again is refused.
            val replayed = send("POST", "$base/wechat?" + encode(query), body)
            assertEquals(409, replayed.statusCode(), replayed.body())
            val check = send("GET", "$base/wechat?" + encode(mapOf("signature" to signature(ts, nonce), "timestamp" to ts, "nonce" to nonce, "echostr" to "e-1")))
            assertNotNull(check)
            assertEquals(200 to "e-1", check.statusCode() to check.body())
        }
    }
}
