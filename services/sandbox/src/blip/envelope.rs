//! LIME envelopes as the HTTP API receives them: commands, messages and notifications. Parsing is
//! liberal where LIME is (ids as strings or numbers, extra fields ignored) and strict where a malformed
//! envelope would be refused with `400 Bad Request`.

use serde_json::{Map, Value};

pub const TEXT_PLAIN: &str = "text/plain";
pub const MEDIA_LINK: &str = "application/vnd.lime.media-link+json";
pub const TICKET_TYPE: &str = "application/vnd.iris.ticket+json";
pub const COLLECTION_TYPE: &str = "application/vnd.lime.collection+json";
pub const THREAD_MESSAGE_TYPE: &str = "application/vnd.iris.thread-message+json";

/// LIME command methods.
pub const COMMAND_METHODS: &[&str] = &[
    "get",
    "set",
    "merge",
    "delete",
    "subscribe",
    "unsubscribe",
    "observe",
];
/// LIME notification events.
pub const NOTIFICATION_EVENTS: &[&str] = &[
    "accepted",
    "validated",
    "authorized",
    "dispatched",
    "received",
    "consumed",
    "failed",
];

/// A command sent to `/commands`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Lower case.
    pub method: String,
    pub uri: String,
    pub type_: Option<String>,
    pub resource: Option<Value>,
    /// The envelope as received (recorded for inspection).
    pub raw: Value,
}

/// A message sent to `/messages`.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Option<String>,
    pub to: String,
    pub type_: String,
    pub content: Value,
    pub raw: Value,
}

/// A notification sent to `/notifications`.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: String,
    pub to: Option<String>,
    pub event: String,
    pub raw: Value,
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err("the envelope must be a JSON object".to_owned()),
        Err(e) => Err(format!("the envelope is not valid JSON: {e}")),
    }
}

/// A string field; numbers are accepted and stringified (LIME ids are strings, clients send both).
fn text(o: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(format!("'{key}' must not be empty")),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(format!("'{key}' must be a string")),
    }
}

fn required(o: &Map<String, Value>, key: &str, what: &str) -> Result<String, String> {
    text(o, key)?.ok_or_else(|| format!("'{key}' is required in a {what}"))
}

/// Checks a MIME type and that the content matches it: a string for `text/plain`, an object for JSON
/// types (`…+json`), with `uri` for a media link.
pub fn validate_content(type_: &str, content: &Value) -> Result<(), String> {
    let t = type_.trim().to_ascii_lowercase();
    let valid_mime = t
        .split_once('/')
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !t.contains(' '));
    if !valid_mime {
        return Err(format!("'type' must be a MIME type, got '{type_}'"));
    }
    if t == TEXT_PLAIN {
        return match content {
            Value::String(_) => Ok(()),
            _ => Err("text/plain content must be a string".to_owned()),
        };
    }
    if t.ends_with("+json") {
        let Value::Object(o) = content else {
            return Err(format!("{t} content must be a JSON object"));
        };
        if t == MEDIA_LINK && !o.get("uri").is_some_and(Value::is_string) {
            return Err("a media link needs a 'uri' string".to_owned());
        }
    }
    if content.is_null() {
        return Err("'content' is required in a message".to_owned());
    }
    Ok(())
}

pub fn parse_command(bytes: &[u8]) -> Result<Command, String> {
    let o = object(bytes)?;
    let method = required(&o, "method", "command")?.to_ascii_lowercase();
    if !COMMAND_METHODS.contains(&method.as_str()) {
        return Err(format!(
            "'method' must be one of {}, got '{method}'",
            COMMAND_METHODS.join(", ")
        ));
    }
    let id = text(&o, "id")?;
    if id.is_none() && method != "observe" {
        return Err("'id' is required in a command (except observe)".to_owned());
    }
    let uri = required(&o, "uri", "command")?;
    let type_ = text(&o, "type")?;
    let resource = o.get("resource").filter(|v| !v.is_null()).cloned();
    if let (Some(t), Some(r)) = (&type_, &resource) {
        validate_content(t, r).map_err(|e| e.replace("content", "resource"))?;
    }
    if resource.is_some() && type_.is_none() && !matches!(resource, Some(Value::Object(_))) {
        return Err("a non-object 'resource' needs a 'type'".to_owned());
    }
    Ok(Command {
        id,
        from: text(&o, "from")?,
        to: text(&o, "to")?,
        method,
        uri,
        type_,
        resource,
        raw: Value::Object(o),
    })
}

