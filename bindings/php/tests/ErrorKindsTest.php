<?php

declare(strict_types=1);

namespace Weixinkit\Tests;

use PHPUnit\Framework\TestCase;
use Weixinkit\ApiException;
use Weixinkit\ConfigException;
use Weixinkit\DecodeException;
use Weixinkit\HttpStatusException;
use Weixinkit\Native;
use Weixinkit\StoreException;
use Weixinkit\TimeoutException;
use Weixinkit\Token;
use Weixinkit\ReauthorizationNeededException;
use Weixinkit\TicketException;
use Weixinkit\TokenUnavailableException;
use Weixinkit\TransportException;
use Weixinkit\WeixinkitException;

/** The token engine's error kinds and the Token value, without a server. */
final class ErrorKindsTest extends TestCase
{
    public function testEveryTokenEngineKindHasItsExceptionClassAndCode(): void
    {
        $classes = [
            'api' => [ApiException::class, 45009],
            'transport' => [TransportException::class, -50001],
            'timeout' => [TimeoutException::class, -50002],
            'http_status' => [HttpStatusException::class, -50003],
            'decode' => [DecodeException::class, -50004],
            'store' => [StoreException::class, -50010],
            'config' => [ConfigException::class, -50020],
            'token_unavailable' => [TokenUnavailableException::class, -50030],
            'ticket' => [TicketException::class, -50040],
            'reauthorization_needed' => [ReauthorizationNeededException::class, -50041],
        ];
        foreach ($classes as $kind => [$class, $code]) {
            $e = Native::exception(json_encode(['kind' => $kind, 'code' => $code, 'message' => "m {$kind}"]), $code);
            $this->assertSame($class, get_class($e), $kind);
            $this->assertInstanceOf(WeixinkitException::class, $e);
            $this->assertSame($code, $e->getCode());
            $this->assertSame($kind, $e->getKind());
            $this->assertSame("m {$kind}", $e->getMessage());
        }
        $api = Native::exception('{"kind":"api","code":-1,"message":"/x failed: errcode -1: system busy"}', -1);
        $this->assertInstanceOf(ApiException::class, $api);
        $this->assertSame(-1, $api->getErrcode());

        // The Open Platform kinds carry WeChat's errcode when WeChat refused, else null.
        $refused = Native::exception('{"kind":"ticket","code":61005,"message":"m"}', 61005);
        $this->assertInstanceOf(TicketException::class, $refused);
        $this->assertSame(61005, $refused->getErrcode());
        $this->assertNull(Native::exception('{"kind":"ticket","code":-50040,"message":"m"}', -50040)->getErrcode());
        $cancelled = Native::exception('{"kind":"reauthorization_needed","code":61003,"message":"m"}', 61003);
        $this->assertInstanceOf(ReauthorizationNeededException::class, $cancelled);
        $this->assertSame(61003, $cancelled->getErrcode());
        $this->assertNull(Native::exception('{"kind":"reauthorization_needed","code":-50041,"message":"m"}', -50041)->getErrcode());
    }

    public function testTokenHidesItsValueFromDumps(): void
    {
        $token = Token::fromJson('{"value":"ACCESS_hidden_1234","expires_at":1700007200,"issued_at":1700000000}');
        $this->assertSame('ACCESS_hidden_1234', $token->value);
        $this->assertSame(1700007200, $token->expiresAt);
        $this->assertSame(1700000000, $token->issuedAt);
        $this->assertSame(7200, $token->expiresIn(1700000000));
        $this->assertSame(-5, $token->expiresIn(1700007205));
        ob_start();
        var_dump($token);
        $shown = ob_get_clean() . print_r($token, true);
        $this->assertStringNotContainsString('ACCESS_hidden_1234', $shown);
        $this->assertStringContainsString('***', $shown);
        $this->assertStringContainsString('1700007200', $shown);
    }
}
