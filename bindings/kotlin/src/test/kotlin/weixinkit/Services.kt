package weixinkit

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Assumptions.assumeTrue
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The real parts the token tests talk to: the local WeChat server (`WEIXINKIT_SIM_BIN`) and
 * Redis (`WEIXINKIT_REDIS_URL`), both set up by scripts/services.sh (bindings/kotlin/test.sh
 * sources it). With `WEIXINKIT_REQUIRE_SERVICES=1` a missing one fails the test; otherwise the
 * test is skipped with the reason.
 */
object Services {
    const val APP_ID = "wxoa00000000000001"
    const val SECRET = "oa-secret"

    val required: Boolean get() = System.getenv("WEIXINKIT_REQUIRE_SERVICES") == "1"

    /** Fail (services required) or skip (not required) with `why`. Never returns. */
    fun missing(why: String): Nothing {
        if (required) fail<Unit>("$why (WEIXINKIT_REQUIRE_SERVICES=1)")
        assumeTrue(false, "$why; skipped (run bindings/kotlin/test.sh, or set it up with scripts/services.sh)")
        error("unreachable")
    }

    fun simBin(): File {
        val path = System.getenv("WEIXINKIT_SIM_BIN")?.takeIf { it.isNotBlank() }
            ?: missing("WEIXINKIT_SIM_BIN is not set")
        val bin = File(path)
        if (!bin.canExecute()) missing("WEIXINKIT_SIM_BIN=$path is not an executable file")
        return bin
    }

    /** `WEIXINKIT_REDIS_URL`, checked with a PING. */
    fun redisUrl(): String {
        val url = System.getenv("WEIXINKIT_REDIS_URL")?.takeIf { it.isNotBlank() }
            ?: missing("WEIXINKIT_REDIS_URL is not set")
        try {
            val reply = Redis(url).use { it.command("PING") }
            if (reply != "PONG") missing("Redis at $url answered PING with $reply")
        } catch (e: java.io.IOException) {
            missing("Redis at $url is not reachable: $e")
        }
        return url
    }

    /** A key prefix no other test uses (letters, digits, '-' as the key schema allows). */
    fun uniquePrefix(tag: String): String = "kt-$tag-" + UUID.randomUUID().toString().take(8)

    /** A loopback port nothing listens on (bound, then released). */
    fun deadPort(): Int = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }

    /** A client configuration for the default sim account, pointed at `baseUri`. */
    fun config(
        baseUri: String,
        prefix: String,
        store: StoreConfig = StoreConfig.Memory,
        secret: String = SECRET,
        maxRetries: Long = 2L,
        lockWaitMs: Long? = null,
        tokenEndpoint: TokenEndpoint? = null,
    ) = OfficialAccountConfig(
        appId = APP_ID,
        secret = Secret(secret),
        tokenEndpoint = tokenEndpoint,
        http = HttpOptions(
            timeoutMs = 5_000L,
            apiBaseUri = baseUri,
            retry = RetryPolicy(maxRetries = maxRetries, delayMs = 10L, deadlineMs = 10_000L),
        ),
        tokens = TokenOptions(keyPrefix = prefix, lockWaitMs = lockWaitMs),
        store = store,
    )

    /** `{prefix}:{kind}:{owner}:{subject}` for the default account. */
    fun key(prefix: String, kind: String) = "$prefix:$kind:$APP_ID:$APP_ID"
    fun lockKey(prefix: String, kind: String) = "$prefix:lock:$kind:$APP_ID:$APP_ID"
}

/**
 * One `wechat-sim --port 0` process: started from `WEIXINKIT_SIM_BIN`, its port read from the
 * first stdout line, stopped by [close]. The control API (`/_sim/…`) through java.net.http.
 */
class Sim private constructor(private val process: Process, val baseUrl: String, private val log: File) : AutoCloseable {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    companion object {
        fun start(): Sim {
            val bin = Services.simBin()
            val log = File("target/sim-logs").apply { mkdirs() }.let { File.createTempFile("wechat-sim-", ".log", it) }
            val process = ProcessBuilder(bin.path, "--port", "0")
                .redirectError(ProcessBuilder.Redirect.appendTo(log))
                .start()
            // Read the first line off the caller's thread, so a silent process cannot hang the suite.
            val reader = Executors.newSingleThreadExecutor()
            val first = try {
                reader.submit<String?> { BufferedReader(InputStreamReader(process.inputStream)).readLine() }
                    .get(20, TimeUnit.SECONDS)
            } catch (e: Exception) {
                process.destroyForcibly()
                throw AssertionError("wechat-sim did not announce its port (log: $log)", e)
            } finally {
                reader.shutdownNow()
            }
            val match = Regex("^listening on (http://127\\.0\\.0\\.1:\\d+)$").find(first.orEmpty())
            if (match == null) {
                process.destroyForcibly()
                throw AssertionError("wechat-sim's first line is \"$first\", not \"listening on http://127.0.0.1:PORT\" (log: $log)")
            }
            return Sim(process, match.groupValues[1], log)
        }
    }