pub fn parse_message(bytes: &[u8]) -> Result<Message, String> {
    let o = object(bytes)?;
    let to = required(&o, "to", "message")?;
    let type_ = required(&o, "type", "message")?;
    let content = o.get("content").cloned().unwrap_or(Value::Null);
    if content.is_null() {
        return Err("'content' is required in a message".to_owned());
    }
    validate_content(&type_, &content)?;
    Ok(Message {
        id: text(&o, "id")?,
        to,
        type_,
        content,
        raw: Value::Object(o),
    })
}

pub fn parse_notification(bytes: &[u8]) -> Result<Notification, String> {
    let o = object(bytes)?;
    let id = required(&o, "id", "notification")?;
    let event = required(&o, "event", "notification")?.to_ascii_lowercase();
    if !NOTIFICATION_EVENTS.contains(&event.as_str()) {
        return Err(format!(
            "'event' must be one of {}, got '{event}'",
            NOTIFICATION_EVENTS.join(", ")
        ));
    }
    Ok(Notification {
        id,
        to: text(&o, "to")?,
        event,
        raw: Value::Object(o),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn commands_need_id_method_and_uri() {
        let c = parse_command(
            br#"{"id":7,"to":"postmaster@desk.msging.net","method":"SET","uri":"/x"}"#,
        )
        .unwrap();
        assert_eq!(c.id.as_deref(), Some("7"));
        assert_eq!(c.method, "set");
        assert!(
            parse_command(br#"{"method":"get","uri":"/x"}"#)
                .unwrap_err()
                .contains("'id'")
        );
        assert!(
            parse_command(br#"{"id":"1","method":"get"}"#)
                .unwrap_err()
                .contains("'uri'")
        );
        assert!(
            parse_command(br#"{"id":"1","method":"post","uri":"/x"}"#)
                .unwrap_err()
                .contains("method")
        );
        assert!(parse_command(b"not json").is_err());
        assert!(parse_command(b"[]").is_err());
    }

    #[test]
    fn messages_check_content_against_type() {
        assert!(parse_message(br#"{"to":"a@b","type":"text/plain","content":"hi"}"#).is_ok());
        assert!(parse_message(br#"{"to":"a@b","type":"text/plain","content":{"x":1}}"#).is_err());
        assert!(
            parse_message(br#"{"type":"text/plain","content":"hi"}"#)
                .unwrap_err()
                .contains("'to'")
        );
        assert!(
            parse_message(br#"{"to":"a@b","type":"text/plain"}"#)
                .unwrap_err()
                .contains("content")
        );
        let media = br#"{"to":"a@b","type":"application/vnd.lime.media-link+json","content":{"type":"image/jpeg","uri":"http://x/y.jpg"}}"#;
        assert!(parse_message(media).is_ok());
        let no_uri = br#"{"to":"a@b","type":"application/vnd.lime.media-link+json","content":{"type":"image/jpeg"}}"#;
        assert!(parse_message(no_uri).unwrap_err().contains("uri"));
        assert!(parse_message(br#"{"to":"a@b","type":"plain","content":"x"}"#).is_err());
    }

    #[test]
    fn notifications_need_a_known_event() {
        assert!(parse_notification(br#"{"id":"1","event":"consumed"}"#).is_ok());
        assert!(parse_notification(br#"{"id":"1","event":"read"}"#).is_err());
        assert!(parse_notification(br#"{"event":"consumed"}"#).is_err());
    }
}
