//! Blocking facades: each method runs the async one on the library's runtime
//! (see [`crate::runtime::block_on`]). Never a second implementation.

use crate::official_account::JsSdkConfig;
use crate::runtime::block_on;
use crate::token::Token;
use crate::{MiniProgramSession, OAuthUserInfo, UserAccessToken, UserInfo};
use crate::{OfficialAccountConfig, Result};

/// The blocking face of [`crate::OfficialAccount`]: every operation of its endpoint table.
///
/// ```no_run
/// use weixinkit::{blocking, OfficialAccountConfig};
/// let account = blocking::OfficialAccount::new(OfficialAccountConfig::new("wx123", "secret"))?;
/// let token = account.access_token()?;
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OfficialAccount(crate::OfficialAccount);

impl OfficialAccount {
    /// See [`crate::OfficialAccount::new`].
    pub fn new(config: OfficialAccountConfig) -> Result<Self> {
        crate::OfficialAccount::new(config).map(Self)
    }

    /// Wrap an async client (they share everything).
    pub fn from_async(inner: crate::OfficialAccount) -> Self {
        Self(inner)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::OfficialAccount {
        &self.0
    }

    /// See [`crate::OfficialAccount::keep_fresh`].
    pub fn keep_fresh(&self) -> crate::official_account::BackgroundRefresh {
        self.0.keep_fresh()
    }
}

/// The blocking face of [`crate::Component`]: every operation of the endpoint table
/// ([`crate::ffi::endpoints`]), as the other languages have it.
///
/// ```no_run
/// use weixinkit::{blocking, ComponentConfig};
/// # let json = "";
/// let platform = blocking::Component::new(ComponentConfig::from_json(json)?)?;
/// let url = platform.create_authorization_url("https://you.example/back".into(), None)?;
/// let ips = platform.authorizer("wx_authorizer")?.api_domain_ip()?;
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Component(crate::Component);

impl Component {
    /// See [`crate::Component::new`].
    pub fn new(config: crate::ComponentConfig) -> Result<Self> {
        crate::Component::new(config).map(Self)
    }

    /// Wrap an async client (they share everything).
    pub fn from_async(inner: crate::Component) -> Self {
        Self(inner)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::Component {
        &self.0
    }

    /// See [`crate::Component::authorizer`].
    pub fn authorizer(&self, authorizer_appid: &str) -> Result<Authorizer> {
        self.0.authorizer(authorizer_appid).map(Authorizer)
    }

    /// See [`crate::Component::authorizer_with_refresh_token`].
    pub fn authorizer_with_refresh_token(
        &self,
        authorizer_appid: &str,
        refresh_token: &str,
    ) -> Result<Authorizer> {
        block_on(
            self.0
                .authorizer_with_refresh_token(authorizer_appid, refresh_token),
        )
        .map(Authorizer)
    }

    /// See [`crate::Component::authorizer_with_access_token`].
    pub fn authorizer_with_access_token(
        &self,
        authorizer_appid: &str,
        access_token: &str,
    ) -> Result<Authorizer> {
        self.0
            .authorizer_with_access_token(authorizer_appid, access_token)
            .map(Authorizer)
    }
}

/// The blocking face of [`crate::Authorizer`].
#[derive(Debug, Clone)]
pub struct Authorizer(crate::Authorizer);

impl Authorizer {
    /// The authorizer's AppID.
    pub fn app_id(&self) -> &str {
        self.0.app_id()
    }
}

/// The blocking face of [`crate::wecom::Provider`].
#[derive(Debug, Clone)]
pub struct Provider(crate::wecom::Provider);

impl Provider {
    /// A provider client with the store its configuration names.
    pub fn new(config: crate::wecom::ProviderConfig) -> Result<Self> {
        crate::wecom::Provider::new(config).map(Self)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::wecom::Provider {
        &self.0
    }
}

/// The blocking face of [`crate::wecom::Suite`].
///
/// ```no_run
/// use weixinkit::{blocking, wecom::SuiteConfig};
/// # fn demo(config: SuiteConfig) -> weixinkit::Result<()> {
/// let suite = blocking::Suite::new(config)?;
/// let url = suite.create_install_url("https://you.example/installed".into(), None, Some(0))?;
/// let users = suite.corp("wwcorp")?.get("/cgi-bin/user/list".into(), None)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Suite(crate::wecom::Suite);

impl Suite {
    /// A suite client with the store its configuration names.
    pub fn new(config: crate::wecom::SuiteConfig) -> Result<Self> {
        crate::wecom::Suite::new(config).map(Self)
    }

