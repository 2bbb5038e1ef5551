package weixinkit

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.slf4j.Logger
import java.util.Collections
import java.util.concurrent.TimeUnit
import weixinkit.Platform.AUTHORIZER

/**
 * A whole Open Platform lifecycle, and a WeCom suite install, with the core logging at trace:
 * no secret or token used (app secret, push token, EncodingAESKey, ticket, authorization code,
 * component and authorizer access tokens, refresh tokens; suite ticket, auth code, permanent
 * code) appears in any log line, toString of a configuration, client, token, callback
 * response, the parsed `Message` it carries, its `Event` or an `AuthorizationNotice`, or
 * error text.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecretsTest : WithSim() {
    private val lines: MutableList<String> = Collections.synchronizedList(mutableListOf())

    private fun capturing(name: String): Logger =
        capturingLogger(name) { level, logger, message -> lines.add("$logger $level $message") }

    @AfterEach
    fun off() = disableLogging()

    /** The printed forms of a callback response and of the push it parsed. */
    private fun printed(r: CallbackResponse): List<String> {
        assertNotNull(r.message, r.body)
        val m = r.message!!
        val event = m.event
        return listOfNotNull(
            r.toString(), m.toString(), "$m", listOf(m).toString(), event.toString(),
            (event as? Event.Authorized)?.notice?.toString(),
        )
    }

    @Test
    fun `a whole lifecycle prints no secret or token`() {
        enableLogging("trace", ::capturing)
        val secrets = mutableListOf(Platform.SECRET, Platform.TOKEN, Platform.AES_KEY)
        val shown = mutableListOf<String>()
        val config = Platform.config(sim.baseUrl, Services.uniquePrefix("secrets"))
        val c = Component(config, null)
        shown += listOf(config.toString(), c.toString())

        // Ticket push → component token.
        val issued = sim.issueTicket()
        secrets += issued.ticket
        val pushed = c.deliver(issued.push)
        assertEquals(200, pushed.status)
        assertInstanceOf(Event.ComponentVerifyTicket::class.java, pushed.message!!.event)
        shown += printed(pushed)
        val token = c.componentAccessToken()
        secrets += token.value
        shown += token.toString()

        // Authorization push → query_auth → refresh token stored.
        val grant = sim.authorize(AUTHORIZER)
        secrets += grant.getString("authorization_code")
        val authorized = c.deliver(SimPush.of(grant))
        assertEquals(200, authorized.status, authorized.body)
        assertInstanceOf(Event.Authorized::class.java, authorized.message!!.event)
        shown += printed(authorized)
        secrets += c.refreshToken(AUTHORIZER)!!

        // An authorizer call, then a refresh through the refresh token after expiry.
        val a = c.authorizer(AUTHORIZER)
        val first = a.accessToken()
        secrets += first.value
        shown += listOf(a.toString(), first.toString(), a.get("/cgi-bin/get_api_domain_ip", emptyMap()))
        sim.expire(AUTHORIZER)
        a.postJson("/cgi-bin/message/custom/send", """{"touser":"o1"}""")
        val second = a.accessToken()
        assertNotEquals(first.value, second.value)
        secrets += listOf(second.value, c.refreshToken(AUTHORIZER)!!)
        shown += second.toString()

        // Errors a program prints: a bad argument, and re-authorization after unauthorized.
        val bad = assertThrows(WeixinkitException.InvalidInput::class.java) { a.get("/cgi-bin/x?access_token=1", emptyMap()) }
        shown += listOf(bad.toString(), bad.message.orEmpty())
        shown += printed(c.deliver(SimPush.of(sim.unauthorize(AUTHORIZER))))
        val gone = assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { a.accessToken() }
        shown += listOf(gone.toString(), gone.message.orEmpty())

        val logged = lines.toList()
        assertTrue(logged.any { "authorization stored" in it && AUTHORIZER in it }, logged.joinToString("\n"))
        assertTrue(logged.any { "token refreshed" in it && "authorizer_access_token" in it }, logged.joinToString("\n"))
        shown += logged
        assertNoneShown(secrets, shown)
    }

    @Test
    fun `a WeCom install prints no ticket or code`() {
        enableLogging("trace", ::capturing)
        val secrets = mutableListOf(WeCom.SUITE_SECRET, WeCom.SUITE_TOKEN, WeCom.SUITE_AES_KEY)
        val shown = mutableListOf<String>()
        Suite(WeCom.suiteConfig(sim.baseUrl), null).use { s ->
            val issued = sim.wecom("suite_ticket", "suite_id" to WeCom.SUITE_ID)
            secrets += issued.getString("ticket")
            val pushed = s.deliver(issued)
            assertEquals(200, pushed.status, pushed.body)
            assertInstanceOf(Event.SuiteTicket::class.java, pushed.message!!.event)
            shown += printed(pushed)

            val install = sim.wecom("install", "suite_id" to WeCom.SUITE_ID, "corpid" to WeCom.CORP)
            secrets += install.getString("auth_code")
            val created = s.deliver(install)
            assertEquals(200, created.status, created.body)
            assertInstanceOf(Event.CreateAuth::class.java, created.message!!.event)
            shown += printed(created)
            secrets += s.storedPermanentCode(WeCom.CORP)!!
        }
        val logged = lines.toList()
        assertTrue(logged.isNotEmpty())
        shown += logged
        assertNoneShown(secrets, shown)
    }

    private fun assertNoneShown(secrets: List<String>, shown: List<String>) {
        for (secret in secrets) {
            assertTrue(secret.length >= 8, secret)
            for (text in shown) assertFalse(secret in text, "$secret leaked into: $text")
        }
    }
}
