package weixinkit

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/**
 * The access token against a local WeChat server: cached, fetched once however many
 * coroutines or threads ask, and refreshed exactly once after a token error.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessTokenTest : WithSim() {
    private fun account(tag: String, maxRetries: Long = 2L) =
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix(tag), maxRetries = maxRetries), null)

    /** Make the next `/cgi-bin/token` answer slowly, so concurrent callers overlap the fetch. */
    private fun slowTokenEndpoint() = sim.fault("/cgi-bin/token", "times" to 1, "delay_ms" to 300)

    @Test
    fun `blocking accessToken is cached - two calls, one upstream fetch`() {
        account("cached").use { account ->
            val before = System.currentTimeMillis() / 1000
            val first = account.accessToken()
            val second = account.accessToken()
            assertEquals(first, second)
            assertTrue(first.value.startsWith("ACCESS_"), "a cgi-bin/token token")
            assertEquals(7200L, first.expiresAt - first.issuedAt, "the sim's expires_in")
            assertTrue(first.issuedAt in before - 1..System.currentTimeMillis() / 1000 + 1)
            assertEquals(1, sim.calls("/cgi-bin/token"))
            assertEquals(Services.APP_ID, account.appId())
        }
    }

    @Test
    fun `50 coroutines on a cold token cause exactly one upstream fetch`() = runBlocking {
        slowTokenEndpoint()
        account("coroutines").use { account ->
            val tokens = withContext(Dispatchers.Default) {
                coroutineScope { List(50) { async { account.accessTokenAsync() } }.awaitAll() }
            }
            assertEquals(50, tokens.size)
            assertEquals(1, tokens.map { it.value }.toSet().size, "every caller got the same token")
            assertEquals(1, sim.calls("/cgi-bin/token"))
            // Later suspend calls read the cache.
            assertEquals(tokens[0], account.accessTokenAsync())
            assertEquals(1, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `16 threads blocking on a cold token cause exactly one upstream fetch`() {
        slowTokenEndpoint()
        account("threads").use { account ->
            val barrier = CyclicBarrier(16)
            val pool = Executors.newFixedThreadPool(16)
            try {
                val futures = List(16) { pool.submit<Token> { barrier.await(); account.accessToken() } }
                val values = futures.map { it.get(30, TimeUnit.SECONDS).value }.toSet()
                assertEquals(1, values.size, "every thread got the same token")
            } finally {
                pool.shutdownNow()
            }
            assertEquals(1, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `refreshAccessToken replaces the cached token once`() {
        account("refresh").use { account ->
            val old = account.accessToken()
            val fresh = account.refreshAccessToken()
            assertNotEquals(old.value, fresh.value)
            assertEquals(fresh, account.accessToken())
            assertEquals(2, sim.calls("/cgi-bin/token"))
            runBlocking {
                val again = account.refreshAccessTokenAsync()
                assertNotEquals(fresh.value, again.value)
                assertEquals(again, account.accessTokenAsync())
            }
            assertEquals(3, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `40001 on an API call - one refresh, one retry, success`() {
        account("revoked").use { account ->
            val old = account.accessToken()
            sim.revoke() // the server retires the token: the next call answers 40001
            val answer = JSONObject(account.get("/cgi-bin/get_api_domain_ip", emptyMap()))
            assertEquals("127.0.0.1", answer.getJSONArray("ip_list").getString(0))
            assertEquals(2, sim.calls("/cgi-bin/get_api_domain_ip"), "the refused call and its one retry")
            assertEquals(2, sim.calls("/cgi-bin/token"), "the first token and one refresh")
            val fresh = account.accessToken()
            assertNotEquals(old.value, fresh.value, "the failed token was replaced in the store")
            assertEquals(2, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `42001 (expired) on a suspend POST - one refresh, one retry, success`() = runBlocking {
        account("expired").use { account ->
            val old = account.accessTokenAsync()
            sim.expire()
            val answer = JSONObject(account.postJsonAsync("/cgi-bin/menu/create", """{"button":[]}"""))
            assertEquals(0, answer.getInt("errcode"))
            assertEquals(2, sim.calls("/cgi-bin/menu/create"))
            assertEquals(2, sim.calls("/cgi-bin/token"))
            assertNotEquals(old.value, account.accessTokenAsync().value)
        }
    }

    @Test
    fun `a second token error surfaces after the one retry`() {
        account("twice").use { account ->
            account.accessToken()
            sim.fault("/cgi-bin/user/get", "times" to 2, "errcode" to 40001)
            val e = assertThrows(WeixinkitException.Api::class.java) {
                account.get("/cgi-bin/user/get", emptyMap())
            }
            assertEquals(40001, e.code)
            assertEquals("api", e.kind)
            assertTrue("/cgi-bin/user/get" in e.reason, e.reason)
            assertEquals(2, sim.calls("/cgi-bin/user/get"), "exactly one retry")
            assertEquals(2, sim.calls("/cgi-bin/token"), "exactly one refresh")
        }
    }

    @Test
    fun `45009 is raised as Api with one attempt, never retried`() {
        account("quota").use { account ->
            account.accessToken()
            sim.fault("/cgi-bin/message/custom/send", "times" to 3, "errcode" to 45009)
            val e = assertThrows(WeixinkitException.Api::class.java) {
                account.postJson("/cgi-bin/message/custom/send", """{"touser":"o1","msgtype":"text","text":{"content":"hi"}}""")
            }
            assertEquals(45009, e.code)
            assertEquals(45009, (e as WeixinkitException).code, "the extension property agrees")
            assertTrue("/cgi-bin/message/custom/send" in e.reason && "45009" in e.reason, e.reason)
            assertEquals(1, sim.calls("/cgi-bin/message/custom/send"), "one attempt")
            assertEquals(1, sim.calls("/cgi-bin/token"), "no refresh for a quota error")
        }
    }

    @Test
    fun `errcode -1 (busy) is retried within max_retries`() {
        account("busy", maxRetries = 2L).use { account ->
            sim.fault("/cgi-bin/token", "times" to 2, "errcode" to -1)
            val token = account.accessToken()
            assertTrue(token.value.isNotEmpty())
            assertEquals(3, sim.calls("/cgi-bin/token"), "two busy answers, then success")
        }
        sim.reset()
        account("busy-exhausted", maxRetries = 1L).use { account ->
            sim.fault("/cgi-bin/token", "times" to 5, "errcode" to -1)
            val e = assertThrows(WeixinkitException.Api::class.java) { account.accessToken() }
            assertEquals(-1, e.code)
            assertEquals(2, sim.calls("/cgi-bin/token"), "one try and one retry")
        }
    }

    @Test
    fun `HTTP 503 and dropped connections surface as HttpStatus and Transport after the retries`() {
        account("status", maxRetries = 1L).use { account ->
            sim.fault("/cgi-bin/token", "times" to 2, "status" to 503)
            val e = assertThrows(WeixinkitException.HttpStatus::class.java) { account.accessToken() }
            assertEquals(-50003, e.code)
            assertEquals(2, sim.calls("/cgi-bin/token"))
        }
        sim.reset()
        account("drop", maxRetries = 1L).use { account ->
            sim.fault("/cgi-bin/token", "times" to 2, "drop" to true)
            val e = assertThrows(WeixinkitException::class.java) { account.accessToken() }
            assertTrue(e is WeixinkitException.Transport, "got ${e.kind}: ${e.reason}")
            assertEquals(-50001, e.code)
            assertEquals("transport", e.kind)
        }
    }

    @Test
    fun `a wrong secret is an Api error from the token endpoint, without the secret in it`() {
        val secret = "wrong-secret-7f3a9c"
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix("wrong"), secret = secret), null).use { account ->
            val e = assertThrows(WeixinkitException.Api::class.java) { account.accessToken() }
            assertEquals(40001, e.code)
            assertTrue("/cgi-bin/token" in e.reason, e.reason)
            assertFalse(secret in e.reason, "the secret leaked into: ${e.reason}")
            assertFalse(secret in e.message.orEmpty())
            assertEquals(1, sim.calls("/cgi-bin/token"), "a token-endpoint 40001 is not retried")
        }
    }

    @Test
    fun `stable_token endpoint gives a token too`() {
        val config = Services.config(sim.baseUrl, Services.uniquePrefix("stable"), tokenEndpoint = TokenEndpoint.STABLE)
        OfficialAccount(config, null).use { account ->
            val token = account.accessToken()
            assertTrue(token.value.startsWith("STABLE_"), "from cgi-bin/stable_token")
            assertEquals(token, account.accessToken())
            assertEquals(1, sim.calls("/cgi-bin/stable_token"))
            assertEquals(0, sim.calls("/cgi-bin/token"))
        }
    }
}
