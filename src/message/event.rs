//! Typed events, classified from the leaf fields of a push.

use serde::Serialize;

use super::Fields as Leaves;
use crate::error::{Error, Result};

/// Sender, receiver and time of a user message or event.
///
/// ```
/// use weixinkit::{parse_message, Event};
/// let m = parse_message("<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>\
///     <CreateTime>7</CreateTime><MsgType>event</MsgType><Event>unsubscribe</Event></xml>")?;
/// let Event::Unsubscribe { header } = m.event else { panic!() };
/// assert_eq!((header.from_user_name.as_str(), header.create_time), ("o1", 7));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageHeader {
    /// The account that received it (Official Account original id, corp id).
    pub to_user_name: String,
    /// The sender (openid, WeCom UserID).
    pub from_user_name: String,
    /// Unix seconds.
    pub create_time: i64,
}

/// Open Platform `authorized` / `updateauthorized` notification.
///
/// ```
/// use weixinkit::{parse_message, Event};
/// let m = parse_message("<xml><AppId>c</AppId><CreateTime>1</CreateTime><InfoType>authorized</InfoType>\
///     <AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>\
///     <AuthorizationCodeExpiredTime>3600</AuthorizationCodeExpiredTime><PreAuthCode>p</PreAuthCode></xml>")?;
/// let Event::Authorized { notice } = m.event else { panic!() };
/// assert_eq!((notice.authorizer_appid.as_str(), notice.authorization_code.as_str()), ("wxa", "code"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct AuthorizationNotice {
    /// The component (third-party platform) appid.
    pub app_id: String,
    /// Unix seconds; `None` when absent or not an integer (the raw text stays in the
    /// message's fields).
    pub create_time: Option<i64>,
    /// The authorizing Official Account / mini program.
    pub authorizer_appid: String,
    /// Exchange it with `api_query_auth` promptly.
    pub authorization_code: String,
    /// As sent; values above 10^9 are absolute Unix seconds, smaller ones a duration.
    /// `None` when absent or not an integer (the raw text stays in the message's fields).
    pub authorization_code_expired_time: Option<i64>,
    /// The pre-auth code the authorization link carried.
    pub pre_auth_code: String,
}

