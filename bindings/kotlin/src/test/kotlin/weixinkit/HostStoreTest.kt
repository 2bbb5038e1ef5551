package weixinkit

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.concurrent.TimeUnit

/** A store written in Kotlin ([MapHostStore]) behind the token manager. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostStoreTest : WithSim() {
    private fun assertStoredToken(json: String?, token: Token) {
        assertNotNull(json, "nothing stored")
        val stored = JSONObject(json)
        assertEquals(setOf("value", "expires_at", "issued_at"), stored.keySet())
        assertEquals(token.value, stored.getString("value"))
        assertEquals(token.expiresAt, stored.getLong("expires_at"))
        assertEquals(token.issuedAt, stored.getLong("issued_at"))
    }

    @Test
    fun `tokens land under the documented keys, with a TTL, and the lock is released`() {
        val store = MapHostStore()
        val prefix = Services.uniquePrefix("host")
        // config.store says Memory: the host store overrides it.
        OfficialAccount(Services.config(sim.baseUrl, prefix, store = StoreConfig.Memory), store).use { account ->
            val token = account.accessToken()
            val key = Services.key(prefix, "access_token")
            assertStoredToken(store.raw(key), token)
            val ttl = store.sets.getValue(key)
            assertTrue(ttl in 7_190_000L..7_200_000L, "TTL of the stored token: $ttl ms")
            assertEquals(setOf(Services.lockKey(prefix, "access_token")), store.lockKeys)
            assertEquals(emptySet<String>(), store.heldLocks(), "the refresh lock is released")

            val ticket = account.jsapiTicket()
            assertStoredToken(store.raw(Services.key(prefix, "jsapi_ticket")), ticket)
            assertTrue(Services.lockKey(prefix, "jsapi_ticket") in store.lockKeys)
            assertEquals(setOf(Services.key(prefix, "access_token"), Services.key(prefix, "jsapi_ticket")), store.sets.keys)
            assertEquals(1, sim.calls("/cgi-bin/token"))
        }
    }

    @Test
    fun `the stable token has its own key`() {
        val store = MapHostStore()
        val prefix = Services.uniquePrefix("hoststable")
        OfficialAccount(Services.config(sim.baseUrl, prefix, tokenEndpoint = TokenEndpoint.STABLE), store).use { account ->
            val token = account.accessToken()
            assertStoredToken(store.raw(Services.key(prefix, "stable_access_token")), token)
            assertEquals(null, store.raw(Services.key(prefix, "access_token")))
        }
    }

    @Test
    fun `a token already in the host store is used without any fetch`() {
        val store = MapHostStore()
        val prefix = Services.uniquePrefix("seeded")
        val now = System.currentTimeMillis() / 1000
        val seeded = JSONObject().put("value", "SEEDED_BY_KOTLIN").put("expires_at", now + 3600).put("issued_at", now)
        store.set(Services.key(prefix, "access_token"), seeded.toString(), null)
        OfficialAccount(Services.config(sim.baseUrl, prefix), store).use { account ->
            assertEquals(Token("SEEDED_BY_KOTLIN", now + 3600, now), account.accessToken())
            assertEquals(0, sim.calls("/cgi-bin/token"))
            assertEquals(0, store.locksTaken.get())
        }
    }

    @Test
    fun `concurrent callers on a host store fetch once`() = runBlocking {
        sim.fault("/cgi-bin/token", "times" to 1, "delay_ms" to 300)
        val store = MapHostStore()
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix("hostconc")), store).use { account ->
            val tokens = withContext(Dispatchers.Default) {
                coroutineScope { List(20) { async { account.accessTokenAsync() } }.awaitAll() }
            }
            assertEquals(1, tokens.toSet().size)
            assertEquals(1, sim.calls("/cgi-bin/token"))
            assertEquals(1, store.locksTaken.get(), "one refresh lock taken")
        }
    }

    @Test
    fun `a lock left by a dead holder is taken once it expires`() {
        val store = MapHostStore()
        val prefix = Services.uniquePrefix("deadlock")
        assertNotNull(store.tryLock(Services.lockKey(prefix, "access_token"), 300L), "the dead holder's lock")
        OfficialAccount(Services.config(sim.baseUrl, prefix, lockWaitMs = 10_000L), store).use { account ->
            val token = account.accessToken()
            assertStoredToken(store.raw(Services.key(prefix, "access_token")), token)
            assertEquals(1, sim.calls("/cgi-bin/token"))
            assertEquals(2, store.locksTaken.get(), "the dead holder's, then ours")
        }
    }

    @Test
    fun `a lock held past lock_wait_ms is TokenUnavailable, with no fetch`() {
        val store = MapHostStore()
        val prefix = Services.uniquePrefix("heldlock")
        assertNotNull(store.tryLock(Services.lockKey(prefix, "access_token"), 60_000L))
        OfficialAccount(Services.config(sim.baseUrl, prefix, lockWaitMs = 200L), store).use { account ->
            val e = assertThrows(WeixinkitException.TokenUnavailable::class.java) { account.accessToken() }
            assertEquals(-50030, e.code)
            assertEquals("token_unavailable", e.kind)
            assertEquals(0, sim.calls("/cgi-bin/token"))
        }
    }

    /** A host store whose cache is down. */
    private class FailingStore(private val failure: () -> Exception) : HostStore {
        override fun get(key: String): String? = throw failure()
        override fun set(key: String, value: String, ttlMs: Long?) = throw failure()
        override fun delete(key: String) = throw failure()
        override fun tryLock(lockKey: String, ttlMs: Long): String? = throw failure()
        override fun unlock(lockKey: String, fence: String) = throw failure()
    }

    @Test
    fun `a HostStore that throws Store surfaces as WeixinkitException Store`() {
        val store = FailingStore { WeixinkitException.Store(-50010, "memcached at cache-7 is down") }
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix("failing")), store).use { account ->
            val e = assertThrows(WeixinkitException.Store::class.java) { account.accessToken() }
            assertEquals(-50010, e.code)
            assertEquals("store", e.kind)
            assertTrue("memcached at cache-7 is down" in e.reason, e.reason)
            val async = runCatching { runBlocking { account.accessTokenAsync() } }.exceptionOrNull()
            assertTrue(async is WeixinkitException.Store, "suspend form: $async")
            assertEquals(0, sim.calls("/cgi-bin/token"), "no fetch without a working store")
        }
    }

    @Test
    fun `a HostStore that throws anything else is a Store error too`() {
        val store = FailingStore { IllegalStateException("cache client closed") }
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix("failing2")), store).use { account ->
            val e = assertThrows(WeixinkitException.Store::class.java) { account.get("/cgi-bin/x", emptyMap()) }
            assertEquals(-50010, e.code)
            assertTrue("cache client closed" in e.reason, e.reason)
            assertEquals(0, sim.calls("/cgi-bin/token"))
            assertEquals(0, sim.calls("/cgi-bin/x"))
        }
    }

    @Test
    fun `a store that fails only on write still fails the call as Store`() {
        val inner = MapHostStore()
        val store = object : HostStore by inner {
            override fun set(key: String, value: String, ttlMs: Long?) =
                throw WeixinkitException.Store(-50010, "read-only replica")
        }
        OfficialAccount(Services.config(sim.baseUrl, Services.uniquePrefix("rofail")), store).use { account ->
            val e = assertThrows(WeixinkitException.Store::class.java) { account.accessToken() }
            assertTrue("read-only replica" in e.reason, e.reason)
            assertEquals(emptySet<String>(), inner.heldLocks(), "the lock is released after the failed write")
        }
    }
}
