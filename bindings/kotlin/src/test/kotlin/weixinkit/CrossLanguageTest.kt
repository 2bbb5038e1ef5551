package weixinkit

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * One key schema for every language: tokens the Python suite stored (test
 * `test_cross_language_seed`, described by `$WEIXINKIT_XLANG_DIR/expected.json`) are read
 * from Kotlin. The clients point at a port nothing listens on, so any fetch would fail: the
 * values can only come from the stores.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CrossLanguageTest {
    private fun expected(): JSONObject {
        val repoRoot = System.getProperty("weixinkit.repoRoot")?.takeIf { it.isNotBlank() } ?: "../.."
        val dir = System.getenv("WEIXINKIT_XLANG_DIR")?.takeIf { it.isNotBlank() } ?: "$repoRoot/target/xlang"
        val file = File(dir, "expected.json").canonicalFile
        if (!file.isFile) Services.missing("$file is missing (the Python suite's test_cross_language_seed writes it)")
        return JSONObject(file.readText())
    }

    private fun account(expected: JSONObject, store: StoreConfig) = OfficialAccount(
        OfficialAccountConfig(
            appId = expected.getString("app_id"),
            secret = Secret(expected.getString("secret")),
            http = HttpOptions(
                timeoutMs = 1_000L,
                apiBaseUri = "http://127.0.0.1:9",
                retry = RetryPolicy(maxRetries = 0L, delayMs = 10L),
            ),
            tokens = TokenOptions(keyPrefix = expected.getString("key_prefix")),
            store = store,
        ),
        null,
    )

    @Test
    fun `a token Python wrote to the file store is read from Kotlin`() {
        val expected = expected()
        val token = account(expected, StoreConfig.File(expected.getString("file_dir"))).use { it.accessToken() }
        assertEquals(expected.getString("file_token"), token.value)
        assertTrue(token.expiresAt > System.currentTimeMillis() / 1000)
    }

    @Test
    fun `a token Python wrote to Redis is read from Kotlin`() {
        val expected = expected()
        val url = expected.getString("redis_url")
        try {
            Redis(url).use { it.command("PING") }
        } catch (e: java.io.IOException) {
            Services.missing(
                "the Redis named in expected.json ($url) is not reachable ($e): the Python suite seeded it " +
                    "under another services session (scripts/test.sh starts one Redis for all suites)",
            )
        }
        val token = account(expected, StoreConfig.Redis(url)).use { it.accessToken() }
        assertEquals(expected.getString("redis_token"), token.value)
        assertTrue(token.expiresAt > System.currentTimeMillis() / 1000)
    }
}
