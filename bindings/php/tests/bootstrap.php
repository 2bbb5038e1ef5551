<?php

declare(strict_types=1);

require dirname(__DIR__) . '/src/autoload.php';
require __DIR__ . '/support.php';

// The PSR-7 and PSR-16 tests' dependencies, loaded here only: the package itself never loads
// them. Debian's php-psr-http-message, php-psr-http-factory, php-nyholm-psr7,
// php-psr-simple-cache, php-symfony-cache and php-psr-log (test.sh installs them), else a Composer install
// of the package's require-dev.
$debian = is_file('/usr/share/php/Nyholm/Psr7/autoload.php')
    && is_file('/usr/share/php/Symfony/Component/Cache/autoload.php');
if ($debian) {
    require_once '/usr/share/php/Psr/Http/Message/autoload.php';
    require_once '/usr/share/php/Psr/Http/Message/factory-autoload.php';
    require_once '/usr/share/php/Nyholm/Psr7/autoload.php';
    require_once '/usr/share/php/Psr/SimpleCache/autoload.php';
    require_once '/usr/share/php/Psr/Log/autoload.php';
    require_once '/usr/share/php/Symfony/Component/Cache/autoload.php';
} elseif (is_file(dirname(__DIR__) . '/vendor/autoload.php')) {
    require_once dirname(__DIR__) . '/vendor/autoload.php';
}

/** The shared vectors directory: WEIXINKIT_VECTORS, else <repo>/../shared/vectors. */
function weixinkit_vectors_dir(): string
{
    $dir = getenv('WEIXINKIT_VECTORS');
    if ($dir === false || $dir === '') {
        $dir = dirname(__DIR__, 3) . '/../shared/vectors';
    }
    return $dir;
}

/** @return mixed the decoded vector file */
function weixinkit_vectors(string $name)
{
    $path = weixinkit_vectors_dir() . '/' . $name;
    $text = @file_get_contents($path);
    if ($text === false) {
        throw new RuntimeException("cannot read {$path} (set WEIXINKIT_VECTORS)");
    }
    return json_decode($text, true, 64, JSON_THROW_ON_ERROR);
}