    /// Wrap an async suite client.
    pub fn from_async(inner: crate::wecom::Suite) -> Self {
        Self(inner)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::wecom::Suite {
        &self.0
    }

    /// See [`crate::wecom::Suite::corp`].
    pub fn corp(&self, corp_id: &str) -> Result<Corp> {
        self.0.corp(corp_id).map(Corp)
    }
}

/// The blocking face of [`crate::wecom::Corp`].
#[derive(Debug, Clone)]
pub struct Corp(crate::wecom::Corp);

impl Corp {
    /// The corp id.
    pub fn corp_id(&self) -> &str {
        self.0.corp_id()
    }
}

/// The blocking face of [`crate::wecom::WorkAccount`].
#[derive(Debug, Clone)]
pub struct WorkAccount(crate::wecom::WorkAccount);

impl WorkAccount {
    /// A self-built app's client with the store its configuration names.
    pub fn new(config: crate::wecom::WorkAccountConfig) -> Result<Self> {
        crate::wecom::WorkAccount::new(config).map(Self)
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::wecom::WorkAccount {
        &self.0
    }
}

/// The blocking face of [`crate::WebsiteApp`].
#[derive(Debug, Clone)]
pub struct WebsiteApp(crate::WebsiteApp);

impl WebsiteApp {
    /// A website app's client.
    pub fn new(config: crate::WebsiteAppConfig) -> Result<Self> {
        crate::WebsiteApp::new(config).map(Self)
    }

    /// The AppID.
    pub fn app_id(&self) -> &str {
        self.0.app_id()
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &crate::WebsiteApp {
        &self.0
    }
}

// The names the table's rows use for their argument and result types.
use crate::ffi::{Body, Json, Query};
use crate::open_platform::{
    Authorization, AuthorizationUrlOptions, AuthorizerList, AuthorizerListItem, PreAuthCode,
};
use crate::wecom::PermanentCode;
use crate::CallbackResponse;

/// Expands a table into blocking methods (`io` rows; `pure` rows are already blocking).
macro_rules! blocking_methods {
    (
        extra { $Recv:ident }
        io { $( $(#[$m:meta])* fn $name:ident / $name_async:ident ( $recv:ident $(, $arg:ident : $ty:ty $(= $default:ident)?)* $(,)? ) -> $ret:ty $body:block )* }
        pure { $( $(#[$pm:meta])* fn $pname:ident ( $precv:ident $(, $parg:ident : $pty:ty $(= $pdefault:ident)?)* $(,)? ) -> $pret:ty $pbody:block )* }
    ) => {
        impl $Recv {
            $(
                $(#[$m])*
                pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    let $recv = &self.0;
                    block_on(async move { $body }).map(Into::into)
                }
            )*
            $(
                $(#[$pm])*
                pub fn $pname(&self $(, $parg: $pty)*) -> Result<$pret> {
                    let $precv = &self.0;
                    $pbody.map(Into::into)
                }
            )*
        }
    };
}

official_account_endpoints!(blocking_methods { OfficialAccount });
component_endpoints!(blocking_methods { Component });
authorizer_endpoints!(blocking_methods { Authorizer });
provider_endpoints!(blocking_methods { Provider });
suite_endpoints!(blocking_methods { Suite });
corp_endpoints!(blocking_methods { Corp });
work_account_endpoints!(blocking_methods { WorkAccount });
website_app_endpoints!(blocking_methods { WebsiteApp });
