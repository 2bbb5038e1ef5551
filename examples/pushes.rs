//! weixinkit pushes: receive pushes the way a callback endpoint does.
//!
//! For each sample, the demo first plays WeChat (encrypts and signs the push), then does what
//! your server does: verify the signature, decrypt, parse into a typed event, and answer.
//! It also verifies Tencent's published WeCom sample request and shows the rejections.
//!
//! Run: `cargo run --example pushes`

use weixinkit::{msg_signature, text_reply, Event, MessageCrypto};

const TOKEN: &str = "demoToken";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const COMPONENT_APPID: &str = "wx3c8d9a1b2e4f5a6b";
const SUITE_ID: &str = "ww4asffe99e54c0fxxxx";
const TIMESTAMP: &str = "1713424800";
const NONCE: &str = "1320562132";

/// (receiver id, decrypted push) as WeChat and WeCom send them.
const SAMPLES: &[(&str, &str)] = &[
    (COMPONENT_APPID, "<xml><AppId><![CDATA[wx3c8d9a1b2e4f5a6b]]></AppId><CreateTime>1713424800</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@o4W2kHlXxNA3D7cIv6Y0T1edW_347MBW8UN0TEWUlGW6i3mlzIaJo9Ah]]></ComponentVerifyTicket></xml>"),
    (COMPONENT_APPID, "<xml><AppId>wx3c8d9a1b2e4f5a6b</AppId><CreateTime>1713424860</CreateTime><InfoType>authorized</InfoType><AuthorizerAppid>wxf8b4f85f3a794e77</AuthorizerAppid><AuthorizationCode>queryauthcode@@@cU4Rz</AuthorizationCode><AuthorizationCodeExpiredTime>1713428460</AuthorizationCodeExpiredTime><PreAuthCode>preauthcode@@@Nmd</PreAuthCode></xml>"),
    (COMPONENT_APPID, "<xml><AppId>wx3c8d9a1b2e4f5a6b</AppId><CreateTime>1713425000</CreateTime><InfoType>unauthorized</InfoType><AuthorizerAppid>wxf8b4f85f3a794e77</AuthorizerAppid></xml>"),
    (SUITE_ID, "<xml>\n<SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId>\n<InfoType> <![CDATA[suite_ticket]]></InfoType>\n<TimeStamp>1403610513</TimeStamp>\n<SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket>\n</xml>"),
    (SUITE_ID, "<xml><SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId><AuthCode><![CDATA[AUTHCODE]]></AuthCode><InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>1403610513</TimeStamp><State><![CDATA[123]]></State><ExtraInfo><AuthOpenKfIdList><OpenKfId>wk11111</OpenKfId><OpenKfId>wk22222</OpenKfId></AuthOpenKfIdList></ExtraInfo></xml>"),
    ("wx2c2769f8efd9abc2", "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好, weixinkit]]></Content><MsgId>6054768590064713728</MsgId></xml>"),
    ("wx2c2769f8efd9abc2", "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735670</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_42]]></EventKey><Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8]]></Ticket></xml>"),
];

fn describe(event: &Event) -> String {
    match event {
        Event::ComponentVerifyTicket { app_id, ticket, .. } => {
            format!(
                "component_verify_ticket for {app_id}: store {}… durably",
                &ticket[..24]
            )
        }
        Event::Authorized { notice } => format!(
            "authorized: {} granted access; exchange code {} (expires at {})",
            notice.authorizer_appid,
            notice.authorization_code,
            notice
                .authorization_code_expired_time
                .map_or("unknown".to_string(), |t| t.to_string())
        ),
        Event::Unauthorized {
            authorizer_appid, ..
        } => {
            format!("unauthorized: {authorizer_appid} revoked access; drop its credentials")
        }
        Event::SuiteTicket {
            suite_id, ticket, ..
        } => format!("suite_ticket for {suite_id}: {ticket}"),
        Event::CreateAuth {
            auth_code, state, ..
        } => {
            format!(
                "create_auth: exchange auth code {auth_code} (state {state}) for a permanent code"
            )
        }
        Event::Text {
            header, content, ..
        } => format!("text from {}: {content:?}", header.from_user_name),
        Event::Subscribe {
            header,
            event_key,
            ticket,
        } => format!(
            "subscribe by {} via {event_key} (qr ticket: {})",
            header.from_user_name,
            ticket.as_deref().unwrap_or("none")
        ),
        other => format!("{other:?}"),
    }
}

