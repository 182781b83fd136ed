//! Okdesk's error answers and what they mean for a retry. An answer ≥ 400
//! carries `{"errors": …}`: an object of field → [messages] (nested for
//! `page.size`, `telephony_numbers.0`...), a list, or a string; a 5xx may
//! come from the web server in front of Okdesk without JSON. 429, 408 and
//! 5xx are worth another try; any other 4xx (401 bad key, 404, 422
//! validation) is not, and its messages go into the dead-letter reason.

use ponte_worker::transport::AnswerLogic;
use reqwest::StatusCode;
use serde_json::Value;

/// Longest reason kept from an answer.
const MAX_SAID: usize = 400;

fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, inner) in o {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, inner, out);
            }
        }
        Value::Array(items) => {
            let texts: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            if texts.is_empty() {
                return;
            }
            out.push(if prefix.is_empty() {
                texts.join(", ")
            } else {
                format!("{prefix}: {}", texts.join(", "))
            });
        }
        Value::Null => {}
        other => {
            let text = match other {
                Value::String(s) => s.clone(),
                o => o.to_string(),
            };
            out.push(if prefix.is_empty() {
                text
            } else {
                format!("{prefix}: {text}")
            });
        }
    }
}

/// The provider's message in one short line: the `errors` of a JSON body
/// flattened to `field: message; page.size: message`, or the text itself
/// (an HTML error page reads as its title).
pub fn summarize(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(o)) if o.contains_key("errors") => {
            let mut parts = Vec::new();
            flatten("", o.get("errors").unwrap_or(&Value::Null), &mut parts);
            parts.join("; ")
        }
        Ok(Value::Object(o)) => o
            .get("message")
            .or_else(|| o.get("error"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| body.to_string()),
        Ok(Value::String(s)) => s,
        _ => html_title(body).unwrap_or_else(|| body.to_string()),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(MAX_SAID).collect()
}

fn html_title(body: &str) -> Option<String> {
    let start = body.find("<title>")? + "<title>".len();
    let end = body[start..].find("</title>")? + start;
    Some(body[start..end].trim().to_string())
}

/// Okdesk's answers, judged by the shared transport: 429, 408 and 5xx are
/// worth another try, any other answer is not (the default verdict); the
/// reason carries the `errors` flattened.
pub(crate) struct Answers;

impl AnswerLogic for Answers {
    fn name(&self) -> &'static str {
        "Okdesk"
    }

    fn summarize(&self, body: &str) -> String {
        summarize(body)
    }
}

/// Whether a `POST /phone_calls` failure says the `call_id` is already in
/// the call list: an earlier try (or another event of the call) logged it.
pub fn is_duplicate_call(status: StatusCode, body: &str) -> bool {
    if status != StatusCode::UNPROCESSABLE_ENTITY && status != StatusCode::CONFLICT {
        return false;
    }
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    let Some(messages) = o.get("errors").and_then(|e| e.get("call_id")) else {
        return false;
    };
    let text = messages.to_string().to_lowercase();
    [
        "уже",
        "существ",
        "занят",
        "already",
        "taken",
        "exist",
        "unique",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// `Retry-After` in seconds or as an HTTP date.
pub use ponte_worker::http::retry_after;

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
    fn validation_errors_are_flattened_into_the_reason() {
        let body = r#"{"errors":{"created_until":["Неверный формат даты"],"page":{"size":["должно быть меньше или равно 100"]}}}"#;
        assert_eq!(
            summarize(body),
            "created_until: Неверный формат даты; page.size: должно быть меньше или равно 100"
        );
        assert_eq!(
            summarize(r#"{"errors":"Неверный api_token"}"#),
            "Неверный api_token"
        );
        assert_eq!(summarize(r#"{"errors":["a","b"]}"#), "a, b");
        assert_eq!(
            summarize("<html><head><title>502 Bad Gateway</title></head></html>"),
            "502 Bad Gateway"
        );
    }

    #[test]
    fn classification_follows_the_status() {
        let gone = classify(&Method::GET, "/issues/7", StatusCode::NOT_FOUND, "");
        assert_eq!(
            gone.to_string(),
            "Okdesk GET /issues/7 answered 404 Not Found"
        );
        let m = Method::POST;
        let e = classify(
            &m,
            "/phone_calls",
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"errors":{"call_id":["обязателен"]}}"#,
        );
        assert!(matches!(e, ExecError::Permanent { .. }));
        assert!(e.to_string().contains("call_id: обязателен"), "{e}");
        assert_eq!(e.status(), Some(422));
        for s in [
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ] {
            assert!(matches!(
                classify(&m, "/issues/", s, ""),
                ExecError::Transient { .. }
            ));
        }
        assert!(matches!(
            classify(&m, "/issues/", StatusCode::UNAUTHORIZED, ""),
            ExecError::Permanent { .. }
        ));
    }

    #[test]
    fn a_known_call_id_is_recognised() {
        let dup = r#"{"errors":{"call_id":["уже существует"]}}"#;
        assert!(is_duplicate_call(StatusCode::UNPROCESSABLE_ENTITY, dup));
        assert!(is_duplicate_call(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"errors":{"call_id":["has already been taken"]}}"#
        ));
        assert!(!is_duplicate_call(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"errors":{"call_id":["обязателен"]}}"#
        ));
        assert!(!is_duplicate_call(StatusCode::INTERNAL_SERVER_ERROR, dup));
    }
}
