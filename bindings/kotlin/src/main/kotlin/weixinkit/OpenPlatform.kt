// The Open Platform (third-party platform) in typed Kotlin. The generated `Component` has one
// native entry point, `call(method, argsJson)` / `callAsync(…)`, taking a method name and a JSON
// object of named arguments (src/ffi/dispatch.rs lists them); these extension functions, the
// [Authorizer] wrapper and the result classes are the typed face over it. Every behaviour lives
// in the Rust library: this file only builds arguments and reads answers.

package weixinkit

import org.json.JSONArray
import org.json.JSONException
import org.json.JSONObject
import org.json.JSONTokener

// --- results and options ---------------------------------------------------------------------

/**
 * Options of an authorization link.
 *
 * @property authType 1: Official Accounts only, 2: mini programs only, 3: both (WeChat's
 *   default when null).
 * @property bizAppid only this account may authorize (WeChat then ignores [authType]).
 * @property categoryIdList permission-set ids to request (`category_id_list=1|2`).
 * @property mobile the H5 page opened inside WeChat (`bindcomponent`) instead of the PC QR page.
 */
data class AuthorizationUrlOptions(
    val authType: Int? = null,
    val bizAppid: String? = null,
    val categoryIdList: List<Int> = emptyList(),
    val mobile: Boolean = false,
) {
    internal fun toJson(): JSONObject = JSONObject().apply {
        authType?.let { put("auth_type", it) }
        bizAppid?.let { put("biz_appid", it) }
        if (categoryIdList.isNotEmpty()) put("category_id_list", JSONArray(categoryIdList))
        put("mobile", mobile)
    }
}

/** A pre-auth code (`preauthcode@@@…`) and its lifetime in seconds. */
data class PreAuthCode(val preAuthCode: String, val expiresIn: Long)

/**
 * What `api_query_auth` granted. weixinkit has already stored the refresh token durably and
 * cached the access token when this is returned. `toString()` never shows either token.
 */
data class Authorization(
    val authorizerAppid: String,
    /** Absent when no API permission was granted. */
    val authorizerAccessToken: String?,
    /** The access token's lifetime in seconds. */
    val expiresIn: Long,
    val authorizerRefreshToken: String?,
    /** The permission-set ids granted (`func_info[].funcscope_category.id`). */
    val funcInfo: List<Long>,
) {
    override fun toString() =
        "Authorization(authorizerAppid=$authorizerAppid, expiresIn=$expiresIn, funcInfo=$funcInfo)"
}

/** One page of `api_get_authorizer_list`: [totalCount] across all pages, [list] this one. */
data class AuthorizerList(val totalCount: Long, val list: List<AuthorizerListItem>)

/** One authorizer of [AuthorizerList]. `toString()` never shows the refresh token. */
data class AuthorizerListItem(
    val authorizerAppid: String,
    /** Absent if its authorization code was never exchanged. */
    val refreshToken: String?,
    /** When it authorized (Unix seconds). */
    val authTime: Long,
) {
    override fun toString() = "AuthorizerListItem(authorizerAppid=$authorizerAppid, authTime=$authTime)"
}

/**
 * What the authorization event URL should answer, and what arrived.
 *
 * @property status HTTP status to answer: 200, 400 (malformed), 403 (signature or receiver
 *   check failed), 405 (not POST), or 500 (the built-in lifecycle step failed: WeChat pushes
 *   again).
 * @property body the response body: `success` on 200, a short reason otherwise.
 * @property message the verified, decrypted push, parsed with [parseMessage] (null when it was
 *   refused before decryption).
 * @property plaintext the decrypted XML [message] was parsed from.
 */
class CallbackResult(val status: Int, val body: String, val message: Message?, val plaintext: String?) {
    /** True when WeChat should be answered 200 `success`. */
    val ok: Boolean get() = status == 200

    /** Status, body and the kind of push; never the plaintext (it may hold a ticket). */
    override fun toString() =
        "CallbackResult(status=$status, body=$body, event=${message?.event?.let { it::class.simpleName }})"
}

// --- the native call -----------------------------------------------------------------------

/** One native method call: its name, its arguments and how to read its JSON answer. */
internal class NativeCall<T>(val method: String, val args: JSONObject, val decode: (String) -> T)

internal fun <T> Component.invokeNative(c: NativeCall<T>): T = c.decode(call(c.method, c.args.toString()))

