//! The Open Platform and WeCom operations every foreign facade exposes, declared once.
//!
//! Each table is a macro that hands its rows to a facade macro (`$then!`), which expands them
//! into that facade's methods: uniffi exports with blocking and `_async` pairs (Kotlin), PyO3
//! methods on a blocking and an asyncio class (Python), and the C ABI's dispatch by name
//! (PHP, where JSON stays at the boundary). Adding an operation means: the core method, one
//! row here, and the PHP method (`tests/integration/php_methods.rs` fails without it).
//!
//! A row reads `name / name_async (receiver, arg: Type, …) -> Ret { body }`:
//! - the argument types are the shared ones every facade can take: `String`, `i64`,
//!   `Option<…>`, [`Query`](super::Query), [`Json`](super::Json), [`Body`](super::Body) and
//!   the core's
//!   `AuthorizationUrlOptions`;
//! - `Ret` names the facade-side result type (each facade module brings the names into scope:
//!   the core records, or its own record where the foreign shape differs, e.g.
//!   `CallbackResponse` with the foreign `Message`);
//! - `body` is an expression over `receiver` (the core client) and the owned arguments that
//!   evaluates to `crate::Result<core value>`; `io` rows are async, `pure` rows are not.

/// Operations of a third-party platform (`Component`).
macro_rules! component_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// Store a pushed `component_verify_ticket` durably (the callback handler does
                /// this itself).
                fn store_verify_ticket / store_verify_ticket_async (c, ticket: String) -> () {
                    c.store_verify_ticket(&ticket).await
                }
                /// The stored `component_verify_ticket`, if one was ever pushed.
                fn verify_ticket / verify_ticket_async (c) -> Option<String> {
                    c.verify_ticket().await
                }
                /// `api_start_push_ticket`: ask WeChat to (re)start pushing tickets.
                fn start_push_ticket / start_push_ticket_async (c) -> () {
                    c.start_push_ticket().await
                }
                /// The `component_access_token`, cached and refreshed once when due.
                fn component_access_token / component_access_token_async (c) -> Token {
                    c.component_access_token().await
                }
                /// Any component endpoint with `?component_access_token=`: GET without a body,
                /// POST with one. A token error refreshes the token and retries once.
                fn call / call_async (
                    c, path: String, query: Option<Query> = None, body: Option<Json> = None
                ) -> Json {
                    c.call(&path, &query.unwrap_or_default().pairs(), body.as_ref().map(|b| &b.0)).await
                }
                /// `api_create_preauthcode`.
                fn create_pre_auth_code / create_pre_auth_code_async (c) -> PreAuthCode {
                    c.create_pre_auth_code().await
                }
                /// A new pre-auth code and its authorization link in one call.
                fn create_authorization_url / create_authorization_url_async (
                    c, redirect_uri: String, options: Option<AuthorizationUrlOptions> = None
                ) -> String {
                    c.create_authorization_url(&redirect_uri, &options.unwrap_or_default()).await
                }
                /// `api_query_auth`: exchange an authorization code; the refresh token is
                /// stored durably and the access token cached before this returns.
                fn query_auth / query_auth_async (c, authorization_code: String) -> Authorization {
                    c.query_auth(&authorization_code).await
                }
                /// The stored refresh token of an authorizer.
                fn refresh_token / refresh_token_async (c, authorizer_appid: String) -> Option<String> {
                    c.refresh_token(&authorizer_appid).await
                }
                /// Store an authorizer's refresh token durably.
                fn store_refresh_token / store_refresh_token_async (
                    c, authorizer_appid: String, refresh_token: String
                ) -> () {
                    c.store_refresh_token(&authorizer_appid, &refresh_token).await
                }
                /// Remove everything stored for an authorizer (after `unauthorized`).
                fn forget_authorizer / forget_authorizer_async (c, authorizer_appid: String) -> () {
                    c.forget_authorizer(&authorizer_appid).await
                }
                /// An authorizer's access token, from its stored refresh token.
                fn authorizer_access_token / authorizer_access_token_async (
                    c, authorizer_appid: String
                ) -> Token {
                    c.authorizer_access_token(&authorizer_appid).await
                }
                /// `api_get_authorizer_info`: WeChat's answer.
                fn authorizer_info / authorizer_info_async (c, authorizer_appid: String) -> Json {
                    c.authorizer_info(&authorizer_appid).await
                }
                /// One page of `api_get_authorizer_list` (offset 0 and count 500 when unset).
                fn authorizer_list / authorizer_list_async (
                    c, offset: Option<i64> = None, count: Option<i64> = None
                ) -> AuthorizerList {
                    c.authorizer_list(offset.unwrap_or(0), count.unwrap_or(500)).await
                }
                /// Every authorizer WeChat lists, through all pages.
                fn all_authorizers / all_authorizers_async (c) -> Vec<AuthorizerListItem> {
                    c.all_authorizers().await
                }
                /// Store every refresh token WeChat lists (recovery from a lost store); the
                /// number stored.
                fn reseed_refresh_tokens / reseed_refresh_tokens_async (c) -> i64 {
                    c.reseed_refresh_tokens().await.map(|n| n as i64)
                }
                /// `api_get_authorizer_option` (component token).
                fn authorizer_option / authorizer_option_async (
                    c, authorizer_appid: String, option_name: String
                ) -> String {
                    c.authorizer_option(&authorizer_appid, &option_name).await
                }
                /// `api_set_authorizer_option` (component token).
                fn set_authorizer_option / set_authorizer_option_async (
                    c, authorizer_appid: String, option_name: String, option_value: String
                ) -> () {
                    c.set_authorizer_option(&authorizer_appid, &option_name, &option_value).await
                }
                /// `component/clear_quota`: reset the platform's own API counters.
                fn clear_quota / clear_quota_async (c) -> () {
                    c.clear_quota().await
                }
                /// `component/clear_quota/v2` (AppSecret, no token); with `appid`, for that
                /// authorizer.
                fn clear_quota_v2 / clear_quota_v2_async (c, appid: Option<String> = None) -> () {
                    c.clear_quota_v2(appid.as_deref()).await
                }
                /// `sns/oauth2/component/access_token`: a user's OAuth code for a user token.
                fn oauth_access_token / oauth_access_token_async (c, appid: String, code: String) -> Json {
                    c.oauth_access_token(&appid, &code).await
                }
                /// `sns/oauth2/component/refresh_token`.
                fn oauth_refresh_token / oauth_refresh_token_async (
                    c, appid: String, refresh_token: String
                ) -> Json {
                    c.oauth_refresh_token(&appid, &refresh_token).await
                }
                /// `sns/userinfo` with a user token.
                fn oauth_user_info / oauth_user_info_async (
                    c, access_token: String, openid: String
                ) -> Json {
                    c.oauth_user_info(&access_token, &openid).await
                }
                /// `sns/component/jscode2session`: a mini program's login code for its openid
                /// and session key.
                fn jscode2session / jscode2session_async (c, appid: String, js_code: String) -> Json {
                    c.jscode2session(&appid, &js_code).await
                }
                /// Handle a request to the authorization event URL: verify, decrypt, parse,
                /// run the lifecycle step, and say what to answer (never raises).
                fn handle_callback / handle_callback_async (
                    c, method: String, query: Query, body: Body
                ) -> CallbackResponse {
                    Ok::<_, crate::Error>(match body.0 {
                        Some(body) => {
                            let request = crate::CallbackRequest { method, query: query.0, body };
                            c.handle_callback(&request).await
                        }
                        None => crate::CallbackResponse::not_utf8(),
                    })
                }
                /// Forget a push that `handle_callback` answered 200 when the caller's handling
                /// of it then failed, so that the retry is handled instead of refused as a
                /// replay (409). `query` is the request's query; nothing to do with the replay
                /// window off.
                fn forget_push / forget_push_async (c, query: Query) -> () {
                    c.forget_push(&query.0).await
                }
            }
            pure {
                /// The authorization link for a pre-auth code (PC QR page, or the H5 page with
                /// `options.mobile`).
                fn authorization_url (
                    c, pre_auth_code: String, redirect_uri: String,
                    options: Option<AuthorizationUrlOptions> = None
                ) -> String {
                    Ok::<_, crate::Error>(c.authorization_url(
                        &pre_auth_code,
                        &redirect_uri,
                        &options.unwrap_or_default(),
                    ))
                }
                /// The web OAuth link for an authorizer Official Account (`snsapi_base` or
                /// `snsapi_userinfo`).
                fn oauth_authorize_url (
                    c, appid: String, redirect_uri: String, scope: String, state: Option<String> = None
                ) -> String {
                    Ok::<_, crate::Error>(c.oauth_authorize_url(
                        &appid,
                        &redirect_uri,
                        &scope,
                        state.as_deref().unwrap_or(""),
                    ))
                }
            }
        }
    };
}

