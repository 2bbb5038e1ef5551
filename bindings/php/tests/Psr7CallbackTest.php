<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use Nyholm\Psr7\Factory\Psr17Factory;
use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Weixinkit\CallbackResult;
use Weixinkit\Component;
use Weixinkit\Message;

/**
 * The authorization event URL through PSR-7: Component::handleServerRequest() with a Nyholm
 * ServerRequest carrying the local WeChat server's (wechat-sim) pushes, answered with
 * CallbackResult::toResponse(); and the package loading without any PSR package.
 */
final class Psr7CallbackTest extends TestCase
{
    private const COMPONENT = 'wxcomponent0000001';
    private const SECRET = 'component-secret';
    private const TOKEN = 'componenttoken';
    private const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    private const AUTHORIZER = 'wxauthorizer000001';
    private const URL = 'https://platform.example/wechat/component';

    /** @var WechatSim|null */
    private static $sim;

    /** @var Psr17Factory */
    private $psr17;

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
        if (!class_exists(Psr17Factory::class)) {
            $this->markTestSkipped('nyholm/psr7 is not installed (test.sh installs php-nyholm-psr7)');
        }
        self::$sim->reset();
        $this->psr17 = new Psr17Factory();
        $this->handled = [];
    }

    /** @return array<string, mixed> the sim component, a memory store */
    private function config(): array
    {
        return [
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
        ];
    }

    /** The user handler: records what it was given. */
    private function handler(): \Closure
    {
        return function (Message $message): void {
            $this->handled[] = $message;
        };
    }

    /**
     * A sim push as a framework hands it over: the query in the URI and in getQueryParams(),
     * the raw body as a stream already read once (frameworks often read it before routing).
     *
     * @param array{query: array<string, string>, body: string} $push
     */
    private function request(string $method, array $push, bool $queryParams = true): ServerRequestInterface
    {
        $body = $this->psr17->createStream($push['body']);
        $body->getContents();
        $request = $this->psr17
            ->createServerRequest($method, self::URL . '?' . http_build_query($push['query']))
            ->withHeader('Content-Type', 'text/xml')
            ->withBody($body);
        return $queryParams ? $request->withQueryParams($push['query']) : $request;
    }

    private function assertAnswer(int $status, string $body, ResponseInterface $response): void
    {
        $this->assertSame($status, $response->getStatusCode());
        $this->assertSame($body, (string) $response->getBody());
        $this->assertSame(['text/plain; charset=utf-8'], $response->getHeader('Content-Type'));
        $this->assertSame($status === 405 ? ['POST'] : [], $response->getHeader('Allow'));
    }

    public function testAGenuineTicketPushIsAnswered200SuccessAndStored(): void
    {
        $c = new Component($this->config());
        $issued = self::$sim->componentTicket(self::COMPONENT);
        $result = $c->handleServerRequest($this->request('POST', $issued['push']), $this->handler());

        $this->assertInstanceOf(CallbackResult::class, $result);
        $this->assertTrue($result->isSuccess());
        // Either way of building the body gives the same answer.
        $this->assertAnswer(200, 'success', $result->toResponse($this->psr17));
        $this->assertAnswer(200, 'success', $result->toResponse($this->psr17, $this->psr17));

        $this->assertSame($issued['ticket'], $c->verifyTicket());
        $this->assertCount(1, $this->handled);
        $this->assertInstanceOf(Message::class, $this->handled[0]);
        $this->assertSame('component_verify_ticket', $this->handled[0]->type);
        $this->assertSame($issued['ticket'], $this->handled[0]->event['ticket']);
        $this->assertSame($issued['ticket'], $this->handled[0]->field('ComponentVerifyTicket'));
        $this->assertSame($result->message, $this->handled[0]);

        // The `authorized` push goes the same way: the code is exchanged before the handler.
        $auth = self::$sim->authorize(self::COMPONENT, self::AUTHORIZER);
        $result = $c->handleServerRequest($this->request('POST', $auth['push']), $this->handler());
        $this->assertAnswer(200, 'success', $result->toResponse($this->psr17));
        $this->assertCount(2, $this->handled);
        $this->assertSame('authorized', $this->handled[1]->type);
        $this->assertSame(self::AUTHORIZER, $this->handled[1]->event['notice']['authorizer_appid']);
        $this->assertNotNull($c->refreshToken(self::AUTHORIZER));
        $this->assertSame(1, self::$sim->calls('/cgi-bin/component/api_query_auth'));
    }

    public function testTheQueryIsReadFromTheUriWhenTheRequestHasNoQueryParams(): void
    {
        $c = new Component($this->config());
        $issued = self::$sim->componentTicket(self::COMPONENT);
        $request = $this->request('POST', $issued['push'], false);
        $this->assertSame([], $request->getQueryParams());
        $result = $c->handleServerRequest($request, $this->handler());
        $this->assertAnswer(200, 'success', $result->toResponse($this->psr17));
        $this->assertSame($issued['ticket'], $c->verifyTicket());
        $this->assertCount(1, $this->handled);
    }

    public function testAForgedSignatureIsAnswered403AndNothingHappens(): void
    {
        $c = new Component($this->config());
        $push = self::$sim->componentTicket(self::COMPONENT)['push'];
        $signature = $push['query']['msg_signature'];
        $push['query']['msg_signature'] = ($signature[0] === '0' ? '1' : '0') . substr($signature, 1);

        $result = $c->handleServerRequest($this->request('POST', $push), $this->handler());
        $response = $result->toResponse($this->psr17, $this->psr17);
        $this->assertSame(403, $response->getStatusCode());
        $this->assertStringContainsString('signature', (string) $response->getBody());
        $this->assertSame(['text/plain; charset=utf-8'], $response->getHeader('Content-Type'));
        $this->assertNull($result->message);
        $this->assertSame([], $this->handled);
        $this->assertNull($c->verifyTicket());
    }

    public function testAGetIsAnswered405(): void
    {
        $c = new Component($this->config());
        $push = self::$sim->componentTicket(self::COMPONENT)['push'];
        $result = $c->handleServerRequest($this->request('GET', $push), $this->handler());
        $response = $result->toResponse($this->psr17);
        $this->assertSame(405, $response->getStatusCode());
        $this->assertSame(['POST'], $response->getHeader('Allow'));
        $this->assertNotSame('success', (string) $response->getBody());
        $this->assertSame([], $this->handled);
        $this->assertNull($c->verifyTicket());
    }

    public function testThePackageLoadsAndWorksWithoutAnyPsrPackage(): void
    {
        // A PHP process of its own (on this run's backend) with only the package's autoloader:
        // no PSR interface may be loaded, or even asked for, by loading the classes and
        // handling a push the array way; the PSR methods exist and refuse anything else.
        $push = self::$sim->componentTicket(self::COMPONENT)['push'];
        $out = run_php(<<<'PHP'
            $asked = [];
            spl_autoload_register(static function (string $class) use (&$asked): void {
                if (stripos($class, 'Psr\\') === 0) {
                    $asked[] = $class;
                }
            });
            require getenv('WEIXINKIT_PHP_SRC') . '/autoload.php';
            $push = json_decode(getenv('WEIXINKIT_TEST_PUSH'), true);
            $loaded = class_exists(Weixinkit\Component::class) && class_exists(Weixinkit\CallbackResult::class);
            $c = new Weixinkit\Component(json_decode(getenv('WEIXINKIT_TEST_CONFIG'), true));
            $result = $c->handleCallback('POST', $push['query'], $push['body']);
            $types = [
                (string) (new ReflectionMethod(Weixinkit\Component::class, 'handleServerRequest'))->getParameters()[0]->getType(),
                (string) (new ReflectionMethod(Weixinkit\CallbackResult::class, 'toResponse'))->getReturnType(),
            ];
            $refused = [];
            foreach ([
                static fn () => $c->handleServerRequest(new stdClass()),
                static fn () => $result->toResponse(new stdClass()),
            ] as $call) {
                try {
                    $call();
                    $refused[] = 'accepted';
                } catch (TypeError $e) {
                    $refused[] = str_contains($e->getMessage(), 'Psr\\Http\\Message\\') ? 'TypeError' : $e->getMessage();
                }
            }
            echo json_encode([
                'loaded' => $loaded,
                'answer' => [$result->status, $result->body],
                'ticket' => $c->verifyTicket() !== null,
                'types' => $types,
                'refused' => $refused,
                'psr_loaded' => array_values(array_filter(
                    array_merge(get_declared_interfaces(), get_declared_classes()),
                    static fn (string $name): bool => stripos($name, 'Psr\\') === 0
                )),
                'psr_asked' => $asked,
            ]);
            PHP, [
            'WEIXINKIT_TEST_CONFIG' => json_encode($this->config(), JSON_THROW_ON_ERROR),
            'WEIXINKIT_TEST_PUSH' => json_encode($push, JSON_THROW_ON_ERROR),
        ]);
        $child = json_decode($out, true, 8, JSON_THROW_ON_ERROR);
        $this->assertTrue($child['loaded']);
        $this->assertSame([200, 'success'], $child['answer']);
        $this->assertTrue($child['ticket']);
        $this->assertSame(
            ['Psr\Http\Message\ServerRequestInterface', 'Psr\Http\Message\ResponseInterface'],
            $child['types']
        );
        $this->assertSame(['TypeError', 'TypeError'], $child['refused']);
        $this->assertSame([], $child['psr_loaded']);
        $this->assertSame([], $child['psr_asked']);
    }
}
