//! Okdesk's error answers (§1.7): JSON with a top-level `errors` that is either an object of
//! field → [messages] (nested for `page.size`, `telephony_numbers.0`, …) or a string.
//! Validation failures are 422; injected 5xx carry no JSON (see `gate`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Message of a missing required field.
pub const REQUIRED: &str = "обязателен";
/// Message of a reference to a record that does not exist.
pub const NOT_FOUND: &str = "не найден";
pub const MUST_BE_INTEGER: &str = "должно иметь тип integer";
pub const MUST_BE_STRING: &str = "должно иметь тип string";
pub const BAD_DATE: &str = "Неверный формат даты";

/// A public-API error.
#[derive(Debug, Clone, PartialEq)]
pub struct OkError {
    pub status: StatusCode,
    pub errors: Value,
}

impl OkError {
    /// `{"errors": "message"}` with any status.
    pub fn message(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            errors: Value::String(message.into()),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::message(StatusCode::NOT_FOUND, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::message(StatusCode::BAD_REQUEST, message)
    }

    /// 422 `{"errors": {field: [message]}}`.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errs = FieldErrors::default();
        errs.add(field, message);
        errs.into_error()
    }

    /// A flat text for logs and the control API.
    pub fn summary(&self) -> String {
        match &self.errors {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for OkError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "errors": self.errors }))).into_response()
    }
}

/// Collects validation errors so that one answer names every bad field, like Okdesk's.
#[derive(Debug, Default)]
pub struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    /// Adds a message to a field; a dotted path (`page.size`) nests.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let mut node = &mut self.0;
        let mut parts = field.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                let entry = node
                    .entry(part.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = entry {
                    list.push(Value::String(message.into()));
                }
                return;
            }
            let entry = node
                .entry(part.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else { return };
            node = next;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_error(self) -> OkError {
        OkError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: Value::Object(self.0),
        }
    }

    /// `Err` with every collected error, or `Ok`.
    pub fn finish(self) -> Result<(), OkError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into_error())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_dotted_fields() {
        let mut e = FieldErrors::default();
        e.add("title", REQUIRED);
        e.add("page.size", "должно быть меньше или равно 100");
        e.add("page.size", "x");
        let err = e.into_error();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            err.errors,
            json!({"title": ["обязателен"], "page": {"size": ["должно быть меньше или равно 100", "x"]}})
        );
    }
}