internal suspend fun <T> Component.invokeNativeAsync(c: NativeCall<T>): T = c.decode(callAsync(c.method, c.args.toString()))

/** A JSON object of named arguments; null values are left out (the native side's "absent"). */
internal fun args(vararg pairs: Pair<String, Any?>): JSONObject = JSONObject().apply {
    for ((name, value) in pairs) if (value != null) put(name, value)
}

/** The answer as a Kotlin value: String, Number, Boolean, JSONObject, JSONArray, or null. */
internal fun jsonValue(text: String): Any? = JSONTokener(text).nextValue().takeUnless { it == JSONObject.NULL }

internal val decodeUnit: (String) -> Unit = {}
internal val decodeRaw: (String) -> String = { it }
internal val decodeString: (String) -> String = { jsonValue(it) as String }
internal val decodeOptionalString: (String) -> String? = { jsonValue(it) as String? }
internal val decodeToken: (String) -> Token = { text ->
    JSONObject(text).let { Token(it.getString("value"), it.getLong("expires_at"), it.optLong("issued_at")) }
}

private fun JSONObject.optionalString(name: String): String? =
    if (isNull(name)) null else get(name).toString().takeIf { it.isNotEmpty() }

/**
 * A request body for `post_json`: the caller's JSON text as a JSON value, so that it travels
 * inside the arguments object. Not JSON → [WeixinkitException.InvalidInput] (-50005), as
 * [OfficialAccount.postJson] does.
 */
internal fun jsonBody(bodyJson: String): Any = try {
    val tokener = JSONTokener(bodyJson)
    tokener.nextValue().also { if (tokener.nextClean() != '\u0000') throw JSONException("text after the JSON value") }
} catch (e: JSONException) {
    throw WeixinkitException.InvalidInput(-50005, "bodyJson is not JSON: ${e.message}")
}

/** The native method calls with their argument names (src/ffi/dispatch.rs). */
internal object OpenPlatformCalls {
    fun storeVerifyTicket(ticket: String) = NativeCall("store_verify_ticket", args("ticket" to ticket), decodeUnit)
    fun verifyTicket() = NativeCall("verify_ticket", args(), decodeOptionalString)
    fun startPushTicket() = NativeCall("start_push_ticket", args(), decodeUnit)
    fun componentAccessToken() = NativeCall("component_access_token", args(), decodeToken)
    fun call(path: String, query: Map<String, String>, body: Any?) =
        NativeCall("call", args("path" to path, "query" to JSONObject(query), "body" to body), decodeRaw)

