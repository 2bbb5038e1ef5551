//! C ABI for PHP (see bindings/php).
