//! Octadesk's answers turned into transient or permanent failures. Error
//! bodies are JSON with `message` or `error` (sometimes text); rate limits
//! are undocumented, so 429 is retried after `Retry-After`; 409 and 5xx
//! come and go under load (seen on list endpoints) and are retried too.

use ponte_worker::transport::{AnswerLogic, Verdict, default_verdict};
use reqwest::StatusCode;
use serde_json::Value;

/// Octadesk's answers, judged by the shared transport: 429, 408, 409 and
/// 5xx are worth another try, any other answer is not.
pub(crate) struct Answers;

impl AnswerLogic for Answers {
    fn name(&self) -> &'static str {
        "Octadesk"
    }

    fn verdict(&self, status: StatusCode, _body: &str) -> Verdict {
        if status == StatusCode::CONFLICT {
            Verdict::Retry
        } else {
            default_verdict(status)
        }
    }

    fn summarize(&self, body: &str) -> String {
        summarize(body)
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
    use ponte_worker::ExecError;
    use ponte_worker::transport::Answer;
    use reqwest::Method;

    fn classify(method: &Method, path: &str, status: StatusCode, body: &str) -> ExecError {
        Answer::new(method.clone(), path, status, body).failure(&Answers)
    }

    #[test]
    fn classification() {
        let m = Method::PUT;
        assert!(matches!(
            classify(&m, "/tickets/1", StatusCode::BAD_GATEWAY, ""),
            ExecError::Transient { .. }
        ));
        assert!(matches!(
            classify(&m, "/tickets", StatusCode::CONFLICT, ""),
            ExecError::Transient { .. }
        ));
        let e = classify(
            &m,
            "/tickets",
            StatusCode::BAD_REQUEST,
            r#"{"message":"The customFields must have a valid key"}"#,
        );
        assert!(matches!(e, ExecError::Permanent { .. }));
        assert!(e.to_string().contains("valid key"), "{e}");
        assert_eq!(
            classify(&m, "/tickets/9", StatusCode::NOT_FOUND, "").status(),
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