    fun createPreAuthCode() = NativeCall("create_pre_auth_code", args()) { text ->
        JSONObject(text).let { PreAuthCode(it.getString("pre_auth_code"), it.getLong("expires_in")) }
    }
    fun authorizationUrl(preAuthCode: String, redirectUri: String, options: AuthorizationUrlOptions) = NativeCall(
        "authorization_url",
        args("pre_auth_code" to preAuthCode, "redirect_uri" to redirectUri, "options" to options.toJson()),
        decodeString,
    )
    fun createAuthorizationUrl(redirectUri: String, options: AuthorizationUrlOptions) = NativeCall(
        "create_authorization_url", args("redirect_uri" to redirectUri, "options" to options.toJson()), decodeString,
    )
    fun queryAuth(authorizationCode: String) =
        NativeCall("query_auth", args("authorization_code" to authorizationCode)) { text ->
            val o = JSONObject(text)
            val funcs = o.optJSONArray("func_info") ?: JSONArray()
            Authorization(
                authorizerAppid = o.getString("authorizer_appid"),
                authorizerAccessToken = o.optionalString("authorizer_access_token"),
                expiresIn = o.optLong("expires_in"),
                authorizerRefreshToken = o.optionalString("authorizer_refresh_token"),
                funcInfo = List(funcs.length()) { funcs.getLong(it) },
            )
        }
    fun refreshToken(appid: String) = NativeCall("refresh_token", args("authorizer_appid" to appid), decodeOptionalString)
    fun storeRefreshToken(appid: String, refreshToken: String) = NativeCall(
        "store_refresh_token", args("authorizer_appid" to appid, "refresh_token" to refreshToken), decodeUnit,
    )
    fun forgetAuthorizer(appid: String) = NativeCall("forget_authorizer", args("authorizer_appid" to appid), decodeUnit)
    fun authorizerInfo(appid: String) = NativeCall("authorizer_info", args("authorizer_appid" to appid), decodeRaw)
    fun authorizerList(offset: Long, count: Long) =
        NativeCall("authorizer_list", args("offset" to offset, "count" to count)) { text ->
            val o = JSONObject(text)
            val items = o.getJSONArray("list")
            AuthorizerList(o.getLong("total_count"), List(items.length()) {
                val item = items.getJSONObject(it)
                AuthorizerListItem(
                    item.getString("authorizer_appid"),
                    item.optionalString("refresh_token"),
                    item.optLong("auth_time"),
                )
            })
        }
    fun reseedRefreshTokens() = NativeCall("reseed_refresh_tokens", args()) { it.trim().toInt() }
    fun authorizerOption(appid: String, name: String) =
        NativeCall("authorizer_option", args("authorizer_appid" to appid, "option_name" to name), decodeString)
    fun setAuthorizerOption(appid: String, name: String, value: String) = NativeCall(
        "set_authorizer_option",
        args("authorizer_appid" to appid, "option_name" to name, "option_value" to value),
        decodeUnit,
    )
    fun clearQuota() = NativeCall("clear_quota", args(), decodeUnit)
    fun clearQuotaV2(appid: String?) = NativeCall("clear_quota_v2", args("appid" to appid), decodeUnit)
    fun oauthAuthorizeUrl(appid: String, redirectUri: String, scope: String, state: String) = NativeCall(
        "oauth_authorize_url",
        args("appid" to appid, "redirect_uri" to redirectUri, "scope" to scope, "state" to state),
        decodeString,
    )
    fun oauthAccessToken(appid: String, code: String) =
        NativeCall("oauth_access_token", args("appid" to appid, "code" to code), decodeRaw)
    fun oauthRefreshToken(appid: String, refreshToken: String) =
        NativeCall("oauth_refresh_token", args("appid" to appid, "refresh_token" to refreshToken), decodeRaw)
    fun oauthUserInfo(accessToken: String, openid: String) =
        NativeCall("oauth_user_info", args("access_token" to accessToken, "openid" to openid), decodeRaw)
    fun jscode2session(appid: String, jsCode: String) =
        NativeCall("jscode2session", args("appid" to appid, "js_code" to jsCode), decodeRaw)

    fun handleCallback(method: String, query: Map<String, String>, body: String) = NativeCall(
        "handle_callback", args("method" to method, "query" to JSONObject(query), "body" to body),
    ) { text ->
        val o = JSONObject(text)
        val plaintext = if (o.isNull("plaintext")) null else o.getString("plaintext")
        // The typed message comes from the same parser MessageCrypto uses, so it is the very
        // `Message` (sealed `Event`, every field) the rest of the binding hands out.
        CallbackResult(o.getInt("status"), o.getString("body"), plaintext?.let(::parseMessage), plaintext)
    }

    // Acting on behalf: the authorizer's appid, and its fixed access token if one was given.
    fun authorizerAccessToken(appid: String, fixed: String?) =
        NativeCall("authorizer_access_token", args("authorizer_appid" to appid, "access_token" to fixed), decodeToken)
    fun authorizerGet(appid: String, fixed: String?, path: String, query: Map<String, String>) = NativeCall(
        "authorizer_get",
        args("authorizer_appid" to appid, "access_token" to fixed, "path" to path, "query" to JSONObject(query)),
        decodeRaw,
    )
    fun authorizerPostJson(appid: String, fixed: String?, path: String, body: Any) = NativeCall(
        "authorizer_post_json",
        args("authorizer_appid" to appid, "access_token" to fixed, "path" to path, "body" to body),
        decodeRaw,
    )
    fun authorizerClearQuota(appid: String, fixed: String?) =
        NativeCall("authorizer_clear_quota", args("authorizer_appid" to appid, "access_token" to fixed), decodeUnit)
}

private typealias Calls = OpenPlatformCalls

// --- the component_verify_ticket -------------------------------------------------------------

/** Store a pushed `component_verify_ticket` durably ([handleCallback] does this for you). */
fun Component.storeVerifyTicket(ticket: String): Unit = invokeNative(Calls.storeVerifyTicket(ticket))
/** Suspend form of [storeVerifyTicket]. */
suspend fun Component.storeVerifyTicketAsync(ticket: String): Unit = invokeNativeAsync(Calls.storeVerifyTicket(ticket))

