// An Official Account's own web page and server URL on the JDK's built-in HTTP server: "is
// this visitor following us?" through web authorization, and answering users' text messages.
//
// Run it from bindings/kotlin (the Maven build compiles this file with the tests):
//
//   WEIXINKIT_OA_APPID=wx… WEIXINKIT_OA_SECRET=… WEIXINKIT_OA_TOKEN=… WEIXINKIT_OA_AES_KEY=… \
//   WEIXINKIT_STATE_KEY=<at least 16 random bytes> PORT=8080 \
//   mvn -q test-compile exec:java -Dexec.mainClass=weixinkit.examples.OaSubscribeServerKt \
//       -Dexec.classpathScope=test -Djna.library.path=../../target/debug
//
// Optional: WEIXINKIT_API_BASE_URI (e.g. a local wechat-sim), WEIXINKIT_STORE_DIR (the file
// store; default <temp dir>/weixinkit), PORT (default 8080; 0 = any free port). The first
// stdout line is `listening on http://127.0.0.1:PORT`.
//
// Open /subscribed inside WeChat: it sends the visitor to WeChat's silent authorization
// (snsapi_base) with a state bound to the visitor's session cookie, WeChat redirects back to
// /oauth/callback with a code, and the page says whether the visitor follows the account.
// Set http(s)://your.host/wechat as the account's server URL: text messages are answered
// "you said …" (encrypted in safe mode).

package weixinkit.examples

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import org.json.JSONObject
import weixinkit.CallbackOptions
import weixinkit.HttpOptions
import weixinkit.OAuthState
import weixinkit.OfficialAccount
import weixinkit.OfficialAccountConfig
import weixinkit.Secret
import weixinkit.StoreConfig
import weixinkit.WeixinkitException
import weixinkit.field
import weixinkit.handleMessage
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.security.SecureRandom
import java.util.concurrent.Executors

private fun HttpExchange.query(): Map<String, String> =
    requestURI.rawQuery.orEmpty().split('&').filter { '=' in it }.associate {
        val (k, v) = it.split('=', limit = 2)
        URLDecoder.decode(k, "UTF-8") to URLDecoder.decode(v, "UTF-8")
    }

private fun HttpExchange.answer(status: Int, body: String, vararg headers: Pair<String, String>) {
    responseHeaders.add("Content-Type", "text/plain; charset=utf-8")
    for ((name, value) in headers) responseHeaders.add(name, value)
    val bytes = body.toByteArray()
    sendResponseHeaders(status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
    responseBody.use { if (bytes.isNotEmpty()) it.write(bytes) }
}

/** The visitor's session id from its cookie, or a new one (random, 128 bits). */
private fun HttpExchange.session(): Pair<String, Boolean> {
    val cookie = requestHeaders["Cookie"].orEmpty().flatMap { it.split(';') }
        .map { it.trim() }.firstOrNull { it.startsWith("sid=") }?.removePrefix("sid=")
    if (cookie != null && cookie.isNotEmpty()) return cookie to false
    val bytes = ByteArray(16).also { SecureRandom().nextBytes(it) }
    return bytes.joinToString("") { "%02x".format(it) } to true
}

fun main() {
    fun env(name: String): String? = System.getenv(name)?.takeIf { it.isNotEmpty() }
    fun required(name: String): String = env(name) ?: error("set $name")

    val account = OfficialAccount(
        OfficialAccountConfig(
            appId = required("WEIXINKIT_OA_APPID"),
            secret = Secret(required("WEIXINKIT_OA_SECRET")),
            token = Secret(required("WEIXINKIT_OA_TOKEN")),
            encodingAesKey = env("WEIXINKIT_OA_AES_KEY")?.let { Secret(it) },
            http = env("WEIXINKIT_API_BASE_URI")?.let { HttpOptions(apiBaseUri = it) },
            store = env("WEIXINKIT_STORE_DIR")?.let { StoreConfig.File(it) }, // null: the default file store
            // A replayed push (same timestamp, nonce and signature) within 5 minutes answers 409,
            // an older or forged-date one 403.
            callback = CallbackOptions(replayWindowSeconds = 300L),
        ),
        null,
    )
    // The state ties WeChat's redirect to the visitor's session: no server-side session needed.
    val states = OAuthState(required("WEIXINKIT_STATE_KEY"))

    val server = HttpServer.create(InetSocketAddress("127.0.0.1", env("PORT")?.toInt() ?: 8080), 0)
    server.createContext("/subscribed") { exchange ->
        val (session, fresh) = exchange.session()
        val callback = "http://${exchange.requestHeaders.getFirst("Host")}/oauth/callback"
        val url = account.oauthUrl(callback, "snsapi_base", states.issue(session))
        val cookie = if (fresh) arrayOf("Set-Cookie" to "sid=$session; Path=/; HttpOnly") else emptyArray()
        exchange.answer(302, "", "Location" to url, *cookie)
    }
    server.createContext("/oauth/callback") { exchange ->
        val query = exchange.query()
        val (session, _) = exchange.session()
        try {
            states.verify(query["state"].orEmpty(), session)
        } catch (e: WeixinkitException.InvalidInput) {
            return@createContext exchange.answer(400, e.message.orEmpty())
        }
        val code = query["code"] ?: return@createContext exchange.answer(400, "the user refused the authorization")
        try {
            val user = account.userInfoByCode(code)
            exchange.answer(200, if (user.subscribe) "subscribed" else "not subscribed")
        } catch (e: WeixinkitException.OauthCode) {
            // Used or expired (a reload of this page): start again.
            exchange.answer(302, "", "Location" to "/subscribed")
        }
    }
    server.createContext("/wechat") { exchange ->
        val body = exchange.requestBody.readBytes().toString(Charsets.UTF_8)
        val result = account.handleMessage(exchange.requestMethod, exchange.query(), body) { message ->
            message.field("Content")?.let { JSONObject().put("type", "text").put("content", "you said $it").toString() }
        }
        exchange.answer(result.status, result.body)
    }
    server.executor = Executors.newFixedThreadPool(4)
    server.start()
    println("listening on http://127.0.0.1:${server.address.port}")
}
