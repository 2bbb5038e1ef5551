package weixinkit

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.net.InetAddress
import java.net.ServerSocket
import java.util.concurrent.TimeUnit

/** The token engine's configuration and errors; no services needed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenConfigTest {
    private val appSecret = "app-secret-5e1d0c"
    private val pushToken = "push-token-8b2f"
    private val aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

    private fun config(
        appId: String = "wx1234567890abcdef",
        baseUri: String = "http://127.0.0.1:${Services.deadPort()}",
        prefix: String = "weixinkit",
        store: StoreConfig = StoreConfig.Memory,
        timeoutMs: Long = 5_000L,
    ) = OfficialAccountConfig(
        appId = appId,
        secret = Secret(appSecret),
        token = Secret(pushToken),
        encodingAesKey = Secret(aesKey),
        tokenEndpoint = TokenEndpoint.TOKEN,
        http = HttpOptions(timeoutMs = timeoutMs, apiBaseUri = baseUri, retry = RetryPolicy(maxRetries = 0L, delayMs = 10L)),
        tokens = TokenOptions(refreshMarginSecs = 300L, keyPrefix = prefix),
        store = store,
    )

    @Test
    fun `OfficialAccountConfig toString never shows a secret`() {
        val config = config()
        val shown = config.toString()
        assertTrue("wx1234567890abcdef" in shown, shown) // the data class still prints the rest
        for (secret in listOf(appSecret, pushToken, aesKey)) {
            assertFalse(secret in shown, "a secret leaked into: $shown")
        }
        assertFalse(appSecret in Secret(appSecret).toString())
        assertFalse(appSecret in config.copy(appId = "wxother").toString())
        // Passing the config to a client does not consume the secrets.
        OfficialAccount(config, null).use { assertEquals("wx1234567890abcdef", it.appId()) }
        OfficialAccount(config, null).close()
    }

    @Test
    fun `unusable configurations are Config errors`() {
        val cases = mapOf(
            "empty app_id" to { config(appId = "") },
            "app_id with a colon" to { config(appId = "wx1:wx2") },
            "key prefix with a space" to { config(prefix = "my prefix") },
            "a base URI that is not http" to { config(baseUri = "ftp://example.com") },
            "a Redis URL that is not one" to { config(store = StoreConfig.Redis("not a url")) },
            // Sizes are signed (Java has no unsigned types): a negative one is refused.
            "a negative timeout" to { config(timeoutMs = -1L) },
        )
        for ((what, make) in cases) {
            val e = assertThrows(WeixinkitException.Config::class.java, { OfficialAccount(make(), null).close() }, what)
            assertEquals(-50020, e.code, what)
            assertEquals("config", e.kind, what)
            assertFalse(appSecret in e.reason, "$what: secret in ${e.reason}")
        }
        val empty = OfficialAccountConfig(appId = "wx1", secret = Secret(""), store = StoreConfig.Memory)
        val e = assertThrows(WeixinkitException.Config::class.java) { OfficialAccount(empty, null) }
        assertTrue("secret" in e.reason, e.reason)
    }

    @Test
    fun `nothing listening is a Transport error`() {
        OfficialAccount(config(), null).use { account ->
            val e = assertThrows(WeixinkitException.Transport::class.java) { account.accessToken() }
            assertEquals(-50001, e.code)
            assertEquals("transport", e.kind)
            assertTrue("/cgi-bin/token" in e.reason, e.reason)
            assertFalse(appSecret in e.reason, "the secret (a query parameter) leaked: ${e.reason}")
        }
    }

    @Test
    fun `a server that never answers is a Timeout error`() {
        // A listening socket nobody accepts from: the connection opens, no answer ever comes.
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { silent ->
            OfficialAccount(config(baseUri = "http://127.0.0.1:${silent.localPort}", timeoutMs = 300L), null).use { account ->
                val e = assertThrows(WeixinkitException.Timeout::class.java) { account.accessToken() }
                assertEquals(-50002, e.code)
                assertEquals("timeout", e.kind)
                assertFalse(appSecret in e.reason, e.reason)
            }
        }
    }

    @Test
    fun `jssdkSignature matches the documented vector`() {
        val ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
        val expected = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        assertEquals(expected, jssdkSignature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"))
        // The fragment is not signed; every other input is.
        assertEquals(expected, jssdkSignature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#frag"))
        assertFalse(expected == jssdkSignature(ticket, "Wm3WZYTPz0wzccnW", 1414587458, "http://mp.weixin.qq.com?params=value"))
        assertFalse(expected == jssdkSignature(ticket, "Wm3WZYTPz0wzccnX", 1414587457, "http://mp.weixin.qq.com?params=value"))
    }
}
