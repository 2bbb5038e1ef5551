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
    fun `a parsed ticket push prints its app id but not the ticket`() {
        val ticket = "ticket@@@Gx9kq2Lm7VtR"
        val m = parseMessage(
            "<xml><AppId>wx0c1a7b2e</AppId><CreateTime>1413192605</CreateTime>" +
                "<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>$ticket</ComponentVerifyTicket></xml>",
        )
        val event = m.event as Event.ComponentVerifyTicket
        for (shown in listOf(m.toString(), "$m", listOf(m).toString(), event.toString(), listOf(event).toString())) {
            assertFalse(ticket in shown, "the ticket leaked into: $shown")
            assertTrue("***" in shown && "wx0c1a7b2e" in shown && "1413192605" in shown, shown)
        }
        assertTrue("component_verify_ticket" in event.toString(), event.toString())
        // Still plain values: the fields themselves, equality and copies are unchanged.
        assertEquals(ticket, event.ticket)
        assertEquals(listOf(ticket), m.fields["ComponentVerifyTicket"])
        assertEquals(Event.ComponentVerifyTicket("wx0c1a7b2e", 1413192605L, ticket), event)
        assertNotEquals(event.copy(ticket = "other"), event)
    }

    @Test
    fun `a parsed authorized push prints the authorizer but not the codes`() {
        val code = "queryauthcode@@@Qm4Hs8"
        val preAuth = "preauthcode@@@Zc1Wy5"
        val m = parseMessage(
            "<xml><AppId>wx0c1a7b2e</AppId><CreateTime>1413192760</CreateTime><InfoType>authorized</InfoType>" +
                "<AuthorizerAppid>wxauthorizer01</AuthorizerAppid><AuthorizationCode>$code</AuthorizationCode>" +
                "<AuthorizationCodeExpiredTime>1413196360</AuthorizationCodeExpiredTime>" +
                "<PreAuthCode>$preAuth</PreAuthCode></xml>",
        )
        val notice = (m.event as Event.Authorized).notice
        for (shown in listOf(m.toString(), m.event.toString(), notice.toString())) {
            assertFalse(code in shown || preAuth in shown, "a code leaked into: $shown")
            assertTrue("wxauthorizer01" in shown && "1413196360" in shown, shown)
        }
        assertEquals(code, notice.authorizationCode)
        assertEquals(preAuth, notice.preAuthCode)
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
