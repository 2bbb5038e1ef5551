// What uniffi's generated JNA glue costs per call, piece by piece, for the report under the
// main table: the reason MessageCrypto, checkSignature and parseMessage go through JNI.
// Reaches into the generated code's internals (same Maven module), so it lives in the bench only.

package weixinkit.bench

import weixinkit.IntegrityCheckingUniffiLib
import weixinkit.RustBuffer
import weixinkit.UniffiRustCallStatus
import weixinkit.msgSignature

/** (name, function) pairs, each timed like the main cases. */
internal fun glueCases(token: String, ts: String, nonce: String, encrypt: String): List<Pair<String, () -> Any>> = listOf(
    "bare JNA call (no Structure)" to { IntegrityCheckingUniffiLib.ffi_weixinkit_uniffi_contract_version() },
    "new RustCallStatus Structure" to { UniffiRustCallStatus() },
    "RustBuffer alloc + free (2 calls)" to { RustBuffer.free(RustBuffer.alloc(16uL)) },
    "msgSignature via uniffi (4 str in, 1 out)" to { msgSignature(token, ts, nonce, encrypt) },
)