/// Every push weixinkit knows. Unknown kinds are `Other…`, never an error.
///
/// Open Platform pushes fail to parse only when a field their lifecycle step needs is
/// missing (the ticket, `AuthorizerAppid`, `AuthorizationCode`); their other numeric fields
/// are `None` when malformed, so WeChat is not made to push a message again forever.
///
/// ```
/// use weixinkit::{parse_message, Event};
/// let m = parse_message("<xml><SuiteId>ww1</SuiteId><InfoType> <![CDATA[suite_ticket]]></InfoType>\
///     <TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[t]]></SuiteTicket></xml>")?;
/// assert!(matches!(m.event, Event::SuiteTicket { ref ticket, .. } if ticket == "t"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
/// Serialized (C ABI, logs) as an object tagged by `"type"` in snake_case:
/// `{"type":"component_verify_ticket","app_id":…,"create_time":…,"ticket":…}`.
#[derive(Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)] // fields are named after the wire fields they hold
pub enum Event {
    /// Open Platform ticket, every 10 minutes: store it durably.
    ComponentVerifyTicket {
        app_id: String,
        create_time: Option<i64>,
        ticket: String,
    },
    /// An account authorized the platform.
    Authorized {
        notice: AuthorizationNotice,
    },
    /// An account changed the permissions it granted.
    UpdateAuthorized {
        notice: AuthorizationNotice,
    },
    /// An account revoked the authorization.
    Unauthorized {
        app_id: String,
        create_time: Option<i64>,
        authorizer_appid: String,
    },
    /// Fast registration of a mini program (`notify_third_fasteregister`).
    FastRegister {
        app_id: String,
        create_time: Option<i64>,
        appid: String,
        status: Option<i64>,
        auth_code: String,
        msg: String,
    },
    /// WeCom suite ticket, every 10 minutes.
    SuiteTicket {
        suite_id: String,
        timestamp: i64,
        ticket: String,
    },
    /// WeCom corp installed the app: exchange `auth_code` for the permanent code.
    CreateAuth {
        suite_id: String,
        timestamp: i64,
        auth_code: String,
        state: String,
    },
    /// WeCom corp changed the app's authorization.
    ChangeAuth {
        suite_id: String,
        timestamp: i64,
        auth_corp_id: String,
        state: String,
    },
    /// WeCom corp removed the app.
    CancelAuth {
        suite_id: String,
        timestamp: i64,
        auth_corp_id: String,
    },
    /// WeCom custom app's secret was reset.
    ResetPermanentCode {
        suite_id: String,
        timestamp: i64,
        auth_code: String,
    },
    /// WeCom contact change (details in the message's fields).
    ChangeContact {
        suite_id: String,
        timestamp: i64,
        auth_corp_id: String,
        change_type: String,
    },
    /// A platform push with another `InfoType`.
    OtherInfo {
        info_type: String,
    },
    Text {
        header: MessageHeader,
        content: String,
        msg_id: String,
    },
    Image {
        header: MessageHeader,
        pic_url: String,
        media_id: String,
        msg_id: String,
    },
    Voice {
        header: MessageHeader,
        media_id: String,
        format: String,
        recognition: Option<String>,
        msg_id: String,
    },
    Video {
        header: MessageHeader,
        media_id: String,
        thumb_media_id: String,
        msg_id: String,
    },
    ShortVideo {
        header: MessageHeader,
        media_id: String,
        thumb_media_id: String,
        msg_id: String,
    },
    Location {
        header: MessageHeader,
        location_x: f64,
        location_y: f64,
        scale: i64,
        label: String,
        msg_id: String,
    },
    Link {
        header: MessageHeader,
        title: String,
        description: String,
        url: String,
        msg_id: String,
    },
    /// A user message with another `MsgType`.
    OtherMessage {
        header: MessageHeader,
        msg_type: String,
    },
    Subscribe {
        header: MessageHeader,
        event_key: String,
        ticket: Option<String>,
    },
    Unsubscribe {
        header: MessageHeader,
    },
    Scan {
        header: MessageHeader,
        event_key: String,
        ticket: Option<String>,
    },
    /// The `LOCATION` event (periodic location report).
    LocationReport {
        header: MessageHeader,
        latitude: f64,
        longitude: f64,
        precision: f64,
    },
    Click {
        header: MessageHeader,
        event_key: String,
    },
    View {
        header: MessageHeader,
        url: String,
        menu_id: Option<String>,
    },
    /// A user event with another `Event`.
    OtherEvent {
        header: MessageHeader,
        event: String,
    },

    // --- WeCom intelligent bot (智能机器人): JSON callbacks with lower-case keys ----------
    /// A WeCom intelligent-bot callback: a user's message to the bot (`msgtype` `text`,
    /// `image`, `voice`, `file`, `mixed`, `stream`) or an event (`msgtype` `event`). The
    /// typed fields are the ones every kind shares plus each kind's main value; everything
    /// else (`mixed/msg_item/…`, `quote/…`, `from/corpid`, …) is in the message's fields.
    AiBotMessage {
        /// `msgid`.
        msg_id: String,
        /// `aibotid`: the bot.
        aibot_id: String,
        /// `chatid`: the group chat (absent in single chats).
        chat_id: Option<String>,
        /// `chattype`: `single` or `group`.
        chat_type: String,
        /// `from/userid`: the sender.
        from_user_id: String,
        /// `response_url`: where to send an active reply (valid for a while).
        response_url: Option<String>,
        /// `create_time`, when sent (events carry it).
        create_time: Option<i64>,
        /// `msgtype`.
        msg_type: String,
        /// `text/content` or `voice/content`.
        content: Option<String>,
        /// `image/url` or `file/url`.
        url: Option<String>,
        /// `stream/id`: the stream a follow-up refresh asks about.
        stream_id: Option<String>,
        /// `event/eventtype` (`enter_chat`, `template_card_event`, `feedback_event`, …).
        event_type: Option<String>,
    },
}

struct Fields<'a>(&'a Leaves);

