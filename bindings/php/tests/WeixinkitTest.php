<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\InvalidAesKeyException;
use Weixinkit\InvalidBase64Exception;
use Weixinkit\InvalidBufferException;
use Weixinkit\InvalidCiphertextException;
use Weixinkit\InvalidInputException;
use Weixinkit\InvalidPaddingException;
use Weixinkit\InvalidSignatureException;
use Weixinkit\Message;
use Weixinkit\Native;
use Weixinkit\ParseException;
use Weixinkit\ReceiverIdMismatchException;
use Weixinkit\StaleTimestampException;
use Weixinkit\WeixinkitException;
use Weixinkit\Weixinkit;

/** Parsing, signatures, replies and the error envelope. */
final class WeixinkitTest extends TestCase
{
    public function testVersionIsTheCrateVersion(): void
    {
        $cargo = (string) file_get_contents(dirname(__DIR__, 3) . '/Cargo.toml');
        $this->assertSame(1, preg_match('/^version = "([^"]+)"/m', $cargo, $m));
        $this->assertSame($m[1], Weixinkit::version());
    }

    public function testTextReplyParsesBackAsATextMessage(): void
    {
        $xml = Weixinkit::textReply('openid', 'gh_1', 1700000000, '你好 ]]> <b>there</b>');
        $message = Weixinkit::parseMessage($xml);
        $this->assertSame('text', $message->type);
        $this->assertSame(
            ['to_user_name' => 'openid', 'from_user_name' => 'gh_1', 'create_time' => 1700000000],
            $message->event['header']
        );
        $this->assertSame('你好 ]]> <b>there</b>', $message->event['content']);
        $this->assertSame('你好 ]]> <b>there</b>', $message->field('Content'));
    }

    public function testImageReplyCarriesTheMediaId(): void
    {
        $xml = Weixinkit::imageReply('openid', 'gh_1', 42, 'MEDIA_ID');
        $this->assertStringContainsString('<Image><MediaId><![CDATA[MEDIA_ID]]></MediaId></Image>', $xml);
        $message = Weixinkit::parseMessage($xml);
        $this->assertSame('image', $message->type);
        $this->assertSame('MEDIA_ID', $message->field('Image/MediaId'));
    }

    public function testNewsReplyKeepsEveryArticleInOrder(): void
    {
        $xml = Weixinkit::newsReply('openid', 'gh_1', 1, [
            ['title' => 'First', 'description' => 'd1', 'pic_url' => 'https://example.com/1.png', 'url' => 'https://example.com/1'],
            ['title' => 'Second', 'url' => 'https://example.com/2'],
        ]);
        $fields = Weixinkit::parseMessage($xml)->fields;
        $this->assertSame(['2'], $fields['ArticleCount']);
        $this->assertSame(['First', 'Second'], $fields['Articles/item/Title']);
        $this->assertSame(['https://example.com/1.png', ''], $fields['Articles/item/PicUrl']);
        $this->assertSame(['https://example.com/1', 'https://example.com/2'], $fields['Articles/item/Url']);
    }

    public function testNewsReplyNeedsOneToEightArticles(): void
    {
        foreach ([0, 9] as $count) {
            try {
                Weixinkit::newsReply('o', 'g', 1, array_fill(0, $count, ['title' => 't']));
                $this->fail("accepted {$count} articles");
            } catch (InvalidInputException $e) {
                $this->assertSame(-40011, $e->getCode());
            }
        }
        $this->expectException(InvalidInputException::class);
        $this->expectExceptionCode(-40011);
        Weixinkit::newsReply('o', 'g', 1, [['title' => "\xff"]]);
    }

    public function testMsgSignatureMatchesTencentsSample(): void
    {
        $this->assertSame(
            '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
            Weixinkit::msgSignature(
                'QDG6eK',
                '1409659589',
                '263014780',
                'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=='
            )
        );
    }

