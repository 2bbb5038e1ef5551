<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\ApiException;
use Weixinkit\CallbackResult;
use Weixinkit\Corp;
use Weixinkit\InvalidInputException;
use Weixinkit\Message;
use Weixinkit\Provider;
use Weixinkit\ReauthorizationNeededException;
use Weixinkit\Suite;
use Weixinkit\TicketException;
use Weixinkit\WorkAccount;

/**
 * The WeCom install lifecycle through Weixinkit\Suite, against one local server (wechat-sim):
 * URL verification → suite_ticket → suite token → install link → create_auth and the permanent
 * code stored → acting for the corp → corp token recovery → cancel_auth (mirrors
 * tests/integration/wecom.rs); the provider and a corp's own app.
 */
final class SuiteTest extends TestCase
{
    private const SUITE = 'wwsuite00000000001';
    private const SECRET = 'suite-secret';
    private const TOKEN = 'suitetoken';
    private const AES_KEY = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
    private const PROVIDER = 'wwprovider00000001';
    private const CORP = 'wwinstalledcorp001';

    /** @var WechatSim|null */
    private static $sim;

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

    /** @return array<string, mixed> */
    private function http(): array
    {
        return ['work_base_uri' => self::$sim->baseUrl, 'timeout_ms' => 3000, 'retry' => ['max_retries' => 2, 'delay_ms' => 1]];
    }

    /** @param array<string, mixed> $options added to (or replacing) the test configuration */
    private function newSuite(array $options = []): Suite
    {
        return new Suite($options + [
            'suite_id' => self::SUITE,
            'suite_secret' => self::SECRET,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'provider_corp_id' => self::PROVIDER,
            'http' => $this->http(),
            'store' => ['type' => 'memory'],
        ]);
    }

    /**
     * `POST /_sim/wecom/<action>`.
     *
     * @param array<string, mixed> $body
     * @return array<string, mixed>
     */
    private function wecom(string $action, array $body): array
    {
        return self::$sim->request('POST', '/_sim/wecom/' . $action, $body);
    }

    /** @param array<string, mixed> $answer a sim answer with a suite push */
    private function deliver(Suite $s, array $answer): CallbackResult
    {
        $handler = function (Message $message): void {
            $this->handled[] = $message;
        };
        return $s->handleCallback('POST', $answer['push']['query'], $answer['push']['body'], $handler);
    }

    public function testTheWholeInstallLifecycleThroughTheCallbackHandler(): void
    {
        $s = $this->newSuite();
        $this->assertSame(self::SUITE, $s->suiteId());

        $check = $this->wecom('verify_url', ['suite_id' => self::SUITE]);
        $verified = $s->handleCallback('GET', $check['query'], '');
        $this->assertSame([200, $check['echo']], [$verified->status, $verified->body]);

        $issued = $this->wecom('suite_ticket', ['suite_id' => self::SUITE]);
        $result = $this->deliver($s, $issued);
        $this->assertSame([200, 'success'], [$result->status, $result->body]);
        $this->assertSame('suite_ticket', $this->handled[0]->type);
        $this->assertSame($issued['ticket'], $s->suiteTicket());
        $token = $s->suiteAccessToken();
        $this->assertSame($token->value, $s->suiteAccessToken()->value);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/service/get_suite_token'));

        $url = $s->createInstallUrl('https://example.com/installed', 's1', 1);
        $this->assertStringStartsWith('https://open.work.weixin.qq.com/3rdapp/install?suite_id=' . self::SUITE, $url);

        $created = $this->deliver($s, $this->wecom('install', ['suite_id' => self::SUITE, 'corpid' => self::CORP]));
        $this->assertSame(200, $created->status, $created->body);
        $this->assertSame('create_auth', end($this->handled)->type);
        $this->assertNotNull($s->storedPermanentCode(self::CORP));

        $corp = $s->corp(self::CORP);
        $this->assertInstanceOf(Corp::class, $corp);
        $echoed = $corp->postJson('/cgi-bin/message/send', ['touser' => '@all']);
        $this->assertSame('@all', $echoed['echo']['body']['touser']);
        $this->assertSame('1', $corp->get('/cgi-bin/user/list', ['department_id' => 1])['echo']['query']['department_id']);
        $this->assertSame(1, self::$sim->calls('/cgi-bin/service/get_corp_token'));
        self::$sim->expire(self::CORP);
        $corp->get('/cgi-bin/user/list');
        $this->assertSame(2, self::$sim->calls('/cgi-bin/service/get_corp_token'));

        $this->assertSame(200, $this->deliver($s, $this->wecom('change_auth', ['suite_id' => self::SUITE, 'corpid' => self::CORP]))->status);
        $this->assertSame('change_auth', end($this->handled)->type);
        $this->assertSame(200, $this->deliver($s, $this->wecom('cancel', ['suite_id' => self::SUITE, 'corpid' => self::CORP]))->status);
        $this->assertNull($s->storedPermanentCode(self::CORP));
        try {
            $corp->get('/cgi-bin/user/list');
            $this->fail('a cancelled corp needs a reinstall');
        } catch (ReauthorizationNeededException $e) {
            $this->assertStringContainsString(self::CORP, $e->getMessage());
        }
        $this->assertSame(2, self::$sim->calls('/cgi-bin/service/get_corp_token'));
    }

