<?php

declare(strict_types=1);

// Prints the header for PHP's `ffi.preload`, for PHP-FPM and other servers where
// `ffi.enable=preload` (the default) forbids FFI::cdef at run time. The declarations are those
// of weixinkit.h, plus the scope name and the library path PHP needs:
//
//   WEIXINKIT_LIB=/opt/weixinkit/libweixinkit.so \
//       php bindings/php/ffi-preload-header.php > /etc/php/8.2/weixinkit-preload.h
//
//   ; php.ini (FPM)
//   ffi.enable=preload
//   ffi.preload=/etc/php/8.2/weixinkit-preload.h
//
// The classes then bind to the preloaded scope WEIXINKIT. Regenerate the file whenever the
// library is upgraded (the declarations must match it).

require __DIR__ . '/src/autoload.php';

use Weixinkit\Native;

try {
    $header = Native::cdefHeader();
} catch (\Throwable $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
echo '#define FFI_SCOPE "', Native::SCOPE, "\"\n";
echo '#define FFI_LIB "', addcslashes(Native::libraryPath(), "\"\\"), "\"\n";
echo $header;
