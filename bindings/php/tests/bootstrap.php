<?php

declare(strict_types=1);

require dirname(__DIR__) . '/src/autoload.php';
require __DIR__ . '/support.php';

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
