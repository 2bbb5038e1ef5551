<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * A WeCom corp's own (self-built) app: its `cgi-bin/gettoken` token (cached in the store,
 * fetched once for every process sharing it; 40014/42001 refresh it and retry once) and any
 * WeCom API with it.
 *
 * ```php
 * $app = new WorkAccount(['corp_id' => 'ww…', 'corp_secret' => getenv('APP_SECRET')]);
 * $users = $app->get('/cgi-bin/user/list', ['department_id' => 1]);
 * ```
 */
final class WorkAccount
{
    use WeComClient;

    /** @var string */
    private $corpId;

    /** Options that are strings even when a number is given. */
    private const STRINGS = ['corp_id', 'corp_secret'];

    /**
     * `$config`: `['corp_id' => 'ww…', 'corp_secret' => '…', 'http' => [...], 'tokens' => [...],
     * 'store' => [...]]`.
     *
     * @param array<string, mixed> $config
     * @throws ConfigException (-50020) when the configuration cannot be used
     */
    public function __construct(#[\SensitiveParameter] array $config)
    {
        $this->open('work_account', $config, self::STRINGS);
        $this->corpId = (string) $this->invoke('corp_id', []);
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the configuration) */
    public function __debugInfo(): array
    {
        return ['corpId' => $this->corpId];
    }

    /** The corp id. */
    public function corpId(): string
    {
        return $this->corpId;
    }

    /**
     * The app's access token: the stored one while fresh, else fetched once.
     *
     * @throws WeixinkitException
     */
    public function accessToken(): Token
    {
        return self::token($this->invoke('access_token', []));
    }

    /**
     * `GET $path?$query&access_token=…` as the app: WeCom's JSON answer.
     *
     * @param array<string, string|int|float|bool> $query
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function get(string $path, array $query = []): array
    {
        return Native::answer($this->invoke('get', self::getArgs($path, $query)));
    }

    /**
     * `POST $path?access_token=…` with `$body` as JSON, as the app: WeCom's JSON answer.
     *
     * @param array<mixed> $body
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function postJson(string $path, array $body): array
    {
        return Native::answer($this->invoke('post_json', self::postArgs($path, $body)));
    }
}