/// Operations of an authorizer the platform acts for (`Authorizer`).
macro_rules! authorizer_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// Its access token (refreshed from the stored refresh token, or the fixed one).
                fn access_token / access_token_async (a) -> Token {
                    a.access_token().await
                }
                /// GET any endpoint as the authorizer.
                fn get / get_async (a, path: String, query: Option<Query> = None) -> Json {
                    a.get(&path, &query.unwrap_or_default().pairs()).await
                }
                /// POST a JSON body to any endpoint as the authorizer.
                fn post_json / post_json_async (a, path: String, body: Json) -> Json {
                    a.post_json(&path, &body.0).await
                }
                /// New-form `component/get_authorizer_option`.
                fn option / option_async (a, option_name: String) -> Json {
                    a.option(&option_name).await
                }
                /// New-form `component/set_authorizer_option`.
                fn set_option / set_option_async (a, option_name: String, option_value: String) -> () {
                    a.set_option(&option_name, &option_value).await
                }
                /// `cgi-bin/clear_quota` for this authorizer.
                fn clear_quota / clear_quota_async (a) -> () {
                    a.clear_quota().await
                }
                /// `cgi-bin/get_api_domain_ip`: the addresses WeChat's API servers call from.
                fn api_domain_ip / api_domain_ip_async (a) -> Vec<String> {
                    a.api_domain_ip().await
                }
                /// The authorizer's JS-SDK `jsapi_ticket` (with its access token), cached through
                /// the engine like an Official Account's.
                fn jsapi_ticket / jsapi_ticket_async (a) -> Token {
                    a.jsapi_ticket().await
                }
                /// What `wx.config` needs on the authorizer's page at `url` (its `#` fragment
                /// dropped).
                fn jssdk_config / jssdk_config_async (a, url: String) -> JsSdkConfig {
                    a.jssdk_config(&url).await
                }
                /// `cgi-bin/user/info`: a follower's profile (`subscribe` 0 when not following).
                fn user_info / user_info_async (a, openid: String) -> UserInfo {
                    a.user_info(&openid).await
                }
            }
            pure {}
        }
    };
}

