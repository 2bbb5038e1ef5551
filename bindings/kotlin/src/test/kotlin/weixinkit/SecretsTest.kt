package weixinkit

import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.slf4j.Logger
import java.lang.reflect.Proxy
import java.util.Collections
import java.util.concurrent.TimeUnit
import weixinkit.Platform.AUTHORIZER

/**
 * A whole Open Platform lifecycle with the core logging at trace: no secret or token used
 * (app secret, push token, EncodingAESKey, ticket, authorization code, component and
 * authorizer access tokens, refresh tokens) appears in any log line, toString of a
 * configuration, client, token or callback response, or error text.
 *
 * Not covered: the toString of the parsed `Message` / `Event` a callback response carries.
 * They are generated data classes that print every field, the ticket and authorization code
 * included (Python, PHP and Rust print those as `***`).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecretsTest : WithSim() {
    private val lines: MutableList<String> = Collections.synchronizedList(mutableListOf())

    private fun capturing(name: String): Logger =
        Proxy.newProxyInstance(Logger::class.java.classLoader, arrayOf(Logger::class.java)) { _, method, args ->
            when {
                method.name.startsWith("is") && method.name.endsWith("Enabled") -> true
                method.name == "getName" -> name
                method.name in setOf("trace", "debug", "info", "warn", "error") && args?.size == 1 && args[0] is String -> {
                    lines.add("$name ${method.name} ${args[0]}")
                    null
                }
                method.name == "hashCode" -> System.identityHashCode(this)
                method.name == "equals" -> false
                method.name == "toString" -> "capturing($name)"
                else -> null
            }
        } as Logger

    @AfterEach
    fun off() = disableLogging()

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
        shown += pushed.toString()
        val token = c.componentAccessToken()
        secrets += token.value
        shown += token.toString()

        // Authorization push → query_auth → refresh token stored.
        val grant = sim.authorize(AUTHORIZER)
        secrets += grant.getString("authorization_code")
        val authorized = c.deliver(SimPush.of(grant))
        assertEquals(200, authorized.status, authorized.body)
        shown += authorized.toString()
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
        shown += c.deliver(SimPush.of(sim.unauthorize(AUTHORIZER))).toString()
        val gone = assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { a.accessToken() }
        shown += listOf(gone.toString(), gone.message.orEmpty())

        val logged = lines.toList()
        assertTrue(logged.any { "authorization stored" in it && AUTHORIZER in it }, logged.joinToString("\n"))
        assertTrue(logged.any { "token refreshed" in it && "authorizer_access_token" in it }, logged.joinToString("\n"))
        shown += logged
        for (secret in secrets) {
            assertTrue(secret.length >= 8, secret)
            for (text in shown) assertFalse(secret in text, "$secret leaked into: $text")
        }
    }
}
