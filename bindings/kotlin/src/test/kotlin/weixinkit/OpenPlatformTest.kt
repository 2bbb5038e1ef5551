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
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import weixinkit.Platform.AUTHORIZER
import weixinkit.Platform.AUTHORIZER_TOKEN
import weixinkit.Platform.COMPONENT_TOKEN
import weixinkit.Platform.OTHER

/**
 * The Open Platform lifecycle through the generated Kotlin API, against a local WeChat server: ticket
 * push → component token → authorization link → `authorized` push and code exchange → acting
 * on behalf → token recovery → `unauthorized` clean-up; blocking and suspend.
 *
 * The generated methods take every argument explicitly: `null` for an absent option, an empty
 * map for no query.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenPlatformTest : WithSim() {
    private fun component(tag: String, store: StoreConfig = StoreConfig.Memory, prefix: String = Services.uniquePrefix(tag)) =
        Component(Platform.config(sim.baseUrl, prefix, store), null)

    /** Push a fresh ticket through the handler; the ticket. */
    private fun pushTicket(c: Component): String {
        val issued = sim.issueTicket()
        val result = c.deliver(issued.push)
        assertEquals(200 to "success", result.status to result.body)
        return issued.ticket
    }

    /** Authorize `appid` and deliver the `authorized` push through the event handler. */
    private fun authorize(c: Component, appid: String) {
        val result = c.deliver(SimPush.of(sim.authorize(appid)))
        assertEquals(200, result.status, result.body)
        assertEquals(appid, assertInstanceOf(Event.Authorized::class.java, result.message!!.event).notice.authorizerAppid)
    }

    @Test
    fun `the whole lifecycle - ticket push, token, link, authorized, on behalf, expiry, unauthorized`() {
        component("lifecycle").use { c ->
            // The ticket push: answered success, stored, and reported typed.
            val issued = sim.issueTicket()
            val pushed = c.handleCallback("POST", issued.push.query, issued.push.body)
            assertEquals(200, pushed.status)
            assertEquals("success", pushed.body)
            assertEquals(issued.push.plaintext, pushed.plaintext)
            val ticketEvent = assertInstanceOf(Event.ComponentVerifyTicket::class.java, pushed.message!!.event)
            assertEquals(issued.ticket, ticketEvent.ticket)
            assertEquals(Platform.APP_ID, ticketEvent.appId)
            assertEquals(issued.ticket, c.verifyTicket())
            assertFalse(pushed.toString().contains(issued.ticket), "printed the ticket: $pushed")

            // The component token: cached, two calls → one upstream fetch.
            val token = c.componentAccessToken()
            assertEquals(token, c.componentAccessToken())
            assertTrue(token.value.startsWith("COMPONENT_"), "a component token")
            assertEquals(1, sim.calls(COMPONENT_TOKEN))

            // The authorization link.
            val url = c.createAuthorizationUrl("https://example.com/back", AuthorizationUrlOptions(authType = 3))
            assertTrue(
                url.startsWith("https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001&pre_auth_code=preauthcode%40%40%40"),
                url,
            )
            assertTrue(url.endsWith("&redirect_uri=https%3A%2F%2Fexample.com%2Fback&auth_type=3"), url)
            assertEquals(1, sim.calls(Platform.PRE_AUTH_CODE))

            // The merchant authorizes: the push is reported as a typed Authorized event.
            val grant = sim.authorize(AUTHORIZER)
            val authorized = c.deliver(SimPush.of(grant))
            assertEquals(200 to "success", authorized.status to authorized.body)
            val notice = assertInstanceOf(Event.Authorized::class.java, authorized.message!!.event).notice
            assertEquals(AUTHORIZER, notice.authorizerAppid)
            assertEquals(grant.getString("authorization_code"), notice.authorizationCode)
            assertEquals(1, sim.calls(Platform.QUERY_AUTH))

            // The refresh token is stored: the very one WeChat lists for the authorizer.
            val refresh = c.refreshToken(AUTHORIZER)
            assertNotNull(refresh)
            assertEquals(refresh, c.authorizerList(null, null).list.single { it.authorizerAppid == AUTHORIZER }.refreshToken)

            // Acting on behalf: the token from query_auth is cached, no api_authorizer_token call.
            val a = c.authorizer(AUTHORIZER)
            assertEquals(AUTHORIZER, a.appId())
            val ips = JSONObject(a.get("/cgi-bin/get_api_domain_ip", emptyMap()))
            assertEquals("127.0.0.1", ips.getJSONArray("ip_list").getString(0))
            assertEquals(0, sim.calls(AUTHORIZER_TOKEN))
            val before = a.accessToken()
            assertTrue(before.value.startsWith("AUTHORIZER_"))
            assertEquals(AUTHORIZER, sim.tokenOwners()[before.value])

            // Expiry is recovered through the stored refresh token: exactly one exchange.
            sim.expire(AUTHORIZER)
            val sent = JSONObject(a.postJson("/cgi-bin/message/custom/send", """{"touser":"o1"}"""))
            assertEquals("o1", sent.getJSONObject("echo").getJSONObject("body").getString("touser"))
            assertEquals(1, sim.calls(AUTHORIZER_TOKEN))
            assertNotEquals(before.value, a.accessToken().value)
            assertEquals(1, sim.calls(AUTHORIZER_TOKEN), "the new token is cached")

            // The merchant cancels: the push is reported; the refresh token is gone.
            val gone = c.deliver(SimPush.of(sim.unauthorize(AUTHORIZER)))
            assertEquals(200 to "success", gone.status to gone.body)
            assertEquals(AUTHORIZER, assertInstanceOf(Event.Unauthorized::class.java, gone.message!!.event).authorizerAppid)
            assertNull(c.refreshToken(AUTHORIZER))
            val e = assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { a.accessToken() }
            assertEquals("reauthorization_needed", e.kind)
            assertEquals(-50041, e.code)
            assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { a.get("/cgi-bin/get_api_domain_ip", emptyMap()) }
            assertEquals(1, sim.calls(AUTHORIZER_TOKEN), "no exchange is attempted without a refresh token")
        }
    }

    @Test
    fun `a restart loses nothing - a new client on the same file store finds the ticket and refresh token`() {
        val dir = Files.createTempDirectory("weixinkit-kt-op-").toFile()
        try {
            val prefix = Services.uniquePrefix("restart")
            val (ticket, refresh, oldToken) = component("restart", StoreConfig.File(dir.path), prefix).use { c ->
                val ticket = pushTicket(c)
                authorize(c, AUTHORIZER)
                Triple(ticket, c.refreshToken(AUTHORIZER)!!, c.authorizer(AUTHORIZER).accessToken().value)
            }
            // Durable credentials are files named as their keys.
            val files = dir.list()!!.toSet()
            assertTrue(Platform.key(prefix, "component_verify_ticket") in files, "$files")
            assertTrue(Platform.key(prefix, "authorizer_refresh_token", AUTHORIZER) in files, "$files")

            component("restart", StoreConfig.File(dir.path), prefix).use { c ->
                assertEquals(ticket, c.verifyTicket())
                assertEquals(refresh, c.refreshToken(AUTHORIZER))
                // Every token WeChat issued dies: the stored ticket mints a new component token and
                // the stored refresh token a new authorizer token.
                sim.expireAll()
                val componentTokens = sim.calls(COMPONENT_TOKEN)
                val a = c.authorizer(AUTHORIZER)
                val ips = JSONObject(a.get("/cgi-bin/get_api_domain_ip", emptyMap()))
                assertEquals(1, ips.getJSONArray("ip_list").length())
                assertEquals(componentTokens + 1, sim.calls(COMPONENT_TOKEN))
                assertNotEquals(oldToken, a.accessToken().value)
            }
        } finally {
            dir.deleteRecursively()
        }
    }

    @Test
    fun `two authorizers' tokens never mix`() {
        component("two").use { c ->
            pushTicket(c)
            authorize(c, AUTHORIZER)
            authorize(c, OTHER)
            val (a, b) = c.authorizer(AUTHORIZER) to c.authorizer(OTHER)
            val (ta, tb) = a.accessToken() to b.accessToken()
            assertNotEquals(ta.value, tb.value)
            val owners = sim.tokenOwners()
            assertEquals(AUTHORIZER, owners[ta.value])
            assertEquals(OTHER, owners[tb.value])

            // Expiring one refreshes only that one.
            sim.expire(AUTHORIZER)
            a.get("/cgi-bin/get_api_domain_ip", emptyMap())
            b.get("/cgi-bin/get_api_domain_ip", emptyMap())
            val fresh = a.accessToken()
            assertNotEquals(ta.value, fresh.value)
            assertEquals(AUTHORIZER, sim.tokenOwners()[fresh.value])
            assertEquals(tb, b.accessToken())
            assertEquals(1, sim.calls(AUTHORIZER_TOKEN))
            assertEquals(tb, c.authorizerAccessToken(OTHER))
        }
    }

    @Test
    fun `a bad msg_signature is 403 - nothing reported, nothing stored`() {
        component("badsig").use { c ->
            val push = sim.issueTicket().push
            val signature = push.query.getValue("msg_signature")
            val forged = push.query + ("msg_signature" to (if (signature[0] == '0') "1" else "0") + signature.drop(1))
            val refused = c.handleCallback("POST", forged, push.body)
            assertEquals(403, refused.status)
            assertNotEquals("success", refused.body)
            assertNull(refused.message)
            assertNull(refused.plaintext)
            assertNull(c.verifyTicket())

            // Not POST → 405, a missing parameter → 400; never a message.
            val notPost = c.handleCallback("GET", push.query, push.body)
            assertEquals(405, notPost.status)
            assertNull(notPost.message)
            val missing = c.handleCallback("POST", push.query - "nonce", push.body)
            assertEquals(400, missing.status)
            assertNull(missing.message)
            assertNull(c.verifyTicket())

            // The genuine push is accepted.
            val accepted = c.handleCallback("POST", push.query, push.body)
            assertEquals(200, accepted.status)
            assertInstanceOf(Event.ComponentVerifyTicket::class.java, accepted.message!!.event)
            assertNotNull(c.verifyTicket())
        }
    }

    @Test
    fun `a failed lifecycle step answers 500 - WeChat's retry then succeeds`() {
        component("step500").use { c ->
            pushTicket(c)
            val push = SimPush.of(sim.authorize(AUTHORIZER))
            sim.fault(Platform.QUERY_AUTH, "errcode" to 45009, "times" to 1) // quota: never retried
            val failed = c.deliver(push)
            assertEquals(500, failed.status)
            assertTrue(failed.body.contains("45009"), failed.body)
            assertInstanceOf(Event.Authorized::class.java, failed.message!!.event, "what arrived is still reported")
            assertNull(c.refreshToken(AUTHORIZER))

            // WeChat pushes the same event again; the code was never used, so this time it works.
            val retried = c.deliver(push)
            assertEquals(200 to "success", retried.status to retried.body)
            assertNotNull(c.refreshToken(AUTHORIZER))
        }
    }

    @Test
    fun `no ticket is a Ticket error -50040, a forged one 61006`() {
        component("ticket").use { c ->
            val missing = assertThrows(WeixinkitException.Ticket::class.java) { c.componentAccessToken() }
            assertEquals(-50040, missing.code)
            assertEquals("ticket", missing.kind)
            assertTrue(missing.reason.contains(Platform.APP_ID), missing.reason)
            // Every method that needs the component token says the same.
            assertEquals(-50040, assertThrows(WeixinkitException.Ticket::class.java) {
                c.createAuthorizationUrl("https://example.com/back", null)
            }.code)
            assertEquals(0, sim.calls(COMPONENT_TOKEN))

            c.storeVerifyTicket("ticket@@@forged")
            assertEquals("ticket@@@forged", c.verifyTicket())
            val refused = assertThrows(WeixinkitException.Ticket::class.java) { c.componentAccessToken() }
            assertEquals(61006, refused.code)
            assertEquals("ticket", refused.kind)
            assertEquals(1, sim.calls(COMPONENT_TOKEN), "61006 is not retried")
        }
    }

    @Test
    fun `suspend - the whole lifecycle`() = runBlocking {
        component("suspend").use { c ->
            // The built-in step has run when the answer is back: what it stored can be read.
            val issued = sim.issueTicket()
            val pushed = c.handleCallbackAsync("POST", issued.push.query, issued.push.body)
            assertEquals(200 to "success", pushed.status to pushed.body)
            assertEquals(issued.ticket, assertInstanceOf(Event.ComponentVerifyTicket::class.java, pushed.message!!.event).ticket)
            assertEquals(issued.ticket, c.verifyTicketAsync())

            val token = c.componentAccessTokenAsync()
            assertEquals(token, c.componentAccessTokenAsync())
            assertEquals(1, sim.calls(COMPONENT_TOKEN))
            val url = c.createAuthorizationUrlAsync("https://example.com/back", AuthorizationUrlOptions(mobile = true))
            assertTrue(url.startsWith("https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1&"), url)
            assertTrue(url.endsWith("#wechat_redirect"), url)

            val grant = SimPush.of(sim.authorize(AUTHORIZER))
            val authorized = c.handleCallbackAsync("POST", grant.query, grant.body)
            assertEquals(200, authorized.status)
            val notice = assertInstanceOf(Event.Authorized::class.java, authorized.message!!.event).notice
            assertEquals(AUTHORIZER, notice.authorizerAppid)
            assertNotNull(c.refreshTokenAsync(notice.authorizerAppid), "the refresh token is stored before the answer")
            assertEquals(1, sim.calls(Platform.QUERY_AUTH))

            val a = c.authorizer(AUTHORIZER)
            assertEquals("127.0.0.1", JSONObject(a.getAsync("/cgi-bin/get_api_domain_ip", emptyMap())).getJSONArray("ip_list").getString(0))
            assertEquals(0, sim.calls(AUTHORIZER_TOKEN))
            sim.expire(AUTHORIZER)
            JSONObject(a.postJsonAsync("/cgi-bin/message/custom/send", """{"touser":"o2"}"""))
            assertEquals(1, sim.calls(AUTHORIZER_TOKEN))

            val gone = SimPush.of(sim.unauthorize(AUTHORIZER))
            val result = c.handleCallbackAsync("POST", gone.query, gone.body)
            assertEquals(200, result.status)
            assertEquals(AUTHORIZER, assertInstanceOf(Event.Unauthorized::class.java, result.message!!.event).authorizerAppid)
            assertNull(c.refreshTokenAsync(AUTHORIZER))
            val e = assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { runBlocking { a.accessTokenAsync() } }
            assertEquals(-50041, e.code)
        }
    }

    @Test
    fun `suspend - 20 coroutines on a cold authorizer token cause one api_authorizer_token call`() = runBlocking {
        component("coldsrc").use { source ->
            pushTicket(source)
            authorize(source, AUTHORIZER)
            val refresh = source.refreshTokenAsync(AUTHORIZER)!!
            component("cold").use { c ->
                c.storeVerifyTicketAsync(source.verifyTicketAsync()!!)
                val a = c.authorizerWithRefreshToken(AUTHORIZER, refresh)
                assertEquals(refresh, c.refreshTokenAsync(AUTHORIZER))
                val answers = withContext(Dispatchers.Default) {
                    coroutineScope { List(20) { async { a.getAsync("/cgi-bin/get_api_domain_ip", emptyMap()) } }.awaitAll() }
                }
                assertTrue(answers.all { JSONObject(it).getJSONArray("ip_list").length() == 1 })
                assertEquals(1, sim.calls(AUTHORIZER_TOKEN))
                assertEquals(20, sim.calls("/cgi-bin/get_api_domain_ip"))
            }
        }
    }

    @Test
    fun `every operation reaches its endpoint with the right arguments`() {
        component("every").use { c ->
            c.startPushTicket()
            assertEquals(1, sim.calls("/cgi-bin/component/api_start_push_ticket"))
            pushTicket(c)

            // Pre-auth code, links, and the code exchange by hand.
            val pre = c.createPreAuthCode()
            assertTrue(pre.preAuthCode.startsWith("preauthcode@@@"), pre.preAuthCode)
            assertEquals(600L, pre.expiresIn)
            assertEquals(
                "https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxcomponent0000001&pre_auth_code=pre&redirect_uri=https%3A%2F%2Fa.example%2Fb&biz_appid=wxbiz&category_id_list=1%7C2#wechat_redirect",
                c.authorizationUrl("pre", "https://a.example/b", AuthorizationUrlOptions(bizAppid = "wxbiz", categoryIdList = listOf(1L, 2L), mobile = true)),
            )
            assertEquals(
                "https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001&pre_auth_code=preauthcode%40%40%40x&redirect_uri=https%3A%2F%2Fexample.com%2Fback%3Fa%3D1&auth_type=1",
                c.authorizationUrl("preauthcode@@@x", "https://example.com/back?a=1", AuthorizationUrlOptions(authType = 1)),
            )
            val code = sim.authorize(AUTHORIZER).getString("authorization_code")
            val granted = c.queryAuth(code)
            assertEquals(AUTHORIZER, granted.authorizerAppid)
            assertTrue(granted.authorizerAccessToken!!.startsWith("AUTHORIZER_"))
            assertEquals(7200L, granted.expiresIn)
            assertEquals(listOf(1L, 2L, 3L, 4L, 5L, 6L, 7L, 11L, 15L), granted.funcInfo)
            assertEquals(granted.authorizerRefreshToken, c.refreshToken(AUTHORIZER))
            assertEquals(granted.authorizerAccessToken, c.authorizerAccessToken(AUTHORIZER).value)
            // Printing a grant or a listed authorizer never shows a token.
            val shown = granted.toString() + c.allAuthorizers().joinToString()
            assertTrue(shown.contains(AUTHORIZER), shown)
            for (secret in listOf(granted.authorizerAccessToken!!, granted.authorizerRefreshToken!!)) {
                assertFalse(shown.contains(secret), "printed a token: $shown")
            }
            val reused = assertThrows(WeixinkitException.Api::class.java) { c.queryAuth(code) }
            assertEquals(61009, reused.code)

            // Component-token endpoints.
            val info = JSONObject(c.authorizerInfo(AUTHORIZER))
            assertEquals(AUTHORIZER, info.getJSONObject("authorization_info").getString("authorizer_appid"))
            c.setAuthorizerOption(AUTHORIZER, "voice_recognize", "1")
            assertEquals("1", c.authorizerOption(AUTHORIZER, "voice_recognize"))
            c.clearQuota()
            c.clearQuotaV2(null)
            c.clearQuotaV2(AUTHORIZER)
            assertEquals(1, sim.calls("/cgi-bin/component/clear_quota"))
            assertEquals(2, sim.calls("/cgi-bin/component/clear_quota/v2"))
            val got = JSONObject(c.call("/wxa/kt_probe", mapOf("k" to "v w"), null)).getJSONObject("echo")
            assertEquals("GET", got.getString("method"))
            assertEquals("v w", got.getJSONObject("query").getString("k"))
            val posted = JSONObject(c.call("/wxa/kt_probe", emptyMap(), "{\"n\":1,\"s\":\"中文\"}\n")).getJSONObject("echo")
            assertEquals("POST", posted.getString("method"))
            assertEquals("中文", posted.getJSONObject("body").getString("s"))
            assertEquals(1, posted.getJSONObject("body").getInt("n"))

            // On behalf: new-form options, quota, a given access token, a given refresh token.
            val a = c.authorizer(AUTHORIZER)
            a.setOption("location_report", "2")
            assertEquals("2", JSONObject(a.option("location_report")).get("option_value").toString())
            assertEquals(2, sim.calls("/cgi-bin/component/get_authorizer_option") + sim.calls("/cgi-bin/component/set_authorizer_option"))
            a.clearQuota()
            assertEquals(1, sim.calls("/cgi-bin/clear_quota"))
            val fixed = c.authorizerWithAccessToken(AUTHORIZER, a.accessToken().value)
            assertEquals(a.accessToken().value, fixed.accessToken().value)
            assertEquals(0L, fixed.accessToken().expiresAt, "a given token has no known expiry")
            fixed.get("/cgi-bin/get_api_domain_ip", emptyMap())
            val bogus = c.authorizerWithAccessToken(AUTHORIZER, "AUTHORIZER_not_a_real_token")
            assertFalse(bogus.toString().contains("not_a_real_token"), "toString hides the token")
            val refused = assertThrows(WeixinkitException.Api::class.java) { bogus.get("/cgi-bin/get_api_domain_ip", emptyMap()) }
            assertEquals(40001, refused.code)
            assertEquals(0, sim.calls(AUTHORIZER_TOKEN), "a given access token is never refreshed")

            // Web OAuth on behalf of the authorizer, and mini program login.
            assertEquals(
                "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxauthorizer000001&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=snsapi_userinfo&state=s1&component_appid=wxcomponent0000001#wechat_redirect",
                c.oauthAuthorizeUrl(AUTHORIZER, "https://example.com/cb", "snsapi_userinfo", "s1"),
            )
            val oauth = sim.post("/_sim/oauth_code", JSONObject().put("appid", AUTHORIZER))
            val user = JSONObject(c.oauthAccessToken(AUTHORIZER, oauth.getString("code")))
            assertEquals(oauth.getString("openid"), user.getString("openid"))
            val renewed = JSONObject(c.oauthRefreshToken(AUTHORIZER, user.getString("refresh_token")))
            val profile = JSONObject(c.oauthUserInfo(renewed.getString("access_token"), renewed.getString("openid")))
            assertEquals(oauth.getString("openid"), profile.getString("openid"))
            assertEquals(40163, assertThrows(WeixinkitException.OauthCode::class.java) {
                c.oauthAccessToken(AUTHORIZER, oauth.getString("code"))
            }.code)
            val js = sim.post("/_sim/oauth_code", JSONObject().put("appid", AUTHORIZER))
            assertTrue(JSONObject(c.jscode2session(AUTHORIZER, js.getString("code"))).getString("session_key").isNotEmpty())

            // The authorizer list, a lost store reseeded from it, a given refresh token, forgetting.
            authorize(c, OTHER)
            val page = c.authorizerList(0, 1)
            assertEquals(2L, page.totalCount)
            assertEquals(1, page.list.size)
            component("every-fresh").use { fresh ->
                pushTicket(fresh)
                assertEquals(2L, fresh.reseedRefreshTokens())
                for (appid in listOf(AUTHORIZER, OTHER)) assertEquals(c.refreshToken(appid), fresh.refreshToken(appid))
            }
            component("every-seeded").use { seeded ->
                pushTicket(seeded)
                val b = seeded.authorizerWithRefreshToken(OTHER, c.refreshToken(OTHER)!!)
                assertEquals(OTHER, b.appId())
                assertEquals(c.refreshToken(OTHER), seeded.refreshToken(OTHER))
                b.get("/cgi-bin/get_api_domain_ip", emptyMap())
            }
            c.forgetAuthorizer(OTHER)
            assertNull(c.refreshToken(OTHER))
            c.storeRefreshToken(OTHER, "refreshtoken@@@kept")
            assertEquals("refreshtoken@@@kept", c.refreshToken(OTHER))
        }
    }

    @Test
    fun `ticket and refresh token are durable in a host store - no TTL, the shared key schema`() {
        val prefix = Services.uniquePrefix("host")
        val store = MapHostStore()
        Component(Platform.config(sim.baseUrl, prefix), store).use { c ->
            val ticket = pushTicket(c)
            authorize(c, AUTHORIZER)
            val ticketKey = Platform.key(prefix, "component_verify_ticket")
            val refreshKey = Platform.key(prefix, "authorizer_refresh_token", AUTHORIZER)
            val tokenKey = Platform.key(prefix, "authorizer_access_token", AUTHORIZER)
            assertEquals(-1L, store.sets[ticketKey], "the ticket never expires")
            assertEquals(-1L, store.sets[refreshKey], "the refresh token never expires")
            assertTrue(store.sets.getValue(tokenKey) > 0, "the access token does")
            assertEquals(ticket, JSONObject(store.raw(ticketKey)).getString("value"))
            assertEquals(c.refreshToken(AUTHORIZER), JSONObject(store.raw(refreshKey)).getString("value"))
            assertEquals(c.authorizer(AUTHORIZER).accessToken().value, JSONObject(store.raw(tokenKey)).getString("value"))
        }
    }

    @Test
    fun `errors - unknown authorizer, bad appid, bad JSON body`() {
        component("errors").use { c ->
            val unknown = assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) {
                c.authorizer(OTHER).get("/cgi-bin/get_api_domain_ip", emptyMap())
            }
            assertEquals(-50041, unknown.code)
            assertTrue(unknown.reason.contains(OTHER), unknown.reason)

            // A bad authorizer appid is refused by each factory, before any call.
            for ((what, make) in listOf<Pair<String, () -> Authorizer>>(
                "authorizer" to { c.authorizer("wx:bad") },
                "authorizerWithAccessToken" to { c.authorizerWithAccessToken("wx:bad", "AUTHORIZER_x") },
                "authorizerWithRefreshToken" to { c.authorizerWithRefreshToken("wx:bad", "refreshtoken@@@x") },
            )) {
                val bad = assertThrows(WeixinkitException.InvalidInput::class.java, { make() }, what)
                assertEquals(-50005, bad.code, what)
                assertEquals("invalid_input", bad.kind, what)
                assertTrue(bad.reason.contains("authorizer_appid"), "$what: ${bad.reason}")
            }

            // A body that is not one JSON value is refused before anything is sent.
            val body = assertThrows(WeixinkitException.InvalidInput::class.java) {
                c.authorizer(AUTHORIZER).postJson("/cgi-bin/message/custom/send", "{not json")
            }
            assertEquals(-50005, body.code)
            assertThrows(WeixinkitException.InvalidInput::class.java) {
                c.authorizer(AUTHORIZER).postJson("/cgi-bin/message/custom/send", """{"a":1} {"b":2}""")
            }
            assertEquals(0, sim.calls("/cgi-bin/message/custom/send"))
            assertEquals(-50005, assertThrows(WeixinkitException.InvalidInput::class.java) {
                c.call("/wxa/kt_probe", emptyMap(), "{not json")
            }.code)
            assertEquals(0, sim.calls("/wxa/kt_probe"))
        }
    }

    @Test
    fun `an API error carries WeChat's errcode and errmsg and the path called`() {
        component("apierror").use { c ->
            pushTicket(c)
            val e = assertThrows(WeixinkitException.Api::class.java) { c.queryAuth("not-an-authorization-code") }
            assertEquals(61009L, e.errcode)
            assertEquals(61009, e.code)
            assertTrue(e.errmsg.startsWith("code is invalid"), e.errmsg)
            assertTrue(e.errmsg.contains("rid:"), "WeChat's rid is kept for support: ${e.errmsg}")
            assertEquals(Platform.QUERY_AUTH, e.endpoint)
            assertEquals("api", e.kind)
            assertTrue(e.reason.contains(Platform.QUERY_AUTH) && e.reason.contains("61009"), e.reason)

            // Acting on behalf: the endpoint is the path alone, never the query with the token.
            val token = "AUTHORIZER_not_a_real_token"
            val refused = assertThrows(WeixinkitException.Api::class.java) {
                c.authorizerWithAccessToken(AUTHORIZER, token).get("/cgi-bin/get_api_domain_ip", mapOf("lang" to "zh_CN"))
            }
            assertEquals(40001L, refused.errcode)
            assertEquals("/cgi-bin/get_api_domain_ip", refused.endpoint)
            assertFalse(refused.message!!.contains(token), refused.message)
            assertFalse(refused.reason.contains(token), refused.reason)

            // Suspend calls raise the same.
            val async = assertThrows(WeixinkitException.Api::class.java) {
                runBlocking { c.queryAuthAsync("not-an-authorization-code") }
            }
            assertEquals(61009L to Platform.QUERY_AUTH, async.errcode to async.endpoint)
        }
    }

    @Test
    fun `allAuthorizers lists every authorizer with its refresh token, apiDomainIp the API servers' addresses`() {
        component("lists").use { c ->
            pushTicket(c)
            assertEquals(emptyList<AuthorizerListItem>(), c.allAuthorizers())
            authorize(c, AUTHORIZER)
            authorize(c, OTHER)
            val all = c.allAuthorizers()
            assertEquals(setOf(AUTHORIZER, OTHER), all.map { it.authorizerAppid }.toSet())
            assertEquals(2, all.size)
            for (item in all) {
                assertEquals(c.refreshToken(item.authorizerAppid), item.refreshToken, item.authorizerAppid)
                assertTrue(item.authTime > 0, "auth time of ${item.authorizerAppid}")
            }
            assertEquals(all.toSet(), runBlocking { c.allAuthorizersAsync() }.toSet())
            assertEquals(all.toSet(), c.authorizerList(null, null).list.toSet(), "one page holds both")

            val a = c.authorizer(AUTHORIZER)
            assertEquals(listOf("127.0.0.1"), a.apiDomainIp())
            assertEquals(listOf("127.0.0.1"), runBlocking { a.apiDomainIpAsync() })
            assertEquals(2, sim.calls("/cgi-bin/get_api_domain_ip"))
            // It acts as the authorizer: a token error is recovered like any other call.
            sim.expire(AUTHORIZER)
            assertEquals(listOf("127.0.0.1"), a.apiDomainIp())
            assertEquals(1, sim.calls(AUTHORIZER_TOKEN))
            // And refused once the authorizer is gone.
            c.forgetAuthorizer(AUTHORIZER)
            assertThrows(WeixinkitException.ReauthorizationNeeded::class.java) { c.authorizer(AUTHORIZER).apiDomainIp() }
        }
    }

    @Test
    fun `the callback response's message is the typed Message, the same the parser gives`() {
        component("typed").use { c ->
            val issued = sim.issueTicket()
            val ticketPush = c.deliver(issued.push)
            val message: Message = ticketPush.message!!
            assertEquals(parseMessage(issued.push.plaintext), message)
            assertEquals(issued.ticket, assertInstanceOf(Event.ComponentVerifyTicket::class.java, message.event).ticket)
            assertEquals(issued.ticket, message.field("ComponentVerifyTicket"))
            assertEquals("component_verify_ticket", message.field("InfoType"))

            val grant = sim.authorize(AUTHORIZER)
            val push = SimPush.of(grant)
            val authorized = c.deliver(push)
            assertEquals(parseMessage(push.plaintext), authorized.message)
            val notice = assertInstanceOf(Event.Authorized::class.java, authorized.message!!.event).notice
            assertEquals(Platform.APP_ID, notice.appId)
            assertEquals(AUTHORIZER, notice.authorizerAppid)
            assertEquals(grant.getString("authorization_code"), notice.authorizationCode)
            assertEquals("authorized", authorized.message!!.field("InfoType"))
        }
    }

    @Test
    fun `keepFresh refreshes the component and an authorizer token ahead of expiry`() {
        // Tokens live 4 s. The reader never fetches (readOnly), so only the refreshing client's
        // background tasks can replace both tokens before the reader would see them stale.
        sim.post("/_sim/config", JSONObject().put("expires_in", 4))
        val dir = Files.createTempDirectory("weixinkit-kt-fresh-").toFile()
        val prefix = Services.uniquePrefix("fresh")
        try {
            component("fresh", StoreConfig.File(dir.path), prefix).use { c ->
                pushTicket(c)
                authorize(c, AUTHORIZER)
                val base = Platform.config(sim.baseUrl, prefix, StoreConfig.File(dir.path))
                val readerConfig = base.copy(tokens = TokenOptions(keyPrefix = prefix, readOnly = true, lockWaitMs = 3_000L))
                Component(readerConfig, null).use { reader ->
                    val firstComponent = reader.componentAccessToken().value
                    val firstAuthorizer = reader.authorizer(AUTHORIZER).accessToken().value
                    val handles = listOf(c.keepFresh(), c.authorizer(AUTHORIZER).keepFresh())
                    try {
                        val deadline = System.nanoTime() + 10_000_000_000L
                        while (reader.componentAccessToken().value == firstComponent ||
                            reader.authorizer(AUTHORIZER).accessToken().value == firstAuthorizer
                        ) {
                            assertTrue(System.nanoTime() < deadline, "no background refresh")
                            Thread.sleep(100)
                        }
                    } finally {
                        handles.forEach { it.stop() }
                    }
                }
            }
            assertTrue(sim.calls(COMPONENT_TOKEN) in 2..3, "${sim.calls(COMPONENT_TOKEN)}")
            assertTrue(sim.calls(AUTHORIZER_TOKEN) in 1..2, "${sim.calls(AUTHORIZER_TOKEN)}")
        } finally {
            dir.deleteRecursively()
        }
    }
}