// --- WeCom ----------------------------------------------------------------------------------

/// Operations of a WeCom service provider (`Provider`).
macro_rules! provider_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// The `provider_access_token`, cached and refreshed once when due.
                fn provider_access_token / provider_access_token_async (p) -> Token {
                    p.provider_access_token().await
                }
                /// `service/get_login_info`: who logged in to the provider's website with
                /// WeCom (the redirect's `auth_code`).
                fn get_login_info / get_login_info_async (p, auth_code: String) -> Json {
                    p.get_login_info(&auth_code).await
                }
                /// GET any provider endpoint with `?provider_access_token=`.
                fn get / get_async (p, path: String, query: Option<Query> = None) -> Json {
                    p.get(&path, &query.unwrap_or_default().pairs()).await
                }
                /// POST a JSON body to any provider endpoint with `?provider_access_token=`.
                fn post_json / post_json_async (p, path: String, body: Json) -> Json {
                    p.post_json(&path, &body.0).await
                }
            }
            pure {}
        }
    };
}

/// Operations of a WeCom third-party app (`Suite`).
macro_rules! suite_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// Store a pushed `suite_ticket` durably (the callback handler does this itself).
                fn store_suite_ticket / store_suite_ticket_async (s, ticket: String) -> () {
                    s.store_suite_ticket(&ticket).await
                }
                /// The stored `suite_ticket`, if one was ever pushed.
                fn suite_ticket / suite_ticket_async (s) -> Option<String> {
                    s.suite_ticket().await
                }
                /// The `suite_access_token`, cached and refreshed once when due; no ticket, or
                /// one WeCom refuses (40085), is a `ticket` error naming the suite.
                fn suite_access_token / suite_access_token_async (s) -> Token {
                    s.suite_access_token().await
                }
                /// Any suite endpoint with `?suite_access_token=`: GET without a body, POST
                /// with one. 42009/40082 refresh the token and retry once.
                fn call / call_async (
                    s, path: String, query: Option<Query> = None, body: Option<Json> = None
                ) -> Json {
                    s.call(&path, &query.unwrap_or_default().pairs(), body.as_ref().map(|b| &b.0)).await
                }
                /// `service/get_pre_auth_code`.
                fn pre_auth_code / pre_auth_code_async (s) -> PreAuthCode {
                    s.pre_auth_code().await
                }
                /// `service/set_session_info`: `auth_type` 0 (formal, the default) or 1 (test).
                fn set_session_info / set_session_info_async (
                    s, pre_auth_code: String, auth_type: Option<i64> = None
                ) -> () {
                    s.set_session_info(&pre_auth_code, auth_type.unwrap_or(0)).await
                }
                /// A pre-auth code, its session info (when `auth_type` is given) and its
                /// install link, in one call.
                fn create_install_url / create_install_url_async (
                    s, redirect_uri: String, state: Option<String> = None, auth_type: Option<i64> = None
                ) -> String {
                    s.create_install_url(&redirect_uri, state.as_deref().unwrap_or(""), auth_type).await
                }
                /// `service/get_permanent_code`: exchange an install's auth code; the
                /// permanent code is stored durably (and the corp token cached) first.
                fn permanent_code / permanent_code_async (s, auth_code: String) -> PermanentCode {
                    s.permanent_code(&auth_code).await
                }
                /// `service/v2/get_permanent_code` (no corp token); the permanent code is
                /// stored durably first.
                fn permanent_code_v2 / permanent_code_v2_async (s, auth_code: String) -> PermanentCode {
                    s.permanent_code_v2(&auth_code).await
                }
                /// The stored permanent code of a corp.
                fn stored_permanent_code / stored_permanent_code_async (s, corp_id: String) -> Option<String> {
                    s.stored_permanent_code(&corp_id).await
                }
                /// Store a corp's permanent code durably.
                fn store_permanent_code / store_permanent_code_async (
                    s, corp_id: String, permanent_code: String
                ) -> () {
                    s.store_permanent_code(&corp_id, &permanent_code).await
                }
                /// Remove a corp's permanent code and token (after `cancel_auth`).
                fn forget_corp / forget_corp_async (s, corp_id: String) -> () {
                    s.forget_corp(&corp_id).await
                }
                /// A corp's access token, from its stored permanent code.
                fn corp_access_token / corp_access_token_async (s, corp_id: String) -> Token {
                    s.corp_access_token(&corp_id).await
                }
                /// `service/get_auth_info`: WeCom's answer.
                fn auth_info / auth_info_async (s, corp_id: String) -> Json {
                    s.auth_info(&corp_id).await
                }
                /// `service/v2/get_auth_info`: WeCom's answer.
                fn auth_info_v2 / auth_info_v2_async (s, corp_id: String) -> Json {
                    s.auth_info_v2(&corp_id).await
                }
                /// `service/get_admin_list`: the app's admins in a corp.
                fn admin_list / admin_list_async (s, corp_id: String, agent_id: i64) -> Json {
                    s.admin_list(&corp_id, agent_id).await
                }
                /// `service/auth/getuserinfo3rd`: who opened the suite's OAuth link.
                fn getuserinfo3rd / getuserinfo3rd_async (s, code: String) -> Json {
                    s.getuserinfo3rd(&code).await
                }
                /// `service/auth/getuserdetail3rd`: a member's details for a `user_ticket`.
                fn getuserdetail3rd / getuserdetail3rd_async (s, user_ticket: String) -> Json {
                    s.getuserdetail3rd(&user_ticket).await
                }
                /// Handle a request to the suite's callback URL: GET verifies the URL, POST
                /// verifies, decrypts, parses and runs the install lifecycle step; says what to
                /// answer (never raises).
                fn handle_callback / handle_callback_async (
                    s, method: String, query: Query, body: Body
                ) -> CallbackResponse {
                    Ok::<_, crate::Error>(match body.0 {
                        Some(body) => {
                            let request = crate::CallbackRequest { method, query: query.0, body };
                            s.handle_callback(&request).await
                        }
                        None => crate::CallbackResponse::not_utf8(),
                    })
                }
                /// Forget a push that `handle_callback` answered 200 when the caller's handling
                /// of it then failed, so that the retry is handled instead of refused as a
                /// replay (409). `query` is the request's query; nothing to do with the replay
                /// window off.
                fn forget_push / forget_push_async (s, query: Query) -> () {
                    s.forget_push(&query.0).await
                }
            }
            pure {
                /// The install link for a pre-auth code
                /// (`open.work.weixin.qq.com/3rdapp/install`).
                fn install_url (
                    s, pre_auth_code: String, redirect_uri: String, state: Option<String> = None
                ) -> String {
                    s.install_url(&pre_auth_code, &redirect_uri, state.as_deref().unwrap_or(""))
                }
                /// The suite's web OAuth link (`snsapi_base` or `snsapi_privateinfo`).
                fn oauth_url (
                    s, redirect_uri: String, scope: String, state: Option<String> = None
                ) -> String {
                    s.oauth_url(&redirect_uri, &scope, state.as_deref().unwrap_or(""))
                }
            }
        }
    };
}

