package weixinkit

import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.concurrent.TimeUnit

/** `get` / `postJson` round trips and the JS-SDK config, through the suspend API. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ApiCallsTest : WithSim() {
    private fun account(tag: String) = OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix(tag)), null)

    @Test
    fun `getAsync sends the query with the access token injected`() = runBlocking {
        account("get").use { account ->
            val answer = JSONObject(account.getAsync("/cgi-bin/user/info", mapOf("openid" to "o-user-1", "lang" to "zh_CN")))
            assertEquals("o-user-1", answer.getString("openid"), "the sim's user/info answered for our openid: $answer")

            val echo = JSONObject(account.getAsync("/cgi-bin/tags/get", mapOf("q" to "a b&c=d", "n" to "1"))).getJSONObject("echo")
            assertEquals("GET", echo.getString("method"))
            assertEquals("/cgi-bin/tags/get", echo.getString("path"))
            val query = echo.getJSONObject("query")
            assertEquals("a b&c=d", query.getString("q"), "query values are encoded and decoded intact")
            assertEquals("1", query.getString("n"))
            assertEquals(account.accessTokenAsync().value, query.getString("access_token"))
            assertEquals(setOf("q", "n", "access_token"), query.keySet())
            assertEquals(1, sim.calls("/cgi-bin/token"), "one token for both calls")
        }
    }

    @Test
    fun `postJsonAsync sends the JSON body unchanged`() = runBlocking {
        account("post").use { account ->
            val body = JSONObject("""{"touser":"o1","msgtype":"text","text":{"content":"你好, weixinkit"},"n":[1,2.5,null,true]}""")
            val echo = JSONObject(account.postJsonAsync("/cgi-bin/message/custom/send", body.toString())).getJSONObject("echo")
            assertEquals("POST", echo.getString("method"))
            assertEquals("/cgi-bin/message/custom/send", echo.getString("path"))
            assertTrue(body.similar(echo.getJSONObject("body")), "body round trip: ${echo.getJSONObject("body")}")
            assertEquals(account.accessTokenAsync().value, echo.getJSONObject("query").getString("access_token"))
        }
    }

    @Test
    fun `blocking get and postJson work the same`() {
        account("blocking").use { account ->
            val ips = JSONObject(account.get("/cgi-bin/get_api_domain_ip", emptyMap())).getJSONArray("ip_list")
            assertEquals(listOf("127.0.0.1"), ips.toList())
            val echo = JSONObject(account.postJson("/cgi-bin/tags/create", """{"tag":{"name":"kt"}}""")).getJSONObject("echo")
            assertEquals("kt", echo.getJSONObject("body").getJSONObject("tag").getString("name"))
        }
    }

    @Test
    fun `bad arguments are InvalidInput before any request`() = runBlocking {
        account("args").use { account ->
            assertThrows(WeixinkitException.InvalidInput::class.java) { account.postJson("/cgi-bin/x", "{not json") }
            assertThrows(WeixinkitException.InvalidInput::class.java) { account.get("cgi-bin/x", emptyMap()) }
            assertThrows(WeixinkitException.InvalidInput::class.java) { account.get("/cgi-bin/x", mapOf("access_token" to "mine")) }
            val e = runCatching { account.getAsync("/cgi-bin/x?a=1", emptyMap()) }.exceptionOrNull()
            assertTrue(e is WeixinkitException.InvalidInput, "got $e")
            assertEquals(0, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `jssdkConfigAsync is signed with the cached jsapi ticket`() = runBlocking {
        account("jssdk").use { account ->
            val before = System.currentTimeMillis() / 1000
            val config = account.jssdkConfigAsync("https://example.com/page?x=1#section")
            assertEquals(Services.APP_ID, config.appId)
            assertEquals("https://example.com/page?x=1", config.url, "the fragment is not signed")
            assertTrue(config.timestamp in before - 1..System.currentTimeMillis() / 1000 + 1)
            assertTrue(Regex("^[A-Za-z0-9]{16}$").matches(config.nonceStr), config.nonceStr)

            val ticket = account.jsapiTicketAsync()
            assertTrue(ticket.value.startsWith("JSAPI_"), "a getticket ticket")
            assertEquals(jssdkSignature(ticket.value, config.nonceStr, config.timestamp, config.url), config.signature)
            assertEquals(1, sim.calls("/cgi-bin/ticket/getticket"), "the ticket is cached")

            val other = account.jssdkConfig("https://example.com/other")
            assertEquals(jssdkSignature(ticket.value, other.nonceStr, other.timestamp, other.url), other.signature)
            assertNotEquals(config.nonceStr, other.nonceStr)
            assertEquals(ticket, account.jsapiTicket())
            assertEquals(1, sim.calls("/cgi-bin/ticket/getticket"))
            assertEquals(1, sim.calls("/cgi-bin/token"))
        }
    }
}
