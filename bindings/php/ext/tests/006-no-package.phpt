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
// The message objects are the package's class: without it, a clear error.
try {
    Weixinkit\Ext\parse_message_object('<xml><InfoType>x</InfoType></xml>');
} catch (RuntimeException $e) {
    echo get_class($e), ' ', $e->getCode(), ' ', $e->getMessage(), "\n";
}
?>
--EXPECT--
RuntimeException -40004 message
RuntimeException -40002
RuntimeException -50099 Weixinkit\Message is not loaded: the message methods need the PHP package