/// Operations of a corp a suite acts for (`Corp`).
macro_rules! corp_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// Its access token (minted from the stored permanent code when due).
                fn access_token / access_token_async (c) -> Token {
                    c.access_token().await
                }
                /// GET any WeCom endpoint as the corp.
                fn get / get_async (c, path: String, query: Option<Query> = None) -> Json {
                    c.get(&path, &query.unwrap_or_default().pairs()).await
                }
                /// POST a JSON body to any WeCom endpoint as the corp.
                fn post_json / post_json_async (c, path: String, body: Json) -> Json {
                    c.post_json(&path, &body.0).await
                }
            }
            pure {}
        }
    };
}

/// Operations of a corp's own app (`WorkAccount`).
macro_rules! work_account_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// The app's access token (`cgi-bin/gettoken`), cached and refreshed once when
                /// due.
                fn access_token / access_token_async (w) -> Token {
                    w.access_token().await
                }
                /// GET any WeCom endpoint as the app.
                fn get / get_async (w, path: String, query: Option<Query> = None) -> Json {
                    w.get(&path, &query.unwrap_or_default().pairs()).await
                }
                /// POST a JSON body to any WeCom endpoint as the app.
                fn post_json / post_json_async (w, path: String, body: Json) -> Json {
                    w.post_json(&path, &body.0).await
                }
            }
            pure {}
        }
    };
}

