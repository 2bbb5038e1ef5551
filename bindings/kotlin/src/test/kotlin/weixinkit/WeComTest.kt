package weixinkit

import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.concurrent.TimeUnit

/** The local server's default WeCom suite and provider. */
object WeCom {
    const val SUITE_ID = "wwsuite00000000001"
    const val SUITE_SECRET = "suite-secret"
    const val SUITE_TOKEN = "suitetoken"
    const val SUITE_AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
    const val PROVIDER_CORPID = "wwprovider00000001"
    const val PROVIDER_SECRET = "provider-secret"
    const val CORP = "wwinstalledcorp001"
    const val SUITE_TOKEN_PATH = "/cgi-bin/service/get_suite_token"
    const val CORP_TOKEN_PATH = "/cgi-bin/service/get_corp_token"

    fun http(baseUri: String) = HttpOptions(
        timeoutMs = 5_000L,
        workBaseUri = baseUri,
        retry = RetryPolicy(maxRetries = 2L, delayMs = 10L, deadlineMs = 10_000L),
    )

    fun suiteConfig(baseUri: String) = SuiteConfig(
        suiteId = SUITE_ID,
        suiteSecret = Secret(SUITE_SECRET),
        token = Secret(SUITE_TOKEN),
        encodingAesKey = Secret(SUITE_AES_KEY),
        providerCorpId = PROVIDER_CORPID,
        http = http(baseUri),
        store = StoreConfig.Memory,
    )
}

/** `POST /_sim/wecom/<action>`: the answer, whose `push` (if any) is a suite push. */
fun Sim.wecom(action: String, vararg fields: Pair<String, Any>): JSONObject =
    post("/_sim/wecom/$action", JSONObject().apply { fields.forEach { (k, v) -> put(k, v) } })

/** Deliver a suite push to `s`'s callback handler as a web framework would. */
fun Suite.deliver(answer: JSONObject): CallbackResponse {
    val push = SimPush.of(answer)
    return handleCallback("POST", push.query, push.body)
}