/** The stored ticket, or null if none was ever pushed. */
fun Component.verifyTicket(): String? = invokeNative(Calls.verifyTicket())
/** Suspend form of [verifyTicket]. */
suspend fun Component.verifyTicketAsync(): String? = invokeNativeAsync(Calls.verifyTicket())

/** `api_start_push_ticket`: ask WeChat to (re)start pushing tickets to the event URL. */
fun Component.startPushTicket(): Unit = invokeNative(Calls.startPushTicket())
/** Suspend form of [startPushTicket]. */
suspend fun Component.startPushTicketAsync(): Unit = invokeNativeAsync(Calls.startPushTicket())

// --- the component token -----------------------------------------------------------------------

/**
 * The `component_access_token`, cached in the store and fetched once when due. No ticket ever
 * stored → [WeixinkitException.Ticket] (-50040); WeChat refusing the stored one → `Ticket`
 * (61005 expired, 61006 invalid), never retried.
 */
fun Component.componentAccessToken(): Token = invokeNative(Calls.componentAccessToken())
/** Suspend form of [componentAccessToken]. */
suspend fun Component.componentAccessTokenAsync(): Token = invokeNativeAsync(Calls.componentAccessToken())

/**
 * `GET` a component endpoint with `component_access_token` added; the JSON answer. A token
 * error refreshes the component token and retries once.
 */
fun Component.componentGet(path: String, query: Map<String, String> = emptyMap()): String =
    invokeNative(Calls.call(path, query, null))
/** Suspend form of [componentGet]. */
suspend fun Component.componentGetAsync(path: String, query: Map<String, String> = emptyMap()): String =
    invokeNativeAsync(Calls.call(path, query, null))

/** `POST` a JSON body to a component endpoint with `component_access_token` added; the JSON answer. */
fun Component.componentPostJson(path: String, bodyJson: String, query: Map<String, String> = emptyMap()): String =
    invokeNative(Calls.call(path, query, jsonBody(bodyJson)))
/** Suspend form of [componentPostJson]. */
suspend fun Component.componentPostJsonAsync(
    path: String,
    bodyJson: String,
    query: Map<String, String> = emptyMap(),
): String = invokeNativeAsync(Calls.call(path, query, jsonBody(bodyJson)))

// --- authorization -----------------------------------------------------------------------------

/** `api_create_preauthcode`. */
fun Component.createPreAuthCode(): PreAuthCode = invokeNative(Calls.createPreAuthCode())
/** Suspend form of [createPreAuthCode]. */
suspend fun Component.createPreAuthCodeAsync(): PreAuthCode = invokeNativeAsync(Calls.createPreAuthCode())

/** The authorization link for a pre-auth code (no network call). */
fun Component.authorizationUrl(
    preAuthCode: String,
    redirectUri: String,
    options: AuthorizationUrlOptions = AuthorizationUrlOptions(),
): String = invokeNative(Calls.authorizationUrl(preAuthCode, redirectUri, options))

/** A new pre-auth code and its authorization link in one call. */
fun Component.createAuthorizationUrl(
    redirectUri: String,
    options: AuthorizationUrlOptions = AuthorizationUrlOptions(),
): String = invokeNative(Calls.createAuthorizationUrl(redirectUri, options))
/** Suspend form of [createAuthorizationUrl]. */
suspend fun Component.createAuthorizationUrlAsync(
    redirectUri: String,
    options: AuthorizationUrlOptions = AuthorizationUrlOptions(),
): String = invokeNativeAsync(Calls.createAuthorizationUrl(redirectUri, options))

/**
 * `api_query_auth`: exchange an authorization code (the callback does this on `authorized`);
 * the refresh token is stored durably and the access token cached before this returns.
 */
fun Component.queryAuth(authorizationCode: String): Authorization = invokeNative(Calls.queryAuth(authorizationCode))
/** Suspend form of [queryAuth]. */
suspend fun Component.queryAuthAsync(authorizationCode: String): Authorization =
    invokeNativeAsync(Calls.queryAuth(authorizationCode))

/** The stored refresh token of an authorizer, or null. */
fun Component.refreshToken(authorizerAppid: String): String? = invokeNative(Calls.refreshToken(authorizerAppid))
/** Suspend form of [refreshToken]. */
suspend fun Component.refreshTokenAsync(authorizerAppid: String): String? =
    invokeNativeAsync(Calls.refreshToken(authorizerAppid))

