package weixinkit

import org.json.JSONObject
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import weixinkit.Platform.AUTHORIZER

/**
 * examples/kotlin/CallbackServer.kt for real: started as its own JVM on a free port with its
 * configuration in the environment, registered as the platform's authorization event URL with
 * the local WeChat server, which then delivers its pushes to it over HTTP.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CallbackServerTest : WithSim() {
    private var process: Process? = null
    private var storeDir: File? = null

    @AfterEach
    fun stop() {
        process?.let { p ->
            p.destroy()
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor()
        }
        storeDir?.deleteRecursively()
    }

    /** Start the example; its callback URL, and a queue of the lines it prints afterwards. */
    private fun startExample(dir: File): Pair<String, LinkedBlockingQueue<String>> {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val classpath = System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path")
        val command = mutableListOf(java, "-cp", classpath)
        System.getProperty("jna.library.path")?.let { command += "-Djna.library.path=$it" }
        command += "weixinkit.examples.CallbackServerKt"
        val log = File("target/sim-logs").apply { mkdirs() }.let { File.createTempFile("callback-server-", ".log", it) }
        val builder = ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log))
        builder.environment().apply {
            put("WEIXINKIT_COMPONENT_APPID", Platform.APP_ID)
            put("WEIXINKIT_COMPONENT_SECRET", Platform.SECRET)
            put("WEIXINKIT_COMPONENT_TOKEN", Platform.TOKEN)
            put("WEIXINKIT_COMPONENT_AES_KEY", Platform.AES_KEY)
            put("WEIXINKIT_API_BASE_URI", sim.baseUrl)
            put("WEIXINKIT_SUITE_ID", WeCom.SUITE_ID)
            put("WEIXINKIT_SUITE_SECRET", WeCom.SUITE_SECRET)
            put("WEIXINKIT_SUITE_TOKEN", WeCom.SUITE_TOKEN)
            put("WEIXINKIT_SUITE_AES_KEY", WeCom.SUITE_AES_KEY)
            put("WEIXINKIT_WORK_BASE_URI", sim.baseUrl)
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
        val url = Regex("^listening on (http://127\\.0\\.0\\.1:\\d+/wechat/callback)$").find(first)?.groupValues?.get(1)
            ?: throw AssertionError("the example's first line is \"$first\" (stderr: $log)")
        return url to lines
    }

    /** The next line the example prints (its handler's log), waiting up to 10 s for it. */
    private fun LinkedBlockingQueue<String>.next(): String? = poll(10, TimeUnit.SECONDS)

    private fun assertDelivered(outcome: JSONObject) {
        assertTrue(outcome.getBoolean("delivered"), "not delivered: ${outcome.optString("error")}")
        assertEquals(200, outcome.getInt("status"))
        assertEquals("success", outcome.getString("response"))
    }

    @Test
    fun `the example web app answers the sim's pushes and keeps the ticket and refresh token in its store`() {
        val dir = Files.createTempDirectory("weixinkit-kt-example-").toFile().also { storeDir = it }
        val (url, printed) = startExample(dir)
        sim.post(
            "/_sim/apps",
            JSONObject()
                .put("appid", Platform.APP_ID).put("secret", Platform.SECRET).put("kind", "component")
                .put("token", Platform.TOKEN).put("encoding_aes_key", Platform.AES_KEY).put("callback_url", url),
        )

        // The ticket push: delivered, answered success, stored in the example's file store.
        val ticket = sim.post("/_sim/component/ticket", JSONObject().put("component_appid", Platform.APP_ID))
        assertDelivered(ticket)
        assertEquals("push: component_verify_ticket", printed.next())

        // The authorization push: the example's Component exchanged the code (with the ticket it
        // stored) and stored the refresh token before answering.
        val grant = sim.authorize(AUTHORIZER)
        assertDelivered(grant)
        assertEquals("push: authorized $AUTHORIZER", printed.next())
        assertEquals(1, sim.calls(Platform.QUERY_AUTH))

        // What the example stored, read back by another client on the same directory (its key
        // prefix is the default, as the example's).
        Component(Platform.config(sim.baseUrl, "weixinkit", StoreConfig.File(dir.path)), null).use { c ->
            assertEquals(ticket.getString("ticket"), c.verifyTicket())
            val refresh = c.refreshToken(AUTHORIZER)
            assertNotNull(refresh)
            assertEquals(refresh, c.authorizerList(null, null).list.single { it.authorizerAppid == AUTHORIZER }.refreshToken)
            // The access token the example cached works here without an exchange.
            c.authorizer(AUTHORIZER).get("/cgi-bin/get_api_domain_ip", emptyMap())
            assertEquals(0, sim.calls(Platform.AUTHORIZER_TOKEN))

            // The cancellation push: delivered, and the refresh token is gone from the store.
            assertDelivered(sim.unauthorize(AUTHORIZER))
            assertEquals("push: unauthorized $AUTHORIZER", printed.next())
            assertNull(c.refreshToken(AUTHORIZER))
        }

        // A forged push straight to the example: 403, nothing printed by the handler.
        val push = SimPush.of(sim.post("/_sim/component/ticket", JSONObject().put("component_appid", Platform.APP_ID)))
        assertEquals("push: component_verify_ticket", printed.next()) // the sim delivered that one too
        val query = (push.query + ("msg_signature" to "0".repeat(40))).entries.joinToString("&") { "${it.key}=${it.value}" }
        val forged = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("$url?$query")).POST(HttpRequest.BodyPublishers.ofString(push.body)).build(),
            HttpResponse.BodyHandlers.ofString(),
        )
        assertEquals(403, forged.statusCode())
        assertFalse(forged.body() == "success")
        // The next line the handler prints is the next genuine push's: the forged one printed nothing.
        assertDelivered(sim.authorize(Platform.OTHER))
        assertEquals("push: authorized ${Platform.OTHER}", printed.next())
    }

    @Test
    fun `the example's suite route stores a pushed suite_ticket`() {
        val dir = Files.createTempDirectory("weixinkit-kt-example-suite-").toFile().also { storeDir = it }
        val (url, printed) = startExample(dir)
        val suiteUrl = url.removeSuffix("/wechat/callback") + "/wecom/suite"
        fun post(ticket: String, nonce: String, forge: Boolean = false): HttpResponse<String> {
            val timestamp = (System.currentTimeMillis() / 1000).toString()
            val xml = "<xml><SuiteId><![CDATA[${WeCom.SUITE_ID}]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>" +
                "<TimeStamp>$timestamp</TimeStamp><SuiteTicket><![CDATA[$ticket]]></SuiteTicket></xml>"
            // Encrypted and signed by weixinkit's own crypto, as WeCom sends a push.
            val body = MessageCrypto(WeCom.SUITE_TOKEN, WeCom.SUITE_AES_KEY, WeCom.SUITE_ID).use {
                it.encryptReply(xml, timestamp, nonce)
            }
            val signature = if (forge) "0".repeat(40) else xmlText(body, "MsgSignature")
            return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("$suiteUrl?msg_signature=$signature&timestamp=$timestamp&nonce=$nonce"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(),
            )
        }
        val answered = post("suiteticket-from-the-test", "n0nce1")
        assertEquals(200 to "success", answered.statusCode() to answered.body())
        assertEquals("suite push: SuiteTicket", printed.next())
        Suite(WeCom.suiteConfig(sim.baseUrl).copy(store = StoreConfig.File(dir.path)), null).use { s ->
            assertEquals("suiteticket-from-the-test", s.suiteTicket())
            val forged = post("suiteticket-forged", "n0nce2", forge = true)
            assertEquals(403, forged.statusCode())
            assertEquals("suiteticket-from-the-test", s.suiteTicket())
        }
    }
}
