package weixinkit

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.slf4j.Logger
import java.util.Collections
import java.util.concurrent.TimeUnit

/** The core's records through SLF4J: a token refresh against the local WeChat server arrives with its fields. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoggingTest : WithSim() {
    class Captured(val level: String, val logger: String, val message: String)

    private val records: MutableList<Captured> = Collections.synchronizedList(mutableListOf())

    /** SLF4J loggers that keep what they are given, every level enabled. */
    private fun capturing(name: String): Logger =
        capturingLogger(name) { level, logger, message -> records.add(Captured(level, logger, message)) }

    @AfterEach
    fun off() = disableLogging()

    @Test
    fun `a token refresh reaches SLF4J with its fields and without its value`() {
        enableLogging("debug", ::capturing)
        val prefix = Services.uniquePrefix("log")
        val c = Component(Platform.config(sim.baseUrl, prefix), null)
        val issued = sim.issueTicket()
        assertEquals(200, c.deliver(issued.push).status.toInt())
        val token = c.componentAccessToken()

        val key = Platform.key(prefix, "component_access_token")
        val all = records.toList()
        val refreshed = all.filter { it.message.startsWith("token refreshed ") && " key=$key" in it.message }
        assertEquals(1, refreshed.size, all.joinToString("\n") { it.message })
        val r = refreshed.single()
        assertEquals("info", r.level)
        assertEquals("weixinkit.token", r.logger)
        for (field in listOf("span=token_refresh", "kind=component_access_token", "expires_in=7200")) {
            assertTrue(field in r.message, r.message)
        }
        assertTrue(all.any { it.level == "debug" && it.message.startsWith("refresh lock taken") && key in it.message })
        assertTrue(all.any { it.logger == "weixinkit.open_platform.tokens" && it.message.startsWith("component_verify_ticket stored") })
        for (record in all) {
            for (secret in listOf(token.value, issued.ticket, Platform.SECRET)) {
                assertFalse(secret in record.message, record.message)
            }
        }

        // Below the level asked for, nothing.
        records.clear()
        enableLogging("warn", ::capturing)
        c.deliver(sim.issueTicket().push)
        assertEquals(listOf<String>(), records.map { it.message })
    }

    @Test
    fun `an unknown level is refused`() {
        val e = assertThrows(WeixinkitException.InvalidInput::class.java) { enableLogging("loud") }
        assertTrue("loud" in e.message.orEmpty(), e.message)
    }
}
