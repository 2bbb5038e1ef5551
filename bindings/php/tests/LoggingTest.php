<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Psr\Log\AbstractLogger;
use Weixinkit\CallbackResult;
use Weixinkit\Component;
use Weixinkit\InvalidInputException;
use Weixinkit\ReauthorizationNeededException;
use Weixinkit\Weixinkit;

/** A PSR-3 logger keeping what it is given. */
final class CapturingLogger extends AbstractLogger
{
    /** @var list<array{level: string, message: string, context: array<string, mixed>}> */
    public $records = [];

    /** @param array<string, mixed> $context */
    public function log($level, $message, array $context = []): void
    {
        $this->records[] = ['level' => (string) $level, 'message' => (string) $message, 'context' => $context];
    }
}

/**
 * The library's records through a PSR-3 logger (both backends): a token refresh against the
 * local WeChat server arrives with its fields on the PHP thread, and a whole Open Platform
 * lifecycle logged at the most verbose level prints no secret or token in any log record,
 * print_r / var_dump output or error text.
 */
final class LoggingTest extends TestCase
{
    private const COMPONENT = 'wxcomponent0000001';
    private const SECRET = 'component-secret';
    private const TOKEN = 'componenttoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const AUTHORIZER = 'wxauthorizerlog0001';

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

    protected function tearDown(): void
    {
        Weixinkit::disableLogging();
    }

    /** @return array<string, mixed> */
    private function config(): array
    {
        return [
            'component_app_id' => self::COMPONENT,
            'component_secret' => self::SECRET,
            'token' => self::TOKEN,
            'encoding_aes_key' => self::AES_KEY,
            'http' => ['api_base_uri' => self::$sim->baseUrl, 'retry' => ['delay_ms' => 1]],
            'store' => ['type' => 'memory'],
        ];
    }

    /** @param array<string, mixed> $push */
    private function deliver(Component $c, array $push): CallbackResult
    {
        $result = $c->handleCallback('POST', $push['query'], $push['body']);
        $this->assertSame([200, 'success'], [$result->status, $result->body]);
        return $result;
    }

    /** @return array{level: string, message: string, context: array<string, mixed>}|null */
    private static function find(CapturingLogger $logger, string $message, string $key, string $value): ?array
    {
        foreach ($logger->records as $record) {
            if ($record['message'] === $message && ($record['context'][$key] ?? null) === $value) {
                return $record;
            }
        }
        return null;
    }

    public function testATokenRefreshReachesTheLoggerWithItsFields(): void
    {
        $logger = new CapturingLogger();
        Weixinkit::enableLogging($logger, 'debug');
        $c = new Component($this->config());
        $issued = self::$sim->componentTicket(self::COMPONENT);
        $this->deliver($c, $issued['push']);
        $token = $c->componentAccessToken();

        $key = 'weixinkit:component_access_token:' . self::COMPONENT . ':' . self::COMPONENT;
        $refreshed = self::find($logger, 'token refreshed', 'key', $key);
        $this->assertNotNull($refreshed, json_encode($logger->records));
        $this->assertSame('info', $refreshed['level']);
        $this->assertSame('weixinkit::token', $refreshed['context']['target']);
        $this->assertSame('token_refresh', $refreshed['context']['span']);
        $this->assertSame('component_access_token', $refreshed['context']['kind']);
        $this->assertSame('7200', $refreshed['context']['expires_in']);
        $this->assertNotNull(self::find($logger, 'component_verify_ticket stored', 'component_appid', self::COMPONENT));
        $lock = self::find($logger, 'refresh lock taken', 'key', $key);
        $this->assertNotNull($lock);
        $this->assertSame('debug', $lock['level']);
        $text = json_encode($logger->records);
        foreach ([$token->value, $issued['ticket'], self::SECRET] as $secret) {
            $this->assertStringNotContainsString($secret, $text);
        }

        // Below the level asked for, nothing; after disableLogging(), nothing.
        $logger->records = [];
        Weixinkit::enableLogging($logger, 'warn');
        $this->deliver($c, self::$sim->componentTicket(self::COMPONENT)['push']);
        $this->assertSame([], $logger->records);
        Weixinkit::enableLogging($logger, 'info');
        Weixinkit::disableLogging();
        $this->deliver($c, self::$sim->componentTicket(self::COMPONENT)['push']);
        $this->assertSame([], $logger->records);
    }