/// Operations of an Official Account or mini program with its own AppSecret
/// (`OfficialAccount`).
macro_rules! official_account_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// A fresh access token: cached, or fetched once for every caller sharing the
                /// store.
                fn access_token / access_token_async (a) -> Token {
                    a.access_token().await
                }
                /// Replace the cached access token now (e.g. after it leaked), unless another
                /// caller just did.
                fn refresh_access_token / refresh_access_token_async (a) -> Token {
                    a.refresh_access_token().await
                }
                /// The JS-SDK `jsapi_ticket`, cached like the access token.
                fn jsapi_ticket / jsapi_ticket_async (a) -> Token {
                    a.jsapi_ticket().await
                }
                /// What `wx.config` needs on the page at `url` (its `#` fragment dropped).
                fn jssdk_config / jssdk_config_async (a, url: String) -> JsSdkConfig {
                    a.jssdk_config(&url).await
                }
                /// `GET path?query&access_token=…`: any endpoint, WeChat's JSON answer. A token
                /// error refreshes the token and retries once.
                fn get / get_async (a, path: String, query: Option<Query> = None) -> Json {
                    a.get(&path, &query.unwrap_or_default().pairs()).await
                }
                /// `POST path?access_token=…` with a JSON body: any endpoint, its JSON answer.
                fn post_json / post_json_async (a, path: String, body: Json) -> Json {
                    a.post_json(&path, &body.0).await
                }
                /// `sns/oauth2/access_token`: the redirect's code for the user's token and
                /// openid; a used, expired or unknown code raises the `oauth_code` error.
                fn oauth_access_token / oauth_access_token_async (a, code: String) -> UserAccessToken {
                    a.oauth_access_token(&code).await
                }
                /// `sns/oauth2/refresh_token`: a new user access token.
                fn oauth_refresh_token / oauth_refresh_token_async (
                    a, refresh_token: String
                ) -> UserAccessToken {
                    a.oauth_refresh_token(&refresh_token).await
                }
                /// `sns/auth`: whether a user access token is still valid for `openid`.
                fn oauth_check / oauth_check_async (a, access_token: String, openid: String) -> bool {
                    a.oauth_check(&access_token, &openid).await
                }
                /// `sns/userinfo`: the user's profile (`lang` zh_CN when unset, zh_TW or en).
                fn oauth_user_info / oauth_user_info_async (
                    a, access_token: String, openid: String, lang: Option<String> = None
                ) -> OAuthUserInfo {
                    a.oauth_user_info(&access_token, &openid, lang.as_deref().unwrap_or("zh_CN")).await
                }
                /// `cgi-bin/user/info`: a user's follower record (`subscribe` false when not
                /// following).
                fn user_info / user_info_async (a, openid: String) -> UserInfo {
                    a.user_info(&openid).await
                }
                /// The subscribe check in one call: the redirect's code, then `cgi-bin/user/info`
                /// for its openid.
                fn user_info_by_code / user_info_by_code_async (a, code: String) -> UserInfo {
                    a.user_info_by_code(&code).await
                }
                /// `sns/jscode2session` with this app's own secret (a mini program): a
                /// `wx.login` code for the openid and session key.
                fn jscode2session / jscode2session_async (a, js_code: String) -> MiniProgramSession {
                    a.jscode2session(&js_code).await
                }
                /// Handle a request to the account's server URL: the GET signature check
                /// (answering `echostr`), or a POST message verified, decrypted when
                /// `encrypt_type=aes`, admitted through the replay window (403 outside it, 409
                /// when already received, with `callback.replay_window_seconds` on) and parsed
                /// (never raises).
                fn handle_message / handle_message_async (
                    a, method: String, query: Query, body: Body
                ) -> CallbackResponse {
                    Ok::<_, crate::Error>(match body.0 {
                        Some(body) => {
                            let request = crate::CallbackRequest { method, query: query.0, body };
                            a.handle_message(&request).await
                        }
                        None => crate::CallbackResponse::not_utf8(),
                    })
                }
                /// Forget a push that `handle_message` answered 200 when the caller's handling
                /// of it then failed, so that the retry is handled instead of refused as a
                /// replay (409). `query` is the request's query; nothing to do with the replay
                /// window off.
                fn forget_push / forget_push_async (a, query: Query) -> () {
                    a.forget_push(&query.0).await
                }
            }
            pure {
                /// The web authorization page (`snsapi_base` when `scope` is unset, or
                /// `snsapi_userinfo`), parameters in WeChat's order, with `#wechat_redirect`.
                fn oauth_url (
                    a, redirect_uri: String, scope: Option<String> = None, state: Option<String> = None
                ) -> String {
                    a.oauth_url(
                        &redirect_uri,
                        scope.as_deref().unwrap_or("snsapi_base"),
                        state.as_deref().unwrap_or(""),
                    )
                }
                /// The body answering the message whose XML (`plaintext` of `handle_message`)
                /// came with `query`: `reply` (`{"type":"text","content":…}`, image, voice,
                /// video, music, news, transfer_customer_service) addressed back, encrypted when
                /// the request was.
                fn reply_body (a, query: Query, plaintext: String, reply: Json) -> String {
                    (|| -> crate::Result<String> {
                        let reply: crate::Reply = serde_json::from_value(reply.0)
                            .map_err(|e| crate::Error::invalid_argument(format!("reply: {e}")))?;
                        let message = crate::parse_message(&plaintext)?;
                        let request = crate::CallbackRequest {
                            method: "POST".into(),
                            query: query.0,
                            body: String::new(),
                        };
                        a.reply(&request, &message, &reply)
                    })()
                }
            }
        }
    };
}