impl Fields<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name)
    }

    fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    fn required(&self, name: &str) -> Result<String> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(Error::parse(format!("missing <{name}>"))),
        }
    }

    fn optional(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    fn int(&self, name: &str) -> Result<i64> {
        let raw = self
            .get(name)
            .ok_or_else(|| Error::parse(format!("missing <{name}>")))?;
        raw.parse()
            .map_err(|_| Error::parse(format!("<{name}> is not an integer: {raw:?}")))
    }

    /// A number no lifecycle step needs: `None` when absent, empty or malformed (the raw
    /// text is still in the message's fields).
    fn lenient_int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|raw| raw.parse().ok())
    }

    fn int_or_zero(&self, name: &str) -> Result<i64> {
        match self.get(name) {
            None | Some("") => Ok(0),
            Some(_) => self.int(name),
        }
    }

    fn float_or_zero(&self, name: &str) -> Result<f64> {
        match self.get(name) {
            None | Some("") => Ok(0.0),
            Some(raw) => raw
                .parse()
                .map_err(|_| Error::parse(format!("<{name}> is not a number: {raw:?}"))),
        }
    }

    fn notice(&self) -> Result<AuthorizationNotice> {
        Ok(AuthorizationNotice {
            app_id: self.text("AppId"),
            create_time: self.lenient_int("CreateTime"),
            authorizer_appid: self.required("AuthorizerAppid")?,
            authorization_code: self.required("AuthorizationCode")?,
            authorization_code_expired_time: self.lenient_int("AuthorizationCodeExpiredTime"),
            pre_auth_code: self.text("PreAuthCode"),
        })
    }

    fn header(&self) -> Result<MessageHeader> {
        Ok(MessageHeader {
            to_user_name: self.required("ToUserName")?,
            from_user_name: self.required("FromUserName")?,
            create_time: self.int("CreateTime")?,
        })
    }
}

pub(crate) fn classify(map: &Leaves) -> Result<Event> {
    let f = Fields(map);
    if f.get("aibotid").is_some() {
        return ai_bot_event(&f);
    }
    if let Some(info_type) = f.get("InfoType") {
        return info_event(&f, info_type);
    }
    if let Some(msg_type) = f.get("MsgType") {
        return user_event(&f, msg_type);
    }
    Err(Error::parse(
        "neither <InfoType> nor <MsgType>: not a push message",
    ))
}

fn info_event(f: &Fields<'_>, info_type: &str) -> Result<Event> {
    Ok(match info_type {
        "component_verify_ticket" => Event::ComponentVerifyTicket {
            app_id: f.text("AppId"),
            create_time: f.lenient_int("CreateTime"),
            ticket: f.required("ComponentVerifyTicket")?,
        },
        "authorized" => Event::Authorized {
            notice: f.notice()?,
        },
        "updateauthorized" => Event::UpdateAuthorized {
            notice: f.notice()?,
        },
        "unauthorized" => Event::Unauthorized {
            app_id: f.text("AppId"),
            create_time: f.lenient_int("CreateTime"),
            authorizer_appid: f.required("AuthorizerAppid")?,
        },
        "notify_third_fasteregister" => Event::FastRegister {
            app_id: f.text("AppId"),
            create_time: f.lenient_int("CreateTime"),
            appid: f.text("appid"),
            status: f.lenient_int("status"),
            auth_code: f.text("auth_code"),
            msg: f.text("msg"),
        },
        "suite_ticket" => Event::SuiteTicket {
            suite_id: f.required("SuiteId")?,
            timestamp: f.int("TimeStamp")?,
            ticket: f.required("SuiteTicket")?,
        },
        "create_auth" => Event::CreateAuth {
            suite_id: f.required("SuiteId")?,
            timestamp: f.int("TimeStamp")?,
            auth_code: f.required("AuthCode")?,
            state: f.text("State"),
        },
        "change_auth" => Event::ChangeAuth {
            suite_id: f.required("SuiteId")?,
            timestamp: f.int("TimeStamp")?,
            auth_corp_id: f.required("AuthCorpId")?,
            state: f.text("State"),
        },
        "cancel_auth" => Event::CancelAuth {
            suite_id: f.required("SuiteId")?,
            timestamp: f.int("TimeStamp")?,
            auth_corp_id: f.required("AuthCorpId")?,
        },
        "reset_permanent_code" => Event::ResetPermanentCode {
            suite_id: f.required("SuiteId")?,
            timestamp: f.int("TimeStamp")?,
            auth_code: f.required("AuthCode")?,
        },
        "change_contact" => Event::ChangeContact {
            suite_id: f.required("SuiteId")?,
            timestamp: f.int("TimeStamp")?,
            auth_corp_id: f.required("AuthCorpId")?,
            change_type: f.required("ChangeType")?,
        },
        other => Event::OtherInfo {
            info_type: other.to_owned(),
        },
    })
}