/** Store an authorizer's refresh token durably (e.g. one kept from another system). */
fun Component.storeRefreshToken(authorizerAppid: String, refreshToken: String): Unit =
    invokeNative(Calls.storeRefreshToken(authorizerAppid, refreshToken))
/** Suspend form of [storeRefreshToken]. */
suspend fun Component.storeRefreshTokenAsync(authorizerAppid: String, refreshToken: String): Unit =
    invokeNativeAsync(Calls.storeRefreshToken(authorizerAppid, refreshToken))

/** Remove the authorizer's refresh token and access token (the callback does this on `unauthorized`). */
fun Component.forgetAuthorizer(authorizerAppid: String): Unit = invokeNative(Calls.forgetAuthorizer(authorizerAppid))
/** Suspend form of [forgetAuthorizer]. */
suspend fun Component.forgetAuthorizerAsync(authorizerAppid: String): Unit =
    invokeNativeAsync(Calls.forgetAuthorizer(authorizerAppid))

/** An authorizer's access token, from its stored refresh token ([Authorizer.accessToken]). */
fun Component.authorizerAccessToken(authorizerAppid: String): Token =
    invokeNative(Calls.authorizerAccessToken(authorizerAppid, null))
/** Suspend form of [authorizerAccessToken]. */
suspend fun Component.authorizerAccessTokenAsync(authorizerAppid: String): Token =
    invokeNativeAsync(Calls.authorizerAccessToken(authorizerAppid, null))

/** `api_get_authorizer_info`: the account's details, WeChat's JSON. */
fun Component.authorizerInfo(authorizerAppid: String): String = invokeNative(Calls.authorizerInfo(authorizerAppid))
/** Suspend form of [authorizerInfo]. */
suspend fun Component.authorizerInfoAsync(authorizerAppid: String): String =
    invokeNativeAsync(Calls.authorizerInfo(authorizerAppid))

/** `api_get_authorizer_list`: one page (`count` ≤ 500). */
fun Component.authorizerList(offset: Long = 0, count: Long = 500): AuthorizerList =
    invokeNative(Calls.authorizerList(offset, count))
/** Suspend form of [authorizerList]. */
suspend fun Component.authorizerListAsync(offset: Long = 0, count: Long = 500): AuthorizerList =
    invokeNativeAsync(Calls.authorizerList(offset, count))

/**
 * Page through every authorizer and store each refresh token WeChat returns: the recovery
 * path after a lost store. How many were stored.
 */
fun Component.reseedRefreshTokens(): Int = invokeNative(Calls.reseedRefreshTokens())
/** Suspend form of [reseedRefreshTokens]. */
suspend fun Component.reseedRefreshTokensAsync(): Int = invokeNativeAsync(Calls.reseedRefreshTokens())

/** `api_get_authorizer_option` (component token): the option's value. */
fun Component.authorizerOption(authorizerAppid: String, optionName: String): String =
    invokeNative(Calls.authorizerOption(authorizerAppid, optionName))
/** Suspend form of [authorizerOption]. */
suspend fun Component.authorizerOptionAsync(authorizerAppid: String, optionName: String): String =
    invokeNativeAsync(Calls.authorizerOption(authorizerAppid, optionName))

/** `api_set_authorizer_option` (component token). */
fun Component.setAuthorizerOption(authorizerAppid: String, optionName: String, optionValue: String): Unit =
    invokeNative(Calls.setAuthorizerOption(authorizerAppid, optionName, optionValue))
/** Suspend form of [setAuthorizerOption]. */
suspend fun Component.setAuthorizerOptionAsync(authorizerAppid: String, optionName: String, optionValue: String): Unit =
    invokeNativeAsync(Calls.setAuthorizerOption(authorizerAppid, optionName, optionValue))

/** `component/clear_quota` (component token): reset the platform's own API counters. */
fun Component.clearQuota(): Unit = invokeNative(Calls.clearQuota())
/** Suspend form of [clearQuota]. */
suspend fun Component.clearQuotaAsync(): Unit = invokeNativeAsync(Calls.clearQuota())

/**
 * `component/clear_quota/v2` (AppSecret, no token: works when the token quota itself is
 * exhausted); with [appid], resets that authorizer on its behalf.
 */
fun Component.clearQuotaV2(appid: String? = null): Unit = invokeNative(Calls.clearQuotaV2(appid))
/** Suspend form of [clearQuotaV2]. */
suspend fun Component.clearQuotaV2Async(appid: String? = null): Unit = invokeNativeAsync(Calls.clearQuotaV2(appid))

