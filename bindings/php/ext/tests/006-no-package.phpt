--TEST--
Without the PHP package, failures are RuntimeExceptions with the library's code
--EXTENSIONS--
weixinkit
--FILE--
<?php
try {
    Weixinkit\Ext\Crypto::create('t', 'short', 'wx');
} catch (RuntimeException $e) {
    echo get_class($e), ' ', $e->getCode(), ' ', $e->getMessage() !== '' ? 'message' : 'no message', "\n";
}
try {
    Weixinkit\Ext\parse_message("\xff");
} catch (RuntimeException $e) {
    echo get_class($e), ' ', $e->getCode(), "\n";
}
?>
--EXPECT--
RuntimeException -40004 message
RuntimeException -40002
