// The Open Platform authorization event URL (授权事件接收URL) on the JDK's built-in HTTP server.
// Every push is verified and decrypted, the component_verify_ticket stored, the code of an
// `authorized` push exchanged (refresh token stored), an `unauthorized` authorizer forgotten;
// then your own work below runs on the typed push and WeChat gets "success".
//
// Run it from bindings/kotlin (the Maven build compiles this file with the tests):
//
//   WEIXINKIT_COMPONENT_APPID=wx… WEIXINKIT_COMPONENT_SECRET=… WEIXINKIT_COMPONENT_TOKEN=… \
//   WEIXINKIT_COMPONENT_AES_KEY=… PORT=8080 \
//   mvn -q test-compile exec:java -Dexec.mainClass=weixinkit.examples.CallbackServerKt \
//       -Dexec.classpathScope=test -Djna.library.path=../../target/debug
//
// Optional: WEIXINKIT_API_BASE_URI (e.g. a local wechat-sim), WEIXINKIT_STORE_DIR (the file
// store; default <temp dir>/weixinkit), PORT (default 8080; 0 = any free port). The first
// stdout line is `listening on http://127.0.0.1:PORT/wechat/callback`; register that URL
// (behind your HTTPS front) as the platform's authorization event URL.
//
// With WEIXINKIT_SUITE_ID, WEIXINKIT_SUITE_SECRET, WEIXINKIT_SUITE_TOKEN and
// WEIXINKIT_SUITE_AES_KEY set (optional: WEIXINKIT_PROVIDER_CORPID, WEIXINKIT_WORK_BASE_URI),
// /wecom/suite is a WeCom third-party app's data/command callback URL too: URL verification,
// the suite_ticket, create_auth (permanent code stored) and cancel_auth, then your work.

package weixinkit.examples

import com.sun.net.httpserver.HttpServer
import weixinkit.Component
import weixinkit.ComponentConfig
import weixinkit.Event
import weixinkit.HttpOptions
import weixinkit.Secret
import weixinkit.StoreConfig
import weixinkit.Suite
import weixinkit.SuiteConfig
import java.net.InetSocketAddress
import java.net.URLDecoder
import java.util.concurrent.Executors

fun main() {
    fun env(name: String): String? = System.getenv(name)?.takeIf { it.isNotEmpty() }
    fun required(name: String): String = env(name) ?: error("set $name")

    val platform = Component(
        ComponentConfig(
            componentAppId = required("WEIXINKIT_COMPONENT_APPID"),
            componentSecret = Secret(required("WEIXINKIT_COMPONENT_SECRET")),
            token = Secret(required("WEIXINKIT_COMPONENT_TOKEN")),
            encodingAesKey = Secret(required("WEIXINKIT_COMPONENT_AES_KEY")),
            http = env("WEIXINKIT_API_BASE_URI")?.let { HttpOptions(apiBaseUri = it) },
            store = env("WEIXINKIT_STORE_DIR")?.let { StoreConfig.File(it) }, // null: the default file store
        ),
        null,
    )

    val server = HttpServer.create(InetSocketAddress(env("PORT")?.toInt() ?: 8080), 0)
    server.createContext("/wechat/callback") { exchange ->
        val query = exchange.requestURI.rawQuery.orEmpty().split('&').filter { '=' in it }.associate {
            val (k, v) = it.split('=', limit = 2)
            URLDecoder.decode(k, "UTF-8") to URLDecoder.decode(v, "UTF-8")
        }
        val body = exchange.requestBody.readBytes().toString(Charsets.UTF_8)
        val (status, answer) = try {
            // Verified, decrypted, parsed, and the built-in step run (ticket stored, code
            // exchanged, authorizer forgotten) before this returns; a bad request is a status
            // (400, 403, 405), not an exception.
            val result = platform.handleCallback(exchange.requestMethod, query, body)
            // Your own work, on accepted pushes only (result.message is the typed push).
            if (result.status == 200) {
                when (val event = result.message?.event) {
                    is Event.ComponentVerifyTicket -> println("push: component_verify_ticket")
                    is Event.Authorized -> println("push: authorized ${event.notice.authorizerAppid}")
                    is Event.UpdateAuthorized -> println("push: updateauthorized ${event.notice.authorizerAppid}")
                    is Event.Unauthorized -> println("push: unauthorized ${event.authorizerAppid}")
                    null -> {}
                    else -> println("push: ${event::class.simpleName}")
                }
            }
            result.status to result.body
        } catch (e: Exception) { // your work failed: answer 500 and WeChat pushes again
            System.err.println("callback failed: $e")
            500 to "failed"
        }
        val bytes = answer.toByteArray()
        exchange.sendResponseHeaders(status, bytes.size.toLong())
        exchange.responseBody.use { it.write(bytes) }
    }
    val suite = env("WEIXINKIT_SUITE_ID")?.let { suiteId ->
        Suite(
            SuiteConfig(
                suiteId = suiteId,
                suiteSecret = Secret(required("WEIXINKIT_SUITE_SECRET")),
                token = Secret(required("WEIXINKIT_SUITE_TOKEN")),
                encodingAesKey = Secret(required("WEIXINKIT_SUITE_AES_KEY")),
                providerCorpId = env("WEIXINKIT_PROVIDER_CORPID"),
                http = env("WEIXINKIT_WORK_BASE_URI")?.let { HttpOptions(workBaseUri = it) },
                store = env("WEIXINKIT_STORE_DIR")?.let { StoreConfig.File(it) },
            ),
            null,
        )
    }
    if (suite != null) {
        server.createContext("/wecom/suite") { exchange ->
            val query = exchange.requestURI.rawQuery.orEmpty().split('&').filter { '=' in it }.associate {
                val (k, v) = it.split('=', limit = 2)
                URLDecoder.decode(k, "UTF-8") to URLDecoder.decode(v, "UTF-8")
            }
            val body = exchange.requestBody.readBytes().toString(Charsets.UTF_8)
            // GET verifies the URL (the body is the decrypted echostr); POST runs the lifecycle.
            val result = suite.handleCallback(exchange.requestMethod, query, body)
            if (result.status == 200) {
                when (val event = result.message?.event) {
                    is Event.ChangeAuth -> println("suite push: change_auth ${event.authCorpId}")
                    is Event.CancelAuth -> println("suite push: cancel_auth ${event.authCorpId}")
                    null -> {}
                    else -> println("suite push: ${event::class.simpleName}")
                }
            }
            val bytes = result.body.toByteArray()
            exchange.sendResponseHeaders(result.status, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        }
    }
    server.executor = Executors.newFixedThreadPool(4)
    server.start()
    println("listening on http://127.0.0.1:${server.address.port}/wechat/callback")
}
