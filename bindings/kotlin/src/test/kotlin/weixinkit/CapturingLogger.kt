package weixinkit

import org.slf4j.Logger
import java.lang.reflect.Proxy

/**
 * An SLF4J logger named [name], every level enabled, that hands each plain message to [sink]
 * as (level, logger name, message) instead of printing it.
 */
fun capturingLogger(name: String, sink: (level: String, logger: String, message: String) -> Unit): Logger =
    Proxy.newProxyInstance(Logger::class.java.classLoader, arrayOf(Logger::class.java)) { _, method, args ->
        when {
            method.name.startsWith("is") && method.name.endsWith("Enabled") -> true
            method.name == "getName" -> name
            method.name in setOf("trace", "debug", "info", "warn", "error") && args?.size == 1 && args[0] is String -> {
                sink(method.name, name, args[0] as String)
                null
            }
            method.name == "hashCode" -> System.identityHashCode(name)
            method.name == "equals" -> false
            method.name == "toString" -> "capturing($name)"
            else -> null
        }
    } as Logger
