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
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * Redis and file stores shared by several clients (as by several processes): one fetch for
 * all of them, values where the key schema says, and clear errors when the store is down.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedStoresTest : WithSim() {
    @Test
    fun `two clients on one Redis fetch once, and the token is stored as documented`() {
        val url = Services.redisUrl()
        val prefix = Services.uniquePrefix("redis")
        val a = OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.Redis(url)), null)
        val b = OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.Redis(url)), null)
        a.use { b.use {
            val token = a.accessToken()
            assertEquals(token, b.accessToken())
            assertEquals(1, sim.calls("/cgi-bin/token"))

            Redis(url).use { redis ->
                val key = Services.key(prefix, "access_token")
                val stored = JSONObject(redis.command("GET", key) ?: throw AssertionError("nothing at $key"))
                assertEquals(token.value, stored.getString("value"))
                assertEquals(token.expiresAt, stored.getLong("expires_at"))
                assertEquals(token.issuedAt, stored.getLong("issued_at"))
                val pttl = redis.command("PTTL", key)!!.toLong()
                assertTrue(pttl in 7_000_000L..7_200_000L, "PTTL $pttl")
                assertEquals(null, redis.command("GET", Services.lockKey(prefix, "access_token")), "the lock is released")
            }
        } }
    }

    @Test
    fun `coroutines on two clients sharing Redis cause one fetch`() = runBlocking {
        val url = Services.redisUrl()
        val prefix = Services.uniquePrefix("redisconc")
        sim.fault("/cgi-bin/token", "times" to 1, "delay_ms" to 300)
        val clients = List(2) { OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.Redis(url)), null) }
        try {
            val tokens = withContext(Dispatchers.Default) {
                coroutineScope { List(40) { i -> async { clients[i % 2].accessTokenAsync() } }.awaitAll() }
            }
            assertEquals(1, tokens.toSet().size)
            assertEquals(1, sim.calls("/cgi-bin/token"), "the Redis lock made the two clients share one fetch")
        } finally {
            clients.forEach { it.close() }
        }
    }

    @Test
    fun `a token error refreshes once for every client sharing Redis`() {
        val url = Services.redisUrl()
        val prefix = Services.uniquePrefix("redisrevoke")
        val a = OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.Redis(url)), null)
        val b = OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.Redis(url)), null)
        a.use { b.use {
            val old = a.accessToken()
            sim.revoke()
            a.get("/cgi-bin/get_api_domain_ip", emptyMap())
            // b still held nothing in memory: it reads the refreshed token from Redis, and its
            // own call succeeds without another fetch.
            b.get("/cgi-bin/get_api_domain_ip", emptyMap())
            assertEquals(2, sim.calls("/cgi-bin/token"))
            assertEquals(3, sim.calls("/cgi-bin/get_api_domain_ip"), "a: refused + retried; b: once")
            assertEquals(a.accessToken(), b.accessToken())
            assertNotEquals(old.value, b.accessToken().value)
        } }
    }

    @Test
    fun `Redis down is a Store error, without the password, and nothing is fetched`() {
        val password = "redis-pass-93kq"
        val url = "redis://:$password@127.0.0.1:${Services.deadPort()}/0"
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix("down"), store = StoreConfig.Redis(url)), null).use { account ->
            val e = assertThrows(WeixinkitException.Store::class.java) { account.accessToken() }
            assertEquals(-50010, e.code)
            assertEquals("store", e.kind)
            assertFalse(password in e.reason, "the Redis password leaked into: ${e.reason}")
            val async = runCatching { runBlocking { account.getAsync("/cgi-bin/x", emptyMap()) } }.exceptionOrNull()
            assertTrue(async is WeixinkitException.Store, "suspend form: $async")
            assertEquals(0, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `two clients on one file store fetch once, and the file follows the documented layout`(@TempDir dir: File) {
        val prefix = Services.uniquePrefix("file")
        sim.fault("/cgi-bin/token", "times" to 1, "delay_ms" to 300)
        val clients = List(2) { OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.File(dir.path)), null) }
        try {
            val tokens = runBlocking {
                withContext(Dispatchers.Default) {
                    coroutineScope { List(20) { i -> async { clients[i % 2].accessTokenAsync() } }.awaitAll() }
                }
            }
            assertEquals(1, tokens.toSet().size)
            assertEquals(1, sim.calls("/cgi-bin/token"), "the flock made the two clients share one fetch")

            val token = tokens[0]
            val file = File(dir, Services.key(prefix, "access_token"))
            assertTrue(file.isFile, "no file named like the key in ${dir.list()?.toList()}")
            val (header, value) = file.readText().split("\n", limit = 2)
            val expiresMs = header.toLong()
            assertTrue(expiresMs > System.currentTimeMillis() + 7_000_000L, "expiry header $header")
            val stored = JSONObject(value)
            assertEquals(token.value, stored.getString("value"))
            assertEquals(token.expiresAt, stored.getLong("expires_at"))
            assertTrue(File(dir, "locks").isDirectory)
        } finally {
            clients.forEach { it.close() }
        }
    }

    @Test
    fun `an entry written by hand in the file store layout is read back`(@TempDir dir: File) {
        val prefix = Services.uniquePrefix("filehand")
        val now = System.currentTimeMillis() / 1000
        val json = JSONObject().put("value", "WRITTEN_BY_HAND").put("expires_at", now + 3600).put("issued_at", now)
        File(dir, Services.key(prefix, "access_token")).writeText("${(now + 3600) * 1000}\n$json")
        OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.File(dir.path)), null).use { account ->
            assertEquals("WRITTEN_BY_HAND", account.accessToken().value)
            assertEquals(0, sim.calls("/cgi-bin/token"))
        }
    }
}
