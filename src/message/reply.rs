//! Passive reply builders (the XML an Official Account answers a user message with).

use super::xml::cdata;
use crate::error::{codes, Error, Result};

/// One article of a news reply, built with struct update syntax
/// (`Article { title: "…".into(), ..Default::default() }`; see [`news_reply`]) (JSON: `{"title","description","pic_url","url"}`, all optional).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Article {
    /// Title.
    pub title: String,
    /// Summary.
    pub description: String,
    /// Cover picture URL.
    pub pic_url: String,
    /// Link opened on tap.
    pub url: String,
}

fn head(to_user_name: &str, from_user_name: &str, create_time: i64, msg_type: &str) -> String {
    format!(
        "<xml><ToUserName>{}</ToUserName><FromUserName>{}</FromUserName><CreateTime>{create_time}</CreateTime><MsgType>{}</MsgType>",
        cdata(to_user_name),
        cdata(from_user_name),
        cdata(msg_type),
    )
}

/// A text reply. `to_user_name` is the push's `FromUserName`, `from_user_name` its `ToUserName`.
///
/// ```
/// let xml = weixinkit::text_reply("openid", "gh_1", 1700000000, "你好 ]]> there");
/// let m = weixinkit::parse_message(&xml)?;
/// assert_eq!(m.field("Content"), Some("你好 ]]> there"));
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn text_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    content: &str,
) -> String {
    let mut xml = head(to_user_name, from_user_name, create_time, "text");
    xml.push_str("<Content>");
    xml.push_str(&cdata(content));
    xml.push_str("</Content></xml>");
    xml
}

/// An image reply with a `media_id` from the media upload API.
///
/// ```
/// let xml = weixinkit::image_reply("openid", "gh_1", 1700000000, "MEDIA");
/// assert!(xml.contains("<Image><MediaId><![CDATA[MEDIA]]></MediaId></Image>"));
/// ```
pub fn image_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    media_id: &str,
) -> String {
    let mut xml = head(to_user_name, from_user_name, create_time, "image");
    xml.push_str("<Image><MediaId>");
    xml.push_str(&cdata(media_id));
    xml.push_str("</MediaId></Image></xml>");
    xml
}

/// Most articles WeChat accepts in one news reply.
///
/// ```
/// let many = vec![weixinkit::Article::default(); weixinkit::message::MAX_ARTICLES + 1];
/// assert!(weixinkit::news_reply("o", "gh", 1, &many).is_err());
/// ```
pub const MAX_ARTICLES: usize = 8;

/// A news reply with 1..=8 articles.
///
/// ```
/// use weixinkit::{news_reply, Article};
/// let a = Article { title: "T".into(), url: "https://example.com".into(), ..Default::default() };
/// let xml = news_reply("openid", "gh_1", 1700000000, &[a])?;
/// assert!(xml.contains("<ArticleCount>1</ArticleCount>"));
/// assert!(news_reply("openid", "gh_1", 1, &[]).is_err());
/// # Ok::<(), weixinkit::Error>(())
/// ```
pub fn news_reply(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    articles: &[Article],
) -> Result<String> {
    if articles.is_empty() || articles.len() > MAX_ARTICLES {
        return Err(Error::InvalidInput {
            code: codes::GEN_RETURN_XML,
            reason: format!(
                "a news reply needs 1 to {MAX_ARTICLES} articles, got {}",
                articles.len()
            ),
        });
    }
    let mut xml = head(to_user_name, from_user_name, create_time, "news");
    xml.push_str(&format!(
        "<ArticleCount>{}</ArticleCount><Articles>",
        articles.len()
    ));
    for a in articles {
        xml.push_str(&format!(
            "<item><Title>{}</Title><Description>{}</Description><PicUrl>{}</PicUrl><Url>{}</Url></item>",
            cdata(&a.title),
            cdata(&a.description),
            cdata(&a.pic_url),
            cdata(&a.url),
        ));
    }
    xml.push_str("</Articles></xml>");
    Ok(xml)
}

/// A passive reply to a user's message, whichever kind (JSON:
/// `{"type":"text","content":"…"}`, `{"type":"image","media_id":"…"}`, `{"type":"news",
/// "articles":[…]}`, `{"type":"transfer_customer_service"}`, …).
///
/// ```
/// let r: weixinkit::Reply = serde_json::from_str(r#"{"type":"text","content":"hi"}"#)?;
/// let xml = r.to_xml("openid", "gh_1", 1700000000)?;
/// assert_eq!(weixinkit::parse_message(&xml)?.field("Content"), Some("hi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    /// A text message.
    Text {
        /// The text.
        content: String,
    },
    /// An image from the media API.
    Image {
        /// Its `media_id`.
        media_id: String,
    },
    /// A voice message from the media API.
    Voice {
        /// Its `media_id`.
        media_id: String,
    },
    /// A video from the media API.
    Video {
        /// Its `media_id`.
        media_id: String,
        /// Title.
        #[serde(default)]
        title: String,
        /// Description.
        #[serde(default)]
        description: String,
    },
    /// A music message.
    Music {
        /// Title.
        #[serde(default)]
        title: String,
        /// Description.
        #[serde(default)]
        description: String,
        /// Music URL.
        #[serde(default)]
        music_url: String,
        /// High-quality music URL (Wi-Fi).
        #[serde(default)]
        hq_music_url: String,
        /// Thumbnail `media_id`.
        thumb_media_id: String,
    },
    /// 1 to 8 articles.
    News {
        /// The articles.
        articles: Vec<Article>,
    },
    /// Hand the conversation to the customer-service system (to one agent when given).
    TransferCustomerService {
        /// `kf2001@gh_…`: a given agent.
        #[serde(default)]
        kf_account: Option<String>,
    },
}

