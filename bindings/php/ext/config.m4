dnl ext-weixinkit: the weixinkit Rust core (src/ffi/capi.rs, header bindings/php/weixinkit.h)
dnl linked statically into one PHP extension.
dnl
dnl   phpize && ./configure --with-weixinkit=DIR && make
dnl
dnl DIR is an install prefix (DIR/include/weixinkit.h, DIR/lib/libweixinkit.a), a cargo profile
dnl directory (target/debug, target/release) or a cargo target directory (target: release is
dnl preferred to debug). Without an installed header, include/weixinkit.h beside these sources
dnl (build.sh copies it there) or the repository's ../weixinkit.h is used.

PHP_ARG_WITH([weixinkit],
  [for weixinkit support],
  [AS_HELP_STRING([--with-weixinkit=DIR],
    [weixinkit: an install prefix, or a cargo target (or target/release) directory holding libweixinkit.a])])

if test "$PHP_WEIXINKIT" != "no"; then
  dnl First: it sets $ext_srcdir, used below.
  PHP_NEW_EXTENSION(weixinkit, weixinkit.c, $ext_shared)

  if test "$PHP_WEIXINKIT" = "yes"; then
    dnl The repository layout: bindings/php/ext -> <repo>/target
    PHP_WEIXINKIT="$ext_srcdir/../../../target"
  fi

  AC_MSG_CHECKING([for libweixinkit.a])
  WEIXINKIT_ARCHIVE=""
  for dir in "$PHP_WEIXINKIT/lib" "$PHP_WEIXINKIT" "$PHP_WEIXINKIT/release" "$PHP_WEIXINKIT/debug"; do
    if test -f "$dir/libweixinkit.a"; then
      WEIXINKIT_ARCHIVE="$dir/libweixinkit.a"
      break
    fi
  done
  if test -z "$WEIXINKIT_ARCHIVE"; then
    AC_MSG_RESULT([not found])
    AC_MSG_ERROR([libweixinkit.a not found under $PHP_WEIXINKIT: build it with `cargo build --release` (crate-type staticlib)])
  fi
  AC_MSG_RESULT([$WEIXINKIT_ARCHIVE])

  AC_MSG_CHECKING([for weixinkit.h])
  if test -f "$PHP_WEIXINKIT/include/weixinkit.h"; then
    WEIXINKIT_INCLUDE="$PHP_WEIXINKIT/include"
  elif test -f "$ext_srcdir/include/weixinkit.h"; then
    dnl an out-of-tree build (build.sh) copies it there
    WEIXINKIT_INCLUDE="$ext_srcdir/include"
  elif test -f "$ext_srcdir/../weixinkit.h"; then
    WEIXINKIT_INCLUDE="$ext_srcdir/.."
  else
    AC_MSG_RESULT([not found])
    AC_MSG_ERROR([weixinkit.h not found in $PHP_WEIXINKIT/include nor in $ext_srcdir/..])
  fi
  AC_MSG_RESULT([$WEIXINKIT_INCLUDE/weixinkit.h])
  PHP_ADD_INCLUDE([$WEIXINKIT_INCLUDE])

  dnl The archive, then what the Rust standard library needs from the system. --exclude-libs
  dnl keeps the archive's symbols (wxk_*, Rust's) out of the extension's dynamic symbol table,
  dnl so that a libweixinkit.so loaded by FFI in the same process never binds to them.
  WEIXINKIT_SHARED_LIBADD="$WEIXINKIT_ARCHIVE -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -Wl,--exclude-libs,ALL -Wl,--gc-sections"
  PHP_SUBST(WEIXINKIT_SHARED_LIBADD)
  AC_DEFINE(HAVE_WEIXINKIT, 1, [Whether weixinkit is available])
fi
