/*
 * ext-weixinkit: the weixinkit Rust core as a PHP extension (no FFI).
 *
 * The C ABI is bindings/php/weixinkit.h (generated from src/ffi/capi.rs); the PHP package in
 * bindings/php/src uses this extension when it is loaded and PHP's FFI otherwise.
 */
#ifndef PHP_WEIXINKIT_H
#define PHP_WEIXINKIT_H

extern zend_module_entry weixinkit_module_entry;
#define phpext_weixinkit_ptr &weixinkit_module_entry

#define PHP_WEIXINKIT_VERSION "0.1.0"

#if defined(ZTS) && defined(COMPILE_DL_WEIXINKIT)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

#endif /* PHP_WEIXINKIT_H */