    public function testDecodeAesKeyRejectsMalformedKeys(): void
    {
        $this->assertSame(32, strlen(Weixinkit::decodeAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG')));
        foreach (['abc', str_repeat('!', 43)] as $bad) {
            try {
                Weixinkit::decodeAesKey($bad);
                $this->fail("accepted {$bad}");
            } catch (InvalidAesKeyException $e) {
                $this->assertSame(-40004, $e->getCode());
            }
        }
    }

    public function testJsonMessagesParseLikeXml(): void
    {
        $message = Weixinkit::parseMessage(
            '{"ToUserName":"wx","FromUserName":"u","CreateTime":1409659813,"MsgType":"text","Content":"hello","MsgId":123}'
        );
        $this->assertSame('text', $message->type);
        $this->assertSame('hello', $message->event['content']);
        $this->assertSame('123', $message->event['msg_id']);
        $this->assertSame('1409659813', $message->field('CreateTime'));
    }

    public function testWeComAiBotCallbacksAreTypedWithEveryFieldKept(): void
    {
        $message = Weixinkit::parseMessage(
            '{"msgid":"M1","aibotid":"AIBOT","chatid":"C1","chattype":"group","from":{"userid":"zhangsan"},'
            . '"response_url":"https://example.com/r","msgtype":"text","text":{"content":"@bot hi"},"quote":{"msgtype":"text"}}'
        );
        $this->assertSame('ai_bot_message', $message->type);
        $e = $message->event;
        $this->assertSame(['M1', 'AIBOT', 'C1', 'group', 'zhangsan', 'https://example.com/r', 'text', '@bot hi'],
            [$e['msg_id'], $e['aibot_id'], $e['chat_id'], $e['chat_type'], $e['from_user_id'], $e['response_url'],
             $e['msg_type'], $e['content']]);
        $this->assertNull($e['url']);
        $this->assertNull($e['create_time']);
        $this->assertSame('text', $message->field('quote/msgtype'));
        $event = Weixinkit::parseMessage(
            '{"msgid":"M2","create_time":1700000000,"aibotid":"AIBOT","chattype":"single","from":{"userid":"u"},'
            . '"msgtype":"event","event":{"eventtype":"enter_chat"}}'
        );
        $this->assertSame('enter_chat', $event->event['event_type']);
        $this->assertSame(1700000000, $event->event['create_time']);
        $this->assertNull($event->event['chat_id']);
    }

    public function testUnknownKindsAreOtherVariantsNotErrors(): void
    {
        $message = Weixinkit::parseMessage('<xml><InfoType>something_new</InfoType><X>1</X></xml>');
        $this->assertSame('other_info', $message->type);
        $this->assertSame('something_new', $message->event['info_type']);
        $this->assertSame('1', $message->field('X'));
    }

    public function testAMalformedNumberAnOpenPlatformPushDoesNotNeedIsNullWithItsTextKept(): void
    {
        $message = Weixinkit::parseMessage(
            '<xml><AppId>c</AppId><CreateTime>soon</CreateTime><InfoType>authorized</InfoType>'
            . '<AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>'
            . '<AuthorizationCodeExpiredTime>one hour</AuthorizationCodeExpiredTime></xml>'
        );
        $this->assertSame('authorized', $message->type);
        $notice = $message->event['notice'];
        $this->assertSame('code', $notice['authorization_code']);
        $this->assertArrayHasKey('authorization_code_expired_time', $notice);
        $this->assertNull($notice['authorization_code_expired_time']);
        $this->assertNull($notice['create_time']);
        $this->assertSame('one hour', $message->field('AuthorizationCodeExpiredTime'));
        $ok = Weixinkit::parseMessage(
            '<xml><AppId>c</AppId><CreateTime>7</CreateTime><InfoType>unauthorized</InfoType>'
            . '<AuthorizerAppid>wxa</AuthorizerAppid></xml>'
        );
        $this->assertSame(7, $ok->event['create_time']);
        $this->expectException(ParseException::class);
        Weixinkit::parseMessage('<xml><InfoType>authorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid></xml>');
    }

    public function testMalformedDocumentsThrowParseException(): void
    {
        foreach (['<xml><InfoType>x</InfoType>', '{"MsgType": }', '<xml><A>1</A></xml>'] as $doc) {
            try {
                Weixinkit::parseMessage($doc);
                $this->fail("parsed {$doc}");
            } catch (ParseException $e) {
                $this->assertSame(-40002, $e->getCode());
                $this->assertSame('parse', $e->getKind());
            }
        }
        $this->expectException(ParseException::class);
        Weixinkit::parseFields('<xml><A>');
    }

    public function testParseFieldsReadsAnEnvelopeWithoutClassifyingIt(): void
    {
        $fields = Weixinkit::parseFields('<xml><ToUserName><![CDATA[ww1]]></ToUserName><AgentID>218</AgentID><Encrypt>e</Encrypt></xml>');
        ksort($fields);
        $this->assertSame(['AgentID' => ['218'], 'Encrypt' => ['e'], 'ToUserName' => ['ww1']], $fields);
    }

    public function testErrorJsonMapsEveryKindToItsExceptionClass(): void
    {
        $classes = [
            'invalid_aes_key' => [InvalidAesKeyException::class, -40004],
            'invalid_signature' => [InvalidSignatureException::class, -40001],
            'stale_timestamp' => [StaleTimestampException::class, -40001],
            'invalid_base64' => [InvalidBase64Exception::class, -40010],
            'invalid_ciphertext' => [InvalidCiphertextException::class, -40007],
            'invalid_padding' => [InvalidPaddingException::class, -40008],
            'invalid_buffer' => [InvalidBufferException::class, -40008],
            'receiver_id_mismatch' => [ReceiverIdMismatchException::class, -40005],
            'parse' => [ParseException::class, -40002],
            'invalid_input' => [InvalidInputException::class, -40006],
        ];
        foreach ($classes as $kind => [$class, $code]) {
            $json = json_encode(['kind' => $kind, 'code' => $code, 'message' => "m {$kind}"]);
            $e = Native::exception($json, $code);
            $this->assertSame($class, get_class($e));
            $this->assertInstanceOf(WeixinkitException::class, $e);
            $this->assertInstanceOf(\RuntimeException::class, $e);
            $this->assertSame($code, $e->getCode());
            $this->assertSame($kind, $e->getKind());
            $this->assertSame("m {$kind}", $e->getMessage());
        }
        $internal = Native::exception('{"kind":"internal","code":-50099,"message":"boom"}', -50099);
        $this->assertSame(\Weixinkit\InternalException::class, get_class($internal));
        $this->assertSame(-50099, $internal->getCode());
        // An API error's errmsg and endpoint, when the library sends them.
        $api = Native::exception(
            '{"kind":"api","code":45009,"message":"/cgi-bin/x failed: errcode 45009: quota","errcode":45009,"errmsg":"quota","endpoint":"/cgi-bin/x"}',
            45009
        );
        $this->assertSame(['quota', '/cgi-bin/x'], [$api->getErrmsg(), $api->getEndpoint()]);
        $this->assertNull($internal->getErrmsg());
        $this->assertSame(Native::INTERNAL, $internal->getCode());
    }

    public function testInvalidBase64AndCiphertextErrorsComeFromTheLibrary(): void
    {
        $crypto = new \Weixinkit\MessageCrypto('t', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1');
        foreach ([['!!!!', InvalidBase64Exception::class, -40010], ['AAAA', InvalidCiphertextException::class, -40007]] as [$encrypt, $class, $code]) {
            $sig = Weixinkit::msgSignature('t', '1', 'n', $encrypt);
            try {
                $crypto->decrypt($sig, '1', 'n', $encrypt);
                $this->fail("decrypted {$encrypt}");
            } catch (WeixinkitException $e) {
                $this->assertSame($class, get_class($e));
                $this->assertSame($code, $e->getCode());
            }
        }
    }

    public function testLazilyDecodedFieldsEqualTheEagerDecode(): void
    {
        $parsed = 0;
        foreach (weixinkit_vectors('pushes.json') as $v) {
            try {
                $message = Weixinkit::parseMessage($v['xml'] ?? $v['json']);
            } catch (ParseException $e) {
                continue;
            }
            $json = json_encode($message->toArray(), JSON_THROW_ON_ERROR);
            $lazy = Message::fromJson($json);
            $this->assertTrue(isset($lazy->fields), $v['id']);
            $this->assertSame($message->type, $lazy->type);
            $this->assertSame($message->event, $lazy->event);
            $this->assertSame($message->fields, $lazy->fields);
            $this->assertSame($message->fields, $lazy->fields, 'decoded once, then kept');
            $parsed++;
        }
        $this->assertGreaterThanOrEqual(8, $parsed);
    }

    public function testAnEventWithItsOwnFieldsKeyStillDecodesCorrectly(): void
    {
        $message = Message::fromJson('{"event":{"type":"x","fields":{"a":["1"]}},"fields":{"b":["2"]}}');
        $this->assertSame(['type' => 'x', 'fields' => ['a' => ['1']]], $message->event);
        $this->assertSame(['b' => ['2']], $message->fields);
        $this->assertSame('2', $message->field('b'));
    }

    public function testUnknownMessagePropertiesAreErrors(): void
    {
        $message = Weixinkit::parseMessage('<xml><InfoType>x</InfoType></xml>');
        $this->assertSame(['type' => 'other_info', 'event' => ['type' => 'other_info', 'info_type' => 'x'], 'fields' => ['InfoType' => ['x']]], $message->__debugInfo());
        $this->expectException(\Error::class);
        $message->nope;
    }
}