// --- WeCom intelligent bot ---------------------------------------------------------------

fn ai_bot_event(f: &Fields<'_>) -> Result<Event> {
    let msg_type = f.required("msgtype")?;
    let first = |paths: &[&str]| paths.iter().find_map(|p| f.optional(p));
    Ok(Event::AiBotMessage {
        msg_id: f.text("msgid"),
        aibot_id: f.required("aibotid")?,
        chat_id: f.optional("chatid"),
        chat_type: f.text("chattype"),
        from_user_id: f.text("from/userid"),
        response_url: f.optional("response_url"),
        create_time: f.lenient_int("create_time"),
        content: first(&["text/content", "voice/content"]),
        url: first(&["image/url", "file/url"]),
        stream_id: f.optional("stream/id"),
        event_type: f.optional("event/eventtype"),
        msg_type,
    })
}

fn user_event(f: &Fields<'_>, msg_type: &str) -> Result<Event> {
    let header = f.header()?;
    let msg_id = || f.text("MsgId");
    Ok(match msg_type {
        "text" => Event::Text {
            header,
            content: f.text("Content"),
            msg_id: msg_id(),
        },
        "image" => Event::Image {
            header,
            pic_url: f.text("PicUrl"),
            media_id: f.text("MediaId"),
            msg_id: msg_id(),
        },
        "voice" => Event::Voice {
            header,
            media_id: f.text("MediaId"),
            format: f.text("Format"),
            recognition: f.optional("Recognition"),
            msg_id: msg_id(),
        },
        "video" => Event::Video {
            header,
            media_id: f.text("MediaId"),
            thumb_media_id: f.text("ThumbMediaId"),
            msg_id: msg_id(),
        },
        "shortvideo" => Event::ShortVideo {
            header,
            media_id: f.text("MediaId"),
            thumb_media_id: f.text("ThumbMediaId"),
            msg_id: msg_id(),
        },
        "location" => Event::Location {
            header,
            location_x: f.float_or_zero("Location_X")?,
            location_y: f.float_or_zero("Location_Y")?,
            scale: f.int_or_zero("Scale")?,
            label: f.text("Label"),
            msg_id: msg_id(),
        },
        "link" => Event::Link {
            header,
            title: f.text("Title"),
            description: f.text("Description"),
            url: f.text("Url"),
            msg_id: msg_id(),
        },
        "event" => {
            let event = f.required("Event")?;
            let is = |name: &str| event.eq_ignore_ascii_case(name);
            if is("subscribe") {
                Event::Subscribe {
                    header,
                    event_key: f.text("EventKey"),
                    ticket: f.optional("Ticket"),
                }
            } else if is("unsubscribe") {
                Event::Unsubscribe { header }
            } else if is("scan") {
                Event::Scan {
                    header,
                    event_key: f.text("EventKey"),
                    ticket: f.optional("Ticket"),
                }
            } else if is("location") {
                Event::LocationReport {
                    header,
                    latitude: f.float_or_zero("Latitude")?,
                    longitude: f.float_or_zero("Longitude")?,
                    precision: f.float_or_zero("Precision")?,
                }
            } else if is("click") {
                Event::Click {
                    header,
                    event_key: f.text("EventKey"),
                }
            } else if is("view") {
                Event::View {
                    header,
                    url: f.text("EventKey"),
                    menu_id: f.optional("MenuId"),
                }
            } else {
                Event::OtherEvent { header, event }
            }
        }
        other => Event::OtherMessage {
            header,
            msg_type: other.to_owned(),
        },
    })
}

/// The codes print as `***`.
impl std::fmt::Debug for AuthorizationNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationNotice")
            .field("app_id", &self.app_id)
            .field("create_time", &self.create_time)
            .field("authorizer_appid", &self.authorizer_appid)
            .field("authorization_code", &"***")
            .field(
                "authorization_code_expired_time",
                &self.authorization_code_expired_time,
            )
            .field("pre_auth_code", &"***")
            .finish()
    }
}

