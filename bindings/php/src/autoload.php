<?php

declare(strict_types=1);

// Autoloader for use without Composer: `require 'bindings/php/src/autoload.php';`.
spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Weixinkit\\', 10) !== 0) {
        return;
    }
    $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, 10)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