    public function testABadLevelIsInvalidInput(): void
    {
        try {
            Weixinkit::enableLogging(new CapturingLogger(), 'loud');
            $this->fail('no exception');
        } catch (InvalidInputException $e) {
            $this->assertSame(-50005, $e->getCode());
        }
    }

    public function testAWholeLifecyclePrintsNoSecretOrToken(): void
    {
        $logger = new CapturingLogger();
        Weixinkit::enableLogging($logger, 'trace');
        $secrets = [self::SECRET, self::AES_KEY, self::TOKEN];
        $shown = [];
        $show = static function (...$values) use (&$shown): void {
            foreach ($values as $value) {
                $shown[] = print_r($value, true);
                ob_start();
                var_dump($value);
                $shown[] = (string) ob_get_clean();
            }
        };

        $c = new Component($this->config());
        $show($c);

        // Ticket push → component token.
        $issued = self::$sim->componentTicket(self::COMPONENT);
        $secrets[] = $issued['ticket'];
        $result = $this->deliver($c, $issued['push']);
        $show($result, $result->message);
        $token = $c->componentAccessToken();
        $secrets[] = $token->value;
        $show($token);

        // Authorization push → query_auth → refresh token stored.
        $granted = self::$sim->authorize(self::COMPONENT, self::AUTHORIZER);
        $secrets[] = $granted['authorization_code'];
        $result = $this->deliver($c, $granted['push']);
        $show($result, $result->message);
        $secrets[] = $c->refreshToken(self::AUTHORIZER);

        // An authorizer call, then a refresh through the refresh token after expiry.
        $a = $c->authorizer(self::AUTHORIZER);
        $first = $a->accessToken();
        $secrets[] = $first->value;
        $show($a, $first, $a->get('/cgi-bin/get_api_domain_ip'));
        $this->assertGreaterThanOrEqual(1, self::$sim->expire(self::AUTHORIZER));
        $a->postJson('/cgi-bin/message/custom/send', ['touser' => 'o1']);
        $second = $a->accessToken();
        $this->assertNotSame($first->value, $second->value);
        $secrets[] = $second->value;
        $secrets[] = $c->refreshToken(self::AUTHORIZER);
        $show($second);

        // Errors a program prints: a bad argument, and re-authorization after unauthorized.
        try {
            $a->get('/cgi-bin/x?access_token=1');
            $this->fail('no exception');
        } catch (InvalidInputException $e) {
            $shown[] = (string) $e;
        }
        $result = $this->deliver($c, self::$sim->unauthorize(self::COMPONENT, self::AUTHORIZER)['push']);
        $show($result);
        try {
            $a->accessToken();
            $this->fail('no exception');
        } catch (ReauthorizationNeededException $e) {
            $shown[] = (string) $e;
            $show($e);
        }

        $this->assertNotNull(self::find($logger, 'authorization stored (authorized / updateauthorized)', 'authorizer_appid', self::AUTHORIZER));
        $this->assertNotNull(self::find($logger, 'token refreshed', 'kind', 'authorizer_access_token'));
        foreach ($logger->records as $record) {
            $shown[] = $record['message'] . ' ' . print_r($record['context'], true);
        }
        foreach ($secrets as $secret) {
            $this->assertIsString($secret);
            $this->assertGreaterThanOrEqual(8, strlen($secret));
            foreach ($shown as $text) {
                $this->assertStringNotContainsString($secret, $text);
            }
        }
    }
}
