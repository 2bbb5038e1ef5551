// Times the Kotlin binding beside WxJava's WxCryptUtil on the shared benchmark push
// (../shared/vectors/perf-push.json), in one JVM, with the same warm-up and rounds for both.
//
//   scripts/bench.sh                      (the "== Kotlin binding" section), or
//   cd bindings/kotlin && mvn -B -q -Pbench test-compile exec:exec@bench [-Dbench.args="rounds=15"]
//   (the profile builds the release library and points JNA at target/release)
//
// Cases (each checked for equal results before it is timed):
//   decrypt+parse  weixinkit MessageCrypto.decryptMessage (verify + decrypt + typed message)
//                  vs WxCryptUtil.decryptXml (verify + decrypt; it DOM-parses the envelope)
//                  followed by a DOM parse of the plaintext, as WxJava's message classes do
//   encrypt        weixinkit encryptReply vs WxCryptUtil.encrypt (encrypt + sign + envelope)
//   checkSignature weixinkit checkSignature vs WxJava's SHA1.gen + equals (a valid signature)
//
// Prints the median µs per call of each over several rounds and WxJava / weixinkit.

package weixinkit.bench

import me.chanjar.weixin.common.util.crypto.SHA1
import me.chanjar.weixin.common.util.crypto.WxCryptUtil
import org.json.JSONObject
import org.w3c.dom.Element
import org.xml.sax.InputSource
import weixinkit.Event
import weixinkit.MessageCrypto
import weixinkit.checkSignature
import java.io.File
import java.io.StringReader
import javax.xml.parsers.DocumentBuilder
import javax.xml.parsers.DocumentBuilderFactory

private class Case(val name: String, val weixinkit: () -> Any, val wxjava: () -> Any)

/** Keeps results alive so the JIT cannot drop the calls. */
@Volatile
private var sink = 0

private fun vectorsDir(): File {
    val explicit = System.getProperty("weixinkit.vectors")?.takeIf { it.isNotBlank() }
        ?: System.getenv("WEIXINKIT_VECTORS")?.takeIf { it.isNotBlank() }
    val repoRoot = System.getProperty("weixinkit.repoRoot")?.takeIf { it.isNotBlank() } ?: "../.."
    return File(explicit ?: "$repoRoot/../shared/vectors").canonicalFile
}

/** Nanoseconds per call of [fn] over [calls] calls. */
private fun time(fn: () -> Any, calls: Int): Double {
    var acc = 0
    val start = System.nanoTime()
    for (i in 0 until calls) acc += fn().hashCode()
    val elapsed = System.nanoTime() - start
    sink += acc
    return elapsed.toDouble() / calls
}

/** Calls per round so that a round of [fn] takes about [targetNs]. */
private fun calibrate(fn: () -> Any, targetNs: Double): Int {
    var calls = 100
    while (true) {
        val perCall = time(fn, calls)
        if (perCall * calls >= targetNs / 4 || calls >= 10_000_000) {
            return maxOf(100, (targetNs / perCall).toInt())
        }
        calls *= 4
    }
}

private fun median(xs: List<Double>): Double = xs.sorted().let { s ->
    if (s.size % 2 == 1) s[s.size / 2] else (s[s.size / 2 - 1] + s[s.size / 2]) / 2
}

private fun check(ok: Boolean, what: () -> String) {
    if (!ok) {
        System.err.println("bench: ${what()}")
        kotlin.system.exitProcess(1)
    }
}

