<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\ApiException;
use Weixinkit\InvalidInputException;
use Weixinkit\Message;
use Weixinkit\ConfigException;
use Weixinkit\MessageCrypto;
use Weixinkit\OAuthState;
use Weixinkit\OauthCodeException;
use Weixinkit\OfficialAccount;
use Weixinkit\WebsiteApp;
use Weixinkit\Weixinkit;

/**
 * Official Account web authorization, follower records, mini program login and the server
 * URL handler, against the local WeChat server (wechat-sim).
 */
final class OAuthTest extends TestCase
{
    private const APP_ID = 'wxoa00000000000001';
    private const SECRET = 'oa-secret';
    private const MINI_APP_ID = 'wxmini0000000000001';
    private const MINI_SECRET = 'mini-secret';
    private const WEB_APP_ID = 'wxweb0000000000001';
    private const WEB_SECRET = 'web-secret';
    private const STATE_KEY = 'a state key of at least 16 bytes';
    private const TOKEN = 'oatoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const TEXT = '<xml><ToUserName><![CDATA[gh_account]]></ToUserName>'
        . '<FromUserName><![CDATA[o-user-1]]></FromUserName><CreateTime>1700000000</CreateTime>'
        . '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>';

    /** @var WechatSim|null */
    private static $sim;

    public static function setUpBeforeClass(): void
    {
        self::$sim = WechatSim::start();
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$sim !== null) {
            self::$sim->stop();
            self::$sim = null;
        }
    }

    protected function setUp(): void
    {
        self::$sim->reset();
    }

    private function account(string $appId = self::APP_ID, string $secret = self::SECRET): OfficialAccount
    {
        return new OfficialAccount([
            'app_id' => $appId,
            'secret' => $secret,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'http' => ['api_base_uri' => self::$sim->baseUrl, 'retry' => ['delay_ms' => 1]],
            'store' => ['type' => 'memory'],
        ]);
    }

    /** @param array<string, mixed> $more */
    private function code(string $appId, array $more = []): array
    {
        return self::$sim->request('POST', '/_sim/oauth_code', ['appid' => $appId] + $more);
    }

    public function testWebAuthorizationFromCodeToProfile(): void
    {
        $a = $this->account();
        $this->assertSame(
            'https://open.weixin.qq.com/connect/oauth2/authorize?appid=' . self::APP_ID
            . '&redirect_uri=https%3A%2F%2Fexample.com%2Fcb&response_type=code&scope=snsapi_userinfo'
            . '&state=st1#wechat_redirect',
            $a->oauthUrl('https://example.com/cb', 'snsapi_userinfo', 'st1')
        );
        try {
            $a->oauthUrl('/relative');
            $this->fail('a relative redirect URI was accepted');
        } catch (InvalidInputException $e) {
            $this->assertSame(-50005, $e->getCode());
        }
        $code = $this->code(self::APP_ID);
        $user = $a->oauthAccessToken($code['code']);
        $this->assertSame($code['openid'], $user['openid']);
        $this->assertSame('snsapi_userinfo', $user['scope']);
        $this->assertSame(7200, $user['expires_in']);
        $this->assertFalse($user['is_snapshotuser']);
        $this->assertTrue($a->oauthCheck($user['access_token'], $user['openid']));
        $this->assertFalse($a->oauthCheck($user['access_token'], 'o-someone-else'));
        $renewed = $a->oauthRefreshToken($user['refresh_token']);
        $profile = $a->oauthUserInfo($renewed['access_token'], $renewed['openid'], 'en');
        $this->assertSame([$code['openid'], 'Sim User'], [$profile['openid'], $profile['nickname']]);
        try {
            $a->oauthRefreshToken('REFRESH_unknown');
            $this->fail('an unknown refresh token was accepted');
        } catch (ApiException $e) {
            $this->assertSame(40030, $e->getErrcode());
        }
    }

    public function testUsedExpiredAndUnknownCodesAreOauthCodeErrors(): void
    {
        $a = $this->account();
        $used = $this->code(self::APP_ID)['code'];
        $a->oauthAccessToken($used);
        $expired = $this->code(self::APP_ID, ['expired' => true])['code'];
        foreach ([[$used, 40163, 'already used'], [$expired, 42003, 'expired'], ['CODE_nope', 40029, 'invalid']] as [$code, $errcode, $words]) {
            $before = self::$sim->calls('/sns/oauth2/access_token');
            try {
                $a->oauthAccessToken($code);
                $this->fail("code $errcode was accepted");
            } catch (OauthCodeException $e) {
                $this->assertSame($errcode, $e->getErrcode());
                $this->assertSame('oauth_code', $e->getKind());
                $this->assertSame('/sns/oauth2/access_token', $e->getEndpoint());
                $this->assertStringContainsString($words, $e->getMessage());
            }
            $this->assertSame($before + 1, self::$sim->calls('/sns/oauth2/access_token'), 'never retried');
        }
    }

    public function testTheSubscribeCheck(): void
    {
        $a = $this->account();
        $follower = $this->code(self::APP_ID, ['scope' => 'snsapi_base']);
        $info = $a->userInfoByCode($follower['code']);
        $this->assertTrue($info['subscribe']);
        $this->assertSame($follower['openid'], $info['openid']);
        $visitor = $this->code(self::APP_ID, ['scope' => 'snsapi_base', 'subscribed' => false]);
        $info = $a->userInfoByCode($visitor['code']);
        $this->assertFalse($info['subscribe']);
        $this->assertSame(0, $info['subscribe_time']);
        $this->assertFalse($a->userInfo($visitor['openid'])['subscribe']);
        try {
            $a->userInfo('not-an-openid');
            $this->fail('a bad openid was accepted');
        } catch (ApiException $e) {
            $this->assertSame(40003, $e->getErrcode());
        }
    }

    public function testMiniProgramLoginWithItsOwnSecret(): void
    {
        $mini = $this->account(self::MINI_APP_ID, self::MINI_SECRET);
        $code = $this->code(self::MINI_APP_ID);
        $session = $mini->jscode2session($code['code']);
        $this->assertSame($code['openid'], $session['openid']);
        $this->assertNotSame('', $session['session_key']);
        $this->expectException(OauthCodeException::class);
        $mini->jscode2session($code['code']);
    }

    /** The text of `<$tag>` in an envelope (CDATA or not). */
    private static function element(string $xml, string $tag): string
    {
        $found = preg_match("#<$tag>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</$tag>#s", $xml, $m);
        self::assertSame(1, $found, "no <$tag> in $xml");
        return $m[1];
    }

    private static function signature(string $timestamp, string $nonce): string
    {
        $parts = [self::TOKEN, $timestamp, $nonce];
        sort($parts, SORT_STRING);
        return sha1(implode('', $parts));
    }

    public function testTheServerUrlAnswersAnEncryptedReply(): void
    {
        $a = $this->account();
        [$ts, $nonce] = ['1700000000', 'n0'];
        $get = $a->handleMessage('GET', ['signature' => self::signature($ts, $nonce), 'timestamp' => $ts, 'nonce' => $nonce, 'echostr' => 'e-1'], '');
        $this->assertSame([200, 'e-1'], [$get->status, $get->body]);

        // What WeChat sends has the same Encrypt element as a passive reply's envelope.
        $crypto = new MessageCrypto(self::TOKEN, self::AES_KEY, self::APP_ID);
        $body = $crypto->encryptReply(self::TEXT, $ts, $nonce);
        $query = [
            'signature' => self::signature($ts, $nonce), 'timestamp' => $ts, 'nonce' => $nonce,
            'encrypt_type' => 'aes', 'msg_signature' => self::element($body, 'MsgSignature'),
        ];
        $seen = 0;
        $handler = function (Message $message) use (&$seen): array {
            $seen++;
            return ['type' => 'text', 'content' => 'you said ' . $message->field('Content')];
        };
        $result = $a->handleMessage('POST', $query, $body, $handler);
        $this->assertSame(200, $result->status);
        $this->assertStringNotContainsString('you said', $result->body);
        $plain = $crypto->decryptBody(
            self::element($result->body, 'MsgSignature'),
            self::element($result->body, 'TimeStamp'),
            self::element($result->body, 'Nonce'),
            $result->body
        );
        $reply = Weixinkit::parseMessage($plain);
        $this->assertSame('you said hello', $reply->field('Content'));
        $this->assertSame('o-user-1', $reply->field('ToUserName'));

        // Forged: 403, the handler never runs. No reply: success.
        $forged = $a->handleMessage('POST', ['msg_signature' => str_repeat('0', 40)] + $query, $body, $handler);
        $this->assertSame(403, $forged->status);
        $this->assertSame(1, $seen);
        $plainQuery = ['signature' => self::signature($ts, $nonce), 'timestamp' => $ts, 'nonce' => $nonce];
        $this->assertSame('success', $a->handleMessage('POST', $plainQuery, self::TEXT, fn () => null)->body);
    }

    public function testTheServerUrlRefusesAReplayedMessageWithinTheWindow(): void
    {
        // Two workers behind one server URL, sharing Redis.
        $config = [
            'app_id' => self::APP_ID,
            'secret' => self::SECRET,
            'token' => self::TOKEN,
            'http' => ['api_base_uri' => self::$sim->baseUrl],
            'tokens' => ['key_prefix' => unique_prefix('oareplay')],
            'store' => ['type' => 'redis', 'url' => redis_url()],
            'callback' => ['replay_window_seconds' => 300],
        ];
        [$a, $b] = [new OfficialAccount($config), new OfficialAccount($config)];
        [$ts, $nonce] = [(string) time(), 'php-replay'];
        $query = ['signature' => self::signature($ts, $nonce), 'timestamp' => $ts, 'nonce' => $nonce];
        $seen = 0;
        $handler = function (Message $message) use (&$seen): array {
            $seen++;
            return ['type' => 'text', 'content' => 'you said ' . $message->field('Content')];
        };
        $first = $a->handleMessage('POST', $query, self::TEXT, $handler);
        $this->assertSame(200, $first->status, $first->body);
        $this->assertStringContainsString('you said hello', $first->body);
        foreach ([$a, $b] as $worker) {
            $again = $worker->handleMessage('POST', $query, self::TEXT, $handler);
            $this->assertSame(409, $again->status, $again->body);
            $this->assertStringContainsString('replay', $again->body);
            $this->assertNull($again->message);
        }
        $this->assertSame(1, $seen);

        // Outside the window: 403. URL verification is never recorded.
        $old = (string) (time() - 301);
        $stale = $a->handleMessage('POST', ['signature' => self::signature($old, 'php-old'), 'timestamp' => $old, 'nonce' => 'php-old'], self::TEXT);
        $this->assertSame(403, $stale->status, $stale->body);
        $this->assertStringContainsString('replay window', $stale->body);
        $check = $query + ['echostr' => 'e-1'];
        $this->assertSame([200, 200], [$a->handleMessage('GET', $check, '')->status, $b->handleMessage('GET', $check, '')->status]);

        // A handler that throws after the 200 (PHP answers 500): the message is forgotten, so
        // WeChat's retry is handled, by this worker or another.
        $failing = ['signature' => self::signature($ts, 'php-fail'), 'timestamp' => $ts, 'nonce' => 'php-fail'];
        try {
            $a->handleMessage('POST', $failing, self::TEXT, function (): void {
                throw new \RuntimeException('the database is down');
            });
            $this->fail('the handler\'s exception must propagate');
        } catch (\RuntimeException $e) {
            $this->assertSame('the database is down', $e->getMessage());
        }
        $retried = $b->handleMessage('POST', $failing, self::TEXT, $handler);
        $this->assertSame(200, $retried->status, $retried->body);
        $this->assertSame(409, $a->handleMessage('POST', $failing, self::TEXT)->status);
        // A reply that cannot be built is the same.
        $badReply = ['signature' => self::signature($ts, 'php-bad'), 'timestamp' => $ts, 'nonce' => 'php-bad'];
        try {
            $a->handleMessage('POST', $badReply, self::TEXT, fn () => ['type' => 'sticker']);
            $this->fail('an unknown reply type must raise');
        } catch (InvalidInputException $e) {
            $this->assertSame(-50005, $e->getCode());
        }
        $this->assertSame(200, $b->handleMessage('POST', $badReply, self::TEXT)->status);
        // By hand, for handling done after the call returned.
        $manual = ['signature' => self::signature($ts, 'php-manual'), 'timestamp' => $ts, 'nonce' => 'php-manual'];
        $this->assertSame(200, $a->handleMessage('POST', $manual, self::TEXT)->status);
        $b->forgetPush($manual);
        $this->assertSame(200, $a->handleMessage('POST', $manual, self::TEXT)->status);

        // Off (the default): the same push is handled every time.
        $off = $this->account();
        $this->assertSame([200, 200], [
            $off->handleMessage('POST', $query, self::TEXT)->status,
            $off->handleMessage('POST', $query, self::TEXT)->status,
        ]);
    }

    private function website(): WebsiteApp
    {
        self::$sim->request('POST', '/_sim/apps', [
            'appid' => self::WEB_APP_ID, 'secret' => self::WEB_SECRET, 'kind' => 'website_app',
        ]);
        return new WebsiteApp([
            'app_id' => self::WEB_APP_ID,
            'secret' => self::WEB_SECRET,
            'http' => ['api_base_uri' => self::$sim->baseUrl, 'retry' => ['delay_ms' => 1]],
        ]);
    }

    public function testWebsiteQrLoginFromCodeToProfile(): void
    {
        $app = $this->website();
        $this->assertSame(self::WEB_APP_ID, $app->appId());
        $this->assertStringNotContainsString(self::WEB_SECRET, print_r($app, true));
        $this->assertSame(
            'https://open.weixin.qq.com/connect/qrconnect?appid=' . self::WEB_APP_ID
            . '&redirect_uri=https%3A%2F%2Fexample.com%2Flogin&response_type=code&scope=snsapi_login'
            . '&state=st1#wechat_redirect',
            $app->qrconnectUrl('https://example.com/login', 'st1')
        );
        $this->assertStringEndsWith('&state=st1&lang=en#wechat_redirect', $app->qrconnectUrl('https://example.com/login', 'st1', 'en'));
        foreach ([['/relative', 'st1', null], ['https://e.com', 'not ok', null], ['https://e.com', 'st1', 'de']] as [$uri, $state, $lang]) {
            try {
                $app->qrconnectUrl($uri, $state, $lang);
                $this->fail("qrconnectUrl accepted {$uri} {$state}");
            } catch (InvalidInputException $e) {
                $this->assertSame(-50005, $e->getCode());
            }
        }

        $code = $this->code(self::WEB_APP_ID, ['scope' => 'snsapi_login']);
        $user = $app->oauthAccessToken($code['code']);
        $this->assertSame([$code['openid'], 'snsapi_login'], [$user['openid'], $user['scope']]);
        $this->assertTrue($app->oauthCheck($user['access_token'], $user['openid']));
        $this->assertFalse($app->oauthCheck($user['access_token'], 'o-other'));
        $renewed = $app->oauthRefreshToken($user['refresh_token']);
        $profile = $app->oauthUserInfo($renewed['access_token'], $renewed['openid'], 'en');
        $this->assertSame([$code['openid'], 'Sim User'], [$profile['openid'], $profile['nickname']]);
        try {
            $app->oauthAccessToken($code['code']);
            $this->fail('a used code was exchanged');
        } catch (OauthCodeException $e) {
            $this->assertSame(40163, $e->getErrcode());
            $this->assertStringContainsString('already used', $e->getMessage());
        }
        $this->expectException(ConfigException::class);
        new WebsiteApp(['app_id' => self::WEB_APP_ID, 'secret' => '']);
    }

    public function testTheStateTiesTheRedirectToTheSession(): void
    {
        $states = new OAuthState(self::STATE_KEY);
        $this->assertSame(600, $states->ttlSecs());
        $this->assertStringNotContainsString(self::STATE_KEY, print_r($states, true));
        $state = $states->issue('session-1');
        $this->assertMatchesRegularExpression('/^[0-9a-f]{56}$/', $state);
        $states->verify($state, 'session-1');
        $this->assertNotSame($state, $states->issue('session-1'));

        $tampered = substr($state, 0, 40) . ($state[40] === '0' ? '1' : '0') . substr($state, 41);
        $refused = [
            'session' => fn () => $states->verify($state, 'session-2'),
            'tampered' => fn () => $states->verify($tampered, 'session-1'),
            'other key' => fn () => (new OAuthState('another key of 16 bytes+'))->verify($state, 'session-1'),
            'empty' => fn () => $states->verify('', 'session-1'),
        ];
        foreach ($refused as $what => $verify) {
            try {
                $verify();
                $this->fail("a state was accepted: {$what}");
            } catch (InvalidInputException $e) {
                $this->assertSame(-50005, $e->getCode(), $what);
            }
        }
        $short = new OAuthState(self::STATE_KEY, 1);
        $old = $short->issue('session-1');
        $short->verify($old, 'session-1');
        sleep(2);
        try {
            $short->verify($old, 'session-1');
            $this->fail('an expired state was accepted');
        } catch (InvalidInputException $e) {
            $this->assertStringContainsString('expired', $e->getMessage());
        }
        foreach ([['short', null], [self::STATE_KEY, 0], [self::STATE_KEY, 86401]] as [$key, $ttl]) {
            try {
                new OAuthState($key, $ttl);
                $this->fail("OAuthState accepted {$key} {$ttl}");
            } catch (InvalidInputException $e) {
                $this->assertSame(-50005, $e->getCode());
            }
        }
    }
}
