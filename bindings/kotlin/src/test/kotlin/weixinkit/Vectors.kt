package weixinkit

import org.json.JSONArray
import org.json.JSONObject
import java.io.File

/** The shared test vectors (crypto.json, pushes.json), found the same way by every test. */
object Vectors {
    /**
     * `-Dweixinkit.vectors`, else `WEIXINKIT_VECTORS`, else `<repo>/../shared/vectors` where
     * `<repo>` is `-Dweixinkit.repoRoot` (set by the pom) or two levels above the working dir.
     */
    val dir: File by lazy {
        val explicit = System.getProperty("weixinkit.vectors")?.takeIf { it.isNotBlank() }
            ?: System.getenv("WEIXINKIT_VECTORS")?.takeIf { it.isNotBlank() }
        val repoRoot = System.getProperty("weixinkit.repoRoot")?.takeIf { it.isNotBlank() } ?: "../.."
        val dir = File(explicit ?: "$repoRoot/../shared/vectors").canonicalFile
        check(File(dir, "crypto.json").isFile && File(dir, "pushes.json").isFile) {
            "test vectors not found in $dir (need crypto.json and pushes.json); " +
                "set -Dweixinkit.vectors=<dir> or WEIXINKIT_VECTORS"
        }
        dir
    }

    val crypto: List<JSONObject> by lazy { load("crypto.json") }
    val pushes: List<JSONObject> by lazy { load("pushes.json") }

    private fun load(name: String): List<JSONObject> {
        val array = JSONArray(File(dir, name).readText(Charsets.UTF_8))
        val list = List(array.length()) { array.getJSONObject(it) }
        check(list.isNotEmpty()) { "$name in $dir holds no vectors" }
        return list
    }

    /** The crypto vector with this id (fails if it is gone, so tests never pass vacuously). */
    fun cryptoById(id: String): JSONObject =
        crypto.firstOrNull { it.getString("id") == id } ?: error("no crypto vector \"$id\" in $dir")
}

/** A string field, or null when absent or JSON null. */
fun JSONObject.str(key: String): String? = if (isNull(key)) null else getString(key)

fun JSONObject.req(key: String): String =
    str(key) ?: throw AssertionError("vector ${optString("id")} lacks \"$key\"")

fun ByteArray.toHex(): String = joinToString("") { "%02x".format(it) }

/** The CDATA (or plain) text of `<tag>` in a small reply envelope. */
fun xmlText(xml: String, tag: String): String {
    val m = Regex("<$tag>(?:<!\\[CDATA\\[(.*?)]]>|([^<]*))</$tag>", RegexOption.DOT_MATCHES_ALL).find(xml)
        ?: throw AssertionError("no <$tag> in $xml")
    return m.groups[1]?.value ?: m.groups[2]!!.value
}

/** Every WXBizMsgCrypt code (-400xx) named in a vector's `expected_error`. */
fun expectedCodes(expectedError: String?): Set<Int> =
    Regex("-400\\d\\d").findAll(expectedError.orEmpty()).map { it.value.toInt() }.toSet()