/// Operations of an Open Platform website app signing users in with `connect/qrconnect`
/// (`WebsiteApp`).
macro_rules! website_app_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {
                /// `sns/oauth2/access_token`: the redirect's code for the user's token and
                /// openid; a used, expired or unknown code raises the `oauth_code` error.
                fn oauth_access_token / oauth_access_token_async (w, code: String) -> UserAccessToken {
                    w.oauth_access_token(&code).await
                }
                /// `sns/oauth2/refresh_token`: a new user access token.
                fn oauth_refresh_token / oauth_refresh_token_async (
                    w, refresh_token: String
                ) -> UserAccessToken {
                    w.oauth_refresh_token(&refresh_token).await
                }
                /// `sns/auth`: whether a user access token is still valid for `openid`.
                fn oauth_check / oauth_check_async (w, access_token: String, openid: String) -> bool {
                    w.oauth_check(&access_token, &openid).await
                }
                /// `sns/userinfo`: the user's profile (`lang` zh_CN when unset, zh_TW or en).
                fn oauth_user_info / oauth_user_info_async (
                    w, access_token: String, openid: String, lang: Option<String> = None
                ) -> OAuthUserInfo {
                    w.oauth_user_info(&access_token, &openid, lang.as_deref().unwrap_or("zh_CN")).await
                }
            }
            pure {
                /// The QR login page (`connect/qrconnect`, scope `snsapi_login`) with `state`
                /// (see `OAuthState`), and `lang` (`cn` or `en`) when given.
                fn qrconnect_url (
                    w, redirect_uri: String, state: String, lang: Option<String> = None
                ) -> String {
                    w.qrconnect_url(&redirect_uri, &state, lang.as_deref())
                }
            }
        }
    };
}

