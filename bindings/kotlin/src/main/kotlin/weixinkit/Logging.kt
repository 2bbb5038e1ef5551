// The core's records (token refreshes, refresh-lock waits, retries, lifecycle steps; never a
// secret or token) to SLF4J: off until enableLogging() is called.
@file:JvmName("WeixinkitLogging")

package weixinkit

import org.slf4j.Logger
import org.slf4j.LoggerFactory
import java.util.concurrent.ConcurrentHashMap

/**
 * Send the core's records at [level] (`error`, `warn`, `info`, `debug`, `trace`) or above to
 * SLF4J, replacing any previous sink. A record of target `weixinkit::token` goes to the logger
 * `weixinkit.token` as `message key=value …` (store key, kind, app ids, errcodes, attempts and
 * the fields of its spans). [loggers] picks the logger for a name (SLF4J's LoggerFactory by
 * default). Records are logged on the thread that emitted them, often one of weixinkit's
 * worker threads.
 *
 * @throws WeixinkitException.InvalidInput for an unknown level
 */
@JvmOverloads
fun enableLogging(level: String = "debug", loggers: (String) -> Logger = LoggerFactory::getLogger) {
    setLogSink(Slf4jLogSink(loggers), level)
}

/** Stop sending the core's records to SLF4J (the default). */
fun disableLogging() = clearLogSink()

/** A [LogSink] forwarding to SLF4J loggers named after each record's target. */
class Slf4jLogSink(private val loggers: (String) -> Logger) : LogSink {
    private val byTarget = ConcurrentHashMap<String, Logger>()

    override fun log(record: LogRecord) {
        try {
            val logger = byTarget.computeIfAbsent(record.target) { loggers(it.replace("::", ".")) }
            val enabled = when (record.level) {
                "error" -> logger.isErrorEnabled
                "warn" -> logger.isWarnEnabled
                "info" -> logger.isInfoEnabled
                "debug" -> logger.isDebugEnabled
                else -> logger.isTraceEnabled
            }
            if (!enabled) return
            val line = buildString {
                append(record.message)
                for (field in record.fields) append(' ').append(field.name).append('=').append(field.value)
            }
            when (record.level) {
                "error" -> logger.error(line)
                "warn" -> logger.warn(line)
                "info" -> logger.info(line)
                "debug" -> logger.debug(line)
                else -> logger.trace(line)
            }
        } catch (_: Throwable) {
            // A failing logger must not fail the work that logged.
        }
    }
}