// --- web OAuth and mini program login on behalf ------------------------------------------------

/** The web OAuth link for an authorizer Official Account (`snsapi_base` / `snsapi_userinfo`). */
fun Component.oauthAuthorizeUrl(appid: String, redirectUri: String, scope: String, state: String = ""): String =
    invokeNative(Calls.oauthAuthorizeUrl(appid, redirectUri, scope, state))

/** `sns/oauth2/component/access_token`: a user's OAuth code → user token, openid, scope (JSON). */
fun Component.oauthAccessToken(appid: String, code: String): String = invokeNative(Calls.oauthAccessToken(appid, code))
/** Suspend form of [oauthAccessToken]. */
suspend fun Component.oauthAccessTokenAsync(appid: String, code: String): String =
    invokeNativeAsync(Calls.oauthAccessToken(appid, code))

/** `sns/oauth2/component/refresh_token` (JSON). */
fun Component.oauthRefreshToken(appid: String, refreshToken: String): String =
    invokeNative(Calls.oauthRefreshToken(appid, refreshToken))
/** Suspend form of [oauthRefreshToken]. */
suspend fun Component.oauthRefreshTokenAsync(appid: String, refreshToken: String): String =
    invokeNativeAsync(Calls.oauthRefreshToken(appid, refreshToken))

/** `sns/userinfo` with a user token from [oauthAccessToken] (JSON). */
fun Component.oauthUserInfo(accessToken: String, openid: String): String =
    invokeNative(Calls.oauthUserInfo(accessToken, openid))
/** Suspend form of [oauthUserInfo]. */
suspend fun Component.oauthUserInfoAsync(accessToken: String, openid: String): String =
    invokeNativeAsync(Calls.oauthUserInfo(accessToken, openid))

/** `sns/component/jscode2session`: a mini program's `wx.login` code → openid, session_key (JSON). */
fun Component.jscode2session(appid: String, jsCode: String): String = invokeNative(Calls.jscode2session(appid, jsCode))
/** Suspend form of [jscode2session]. */
suspend fun Component.jscode2sessionAsync(appid: String, jsCode: String): String =
    invokeNativeAsync(Calls.jscode2session(appid, jsCode))

// --- acting on behalf --------------------------------------------------------------------------

/**
 * An authorizer whose refresh token is stored (after the `authorized` push or [queryAuth]):
 * its token is refreshed automatically. The appid is checked on first use.
 */
fun Component.authorizer(authorizerAppid: String): Authorizer = Authorizer(this, authorizerAppid, null)

/** Store a refresh token the caller kept, durably, then act with it. */
fun Component.authorizerWithRefreshToken(authorizerAppid: String, refreshToken: String): Authorizer {
    storeRefreshToken(authorizerAppid, refreshToken)
    return authorizer(authorizerAppid)
}
/** Suspend form of [authorizerWithRefreshToken]. */
suspend fun Component.authorizerWithRefreshTokenAsync(authorizerAppid: String, refreshToken: String): Authorizer {
    storeRefreshTokenAsync(authorizerAppid, refreshToken)
    return authorizer(authorizerAppid)
}

/** Use the given access token as is: never refreshed, token errors surface. */
fun Component.authorizerWithAccessToken(authorizerAppid: String, accessToken: String): Authorizer =
    Authorizer(this, authorizerAppid, accessToken)

/**
 * An Official Account or mini program the platform acts for. Its token comes from the stored
 * refresh token (or is the one given); [get] / [postJson] reach any endpoint with
 * `access_token` added, refreshing and retrying once on a token error. An authorizer that
 * cancelled, or whose refresh token is gone, fails with
 * [WeixinkitException.ReauthorizationNeeded]. Cheap: make one per request if you like.
 */