impl Reply {
    /// The reply's XML, addressed back: `to_user_name` is the message's `FromUserName`,
    /// `from_user_name` its `ToUserName`.
    pub fn to_xml(
        &self,
        to_user_name: &str,
        from_user_name: &str,
        create_time: i64,
    ) -> Result<String> {
        let mut xml = match self {
            Reply::Text { content } => {
                return Ok(text_reply(
                    to_user_name,
                    from_user_name,
                    create_time,
                    content,
                ))
            }
            Reply::Image { media_id } => {
                return Ok(image_reply(
                    to_user_name,
                    from_user_name,
                    create_time,
                    media_id,
                ))
            }
            Reply::News { articles } => {
                return news_reply(to_user_name, from_user_name, create_time, articles)
            }
            Reply::Voice { media_id } => {
                let mut xml = head(to_user_name, from_user_name, create_time, "voice");
                xml.push_str(&format!(
                    "<Voice><MediaId>{}</MediaId></Voice>",
                    cdata(media_id)
                ));
                xml
            }
            Reply::Video {
                media_id,
                title,
                description,
            } => {
                let mut xml = head(to_user_name, from_user_name, create_time, "video");
                xml.push_str(&format!(
                    "<Video><MediaId>{}</MediaId><Title>{}</Title><Description>{}</Description></Video>",
                    cdata(media_id),
                    cdata(title),
                    cdata(description)
                ));
                xml
            }
            Reply::Music {
                title,
                description,
                music_url,
                hq_music_url,
                thumb_media_id,
            } => {
                let mut xml = head(to_user_name, from_user_name, create_time, "music");
                xml.push_str(&format!(
                    "<Music><Title>{}</Title><Description>{}</Description><MusicUrl>{}</MusicUrl>\
                     <HQMusicUrl>{}</HQMusicUrl><ThumbMediaId>{}</ThumbMediaId></Music>",
                    cdata(title),
                    cdata(description),
                    cdata(music_url),
                    cdata(hq_music_url),
                    cdata(thumb_media_id)
                ));
                xml
            }
            Reply::TransferCustomerService { kf_account } => {
                let mut xml = head(
                    to_user_name,
                    from_user_name,
                    create_time,
                    "transfer_customer_service",
                );
                if let Some(kf) = kf_account {
                    xml.push_str(&format!(
                        "<TransInfo><KfAccount>{}</KfAccount></TransInfo>",
                        cdata(kf)
                    ));
                }
                xml
            }
        };
        xml.push_str("</xml>");
        Ok(xml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse_message, Event};

    #[test]
    fn text_reply_parses_back_as_a_text_message() {
        let xml = text_reply("to", "from", 42, "hi");
        let m = parse_message(&xml).unwrap();
        match m.event {
            Event::Text {
                header, content, ..
            } => {
                assert_eq!(
                    (
                        header.to_user_name.as_str(),
                        header.from_user_name.as_str(),
                        header.create_time
                    ),
                    ("to", "from", 42)
                );
                assert_eq!(content, "hi");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn news_reply_keeps_every_article_in_order() {
        let arts: Vec<Article> = (0..8)
            .map(|i| Article {
                title: format!("t{i}"),
                ..Default::default()
            })
            .collect();
        let m = parse_message(&news_reply("a", "b", 1, &arts).unwrap()).unwrap();
        let titles: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
        assert!(m
            .fields
            .get_all("Articles/item/Title")
            .eq(titles.iter().map(String::as_str)));
        assert!(news_reply("a", "b", 1, &[arts.clone(), arts].concat()).is_err());
    }

    #[test]
    fn every_reply_kind_parses_back_with_its_fields() {
        let cases: [(&str, &[(&str, &str)]); 6] = [
            (
                r#"{"type":"voice","media_id":"V"}"#,
                &[("MsgType", "voice"), ("Voice/MediaId", "V")],
            ),
            (
                r#"{"type":"video","media_id":"M","title":"T"}"#,
                &[
                    ("MsgType", "video"),
                    ("Video/MediaId", "M"),
                    ("Video/Title", "T"),
                ],
            ),
            (
                r#"{"type":"music","title":"S","music_url":"u","thumb_media_id":"TH"}"#,
                &[
                    ("MsgType", "music"),
                    ("Music/MusicUrl", "u"),
                    ("Music/ThumbMediaId", "TH"),
                ],
            ),
            (
                r#"{"type":"transfer_customer_service","kf_account":"kf1@gh"}"#,
                &[
                    ("MsgType", "transfer_customer_service"),
                    ("TransInfo/KfAccount", "kf1@gh"),
                ],
            ),
            (
                r#"{"type":"transfer_customer_service"}"#,
                &[("MsgType", "transfer_customer_service")],
            ),
            (
                r#"{"type":"image","media_id":"I"}"#,
                &[("Image/MediaId", "I"), ("ToUserName", "to")],
            ),
        ];
        for (json, expected) in cases {
            let reply: Reply = serde_json::from_str(json).unwrap();
            let m = parse_message(&reply.to_xml("to", "from", 5).unwrap()).unwrap();
            for (path, value) in expected {
                assert_eq!(m.field(path), Some(*value), "{json} {path}");
            }
        }
        assert!(serde_json::from_str::<Reply>(r#"{"type":"sticker"}"#).is_err());
        let empty_news: Reply = serde_json::from_str(r#"{"type":"news","articles":[]}"#).unwrap();
        assert!(empty_news.to_xml("a", "b", 1).is_err());
    }
}