fun main(args: Array<String>) {
    var rounds = 9
    var warmupSecs = 3.0
    var roundMs = 200.0
    // Options as `--rounds 15` or `rounds=15`; Maven passes -Dbench.args as one argument.
    val words = args.flatMap { it.split(' ', '=') }.filter { it.isNotBlank() }.map { it.removePrefix("--") }
    var i = 0
    while (i < words.size) {
        when (words[i]) {
            "rounds" -> rounds = words[++i].toInt()
            "warmup-secs" -> warmupSecs = words[++i].toDouble()
            "round-ms" -> roundMs = words[++i].toDouble()
            else -> error("unknown argument ${words[i]} (rounds=N, warmup-secs=S, round-ms=MS)")
        }
        i++
    }

    val p = JSONObject(File(vectorsDir(), "perf-push.json").readText(Charsets.UTF_8))
    val token = p.getString("token")
    val key = p.getString("encoding_aes_key")
    val appId = p.getString("app_id")
    val sig = p.getString("msg_signature")
    val ts = p.getString("timestamp")
    val nonce = p.getString("nonce")
    val body = p.getString("push_xml")
    val plain = p.getString("plain_xml")
    val ticket = p.getString("ticket")

    val crypto = MessageCrypto(token, key, appId)
    val wx = WxCryptUtil(token, key, appId)
    // One builder reused, as WxJava keeps one per thread.
    val dom: DocumentBuilder = DocumentBuilderFactory.newInstance().newDocumentBuilder()
    fun wxDecryptParse(): Element {
        val xml = wx.decryptXml(sig, ts, nonce, body)
        return dom.parse(InputSource(StringReader(xml))).documentElement
    }
    fun Element.text(tag: String): String = getElementsByTagName(tag).item(0).textContent

    // The same work, the same answers.
    val message = crypto.decryptMessage(sig, ts, nonce, body)
    val event = message.event
    check(event is Event.ComponentVerifyTicket && event.ticket == ticket && event.appId == appId) {
        "weixinkit did not decrypt the perf push to its ticket: $event"
    }
    check(wx.decryptXml(sig, ts, nonce, body) == plain) { "WxJava did not decrypt the perf push to plain_xml" }
    val root = wxDecryptParse()
    check(root.text("ComponentVerifyTicket") == ticket && root.text("AppId") == appId) {
        "WxJava's DOM does not hold the ticket"
    }
    val ours = crypto.encryptReply(plain, ts, nonce)
    val ourSig = Regex("<MsgSignature><!\\[CDATA\\[([0-9a-f]{40})]]>").find(ours)!!.groupValues[1]
    check(wx.decryptXml(ourSig, ts, nonce, ours) == plain) { "WxJava cannot decrypt weixinkit's reply" }
    val theirs = wx.encrypt(plain)
    val theirRoot = dom.parse(InputSource(StringReader(theirs))).documentElement
    check(
        crypto.decryptBody(
            theirRoot.text("MsgSignature"), theirRoot.text("TimeStamp"), theirRoot.text("Nonce"), theirs,
        ) == plain,
    ) { "weixinkit cannot decrypt WxJava's reply" }
    val plainSig = SHA1.gen(token, ts, nonce)
    check(checkSignature(token, plainSig, ts, nonce) && SHA1.gen(token, ts, nonce) == plainSig) {
        "the plain signatures disagree"
    }
    check(!checkSignature(token, plainSig, ts, nonce + "0")) { "weixinkit accepted a wrong signature" }

    val cases = listOf(
        Case("decrypt+parse", { crypto.decryptMessage(sig, ts, nonce, body) }, { wxDecryptParse() }),
        Case("encrypt", { crypto.encryptReply(plain, ts, nonce) }, { wx.encrypt(plain) }),
        Case("checkSignature", { checkSignature(token, plainSig, ts, nonce) }, { SHA1.gen(token, ts, nonce) == plainSig }),
    )

    // Warm-up: every function, interleaved, until the JIT has settled.
    val warmEnd = System.nanoTime() + (warmupSecs * 1e9).toLong()
    while (System.nanoTime() < warmEnd) {
        for (c in cases) {
            time(c.weixinkit, 1000)
            time(c.wxjava, 1000)
        }
    }
    val targetNs = roundMs * 1e6
    val callsOurs = cases.map { calibrate(it.weixinkit, targetNs) }
    val callsTheirs = cases.map { calibrate(it.wxjava, targetNs) }

    // Rounds interleave both sides, so a noisy moment hits both.
    val ourTimes = cases.map { mutableListOf<Double>() }
    val theirTimes = cases.map { mutableListOf<Double>() }
    repeat(rounds) {
        cases.forEachIndexed { k, c ->
            ourTimes[k] += time(c.weixinkit, callsOurs[k])
            theirTimes[k] += time(c.wxjava, callsTheirs[k])
        }
    }

    println(
        "JVM ${System.getProperty("java.vm.name")} ${System.getProperty("java.version")}, $rounds rounds of ~${roundMs.toInt()} ms after " +
            "${warmupSecs}s warm-up; input ${body.toByteArray().size}-byte POST body; median µs per call",
    )
    println(String.format("  %-16s %12s %12s %10s", "", "weixinkit", "WxJava", "WxJava/wxk"))
    cases.forEachIndexed { k, c ->
        val ours = median(ourTimes[k]) / 1000
        val theirs = median(theirTimes[k]) / 1000
        println(String.format("  %-16s %12.3f %12.3f %9.1fx", c.name, ours, theirs, theirs / ours))
    }

    // The generated JNA glue, piece by piece (what the calls above no longer pay).
    val glue = glueCases(token, ts, nonce, p.getString("encrypt"))
    for ((_, fn) in glue) time(fn, 20_000)
    val glueCalls = glue.map { calibrate(it.second, targetNs) }
    val glueTimes = glue.map { mutableListOf<Double>() }
    repeat(rounds) { glue.forEachIndexed { k, (_, fn) -> glueTimes[k] += time(fn, glueCalls[k]) } }
    println("uniffi JNA glue, for comparison (median µs per call):")
    glue.forEachIndexed { k, (name, _) ->
        println(String.format("  %-42s %9.3f", name, median(glueTimes[k]) / 1000))
    }
    if (sink == 42) println() // never true in practice; reads the sink
    crypto.close()
}
