<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\ApiException;
use Weixinkit\Authorizer;
use Weixinkit\CallbackResult;
use Weixinkit\Component;
use Weixinkit\ConfigException;
use Weixinkit\InvalidInputException;
use Weixinkit\Message;
use Weixinkit\OauthCodeException;
use Weixinkit\ReauthorizationNeededException;
use Weixinkit\TicketException;
use Weixinkit\Token;

/**
 * The Open Platform lifecycle through Weixinkit\Component, against one local WeChat server
 * (wechat-sim): ticket push → component token → authorization link → `authorized` push →
 * acting on behalf → token recovery → `unauthorized` push (mirrors
 * tests/integration/open_platform.rs).
 */
final class ComponentTest extends TestCase
{
    private const COMPONENT = 'wxcomponent0000001';
    private const SECRET = 'component-secret';
    private const TOKEN = 'componenttoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const AUTHORIZER = 'wxauthorizer000001';
    private const OTHER = 'wxauthorizer000002';

    /** @var WechatSim|null */
    private static $sim;

    /** @var list<string> temp dirs to remove */
    private $dirs = [];

    /** @var list<Message> what the user handler received */
    private $handled = [];

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
        $this->handled = [];
    }

    protected function tearDown(): void
    {
        foreach ($this->dirs as $dir) {
            remove_tree($dir);
        }
    }

    /**
     * The default sim component, a memory store unless `$overrides` says otherwise, fast retries.
     *
     * @param array<string, mixed> $overrides
     * @return array<string, mixed>
     */
    private function config(array $overrides = []): array
    {
        return array_replace_recursive([
            'component_app_id' => self::COMPONENT,
            'component_secret' => self::SECRET,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'http' => [
                'api_base_uri' => self::$sim->baseUrl,
                'timeout_ms' => 3000,
                'retry' => ['max_retries' => 2, 'delay_ms' => 1],
            ],
            'store' => ['type' => 'memory'],
        ], $overrides);
    }

    private function fileStoreDir(): string
    {
        $dir = temp_dir('component');
        $this->dirs[] = $dir;
        return $dir;
    }

    /** The user handler: records what it was given. */
    private function handler(): \Closure
    {
        return function (Message $message): void {
            $this->handled[] = $message;
        };
    }

    /**
     * Deliver a sim push to the component's callback handler (with the recording handler).
     *
     * @param array<string, mixed> $push `{"query":{…},"body":"…"}`
     */
    private function deliver(Component $c, array $push): CallbackResult
    {
        return $c->handleCallback('POST', $push['query'], $push['body'], $this->handler());
    }

    /** Push a fresh ticket through the handler; the ticket. */
    private function pushTicket(Component $c): string
    {
        $issued = self::$sim->componentTicket(self::COMPONENT);
        $result = $this->deliver($c, $issued['push']);
        $this->assertSame([200, 'success'], [$result->status, $result->body]);
        return $issued['ticket'];
    }

    /** Authorize `$appid` with the sim and deliver the `authorized` push; the sim's answer. */
    private function authorize(Component $c, string $appid): array
    {
        $auth = self::$sim->authorize(self::COMPONENT, $appid);
        $result = $this->deliver($c, $auth['push']);
        $this->assertSame(200, $result->status, $result->body);
        $this->assertSame('authorized', $result->message->type);
        $this->assertSame($appid, $result->message->event['notice']['authorizer_appid']);
        return $auth;
    }

    /** The refresh token WeChat (the sim) lists for `$appid`. */
    private function listedRefreshToken(Component $c, string $appid): ?string
    {
        foreach ($c->authorizerList()['list'] as $item) {
            if ($item['authorizer_appid'] === $appid) {
                return $item['refresh_token'] ?? null;
            }
        }
        return null;
    }

    public function testTheWholeLifecycleFromTicketToUnauthorization(): void
    {
        $c = new Component($this->config());
        $this->assertSame(self::COMPONENT, $c->appId());

        // The ticket push: answered "success", stored, handed to the handler typed.
        $issued = self::$sim->componentTicket(self::COMPONENT);
        $result = $this->deliver($c, $issued['push']);
        $this->assertSame([200, 'success', true], [$result->status, $result->body, $result->isSuccess()]);
        $this->assertSame('component_verify_ticket', $result->message->type);
        $this->assertSame($issued['ticket'], $result->message->event['ticket']);
        $this->assertSame($issued['ticket'], $result->message->field('ComponentVerifyTicket'));
        $this->assertCount(1, $this->handled);
        $this->assertSame($result->message->event, $this->handled[0]->event);
        $this->assertSame($issued['ticket'], $c->verifyTicket());

        // The component token: fetched once, then served from the store.
        $token = $c->componentAccessToken();
        $this->assertInstanceOf(Token::class, $token);
        $this->assertStringStartsWith('COMPONENT_', $token->value);
        $this->assertSame($token->value, $c->componentAccessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_component_token'));
        $this->assertSame(self::COMPONENT, self::$sim->tokenOwner($token->value));

        // The authorization links.
        $url = $c->createAuthorizationUrl('https://example.com/back', ['auth_type' => 3]);
        $this->assertStringStartsWith(
            'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001&pre_auth_code=preauthcode%40%40%40',
            $url
        );
        $this->assertStringEndsWith('&redirect_uri=https%3A%2F%2Fexample.com%2Fback&auth_type=3', $url);
        $mobile = $c->createAuthorizationUrl('https://example.com/back', ['mobile' => true, 'biz_appid' => self::AUTHORIZER, 'category_id_list' => [1, 2]]);
        $this->assertStringStartsWith('https://mp.weixin.qq.com/safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=wxcomponent0000001&pre_auth_code=preauthcode%40%40%40', $mobile);
        $this->assertStringEndsWith('&biz_appid=wxauthorizer000001&category_id_list=1%7C2#wechat_redirect', $mobile);
        $this->assertSame(2, self::$sim->calls('/cgi-bin/component/api_create_preauthcode'));
        $this->assertSame(
            'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxcomponent0000001&pre_auth_code=pre%40%40%401&redirect_uri=https%3A%2F%2Fexample.com%2Fb',
            $c->authorizationUrl('pre@@@1', 'https://example.com/b')
        );

        // The administrator authorizes: the `authorized` push exchanges the code; the handler
        // gets the typed event.
        $auth = self::$sim->authorize(self::COMPONENT, self::AUTHORIZER);
        $result = $this->deliver($c, $auth['push']);
        $this->assertSame([200, 'success'], [$result->status, $result->body]);
        $this->assertCount(2, $this->handled);
        $authorized = $this->handled[1];
        $this->assertSame('authorized', $authorized->type);
        $this->assertSame(self::AUTHORIZER, $authorized->event['notice']['authorizer_appid']);
        $this->assertSame($auth['authorization_code'], $authorized->event['notice']['authorization_code']);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_query_auth'));
        $refresh = $c->refreshToken(self::AUTHORIZER);
        $this->assertNotNull($refresh);
        $this->assertSame($this->listedRefreshToken($c, self::AUTHORIZER), $refresh);

        // Acting on behalf: the access token from query_auth is cached, no api_authorizer_token.
        $a = $c->authorizer(self::AUTHORIZER);
        $this->assertInstanceOf(Authorizer::class, $a);
        $this->assertSame(self::AUTHORIZER, $a->appId());
        $this->assertSame(['127.0.0.1'], $a->get('/cgi-bin/get_api_domain_ip')['ip_list']);

        // Its JS-SDK ticket, cached like an Official Account's, and the page signature.
        $ticket = $a->jsapiTicket();
        $this->assertSame($ticket->value, $a->jsapiTicket()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/ticket/getticket'));
        $js = $a->jssdkConfig('https://example.com/page?x=1#frag');
        $this->assertSame([self::AUTHORIZER, 'https://example.com/page?x=1'], [$js['app_id'], $js['url']]);
        $this->assertSame(
            sha1("jsapi_ticket={$ticket->value}&noncestr={$js['nonce_str']}&timestamp={$js['timestamp']}&url={$js['url']}"),
            $js['signature']
        );
        $this->assertSame(1, self::$sim->calls('/cgi-bin/ticket/getticket'));
        $this->assertTrue($a->userInfo('o-follower')['subscribe']);

        $before = $a->accessToken();
        $this->assertSame(self::AUTHORIZER, self::$sim->tokenOwner($before->value));
        $this->assertSame($before->value, $c->authorizerAccessToken(self::AUTHORIZER)->value);
        $this->assertSame(0, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));

        // Its token expires: one refresh through the stored refresh token, the call succeeds.
        $this->assertGreaterThan(0, self::$sim->expire(self::AUTHORIZER));
        $sent = $a->postJson('/cgi-bin/message/custom/send', ['touser' => 'o1', 'msgtype' => 'text']);
        $this->assertEquals(['touser' => 'o1', 'msgtype' => 'text'], $sent['echo']['body']);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));
        $after = $a->accessToken();
        $this->assertNotSame($before->value, $after->value);
        $this->assertSame(self::AUTHORIZER, self::$sim->tokenOwner($after->value));

        // The `unauthorized` push forgets it: acting on behalf needs re-authorization.
        $gone = self::$sim->unauthorize(self::COMPONENT, self::AUTHORIZER);
        $result = $this->deliver($c, $gone['push']);
        $this->assertSame([200, 'success'], [$result->status, $result->body]);
        $this->assertSame('unauthorized', $this->handled[2]->type);
        $this->assertSame(self::AUTHORIZER, $this->handled[2]->event['authorizer_appid']);
        $this->assertNull($c->refreshToken(self::AUTHORIZER));
        try {
            $a->get('/cgi-bin/get_api_domain_ip');
            $this->fail('an unauthorized authorizer was acted for');
        } catch (ReauthorizationNeededException $e) {
            $this->assertSame('reauthorization_needed', $e->getKind());
            $this->assertSame(-50041, $e->getCode());
            $this->assertNull($e->getErrcode());
            $this->assertStringContainsString(self::AUTHORIZER, $e->getMessage());
        }
        $this->expectException(ReauthorizationNeededException::class);
        $a->accessToken();
    }

    public function testARestartLosesNothing(): void
    {
        $dir = $this->fileStoreDir();
        $config = $this->config(['store' => ['type' => 'file', 'dir' => $dir]]);
        $c = new Component($config);
        $ticket = $this->pushTicket($c);
        $this->authorize($c, self::AUTHORIZER);
        $refresh = $c->refreshToken(self::AUTHORIZER);
        $this->assertNotNull($refresh);
        unset($c);

        // Durable, under the documented keys, in the file store's format (no expiry).
        $ticketEntry = (string) file_get_contents("{$dir}/weixinkit:component_verify_ticket:" . self::COMPONENT . ':' . self::COMPONENT);
        [$header, $json] = explode("\n", $ticketEntry, 2);
        $this->assertSame('0', $header);
        $this->assertSame($ticket, json_decode($json, true)['value']);
        $refreshEntry = (string) file_get_contents("{$dir}/weixinkit:authorizer_refresh_token:" . self::COMPONENT . ':' . self::AUTHORIZER);
        [$header, $json] = explode("\n", $refreshEntry, 2);
        $this->assertSame('0', $header);
        $this->assertSame($refresh, json_decode($json, true)['value']);

        // Every token dies; a new PHP process on the same directory carries on.
        $this->assertGreaterThan(0, self::$sim->expireAll());
        $out = run_php(<<<'PHP'
            require getenv('WEIXINKIT_PHP_SRC') . '/autoload.php';
            $c = new Weixinkit\Component(json_decode(getenv('WEIXINKIT_TEST_CONFIG'), true));
            $a = $c->authorizer('wxauthorizer000001');
            echo json_encode([
                'ticket' => $c->verifyTicket(),
                'refresh' => $c->refreshToken('wxauthorizer000001'),
                'ip_list' => $a->get('/cgi-bin/get_api_domain_ip')['ip_list'],
                'token' => $a->accessToken()->value,
            ]);
            PHP, ['WEIXINKIT_TEST_CONFIG' => json_encode($config, JSON_THROW_ON_ERROR)]);
        $child = json_decode($out, true, 8, JSON_THROW_ON_ERROR);
        $this->assertSame($ticket, $child['ticket']);
        $this->assertSame($refresh, $child['refresh']);
        $this->assertSame(['127.0.0.1'], $child['ip_list']);
        $this->assertSame(self::AUTHORIZER, self::$sim->tokenOwner($child['token']));
        // It recovered through the stored ticket and refresh token: the stored authorizer token
        // failed (42001), its refresh with the stored component token failed too (42001), the
        // component token was fetched again with the stored ticket, then the refresh went
        // through and the call was retried.
        $this->assertSame(2, self::$sim->calls('/cgi-bin/get_api_domain_ip'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/component/api_component_token'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));
    }

    public function testTwoAuthorizersTokensNeverMix(): void
    {
        $c = new Component($this->config());
        $this->pushTicket($c);
        $this->authorize($c, self::AUTHORIZER);
        $this->authorize($c, self::OTHER);
        $a = $c->authorizer(self::AUTHORIZER);
        $b = $c->authorizer(self::OTHER);
        $ta = $a->accessToken();
        $tb = $b->accessToken();
        $this->assertNotSame($ta->value, $tb->value);
        $this->assertSame(self::AUTHORIZER, self::$sim->tokenOwner($ta->value));
        $this->assertSame(self::OTHER, self::$sim->tokenOwner($tb->value));
        $this->assertNotSame($c->refreshToken(self::AUTHORIZER), $c->refreshToken(self::OTHER));

        // Expiring one refreshes only that one.
        self::$sim->expire(self::AUTHORIZER);
        $this->assertSame(['127.0.0.1'], $a->get('/cgi-bin/get_api_domain_ip')['ip_list']);
        $this->assertSame(['127.0.0.1'], $b->get('/cgi-bin/get_api_domain_ip')['ip_list']);
        $newA = $a->accessToken();
        $this->assertNotSame($ta->value, $newA->value);
        $this->assertSame(self::AUTHORIZER, self::$sim->tokenOwner($newA->value));
        $this->assertSame($tb->value, $b->accessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));
    }

    public function testABadSignatureIsRefusedWith403AndStoresNothing(): void
    {
        $c = new Component($this->config());
        $push = self::$sim->componentTicket(self::COMPONENT)['push'];
        $forged = $push['query'];
        $forged['msg_signature'] = ($forged['msg_signature'][0] === '0' ? '1' : '0') . substr($forged['msg_signature'], 1);
        $result = $c->handleCallback('POST', $forged, $push['body'], $this->handler());
        $this->assertSame(403, $result->status);
        $this->assertFalse($result->isSuccess());
        $this->assertStringContainsString('signature', $result->body);
        $this->assertNull($result->message);
        $this->assertSame([], $this->handled);
        $this->assertNull($c->verifyTicket());

        // Not a POST, or a required parameter missing (an array value counts as missing),
        // or a body that is not UTF-8: refused, nothing stored, no handler call.
        $this->assertSame(405, $c->handleCallback('GET', $push['query'], $push['body'], $this->handler())->status);
        $missing = $push['query'];
        unset($missing['nonce']);
        $this->assertSame(400, $c->handleCallback('POST', $missing, $push['body'], $this->handler())->status);
        $missing['nonce'] = [$push['query']['nonce']];
        $this->assertSame(400, $c->handleCallback('POST', $missing, $push['body'], $this->handler())->status);
        $notUtf8 = $c->handleCallback('POST', $push['query'], "\xff" . $push['body'], $this->handler());
        $this->assertSame([400, 'the request body is not UTF-8'], [$notUtf8->status, $notUtf8->body]);
        $this->assertSame(400, $c->handleCallback('POST', $push['query'], '<xml><AppId>x</AppId></xml>', $this->handler())->status);
        $this->assertSame([], $this->handled);
        $this->assertNull($c->verifyTicket());

        // The genuine push still works afterwards.
        $this->assertSame(200, $c->handleCallback('POST', $push['query'], $push['body'], $this->handler())->status);
        $this->assertCount(1, $this->handled);
        $this->assertNotNull($c->verifyTicket());
    }

    public function testNoTicketIsATicketErrorAndAForgedTicketIsNotRetried(): void
    {
        $c = new Component($this->config());
        try {
            $c->componentAccessToken();
            $this->fail('a component token without a ticket');
        } catch (TicketException $e) {
            $this->assertSame('ticket', $e->getKind());
            $this->assertSame(-50040, $e->getCode());
            $this->assertNull($e->getErrcode());
            $this->assertStringContainsString(self::COMPONENT, $e->getMessage());
        }
        $this->assertSame(0, self::$sim->calls('/cgi-bin/component/api_component_token'));
        // Anything needing the component token says the same.
        try {
            $c->createAuthorizationUrl('https://example.com/back');
            $this->fail('an authorization link without a ticket');
        } catch (TicketException $e) {
            $this->assertSame(-50040, $e->getCode());
        }

        $c->storeVerifyTicket('ticket@@@forged');
        $this->assertSame('ticket@@@forged', $c->verifyTicket());
        try {
            $c->componentAccessToken();
            $this->fail('a forged ticket was accepted');
        } catch (TicketException $e) {
            $this->assertSame([61006, 61006, 'ticket'], [$e->getCode(), $e->getErrcode(), $e->getKind()]);
            $this->assertStringNotContainsString('forged', $e->getMessage());
        }
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_component_token'));
    }

    public function testAHandlerFailureReachesTheCallerAfterTheTicketWasStored(): void
    {
        $c = new Component($this->config());
        $push = self::$sim->componentTicket(self::COMPONENT)['push'];
        try {
            $c->handleCallback('POST', $push['query'], $push['body'], static function (Message $m): void {
                throw new \DomainException("handler saw {$m->type}");
            });
            $this->fail('the handler exception was swallowed');
        } catch (\DomainException $e) {
            $this->assertSame('handler saw component_verify_ticket', $e->getMessage());
        }
        $this->assertNotNull($c->verifyTicket());
        // No handler at all is fine too.
        $again = self::$sim->componentTicket(self::COMPONENT);
        $this->assertSame(200, $c->handleCallback('POST', $again['push']['query'], $again['push']['body'])->status);
        $this->assertSame($again['ticket'], $c->verifyTicket());
    }

    public function testWithTheReplayWindowOnAPushWhoseHandlerFailedIsHandledOnTheRetry(): void
    {
        $c = new Component($this->config(['callback' => ['replay_window_seconds' => 300]]));
        $push = self::$sim->componentTicket(self::COMPONENT)['push'];
        try {
            $c->handleCallback('POST', $push['query'], $push['body'], static function (): void {
                throw new \DomainException('the audit log is down');
            });
            $this->fail('the handler exception was swallowed');
        } catch (\DomainException $e) {
            $this->assertSame('the audit log is down', $e->getMessage());
        }
        // WeChat's retry: handled, not refused as a replay; a second one is a replay.
        $retried = $c->handleCallback('POST', $push['query'], $push['body'], $this->handler());
        $this->assertSame([200, 'success'], [$retried->status, $retried->body]);
        $this->assertSame(409, $c->handleCallback('POST', $push['query'], $push['body'])->status);
        // By hand, for handling done after the call returned.
        $c->forgetPush($push['query']);
        $this->assertSame(200, $c->handleCallback('POST', $push['query'], $push['body'])->status);
    }

    public function testAFailedCodeExchangeAnswers500WithoutCallingTheHandler(): void
    {
        $c = new Component($this->config());
        $this->pushTicket($c);
        $auth = self::$sim->authorize(self::COMPONENT, self::AUTHORIZER);
        self::$sim->fault(['path' => '/cgi-bin/component/api_query_auth', 'errcode' => 61010]);
        $this->handled = [];
        $result = $this->deliver($c, $auth['push']);
        $this->assertSame(500, $result->status);
        $this->assertStringContainsString('61010', $result->body);
        $this->assertSame('authorized', $result->message->type);
        $this->assertSame([], $this->handled);
        $this->assertNull($c->refreshToken(self::AUTHORIZER));
        // WeChat pushes again: this time it goes through.
        $this->assertSame(200, $this->deliver($c, $auth['push'])->status);
        $this->assertCount(1, $this->handled);
        $this->assertNotNull($c->refreshToken(self::AUTHORIZER));
    }

    public function testARotatedRefreshTokenIsStoredAndUsed(): void
    {
        self::$sim->request('POST', '/_sim/config', ['rotate_refresh_token' => true, 'grace_secs' => 0]);
        $c = new Component($this->config());
        $this->pushTicket($c);
        $this->authorize($c, self::AUTHORIZER);
        $before = $c->refreshToken(self::AUTHORIZER);
        self::$sim->expire(self::AUTHORIZER);
        $c->authorizer(self::AUTHORIZER)->get('/cgi-bin/get_api_domain_ip');
        $after = $c->refreshToken(self::AUTHORIZER);
        $this->assertNotSame($before, $after);
        // The old one is dead (grace 0): the rotated one is what works now.
        self::$sim->expire(self::AUTHORIZER);
        $c->authorizer(self::AUTHORIZER)->get('/cgi-bin/get_api_domain_ip');
        $this->assertSame(2, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));
    }

    public function testADeadRefreshTokenIsRecoveredFromTheAuthorizerList(): void
    {
        $c = new Component($this->config());
        $this->pushTicket($c);
        $this->authorize($c, self::AUTHORIZER);
        $good = $c->refreshToken(self::AUTHORIZER);
        $c->storeRefreshToken(self::AUTHORIZER, 'refreshtoken@@@lost');
        self::$sim->expire(self::AUTHORIZER);
        $c->authorizer(self::AUTHORIZER)->get('/cgi-bin/get_api_domain_ip');
        $this->assertSame($good, $c->refreshToken(self::AUTHORIZER));
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_get_authorizer_list'));
    }

    public function testTheAuthorizerListReseedsALostStore(): void
    {
        $c = new Component($this->config());
        $this->pushTicket($c);
        $this->authorize($c, self::AUTHORIZER);
        $this->authorize($c, self::OTHER);
        $page = $c->authorizerList(0, 1);
        $this->assertSame(2, $page['total_count']);
        $this->assertCount(1, $page['list']);
        // Every page at once.
        $all = array_column($c->allAuthorizers(), 'authorizer_appid');
        sort($all);
        $expected = [self::AUTHORIZER, self::OTHER];
        sort($expected);
        $this->assertSame($expected, $all);

        $fresh = new Component($this->config());
        $this->pushTicket($fresh);
        $this->assertSame(2, $fresh->reseedRefreshTokens());
        foreach ([self::AUTHORIZER, self::OTHER] as $appid) {
            $this->assertNotNull($fresh->refreshToken($appid));
            $this->assertSame($c->refreshToken($appid), $fresh->refreshToken($appid));
        }
    }

    public function testEveryComponentEndpointAnswers(): void
    {
        $c = new Component($this->config());
        $c->startPushTicket();
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_start_push_ticket'));
        $this->pushTicket($c);
        $this->authorize($c, self::AUTHORIZER);

        $code = $c->createPreAuthCode();
        $this->assertStringStartsWith('preauthcode@@@', $code['pre_auth_code']);
        $this->assertSame(600, $code['expires_in']);

        $info = $c->authorizerInfo(self::AUTHORIZER);
        $this->assertSame(self::AUTHORIZER, $info['authorization_info']['authorizer_appid']);
        $c->setAuthorizerOption(self::AUTHORIZER, 'voice_recognize', '1');
        $this->assertSame('1', $c->authorizerOption(self::AUTHORIZER, 'voice_recognize'));
        $a = $c->authorizer(self::AUTHORIZER);
        $a->setOption('location_report', '2');
        $this->assertSame('2', $a->option('location_report')['option_value']);
        try {
            $a->setOption('location_report', '9');
            $this->fail('an option value out of range was accepted');
        } catch (ApiException $e) {
            $this->assertSame(40097, $e->getErrcode());
            $this->assertSame('/cgi-bin/component/set_authorizer_option', $e->getEndpoint());
            $this->assertNotNull($e->getErrmsg());
            $this->assertStringContainsString((string) $e->getErrmsg(), $e->getMessage());
        }
        $this->assertSame(['127.0.0.1'], $a->apiDomainIp());
        $c->clearQuota();
        $c->clearQuotaV2();
        $c->clearQuotaV2(self::AUTHORIZER);
        $a->clearQuota();
        $this->assertSame(1, self::$sim->calls('/cgi-bin/clear_quota'));
        $this->assertSame(2, self::$sim->calls('/cgi-bin/component/clear_quota/v2'));

        // Any component endpoint with the component token: GET without a body, POST with one.
        $echo = $c->call('/cgi-bin/component/anything', ['a' => 1, 'b' => true]);
        $this->assertSame(['method' => 'GET', 'a' => '1', 'b' => '1'], ['method' => $echo['echo']['method']] + array_intersect_key($echo['echo']['query'], ['a' => 0, 'b' => 0]));
        $posted = $c->call('/cgi-bin/component/anything', [], ['k' => 'v']);
        $this->assertSame(['POST', ['k' => 'v']], [$posted['echo']['method'], $posted['echo']['body']]);

        // Web OAuth on behalf of the authorizer, and mini program login.
        $url = $c->oauthAuthorizeUrl(self::AUTHORIZER, 'https://example.com/cb', 'snsapi_userinfo', 's1');
        $this->assertStringEndsWith('&component_appid=wxcomponent0000001#wechat_redirect', $url);
        $this->assertStringContainsString('redirect_uri=https%3A%2F%2Fexample.com%2Fcb', $url);
        $oauth = self::$sim->request('POST', '/_sim/oauth_code', ['appid' => self::AUTHORIZER]);
        $user = $c->oauthAccessToken(self::AUTHORIZER, $oauth['code']);
        $this->assertSame($oauth['openid'], $user['openid']);
        $refreshed = $c->oauthRefreshToken(self::AUTHORIZER, $user['refresh_token']);
        $profile = $c->oauthUserInfo($refreshed['access_token'], $refreshed['openid']);
        $this->assertSame($oauth['openid'], $profile['openid']);
        try {
            $c->oauthAccessToken(self::AUTHORIZER, $oauth['code']);
            $this->fail('a used OAuth code was accepted');
        } catch (OauthCodeException $e) {
            $this->assertSame(40163, $e->getErrcode());
            $this->assertSame('oauth_code', $e->getKind());
        }
        $js = self::$sim->request('POST', '/_sim/oauth_code', ['appid' => self::AUTHORIZER]);
        $this->assertIsString($c->jscode2session(self::AUTHORIZER, $js['code'])['session_key']);

        // A given access token is used as is (and never refreshed).
        $token = $a->accessToken();
        $fixed = $c->authorizerWithAccessToken(self::AUTHORIZER, $token->value);
        $this->assertSame(['127.0.0.1'], $fixed->get('/cgi-bin/get_api_domain_ip')['ip_list']);
        $this->assertSame([$token->value, 0], [$fixed->accessToken()->value, $fixed->accessToken()->expiresAt]);
        $this->assertStringNotContainsString($token->value, print_r($fixed, true));
        self::$sim->revoke(self::AUTHORIZER);
        try {
            $fixed->get('/cgi-bin/get_api_domain_ip');
            $this->fail('a revoked fixed token was used');
        } catch (ApiException $e) {
            $this->assertSame(40001, $e->getErrcode());
        }
        $this->assertSame(0, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));

        // A given refresh token is stored, then used by another platform object.
        $refresh = (string) $c->refreshToken(self::AUTHORIZER);
        $other = new Component($this->config());
        $this->pushTicket($other);
        $seeded = $other->authorizerWithRefreshToken(self::AUTHORIZER, $refresh);
        $this->assertSame($refresh, $other->refreshToken(self::AUTHORIZER));
        $this->assertSame(['127.0.0.1'], $seeded->get('/cgi-bin/get_api_domain_ip')['ip_list']);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_authorizer_token'));

        // queryAuth directly, and forgetAuthorizer.
        $auth = self::$sim->authorize(self::COMPONENT, self::OTHER);
        $granted = $c->queryAuth($auth['authorization_code']);
        $this->assertSame(self::OTHER, $granted['authorizer_appid']);
        $this->assertSame($granted['authorizer_refresh_token'], $c->refreshToken(self::OTHER));
        $this->assertSame([1, 2, 3, 4, 5, 6, 7, 11, 15], $granted['func_info']);
        $c->forgetAuthorizer(self::OTHER);
        $this->assertNull($c->refreshToken(self::OTHER));
    }

    public function testAnUnknownAuthorizerNeedsAuthorizationFirst(): void
    {
        $c = new Component($this->config());
        try {
            $c->authorizer(self::OTHER)->get('/cgi-bin/get_api_domain_ip');
            $this->fail('an unknown authorizer was acted for');
        } catch (ReauthorizationNeededException $e) {
            $this->assertSame(-50041, $e->getCode());
        }
        $this->assertSame([], self::$sim->request('GET', '/_sim/stats')['calls'] ?? []);
    }

    public function testBadArgumentsAreRefusedBeforeAnyCall(): void
    {
        $c = new Component($this->config());
        $c->storeVerifyTicket('ticket@@@x');
        $cases = [
            'an AppID that cannot be a key' => static fn () => $c->authorizer('wx:bad'),
            'an empty AppID' => static fn () => $c->authorizerWithAccessToken('', 'T'),
            'an AppID before a refresh token is stored' => static fn () => $c->authorizerWithRefreshToken('wx bad', 'r'),
        ];
        foreach ($cases as $name => $call) {
            try {
                $call();
                $this->fail("{$name} was accepted");
            } catch (InvalidInputException $e) {
                $this->assertSame(-50005, $e->getCode(), $name);
                $this->assertSame('invalid_input', $e->getKind(), $name);
            }
        }
        $invalid = [
            'a path without /' => static fn () => $c->authorizer(self::AUTHORIZER)->get('cgi-bin/get_api_domain_ip'),
            'the token in the query' => static fn () => $c->call('/cgi-bin/component/x', ['component_access_token' => 'x']),
            'the token in the query on behalf' => static fn () => $c->authorizer(self::AUTHORIZER)->get('/cgi-bin/x', ['access_token' => 'x']),
            'an unknown link option' => static fn () => $c->authorizationUrl('p', 'https://x.example', ['colour' => 'red']),
            'an empty ticket' => static fn () => $c->storeVerifyTicket(''),
            'a non-scalar query value' => static fn () => $c->call('/cgi-bin/component/x', ['a' => ['b']]),
            'a string that is not UTF-8' => static fn () => $c->storeRefreshToken(self::AUTHORIZER, "\xff"),
        ];
        foreach ($invalid as $name => $call) {
            try {
                $call();
                $this->fail("{$name} was accepted");
            } catch (InvalidInputException $e) {
                $this->assertSame('invalid_input', $e->getKind(), $name);
                // One code for a bad argument, whether PHP or the library refused it.
                $this->assertSame(-50005, $e->getCode(), $name);
            }
        }
        $this->assertSame('ticket@@@x', $c->verifyTicket());
        $this->assertSame([], self::$sim->request('GET', '/_sim/stats')['calls'] ?? []);
    }

    public function testTheConfigurationIsCheckedAndNeverShown(): void
    {
        $config = $this->config(['component_secret' => 'TOP-SECRET-1']);
        $c = new Component($config);
        $shown = print_r($c, true) . var_export(json_encode($c), true);
        $this->assertStringContainsString(self::COMPONENT, $shown);
        foreach (['TOP-SECRET-1', self::TOKEN, self::AES_KEY] as $secret) {
            $this->assertStringNotContainsString($secret, $shown);
        }
        $bad = [
            'a missing secret' => array_diff_key($config, ['component_secret' => 0]),
            'an unknown option' => $config + ['colour' => 'red'],
            'a bad store' => array_replace($config, ['store' => ['type' => 'nope']]),
        ];
        foreach ($bad as $name => $conf) {
            try {
                new Component($conf);
                $this->fail("{$name} was accepted");
            } catch (ConfigException $e) {
                $this->assertSame(-50020, $e->getCode(), $name);
                $this->assertStringNotContainsString('TOP-SECRET-1', $e->getMessage(), $name);
            }
        }
        $this->expectException(\Weixinkit\InvalidAesKeyException::class);
        new Component(array_replace($config, ['encoding_aes_key' => 'short']));
    }
}
