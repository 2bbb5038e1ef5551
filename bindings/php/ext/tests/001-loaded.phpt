--TEST--
The extension registers its classes and functions
--EXTENSIONS--
weixinkit
--FILE--
<?php
var_dump(extension_loaded('weixinkit'));
var_dump(preg_match('/^\d+\.\d+\.\d+/', Weixinkit\Ext\version()) === 1);
foreach (['Weixinkit\Ext\Crypto', 'Weixinkit\Ext\Client'] as $class) {
    $r = new ReflectionClass($class);
    echo $class, ' final=', var_export($r->isFinal(), true), "\n";
}
foreach (['version', 'parse_message', 'parse_fields', 'check_signature', 'msg_signature',
          'decode_aes_key', 'text_reply', 'image_reply', 'news_reply'] as $f) {
    echo $f, ' ', var_export(function_exists("Weixinkit\\Ext\\$f"), true), "\n";
}
?>
--EXPECT--
bool(true)
bool(true)
Weixinkit\Ext\Crypto final=true
Weixinkit\Ext\Client final=true
version true
parse_message true
parse_fields true
check_signature true
msg_signature true
decode_aes_key true
text_reply true
image_reply true
news_reply true
