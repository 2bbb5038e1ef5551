package weixinkit

import org.json.JSONObject

/** The local WeChat server's default third-party platform, and two authorizers it knows. */
object Platform {
    const val APP_ID = "wxcomponent0000001"
    const val SECRET = "component-secret"
    const val TOKEN = "componenttoken"
    const val AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    const val AUTHORIZER = "wxauthorizer000001"
    const val OTHER = "wxauthorizer000002"

    const val COMPONENT_TOKEN = "/cgi-bin/component/api_component_token"
    const val PRE_AUTH_CODE = "/cgi-bin/component/api_create_preauthcode"
    const val QUERY_AUTH = "/cgi-bin/component/api_query_auth"
    const val AUTHORIZER_TOKEN = "/cgi-bin/component/api_authorizer_token"
    const val AUTHORIZER_LIST = "/cgi-bin/component/api_get_authorizer_list"

    fun config(baseUri: String, prefix: String, store: StoreConfig = StoreConfig.Memory) = ComponentConfig(
        componentAppId = APP_ID,
        componentSecret = Secret(SECRET),
        token = Secret(TOKEN),
        encodingAesKey = Secret(AES_KEY),
        http = HttpOptions(
            timeoutMs = 5_000L,
            apiBaseUri = baseUri,
            retry = RetryPolicy(maxRetries = 2L, delayMs = 10L, deadlineMs = 10_000L),
        ),
        tokens = TokenOptions(keyPrefix = prefix),
        store = store,
    )

    /** `{prefix}:{kind}:{component}:{subject}`. */
    fun key(prefix: String, kind: String, subject: String = APP_ID) = "$prefix:$kind:$APP_ID:$subject"
}

/** What WeChat POSTs to the authorization event URL, as the sim built it. */
class SimPush(val query: Map<String, String>, val body: String, val plaintext: String) {
    companion object {
        fun of(outcome: JSONObject): SimPush {
            val push = outcome.getJSONObject("push")
            val q = push.getJSONObject("query")
            return SimPush(q.keySet().associateWith { q.getString(it) }, push.getString("body"), push.getString("plaintext"))
        }
    }
}

/** `POST /_sim/component/ticket`: a fresh ticket and its push (the whole answer in `outcome`). */
class IssuedTicket(val ticket: String, val push: SimPush, val outcome: JSONObject)

fun Sim.issueTicket(): IssuedTicket {
    val answer = post("/_sim/component/ticket", JSONObject().put("component_appid", Platform.APP_ID))
    return IssuedTicket(answer.getString("ticket"), SimPush.of(answer), answer)
}

/** `POST /_sim/authorize`: the merchant authorizes `appid`; the answer holds the push and the code. */
fun Sim.authorize(appid: String): JSONObject =
    post("/_sim/authorize", JSONObject().put("component_appid", Platform.APP_ID).put("authorizer_appid", appid))

/** `POST /_sim/unauthorize`: the merchant cancels. */
fun Sim.unauthorize(appid: String): JSONObject =
    post("/_sim/unauthorize", JSONObject().put("component_appid", Platform.APP_ID).put("authorizer_appid", appid))

/** Every token the sim issued: value → owner appid. */
fun Sim.tokenOwners(): Map<String, String> {
    val tokens = get("/_sim/tokens").getJSONArray("tokens")
    return (0 until tokens.length()).associate { tokens.getJSONObject(it).let { t -> t.getString("value") to t.getString("owner") } }
}

/** Expire every token the sim issued (42001 from now on). */
fun Sim.expireAll() { post("/_sim/expire") }

/** Deliver a push to `c`'s authorization event handler as a web framework would. */
fun Component.deliver(push: SimPush): CallbackResponse = handleCallback("POST", push.query, push.body)