class Authorizer internal constructor(
    /** The platform acting. */
    val component: Component,
    /** The authorizer's AppID. */
    val appId: String,
    private val fixedAccessToken: String?,
) {
    /** Its access token (the given one for [Component.authorizerWithAccessToken]). */
    fun accessToken(): Token = component.invokeNative(Calls.authorizerAccessToken(appId, fixedAccessToken))
    /** Suspend form of [accessToken]. */
    suspend fun accessTokenAsync(): Token = component.invokeNativeAsync(Calls.authorizerAccessToken(appId, fixedAccessToken))

    /** `GET` any endpoint as the authorizer; the JSON answer. */
    fun get(path: String, query: Map<String, String> = emptyMap()): String =
        component.invokeNative(Calls.authorizerGet(appId, fixedAccessToken, path, query))
    /** Suspend form of [get]. */
    suspend fun getAsync(path: String, query: Map<String, String> = emptyMap()): String =
        component.invokeNativeAsync(Calls.authorizerGet(appId, fixedAccessToken, path, query))

    /** `POST` a JSON body to any endpoint as the authorizer; the JSON answer. */
    fun postJson(path: String, bodyJson: String): String =
        component.invokeNative(Calls.authorizerPostJson(appId, fixedAccessToken, path, jsonBody(bodyJson)))
    /** Suspend form of [postJson]. */
    suspend fun postJsonAsync(path: String, bodyJson: String): String =
        component.invokeNativeAsync(Calls.authorizerPostJson(appId, fixedAccessToken, path, jsonBody(bodyJson)))

    /** New-form `component/get_authorizer_option` (authorizer token): the option's value. */
    fun option(optionName: String): String = optionValue(postJson(OPTION_GET, optionBody(optionName)))
    /** Suspend form of [option]. */
    suspend fun optionAsync(optionName: String): String = optionValue(postJsonAsync(OPTION_GET, optionBody(optionName)))

    /** New-form `component/set_authorizer_option` (authorizer token). */
    fun setOption(optionName: String, optionValue: String) {
        postJson(OPTION_SET, optionBody(optionName, optionValue))
    }
    /** Suspend form of [setOption]. */
    suspend fun setOptionAsync(optionName: String, optionValue: String) {
        postJsonAsync(OPTION_SET, optionBody(optionName, optionValue))
    }

    /** `cgi-bin/clear_quota` for this authorizer, with its own token. */
    fun clearQuota(): Unit = component.invokeNative(Calls.authorizerClearQuota(appId, fixedAccessToken))
    /** Suspend form of [clearQuota]. */
    suspend fun clearQuotaAsync(): Unit = component.invokeNativeAsync(Calls.authorizerClearQuota(appId, fixedAccessToken))

    /** The appid, never a token. */
    override fun toString() =
        "Authorizer(appId=$appId, fixedAccessToken=${fixedAccessToken != null})"

    private companion object {
        const val OPTION_GET = "/cgi-bin/component/get_authorizer_option"
        const val OPTION_SET = "/cgi-bin/component/set_authorizer_option"

        fun optionBody(name: String, value: String? = null): String =
            args("option_name" to name, "option_value" to value).toString()

        fun optionValue(answer: String): String {
            val o = JSONObject(answer)
            if (!o.has("option_value")) {
                throw WeixinkitException.Decode(-50004, "get_authorizer_option: no option_value in the answer")
            }
            return o.get("option_value").toString()
        }
    }
}

// --- the authorization event URL ---------------------------------------------------------------

/**
 * Handle a request to the authorization event URL (授权事件接收URL) from any web framework:
 * verify the signature, decrypt, parse, run the built-in lifecycle step (store the ticket;
 * exchange the code on `authorized` / `updateauthorized` and store the refresh token; forget
 * the authorizer on `unauthorized`), then — on status 200 only — call [handler] with the typed
 * [Message]. Answer WeChat with [CallbackResult.status] and [CallbackResult.body].
 *
 * [query] is the URL-decoded query string (`msg_signature`, `timestamp`, `nonce`, …), [body]
 * the raw POST body. A bad signature is 403 and stores nothing; the handler is not called. An
 * exception from [handler] propagates (the built-in step has already run).
 */
fun Component.handleCallback(
    method: String,
    query: Map<String, String>,
    body: String,
    handler: ((Message) -> Unit)? = null,
): CallbackResult {
    val result = invokeNative(Calls.handleCallback(method, query, body))
    if (result.ok && handler != null) result.message?.let(handler)
    return result
}

/** Suspend form of [handleCallback], with a suspending [handler]. */
suspend fun Component.handleCallbackAsync(
    method: String,
    query: Map<String, String>,
    body: String,
    handler: (suspend (Message) -> Unit)? = null,
): CallbackResult {
    val result = invokeNativeAsync(Calls.handleCallback(method, query, body))
    if (result.ok && handler != null) result.message?.let { handler(it) }
    return result
}
