package weixinkit

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Values a program logs without thinking: none of them may print a secret. */
class PrintingTest {
    private val tokenValue = "ACCESS_TOKEN_93f1c2d8e7"
    private val redisPassword = "redis-pw-hunter2"

    @Test
    fun `a Token prints its times but not its value`() {
        val token = Token(tokenValue, 1_700_007_200L, 1_700_000_000L)
        for (shown in listOf(token.toString(), "$token", listOf(token).toString(), mapOf("t" to token).toString())) {
            assertFalse(tokenValue in shown, "the token leaked into: $shown")
            assertTrue("1700007200" in shown && "1700000000" in shown, shown)
        }
        // Still a plain value: equality, copies and the field itself are unchanged.
        assertEquals(Token(tokenValue, 1_700_007_200L, 1_700_000_000L), token)
        assertNotEquals(token.copy(value = "other"), token)
        assertEquals(tokenValue, token.value)
        assertFalse(tokenValue in token.copy(expiresAt = 1L).toString())
    }

    @Test
    fun `a Redis store prints its host but not its password`() {
        val urls = listOf(
            "redis://:$redisPassword@127.0.0.1:6379/0",
            "redis://default:$redisPassword@cache.internal:6380",
            "rediss://user:$redisPassword@cache.internal/2",
        )
        for (url in urls) {
            val store = StoreConfig.Redis(url)
            val config = OfficialAccountConfig(appId = "wx1", secret = Secret("s"), store = store)
            for (shown in listOf(store.toString(), "$store", config.toString())) {
                assertFalse(redisPassword in shown, "the password leaked into: $shown")
                assertTrue("cache.internal" in shown || "127.0.0.1" in shown, shown)
            }
            assertEquals(url, store.url) // the field itself is intact
            assertEquals(StoreConfig.Redis(url), store)
        }
        // Nothing to hide: shown as given.
        assertTrue("redis://127.0.0.1:6379/0" in StoreConfig.Redis("redis://127.0.0.1:6379/0").toString())
        assertTrue("/var/lib/wx" in StoreConfig.File("/var/lib/wx").toString())
        assertTrue("Memory" in StoreConfig.Memory.toString())
    }

    @Test
    fun `a MessageCrypto prints neither its token nor its key`() {
        val key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
        MessageCrypto("push-token-71c", key, "wx1").use { c ->
            val shown = c.toString()
            assertFalse("push-token-71c" in shown || key in shown, shown)
        }
    }
}
