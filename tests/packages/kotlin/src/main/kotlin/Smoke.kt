// Smoke test of the published jar (scripts/install-test.sh): resolved from a local Maven
// repository, run in a fresh JVM with no jna.library.path, so the native library can only
// come from the jar's linux-x86-64/ folder.
//
//   java -cp … SmokeKt PUSH_PROPERTIES SIM_URL EXPECTED_VERSION TOKEN_OUT

import java.io.File
import java.util.Properties
import weixinkit.HttpOptions
import weixinkit.MessageCrypto
import weixinkit.OfficialAccount
import weixinkit.OfficialAccountConfig
import weixinkit.Secret
import weixinkit.StoreConfig
import weixinkit.VERSION
import weixinkit.field

fun main(args: Array<String>) {
    val (pushFile, simUrl, expectedVersion, tokenOut) = args
    check(VERSION == expectedVersion) { "weixinkit.VERSION is $VERSION, expected $expectedVersion" }
    check(System.getProperty("jna.library.path") == null) { "jna.library.path is set" }

    val p = Properties().apply { File(pushFile).reader(Charsets.UTF_8).use { load(it) } }
    fun v(key: String): String = p.getProperty(key) ?: error("$pushFile has no $key")

    // The JNI path (MessageCrypto) and the JNA path (OfficialAccount) both load the library.
    MessageCrypto(v("token"), v("encoding_aes_key"), v("app_id")).use { crypto ->
        val plain = crypto.decryptBody(v("msg_signature"), v("timestamp"), v("nonce"), v("push_xml"))
        check(plain == v("plain_xml")) { "decrypted body differs from the vector's plain_xml" }
        val message = crypto.decryptMessage(v("msg_signature"), v("timestamp"), v("nonce"), v("push_xml"))
        check(message.field("InfoType") == "component_verify_ticket") { "InfoType: ${message.field("InfoType")}" }
    }

    val library = com.sun.jna.NativeLibrary.getInstance("weixinkit").file
    // JNA names what it unpacks from the classpath jna<digits>.so in its temporary directory.
    check(library.name.startsWith("jna")) { "library loaded from $library, not unpacked from the jar" }

    val config = OfficialAccountConfig(
        appId = "wxoa00000000000001",
        secret = Secret("oa-secret"),
        store = StoreConfig.Memory,
        http = HttpOptions(apiBaseUri = simUrl),
    )
    OfficialAccount(config, null).use { account ->
        val token = account.accessToken()
        check(token.value.isNotEmpty()) { "empty access token" }
        File(tokenOut).writeText(token.value)
    }
    println("kotlin: weixinkit $VERSION, library unpacked from the jar: push decrypted, token fetched")
}