    public function testTheWebsiteFlowAndTheSuiteEndpoints(): void
    {
        $s = $this->newSuite();
        $this->deliver($s, $this->wecom('suite_ticket', ['suite_id' => self::SUITE]));
        $pre = $s->preAuthCode();
        $s->setSessionInfo($pre['pre_auth_code'], 1);
        $this->assertStringEndsWith('&state=s2', $s->installUrl($pre['pre_auth_code'], 'https://example.com/b', 's2'));
        $website = $this->wecom('install', ['suite_id' => self::SUITE, 'corpid' => self::CORP, 'push' => false]);
        $granted = $s->permanentCode($website['auth_code']);
        $this->assertSame(self::CORP, $granted['corp_id']);
        $this->assertSame($granted['permanent_code'], $s->storedPermanentCode(self::CORP));
        try {
            $s->permanentCode($website['auth_code']);
            $this->fail('an auth code is single use');
        } catch (ApiException $e) {
            $this->assertSame(40029, $e->getCode());
        }
        $this->assertSame(self::CORP, $s->authInfo(self::CORP)['auth_corp_info']['corpid']);
        $this->assertSame(1, $s->adminList(self::CORP, 1000001)['admin'][0]['auth_type']);
        $code = $this->wecom('oauth_code', ['suite_id' => self::SUITE, 'corpid' => self::CORP, 'userid' => 'zhangsan']);
        $who = $s->getuserinfo3rd($code['code']);
        $this->assertSame('zhangsan', $who['userid']);
        $this->assertSame('zhangsan', $s->getuserdetail3rd($who['user_ticket'])['userid']);
        $this->assertStringEndsWith('#wechat_redirect', $s->oauthUrl('https://example.com/cb', 'snsapi_base'));
    }

    public function testErrorsAndForgeries(): void
    {
        $s = $this->newSuite();
        try {
            $s->suiteAccessToken();
            $this->fail('no ticket yet');
        } catch (TicketException $e) {
            $this->assertStringContainsString(self::SUITE, $e->getMessage());
        }
        $issued = $this->wecom('suite_ticket', ['suite_id' => self::SUITE]);
        $query = $issued['push']['query'];
        $query['msg_signature'] = str_repeat('0', 40);
        $this->assertSame(403, $s->handleCallback('POST', $query, $issued['push']['body'])->status);
        $this->assertNull($s->suiteTicket());
        $s->storeSuiteTicket('suiteticket-not-issued');
        try {
            $s->preAuthCode();
            $this->fail('a refused ticket');
        } catch (TicketException $e) {
            $this->assertSame(40085, $e->getCode());
        }
        $this->assertSame(1, self::$sim->calls('/cgi-bin/service/get_suite_token'));
        $this->expectException(InvalidInputException::class);
        $s->corp('ww:bad');
    }

    public function testAReplayedPushIsRefusedInEveryClientOnTheStore(): void
    {
        $dir = temp_dir('replay');
        $options = ['store' => ['type' => 'file', 'dir' => $dir], 'callback' => ['replay_window_seconds' => 300]];
        // Two clients on one directory: two PHP workers behind one callback URL.
        $a = $this->newSuite($options);
        $b = $this->newSuite($options);
        $issued = $this->wecom('suite_ticket', ['suite_id' => self::SUITE]);
        $first = $this->deliver($a, $issued);
        $this->assertSame([200, 'success'], [$first->status, $first->body]);
        foreach ([$a, $b] as $s) {
            $again = $this->deliver($s, $issued);
            $this->assertSame(409, $again->status, $again->body);
            $this->assertStringContainsString('replay', $again->body);
            $this->assertNull($again->message);
        }
        $this->assertSame($issued['ticket'], $b->suiteTicket());
        // A handler that throws after the 200 (PHP answers 500): the push is forgotten, so
        // WeCom's retry is handled, by this worker or another.
        $fresh = $this->wecom('suite_ticket', ['suite_id' => self::SUITE]);
        try {
            $a->handleCallback('POST', $fresh['push']['query'], $fresh['push']['body'], function (): void {
                throw new \RuntimeException('the queue is full');
            });
            $this->fail('the handler\'s exception must propagate');
        } catch (\RuntimeException $e) {
            $this->assertSame('the queue is full', $e->getMessage());
        }
        $this->assertSame(200, $this->deliver($b, $fresh)->status);
        $this->assertSame(409, $this->deliver($a, $fresh)->status);
        // By hand, for handling done after the call returned.
        $b->forgetPush($fresh['push']['query']);
        $this->assertSame(200, $this->deliver($a, $fresh)->status);
        // Off by default: the same push is accepted again.
        $plain = $this->newSuite();
        $this->assertSame(200, $this->deliver($plain, $issued)->status);
        $this->assertSame(200, $this->deliver($plain, $issued)->status);
        remove_tree($dir);
    }

    public function testTheProviderAndACorpsOwnApp(): void
    {
        $p = new Provider(['corp_id' => self::PROVIDER, 'provider_secret' => 'provider-secret', 'http' => $this->http(), 'store' => ['type' => 'memory']]);
        $this->assertStringStartsWith('PROVIDER_', $p->providerAccessToken()->value);
        $code = $this->wecom('login_code', ['provider_corpid' => self::PROVIDER, 'corpid' => self::CORP]);
        $this->assertSame(self::CORP, $p->getLoginInfo($code['code'])['corp_info']['corpid']);
        $this->assertStringNotContainsString('provider-secret', print_r($p, true));

        $app = new WorkAccount(['corp_id' => 'wwcorp000000000001', 'corp_secret' => 'corp-app-secret', 'http' => $this->http(), 'store' => ['type' => 'memory']]);
        $this->assertStringStartsWith('WORK_', $app->accessToken()->value);
        $this->assertSame('u1', $app->get('/cgi-bin/user/get', ['userid' => 'u1'])['echo']['query']['userid']);
    }
}
