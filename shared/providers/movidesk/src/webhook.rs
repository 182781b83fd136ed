//! Movidesk trigger ("gatilho") webhooks: PascalCase, partial, unsigned.
//! They only say which ticket changed; the worker re-reads it.

use serde::Deserialize;
use serde_json::Value;

use crate::de;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerBody {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<String>,
}

/// What the ingress needs from a trigger body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub ticket_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WebhookError {
    pub field: &'static str,
    pub message: String,
}

/// Checks a trigger body and finds its ticket number.
pub fn accept(body: &Value) -> Result<Accepted, WebhookError> {
    if !body.is_object() {
        return Err(WebhookError {
            field: "body",
            message: "a Movidesk trigger body must be a JSON object".into(),
        });
    }
    let parsed: TriggerBody = serde_json::from_value(body.clone()).map_err(|e| WebhookError {
        field: "body",
        message: e.to_string(),
    })?;
    let id = parsed.id.ok_or_else(|| WebhookError {
        field: "Id",
        message: "is missing: a Movidesk trigger body carries the ticket number in `Id`".into(),
    })?;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) || id.chars().all(|c| c == '0') {
        return Err(WebhookError {
            field: "Id",
            message: format!("`{id}` is not a ticket number"),
        });
    }
    Ok(Accepted { ticket_id: id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_numbers_and_strings() {
        assert_eq!(
            accept(&json!({"Id": 2045, "Type": 0})).map(|a| a.ticket_id),
            Ok("2045".into())
        );
        assert_eq!(
            accept(&json!({"Id": "17"})).map(|a| a.ticket_id),
            Ok("17".into())
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(accept(&json!({"Subject": "x"})).unwrap_err().field, "Id");
        assert_eq!(accept(&json!({"Id": "abc"})).unwrap_err().field, "Id");
        assert_eq!(accept(&json!({"Id": 0})).unwrap_err().field, "Id");
        assert_eq!(accept(&json!([1])).unwrap_err().field, "body");
    }
}