fn main() -> Result<(), weixinkit::Error> {
    println!("== weixinkit demo: verify, decrypt and type incoming pushes ==\n");

    println!("1. WeCom URL verification, Tencent's published sample request");
    let wecom = MessageCrypto::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )?;
    let echo = wecom.verify_url(
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
        "1409659589",
        "263014780",
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    )?;
    println!("   signature ok, echostr decrypted → answer the GET with {echo}\n");

    println!("2. Official Account plain server check");
    let ok = weixinkit::check_signature(
        "spamtest",
        "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a",
        "1409735669",
        "1320562132",
    );
    println!("   signature valid: {ok} → echo echostr unchanged\n");

    println!("3. Encrypted pushes (POST), each verified, decrypted and typed");
    for (i, (receiver_id, plain)) in SAMPLES.iter().enumerate() {
        // WeChat's side: encrypt, sign, wrap.
        let wechat = MessageCrypto::new(TOKEN, KEY, *receiver_id)?;
        let encrypt = wechat.encrypt(plain)?;
        let signature = msg_signature(TOKEN, TIMESTAMP, NONCE, &encrypt);
        let body = format!("<xml><ToUserName><![CDATA[{receiver_id}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        // Your side: one call verifies, decrypts and parses.
        let ours = MessageCrypto::new(TOKEN, KEY, *receiver_id)?;
        let message = ours.decrypt_message(&signature, TIMESTAMP, NONCE, &body)?;
        println!(
            "   [{}] {} bytes → {}",
            i + 1,
            body.len(),
            describe(&message.event)
        );
        let kf_ids: Vec<&str> = message
            .fields
            .get_all("ExtraInfo/AuthOpenKfIdList/OpenKfId")
            .collect();
        if !kf_ids.is_empty() {
            println!("       nested fields kept: ExtraInfo/AuthOpenKfIdList/OpenKfId = {kf_ids:?}");
        }
        if let Event::Text { header, .. } = &message.event {
            let reply = text_reply(
                &header.from_user_name,
                &header.to_user_name,
                1409735669,
                "收到 (received)",
            );
            let envelope = ours.encrypt_reply(&reply, TIMESTAMP, NONCE)?;
            println!(
                "       passive reply encrypted into a {}-byte envelope",
                envelope.len()
            );
        }
    }
    println!("   every push answered with: success\n");

    println!("4. What is rejected, with the WXBizMsgCrypt code users search for");
    let crypto = MessageCrypto::new(TOKEN, KEY, COMPONENT_APPID)?;
    let encrypt = crypto.encrypt(SAMPLES[0].1)?;
    let good = msg_signature(TOKEN, TIMESTAMP, NONCE, &encrypt);
    let mut tampered = good.clone();
    tampered.replace_range(39.., if good.ends_with('0') { "1" } else { "0" });
    let other_app = MessageCrypto::new(TOKEN, KEY, "wx0000000000000000")?;
    let cases: [(&str, Result<String, weixinkit::Error>); 3] = [
        (
            "tampered msg_signature",
            crypto.decrypt(&tampered, TIMESTAMP, NONCE, &encrypt),
        ),
        (
            "push for another appid",
            other_app.decrypt(&good, TIMESTAMP, NONCE, &encrypt),
        ),
        (
            "42-character EncodingAESKey",
            MessageCrypto::new(TOKEN, &KEY[..42], COMPONENT_APPID).map(|_| String::new()),
        ),
    ];
    for (what, result) in cases {
        match result {
            Err(e) => println!("   {what:<28} → rejected: {e} [{}]", e.code()),
            Ok(_) => panic!("{what} was accepted"),
        }
    }
    println!("\nDone.");
    Ok(())
}
