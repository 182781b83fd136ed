//! Octadesk's answers turned into transient or permanent failures. Error
//! bodies are JSON with `message` or `error` (sometimes text); rate limits
//! are undocumented, so 429 is retried after `Retry-After`; 409 and 5xx
//! come and go under load (seen on list endpoints) and are retried too.

use std::time::Duration;

use ponte_worker::ExecError;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub(crate) fn classify(
    method: &Method,
    path: &str,
    status: StatusCode,
    body: &str,
    retry_after: Option<Duration>,
) -> ExecError {
    let said = summarize(body);
    let reason = format!("Octadesk {method} {path} answered {status}: {said}");
    let status_code = Some(status.as_u16());
    if status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::CONFLICT
        || status.is_server_error()
    {
        ExecError::Transient {
            reason,
            status: status_code,
            retry_after,
        }
    } else {
        ExecError::Permanent {
            reason,
            status: status_code,
        }
    }
}

/// The provider's message in one short line: `message`, `error`,
/// `errorMessage` or `errors` of a JSON object, a JSON string, or the text.
pub(crate) fn summarize(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(Value::String(s)) => s,
        Ok(Value::Object(o)) => ["message", "error", "errorMessage", "errors", "title"]
            .iter()
            .find_map(|k| match o.get(*k) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) | None => None,
                Some(other) => Some(other.to_string()),
            })
            .unwrap_or_else(|| body.to_string()),
        _ => body.to_string(),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(no message)".into();
    }
    one_line.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let m = Method::PUT;
        assert!(matches!(
            classify(&m, "/tickets/1", StatusCode::BAD_GATEWAY, "", None),
            ExecError::Transient { .. }
        ));
        assert!(matches!(
            classify(&m, "/tickets", StatusCode::CONFLICT, "", None),
            ExecError::Transient { .. }
        ));
        let e = classify(
            &m,
            "/tickets",
            StatusCode::BAD_REQUEST,
            r#"{"message":"The customFields must have a valid key"}"#,
            None,
        );
        assert!(matches!(e, ExecError::Permanent { .. }));
        assert!(e.to_string().contains("valid key"), "{e}");
        assert_eq!(
            classify(&m, "/tickets/9", StatusCode::NOT_FOUND, "", None).status(),
            Some(404)
        );
    }

    #[test]
    fn messages_in_one_line() {
        assert_eq!(summarize(r#"{"error":"nope"}"#), "nope");
        assert_eq!(summarize("\"plain\""), "plain");
        assert_eq!(summarize("a\n  b"), "a b");
        assert_eq!(summarize(""), "(no message)");
    }
}