/// The `state` helper of an authorization redirect (`OAuthState`): pure computation.
macro_rules! oauth_state_endpoints {
    ($then:ident { $($extra:tt)* }) => {
        $then! {
            extra { $($extra)* }
            io {}
            pure {
                /// A new state bound to the session's value (a session id, or a hash of it):
                /// 56 letters and digits, valid for the helper's lifetime.
                fn issue (s, session_value: String) -> String {
                    s.issue(&session_value)
                }
                /// Check the redirect's state against the session's value: raises
                /// `invalid_input` saying why when it is malformed, forged, for another session,
                /// or expired.
                fn verify (s, state: String, session_value: String) -> () {
                    s.verify(&state, &session_value)
                }
            }
        }
    };
}

/// One operation of a table, as text: what generated host files (the Python stub) are made
/// from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The operation's name (`query_auth`).
    pub name: &'static str,
    /// Its doc comment, line by line.
    pub doc: &'static [&'static str],
    /// Its arguments: name, Rust type as written in the table, and whether it has a default.
    pub args: &'static [(&'static str, &'static str, bool)],
    /// The result type as written in the table.
    pub ret: &'static str,
    /// Whether it does I/O (and so has an async form).
    pub io: bool,
}

/// Whether a row's argument has a default.
macro_rules! has_default {
    () => {
        false
    };
    ($default:ident) => {
        true
    };
}