/**
 * The WeCom install lifecycle through the generated Kotlin API, against the local server: URL
 * verification → suite_ticket → suite token → install link → create_auth and the permanent code
 * stored → acting for the corp → corp token recovery → cancel_auth; blocking and suspend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WeComTest : WithSim() {
    private fun suite() = Suite(WeCom.suiteConfig(sim.baseUrl), null)

    @Test
    fun `blocking - the whole install lifecycle through the callback handler`() {
        suite().use { s ->
            assertEquals(WeCom.SUITE_ID, s.suiteId())
            val check = sim.wecom("verify_url", "suite_id" to WeCom.SUITE_ID)
            val q = check.getJSONObject("query")
            val verified = s.handleCallback("GET", q.keySet().associateWith { q.getString(it) }, "")
            assertEquals(200 to check.getString("echo"), verified.status to verified.body)

            val issued = sim.wecom("suite_ticket", "suite_id" to WeCom.SUITE_ID)
            val pushed = s.deliver(issued)
            assertEquals(200 to "success", pushed.status to pushed.body)
            assertInstanceOf(Event.SuiteTicket::class.java, pushed.message!!.event)
            assertEquals(issued.getString("ticket"), s.suiteTicket())
            val token = s.suiteAccessToken()
            assertEquals(token, s.suiteAccessToken())
            assertEquals(1, sim.calls(WeCom.SUITE_TOKEN_PATH))

            val url = s.createInstallUrl("https://example.com/installed", "s1", 1L)
            assertTrue(url.startsWith("https://open.work.weixin.qq.com/3rdapp/install?suite_id=${WeCom.SUITE_ID}"), url)

            val created = s.deliver(sim.wecom("install", "suite_id" to WeCom.SUITE_ID, "corpid" to WeCom.CORP))
            assertEquals(200, created.status, created.body)
            assertInstanceOf(Event.CreateAuth::class.java, created.message!!.event)
            assertNotNull(s.storedPermanentCode(WeCom.CORP))

            val corp = s.corp(WeCom.CORP)
            assertEquals(WeCom.CORP, corp.corpId())
            val echoed = JSONObject(corp.postJson("/cgi-bin/message/send", """{"touser":"@all"}"""))
            assertEquals("@all", echoed.getJSONObject("echo").getJSONObject("body").getString("touser"))
            assertEquals(1, sim.calls(WeCom.CORP_TOKEN_PATH))
            sim.expire(WeCom.CORP)
            corp.get("/cgi-bin/user/list", emptyMap())
            assertEquals(2, sim.calls(WeCom.CORP_TOKEN_PATH), "expiry recovered with one refresh")

            val cancelled = s.deliver(sim.wecom("cancel", "suite_id" to WeCom.SUITE_ID, "corpid" to WeCom.CORP))
            assertEquals(200, cancelled.status)
            assertNull(s.storedPermanentCode(WeCom.CORP))
            val e = assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { corp.get("/cgi-bin/user/list", emptyMap()) }
            assertTrue(e.message!!.contains(WeCom.CORP), e.message)
            assertEquals(2, sim.calls(WeCom.CORP_TOKEN_PATH), "no upstream call for a corp that must reinstall")
        }
    }

    @Test
    fun `suspend - the same lifecycle, concurrent corp tokens fetched once`(): Unit = runBlocking {
        suite().use { s ->
            val issued = sim.wecom("suite_ticket", "suite_id" to WeCom.SUITE_ID)
            val push = SimPush.of(issued)
            assertEquals(200, s.handleCallbackAsync("POST", push.query, push.body).status)
            val website = sim.wecom("install", "suite_id" to WeCom.SUITE_ID, "corpid" to WeCom.CORP, "push" to false)
            val granted = s.permanentCodeV2Async(website.getString("auth_code"))
            assertEquals(WeCom.CORP, granted.corpId)
            assertNull(granted.accessToken)
            assertFalse(granted.toString().contains(granted.permanentCode), "toString hides the permanent code")
            val corp = s.corp(WeCom.CORP)
            val tokens = coroutineScope { (1..8).map { async { corp.accessTokenAsync() } }.awaitAll() }
            assertEquals(1, tokens.map { it.value }.toSet().size)
            assertEquals(1, sim.calls(WeCom.CORP_TOKEN_PATH))
            val info = JSONObject(s.authInfoAsync(WeCom.CORP))
            assertEquals(WeCom.CORP, info.getJSONObject("auth_corp_info").getString("corpid"))
            val cancelled = SimPush.of(sim.wecom("cancel", "suite_id" to WeCom.SUITE_ID, "corpid" to WeCom.CORP))
            val answer = s.handleCallbackAsync("POST", cancelled.query, cancelled.body)
            assertInstanceOf(Event.CancelAuth::class.java, answer.message!!.event)
            assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { runBlocking { corp.accessTokenAsync() } }
        }
    }

    @Test
    fun `errors - no ticket, a forged push, a refused ticket, the provider`() {
        suite().use { s ->
            val e = assertThrows(WeixinkitException.Ticket::class.java) { s.suiteAccessToken() }
            assertTrue(e.message!!.contains(WeCom.SUITE_ID), e.message)
            val issued = SimPush.of(sim.wecom("suite_ticket", "suite_id" to WeCom.SUITE_ID))
            val forged = issued.query + ("msg_signature" to "0".repeat(40))
            assertEquals(403, s.handleCallback("POST", forged, issued.body).status)
            assertNull(s.suiteTicket(), "a forged push stores nothing")
            s.storeSuiteTicket("suiteticket-not-issued")
            val refused = assertThrows(WeixinkitException.Ticket::class.java) { s.preAuthCode() }
            assertEquals(40085, refused.code)
            assertEquals(1, sim.calls(WeCom.SUITE_TOKEN_PATH))
            assertThrows(WeixinkitException.InvalidInput::class.java) { s.corp("ww:bad") }
        }
        val provider = Provider(
            ProviderConfig(
                corpId = WeCom.PROVIDER_CORPID,
                providerSecret = Secret(WeCom.PROVIDER_SECRET),
                http = WeCom.http(sim.baseUrl),
                store = StoreConfig.Memory,
            ),
            null,
        )
        provider.use { p ->
            assertTrue(p.providerAccessToken().value.startsWith("PROVIDER_"))
            val code = sim.wecom("login_code", "provider_corpid" to WeCom.PROVIDER_CORPID, "corpid" to WeCom.CORP)
            val login = JSONObject(p.getLoginInfo(code.getString("code")))
            assertEquals(WeCom.CORP, login.getJSONObject("corp_info").getString("corpid"))
        }
    }

    @Test
    fun `a replayed push is refused in every client on the store, a repeated create_auth is success`() {
        val dir = java.nio.file.Files.createTempDirectory("weixinkit-kt-replay-").toFile()
        fun open(window: Long?) = Suite(
            WeCom.suiteConfig(sim.baseUrl).copy(
                store = StoreConfig.File(dir.path),
                callback = window?.let { CallbackOptions(replayWindowSeconds = it) },
            ),
            null,
        )
        try {
            open(300L).use { a ->
                open(300L).use { b ->
                    val issued = sim.wecom("suite_ticket", "suite_id" to WeCom.SUITE_ID)
                    assertEquals(200 to "success", a.deliver(issued).let { it.status to it.body })
                    for (s in listOf(a, b)) {
                        val again = s.deliver(issued)
                        assertEquals(409, again.status, again.body)
                        assertTrue(again.body.contains("replay"), again.body)
                        assertNull(again.message)
                    }
                    assertEquals(issued.getString("ticket"), b.suiteTicket())
                    // The caller's own handling failed after the 200: forgotten (by the other
                    // client), WeCom's retry is handled once more.
                    b.forgetPush(SimPush.of(issued).query)
                    assertEquals(200, a.deliver(issued).status)
                    assertEquals(409, b.deliver(issued).status)
                }
            }
            // Without the window, a repeated create_auth push (its code already exchanged,
            // WeCom answering 40029 for it) is success and exchanges nothing more.
            open(null).use { a ->
                open(null).use { b ->
                    val installed = sim.wecom("install", "suite_id" to WeCom.SUITE_ID, "corpid" to WeCom.CORP)
                    assertEquals(200, a.deliver(installed).status)
                    val code = a.storedPermanentCode(WeCom.CORP)
                    assertNotNull(code)
                    for (s in listOf(a, b)) {
                        assertEquals(200 to "success", s.deliver(installed).let { it.status to it.body })
                    }
                    assertEquals(1, sim.calls("/cgi-bin/service/v2/get_permanent_code"))
                    assertEquals(code, b.storedPermanentCode(WeCom.CORP))
                }
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
