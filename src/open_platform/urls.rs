//! Browser pages: authorization links and OAuth links.

use super::AuthorizationUrlOptions;

/// Where the browser pages live.
pub(super) const MP_BASE: &str = "https://mp.weixin.qq.com";
pub(crate) const OPEN_BASE: &str = "https://open.weixin.qq.com";

/// See [`Component::authorization_url`].
pub fn authorization_url(
    component_appid: &str,
    pre_auth_code: &str,
    redirect_uri: &str,
    options: &AuthorizationUrlOptions,
) -> String {
    let mut query = Vec::new();
    if options.mobile {
        query.extend([
            ("action", "bindcomponent".to_string()),
            ("no_scan", "1".into()),
        ]);
    }
    query.extend([
        ("component_appid", component_appid.to_string()),
        ("pre_auth_code", pre_auth_code.into()),
        ("redirect_uri", redirect_uri.into()),
    ]);
    if let Some(t) = options.auth_type {
        query.push(("auth_type", t.to_string()));
    }
    if let Some(biz) = &options.biz_appid {
        query.push(("biz_appid", biz.clone()));
    }
    if !options.category_id_list.is_empty() {
        let ids: Vec<String> = options
            .category_id_list
            .iter()
            .map(i64::to_string)
            .collect();
        query.push(("category_id_list", ids.join("|")));
    }
    let (page, fragment) = if options.mobile {
        ("/safe/bindcomponent", Some("wechat_redirect"))
    } else {
        ("/cgi-bin/componentloginpage", None)
    };
    page_url(&format!("{MP_BASE}{page}"), &query, fragment)
}

/// `base?k=v&…#fragment`, parameters in the given order (WeChat's pages check the order),
/// values form-encoded.
pub(crate) fn page_url(base: &str, query: &[(&str, String)], fragment: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(base).expect("a constant base URL");
    url.query_pairs_mut().extend_pairs(query);
    url.set_fragment(fragment);
    url.into()
}