/// Collects a table's rows as [`Row`]s.
macro_rules! rows {
    (
        extra { $($extra:tt)* }
        io { $( $(#[doc = $doc:literal])* fn $name:ident / $name_async:ident ( $recv:ident $(, $arg:ident : $ty:ty $(= $default:ident)?)* $(,)? ) -> $ret:ty $body:block )* }
        pure { $( $(#[doc = $pdoc:literal])* fn $pname:ident ( $precv:ident $(, $parg:ident : $pty:ty $(= $pdefault:ident)?)* $(,)? ) -> $pret:ty $pbody:block )* }
    ) => {
        &[
            $( Row {
                name: stringify!($name),
                doc: &[$($doc),*],
                args: &[$( (stringify!($arg), stringify!($ty), has_default!($($default)?)) ),*],
                ret: stringify!($ret),
                io: true,
            }, )*
            $( Row {
                name: stringify!($pname),
                doc: &[$($pdoc),*],
                args: &[$( (stringify!($parg), stringify!($pty), has_default!($($pdefault)?)) ),*],
                ret: stringify!($pret),
                io: false,
            }, )*
        ]
    };
}

/// The `Component` operations.
pub const COMPONENT_ROWS: &[Row] = component_endpoints!(rows {});

/// The `Authorizer` operations.
pub const AUTHORIZER_ROWS: &[Row] = authorizer_endpoints!(rows {});

const fn names<const N: usize>(rows: &[Row]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = rows[i].name;
        i += 1;
    }
    out
}

/// The `OfficialAccount` operations.
pub const OFFICIAL_ACCOUNT_ROWS: &[Row] = official_account_endpoints!(rows {});

/// The names of the `OfficialAccount` operations (the C ABI's method names).
pub const OFFICIAL_ACCOUNT_METHODS: &[&str] =
    &names::<{ OFFICIAL_ACCOUNT_ROWS.len() }>(OFFICIAL_ACCOUNT_ROWS);

/// The names of the `Component` operations (the C ABI's method names; PHP's in camelCase).
pub const COMPONENT_METHODS: &[&str] = &names::<{ COMPONENT_ROWS.len() }>(COMPONENT_ROWS);

/// The names of the `Authorizer` operations (the C ABI's method names after `authorizer.`).
pub const AUTHORIZER_METHODS: &[&str] = &names::<{ AUTHORIZER_ROWS.len() }>(AUTHORIZER_ROWS);

/// The `WebsiteApp` operations.
pub const WEBSITE_APP_ROWS: &[Row] = website_app_endpoints!(rows {});

/// The names of the `WebsiteApp` operations (the C ABI's method names).
pub const WEBSITE_APP_METHODS: &[&str] = &names::<{ WEBSITE_APP_ROWS.len() }>(WEBSITE_APP_ROWS);

/// The `OAuthState` operations.
pub const OAUTH_STATE_ROWS: &[Row] = oauth_state_endpoints!(rows {});

/// The names of the `OAuthState` operations (the C ABI's method names).
pub const OAUTH_STATE_METHODS: &[&str] = &names::<{ OAUTH_STATE_ROWS.len() }>(OAUTH_STATE_ROWS);

/// The WeCom `Provider` operations.
pub const PROVIDER_ROWS: &[Row] = provider_endpoints!(rows {});

/// The WeCom `Suite` operations.
pub const SUITE_ROWS: &[Row] = suite_endpoints!(rows {});

/// The operations of a `Corp` a suite acts for.
pub const CORP_ROWS: &[Row] = corp_endpoints!(rows {});

/// The WeCom `WorkAccount` operations.
pub const WORK_ACCOUNT_ROWS: &[Row] = work_account_endpoints!(rows {});

/// The names of the `Provider` operations (the C ABI's method names).
pub const PROVIDER_METHODS: &[&str] = &names::<{ PROVIDER_ROWS.len() }>(PROVIDER_ROWS);

/// The names of the `Suite` operations (the C ABI's method names).
pub const SUITE_METHODS: &[&str] = &names::<{ SUITE_ROWS.len() }>(SUITE_ROWS);

/// The names of the `Corp` operations (the C ABI's method names after `corp.`).
pub const CORP_METHODS: &[&str] = &names::<{ CORP_ROWS.len() }>(CORP_ROWS);

/// The names of the `WorkAccount` operations (the C ABI's method names).
pub const WORK_ACCOUNT_METHODS: &[&str] = &names::<{ WORK_ACCOUNT_ROWS.len() }>(WORK_ACCOUNT_ROWS);