/// `Variant {"field":…}` from the serialized form; credentials (tickets, codes; see
/// [`is_credential_field`](super::is_credential_field)) print as `***`.
impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn redact(value: &mut serde_json::Value) {
            match value {
                serde_json::Value::Object(map) => {
                    for (k, v) in map.iter_mut() {
                        if super::is_credential_field(k) && !v.is_null() {
                            *v = serde_json::Value::String("***".into());
                        } else {
                            redact(v);
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
                _ => {}
            }
        }
        let mut value = serde_json::to_value(self).map_err(|_| std::fmt::Error)?;
        let variant = value
            .as_object_mut()
            .and_then(|m| m.remove("type"))
            .and_then(|t| t.as_str().map(str::to_string))
            .unwrap_or_default();
        redact(&mut value);
        write!(f, "Event::{variant} {value}")
    }
}

/// The same redacted form as `Debug`: what a log line or a Kotlin `toString()` shows (uniffi's
/// UDL scaffolding exports `Display` whenever an enum asks for `Debug`, and the foreign
/// `toString` prefers it).
impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{parse_message, Event};

    fn user(body: &str) -> Event {
        parse_message(&format!(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>7</CreateTime>{body}</xml>"
        ))
        .unwrap()
        .event
    }

    #[test]
    fn classifies_every_user_message_type() {
        assert!(
            matches!(user("<MsgType>image</MsgType><PicUrl>p</PicUrl><MediaId>m</MediaId>"), Event::Image { pic_url, .. } if pic_url == "p")
        );
        assert!(matches!(
            user("<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format>"),
            Event::Voice {
                recognition: None,
                ..
            }
        ));
        assert!(
            matches!(user("<MsgType>voice</MsgType><Recognition>你好</Recognition>"), Event::Voice { recognition: Some(r), .. } if r == "你好")
        );
        assert!(
            matches!(user("<MsgType>video</MsgType><ThumbMediaId>t</ThumbMediaId>"), Event::Video { thumb_media_id, .. } if thumb_media_id == "t")
        );
        assert!(matches!(
            user("<MsgType>shortvideo</MsgType>"),
            Event::ShortVideo { .. }
        ));
        assert!(matches!(
            user("<MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label>L</Label>"),
            Event::Location { location_x, scale: 20, .. } if (location_x - 23.134521).abs() < 1e-9
        ));
        assert!(
            matches!(user("<MsgType>link</MsgType><Url>u</Url>"), Event::Link { url, .. } if url == "u")
        );
        assert!(
            matches!(user("<MsgType>miniprogrampage</MsgType>"), Event::OtherMessage { msg_type, .. } if msg_type == "miniprogrampage")
        );
    }

    #[test]
    fn classifies_every_user_event() {
        let ev = |e: &str| {
            user(&format!(
                "<MsgType>event</MsgType><Event>{e}</Event><EventKey>k</EventKey>"
            ))
        };
        assert!(matches!(
            ev("subscribe"),
            Event::Subscribe { ticket: None, .. }
        ));
        assert!(matches!(ev("unsubscribe"), Event::Unsubscribe { .. }));
        assert!(matches!(ev("SCAN"), Event::Scan { event_key, .. } if event_key == "k"));
        assert!(matches!(ev("LOCATION"), Event::LocationReport { .. }));
        assert!(matches!(ev("CLICK"), Event::Click { .. }));
        assert!(
            matches!(ev("click"), Event::Click { .. }),
            "WeCom sends lower case"
        );
        assert!(matches!(ev("VIEW"), Event::View { url, menu_id: None, .. } if url == "k"));
        assert!(
            matches!(ev("TEMPLATESENDJOBFINISH"), Event::OtherEvent { event, .. } if event == "TEMPLATESENDJOBFINISH")
        );
        assert!(matches!(
            user("<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_1</EventKey><Ticket>T</Ticket>"),
            Event::Subscribe { ticket: Some(t), .. } if t == "T"
        ));
    }

    #[test]
    fn missing_or_non_numeric_required_fields_are_named_in_the_error() {
        let err = parse_message("<xml><InfoType>component_verify_ticket</InfoType><AppId>a</AppId><CreateTime>1</CreateTime></xml>").unwrap_err();
        assert!(err.to_string().contains("ComponentVerifyTicket"), "{err}");
        for lifecycle in ["AuthorizerAppid", "AuthorizationCode"] {
            let body = "<xml><AppId>c</AppId><InfoType>authorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid>\
                 <AuthorizationCode>code</AuthorizationCode></xml>"
            .replace(&format!("<{lifecycle}>"), "<Gone>")
            .replace(&format!("</{lifecycle}>"), "</Gone>");
            let err = parse_message(&body).unwrap_err();
            assert!(err.to_string().contains(lifecycle), "{err}");
        }
        let err = parse_message("<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>").unwrap_err();
        assert!(err.to_string().contains("CreateTime"), "{err}");
        let err = parse_message("<xml><Foo>1</Foo></xml>").unwrap_err();
        assert_eq!(err.code(), -40002);
    }

    #[test]
    fn malformed_fields_no_lifecycle_step_needs_are_none_with_their_raw_text_kept() {
        let m = parse_message(
            "<xml><AppId>c</AppId><CreateTime>soon</CreateTime><InfoType>authorized</InfoType>\
             <AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>\
             <AuthorizationCodeExpiredTime>in an hour</AuthorizationCodeExpiredTime></xml>",
        )
        .unwrap();
        let Event::Authorized { notice } = &m.event else {
            panic!("{:?}", m.event)
        };
        assert_eq!(notice.authorization_code, "code");
        assert_eq!(notice.authorizer_appid, "wxa");
        assert_eq!(notice.create_time, None);
        assert_eq!(notice.authorization_code_expired_time, None);
        assert_eq!(m.field("AuthorizationCodeExpiredTime"), Some("in an hour"));
        assert_eq!(m.field("CreateTime"), Some("soon"));
        let well_formed = parse_message(
            "<xml><AppId>c</AppId><CreateTime>1</CreateTime><InfoType>updateauthorized</InfoType>\
             <AuthorizerAppid>wxa</AuthorizerAppid><AuthorizationCode>code</AuthorizationCode>\
             <AuthorizationCodeExpiredTime>1700003600</AuthorizationCodeExpiredTime></xml>",
        )
        .unwrap();
        assert!(matches!(
            well_formed.event,
            Event::UpdateAuthorized { ref notice }
                if notice.authorization_code_expired_time == Some(1_700_003_600)
                    && notice.create_time == Some(1)
        ));
        for (body, what) in [
            ("<InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t</ComponentVerifyTicket>", "ticket"),
            ("<InfoType>unauthorized</InfoType><AuthorizerAppid>wxa</AuthorizerAppid>", "unauthorized"),
            ("<InfoType>notify_third_fasteregister</InfoType><status>ok</status>", "fast register"),
        ] {
            let m = parse_message(&format!("<xml><CreateTime>x</CreateTime>{body}</xml>"))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let v = serde_json::to_value(&m.event).unwrap();
            assert_eq!(v["create_time"], serde_json::Value::Null, "{what}");
        }
    }

    #[test]
    fn unknown_info_types_are_kept_not_rejected() {
        let m =
            parse_message("<xml><InfoType>notify_third_fastverifybetaapp</InfoType><X>1</X></xml>")
                .unwrap();
        assert!(
            matches!(m.event, Event::OtherInfo { ref info_type } if info_type == "notify_third_fastverifybetaapp")
        );
        assert_eq!(m.field("X"), Some("1"));
    }

    #[test]
    fn wecom_suite_pushes_are_typed() {
        let p = |body: &str| {
            parse_message(&format!(
                "<xml><SuiteId>s</SuiteId><TimeStamp>9</TimeStamp>{body}</xml>"
            ))
            .unwrap()
            .event
        };
        assert!(
            matches!(p("<InfoType>change_auth</InfoType><AuthCorpId>c</AuthCorpId>"), Event::ChangeAuth { auth_corp_id, .. } if auth_corp_id == "c")
        );
        assert!(matches!(
            p("<InfoType>cancel_auth</InfoType><AuthCorpId>c</AuthCorpId>"),
            Event::CancelAuth { timestamp: 9, .. }
        ));
        assert!(matches!(
            p("<InfoType>change_contact</InfoType><AuthCorpId>c</AuthCorpId><ChangeType>create_user</ChangeType><UserID>u</UserID>"),
            Event::ChangeContact { change_type, .. } if change_type == "create_user"
        ));
    }

    #[test]
    fn wecom_ai_bot_callbacks_are_typed_with_every_field_kept() {
        let m = parse_message(
            r#"{"msgid":"CAIQ16HMjQYY","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group",
                "from":{"userid":"zhangsan","corpid":"wwcorp"},"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
                "msgtype":"text","text":{"content":"@RobotA hello"}}"#,
        )
        .unwrap();
        let Event::AiBotMessage {
            msg_id,
            aibot_id,
            chat_id,
            chat_type,
            from_user_id,
            response_url,
            create_time,
            msg_type,
            content,
            url,
            stream_id,
            event_type,
        } = &m.event
        else {
            panic!("{:?}", m.event)
        };
        assert_eq!(
            (msg_id.as_str(), aibot_id.as_str(), chat_type.as_str()),
            ("CAIQ16HMjQYY", "AIBOTID", "group")
        );
        assert_eq!(chat_id.as_deref(), Some("CHATID"));
        assert_eq!(from_user_id, "zhangsan");
        assert!(response_url
            .as_deref()
            .unwrap()
            .ends_with("response_code=RC"));
        assert_eq!(
            (msg_type.as_str(), content.as_deref()),
            ("text", Some("@RobotA hello"))
        );
        assert_eq!(
            (create_time, url, stream_id, event_type),
            (&None, &None, &None, &None)
        );
        assert_eq!(m.field("from/corpid"), Some("wwcorp"));

        let kind = |json: &str| parse_message(json).unwrap().event;
        assert!(matches!(
            kind(r#"{"msgid":"1","aibotid":"B","chattype":"single","from":{"userid":"u"},"msgtype":"image","image":{"url":"https://x/1"}}"#),
            Event::AiBotMessage { url: Some(u), chat_id: None, .. } if u == "https://x/1"
        ));
        assert!(matches!(
            kind(r#"{"msgid":"2","aibotid":"B","chattype":"single","from":{"userid":"u"},"msgtype":"stream","stream":{"id":"S1"}}"#),
            Event::AiBotMessage { stream_id: Some(s), .. } if s == "S1"
        ));
        assert!(matches!(
            kind(r#"{"msgid":"3","create_time":1700000000,"aibotid":"B","chattype":"single","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}"#),
            Event::AiBotMessage { event_type: Some(e), create_time: Some(1_700_000_000), .. } if e == "enter_chat"
        ));
        let mixed = parse_message(
            r#"{"msgid":"4","aibotid":"B","chattype":"group","chatid":"C","from":{"userid":"u"},"msgtype":"mixed",
                "mixed":{"msg_item":[{"msgtype":"text","text":{"content":"look"}},{"msgtype":"image","image":{"url":"https://x/2"}}]}}"#,
        )
        .unwrap();
        assert!(
            matches!(mixed.event, Event::AiBotMessage { ref msg_type, content: None, .. } if msg_type == "mixed")
        );
        assert_eq!(mixed.field("mixed/msg_item/text/content"), Some("look"));
        assert_eq!(mixed.field("mixed/msg_item/image/url"), Some("https://x/2"));
        let v = serde_json::to_value(&mixed.event).unwrap();
        assert_eq!(v["type"], "ai_bot_message");

        let err = parse_message(r#"{"aibotid":"B","text":{"content":"x"}}"#).unwrap_err();
        assert!(err.to_string().contains("msgtype"), "{err}");
    }

    #[test]
    fn fast_register_keeps_its_lower_case_fields() {
        let m = parse_message("<xml><AppId>c</AppId><CreateTime>1</CreateTime><InfoType>notify_third_fasteregister</InfoType><appid>wxnew</appid><status>0</status><auth_code>A</auth_code><msg>OK</msg><info><name>n</name></info></xml>").unwrap();
        assert!(
            matches!(m.event, Event::FastRegister { ref appid, status: Some(0), ref auth_code, .. } if appid == "wxnew" && auth_code == "A")
        );
        assert_eq!(m.field("info/name"), Some("n"));
    }
}
