<?php

declare(strict_types=1);

namespace Weixinkit;

/**
 * An Open Platform website app ("log in with WeChat" on a PC site, `connect/qrconnect`): its
 * own AppID and AppSecret, the QR login page, the code exchange and the user's profile.
 *
 * ```php
 * $app = new WebsiteApp(['app_id' => 'wx…', 'secret' => getenv('WEB_SECRET')]);
 * $states = new OAuthState(getenv('STATE_KEY'));
 * header('Location: ' . $app->qrconnectUrl('https://example.com/login', $states->issue(session_id())));
 * // on the redirect:
 * $states->verify($_GET['state'] ?? '', session_id());
 * $user = $app->oauthAccessToken($_GET['code']);
 * $profile = $app->oauthUserInfo($user['access_token'], $user['openid']);
 * ```
 *
 * Every failure throws a WeixinkitException subclass; a used, expired or unknown code is an
 * OauthCodeException.
 */
final class WebsiteApp
{
    use WeComClient;

    /** @var string */
    private $appId;

    /** Options that are strings even when a number is given. */
    private const STRINGS = ['app_id', 'secret'];

    /**
     * `$config`: `['app_id' => 'wx…', 'secret' => '…', 'http' => [...]]` (no store: nothing
     * is cached).
     *
     * @param array<string, mixed> $config
     * @throws ConfigException (-50020) when the configuration cannot be used
     */
    public function __construct(#[\SensitiveParameter] array $config)
    {
        $this->open('website_app', $config, self::STRINGS);
        $this->appId = (string) $this->invoke('app_id', []);
    }

    /** @return array<string, mixed> what var_dump and print_r show (never the configuration) */
    public function __debugInfo(): array
    {
        return ['appId' => $this->appId];
    }

    /** The AppID. */
    public function appId(): string
    {
        return $this->appId;
    }

    /**
     * The QR login page (`open.weixin.qq.com/connect/qrconnect`, scope `snsapi_login`):
     * parameters in WeChat's order, `$state` (letters and digits, at most 128: see
     * OAuthState), `$lang` `cn` or `en` when given, and `#wechat_redirect`.
     *
     * @throws InvalidInputException for a relative redirect URI, a bad state or language
     */
    public function qrconnectUrl(string $redirectUri, string $state, ?string $lang = null): string
    {
        $args = ['redirect_uri' => $redirectUri, 'state' => $state];
        if ($lang !== null) {
            $args['lang'] = $lang;
        }
        return (string) $this->invoke('qrconnect_url', $args);
    }

    /**
     * `sns/oauth2/access_token`: the redirect's `code` for the user's token:
     * `['access_token', 'expires_in', 'refresh_token', 'openid', 'scope', 'unionid' => ?string,
     * 'is_snapshotuser' => bool]`.
     *
     * @return array<string, mixed>
     * @throws OauthCodeException when the code was already used (40163), expired (42003) or is
     *     unknown (40029): send the user through the login again
     * @throws WeixinkitException
     */
    public function oauthAccessToken(#[\SensitiveParameter] string $code): array
    {
        return Native::answer($this->invoke('oauth_access_token', ['code' => $code]));
    }

    /**
     * `sns/oauth2/refresh_token`: a new user access token (same fields as oauthAccessToken()).
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function oauthRefreshToken(#[\SensitiveParameter] string $refreshToken): array
    {
        return Native::answer($this->invoke('oauth_refresh_token', ['refresh_token' => $refreshToken]));
    }

    /**
     * `sns/auth`: whether the user access token is still valid for `$openid`.
     *
     * @throws WeixinkitException for failures other than WeChat's "invalid" answers
     */
    public function oauthCheck(#[\SensitiveParameter] string $accessToken, string $openid): bool
    {
        return $this->invoke('oauth_check', ['access_token' => $accessToken, 'openid' => $openid]) === true;
    }

    /**
     * `sns/userinfo`: the user's profile (`openid`, `nickname`, `sex`, `province`, `city`,
     * `country`, `headimgurl`, `privilege`, `unionid`); `$lang` `zh_CN`, `zh_TW` or `en`.
     *
     * @return array<string, mixed>
     * @throws WeixinkitException
     */
    public function oauthUserInfo(#[\SensitiveParameter] string $accessToken, string $openid, string $lang = 'zh_CN'): array
    {
        $args = ['access_token' => $accessToken, 'openid' => $openid, 'lang' => $lang];
        return Native::answer($this->invoke('oauth_user_info', $args));
    }
}