    private fun send(method: String, path: String, body: String?): JSONObject {
        val request = HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() == 200) { "$method $path → ${response.statusCode()} ${response.body()}" }
        return JSONObject(response.body())
    }

    fun get(path: String): JSONObject = send("GET", path, null)
    fun post(path: String, body: JSONObject = JSONObject()): JSONObject = send("POST", path, body.toString())

    /** How many requests `path` received since the last reset (0 when never called). */
    fun calls(path: String): Int = get("/_sim/stats").getJSONObject("calls").optInt(path, 0)

    fun reset() { post("/_sim/reset") }

    /** Queue a fault: `fault("/cgi-bin/token", "errcode" to 45009, "times" to 2)`. */
    fun fault(path: String, vararg fields: Pair<String, Any>) {
        val body = JSONObject().put("path", path)
        fields.forEach { (k, v) -> body.put(k, v) }
        post("/_sim/faults", body)
    }

    fun expire(appId: String = Services.APP_ID) { post("/_sim/expire", JSONObject().put("appid", appId)) }
    fun revoke(appId: String = Services.APP_ID) { post("/_sim/revoke", JSONObject().put("appid", appId)) }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        if (log.length() == 0L) log.delete() // keep only logs with something in them
    }
}

/**
 * Just enough of a Redis client (RESP over a socket) to check what weixinkit wrote, with no
 * test dependency: `Redis(url).use { it.command("GET", key) }`.
 */
class Redis(url: String) : AutoCloseable {
    private val socket: Socket
    private val input: java.io.BufferedInputStream
    private val output: java.io.OutputStream

    init {
        val uri = URI.create(url)
        socket = Socket()
        socket.connect(InetSocketAddress(uri.host, if (uri.port > 0) uri.port else 6379), 2_000)
        socket.soTimeout = 5_000
        input = socket.getInputStream().buffered()
        output = socket.getOutputStream()
        val db = uri.path?.trim('/')?.takeIf { it.isNotEmpty() }
        if (db != null && db != "0") command("SELECT", db)
    }

    /** Send one command; a bulk/simple string, an integer as text, or null. */
    fun command(vararg args: String): String? {
        val out = StringBuilder("*${args.size}\r\n")
        for (a in args) out.append("$${a.toByteArray().size}\r\n").append(a).append("\r\n")
        output.write(out.toString().toByteArray())
        output.flush()
        val line = readLine()
        return when (line[0]) {
            '+', ':' -> line.substring(1)
            '-' -> throw java.io.IOException("Redis: ${line.substring(1)}")
            '$' -> {
                val n = line.substring(1).toInt()
                if (n < 0) null else String(input.readNBytes(n + 2), 0, n, Charsets.UTF_8)
            }
            else -> throw java.io.IOException("Redis: unexpected reply $line")
        }
    }

    private fun readLine(): String {
        val b = StringBuilder()
        while (true) {
            val c = input.read()
            if (c < 0) throw java.io.EOFException("Redis closed the connection")
            if (c == '\r'.code) { input.read(); return b.toString() }
            b.append(c.toChar())
        }
    }

    override fun close() = socket.close()
}

/**
 * A [HostStore] over two ConcurrentHashMaps, as a host application would write one over its own
 * cache: values with an optional expiry, and locks with a fence and an expiry. It records what
 * weixinkit asked of it, so tests can check the keys.
 */
class MapHostStore : HostStore {
    private class Entry(val value: String, val expiresAtMs: Long?)
    private class Lock(val fence: String, val expiresAtMs: Long)

    private val values = ConcurrentHashMap<String, Entry>()
    private val locks = ConcurrentHashMap<String, Lock>()

    /** Every key `set` was called with, and its TTL (-1 for none). */
    val sets = ConcurrentHashMap<String, Long>()
    /** Every lock key `tryLock` was called with. */
    val lockKeys: MutableSet<String> = ConcurrentHashMap.newKeySet()
    val locksTaken = AtomicInteger()

    private fun now() = System.currentTimeMillis()

    override fun get(key: String): String? =
        values[key]?.takeIf { it.expiresAtMs == null || it.expiresAtMs > now() }?.value

    override fun set(key: String, value: String, ttlMs: Long?) {
        values[key] = Entry(value, ttlMs?.let { now() + it.toLong() })
        sets[key] = ttlMs?.toLong() ?: -1
    }

    override fun delete(key: String) {
        values.remove(key)
    }

    override fun tryLock(lockKey: String, ttlMs: Long): String? {
        lockKeys += lockKey
        val fence = UUID.randomUUID().toString()
        val now = now()
        val holder = locks.compute(lockKey) { _, current ->
            if (current == null || current.expiresAtMs <= now) Lock(fence, now + ttlMs.toLong()) else current
        }
        return if (holder?.fence == fence) fence.also { locksTaken.incrementAndGet() } else null
    }

    override fun unlock(lockKey: String, fence: String) {
        locks.computeIfPresent(lockKey) { _, current -> if (current.fence == fence) null else current }
    }

    /** The raw stored value (ignoring expiry), for assertions. */
    fun raw(key: String): String? = values[key]?.value
    fun heldLocks(): Set<String> = locks.filterValues { it.expiresAtMs > now() }.keys
}

/**
 * Base of the test classes that talk to a local WeChat server: one [Sim] per class, started
 * before the first test (a missing `WEIXINKIT_SIM_BIN` skips or fails each test with the
 * reason) and reset before every test, so counters start at zero.
 */
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
abstract class WithSim {
    private var started: Sim? = null

    protected val sim: Sim get() = started ?: error("the sim is started before each test")

    @org.junit.jupiter.api.BeforeEach
    fun startOrResetSim() {
        val sim = started ?: Sim.start().also { started = it }
        sim.reset()
    }

    @org.junit.jupiter.api.AfterAll
    fun stopSim() {
        started?.close()
        started = null
    }
}
