//! Octadesk's error answers. Clients read `message` (or `error`) from a JSON body (§2.3, VeloHub
//! `octadeskRequest`); both APIs of the sandbox answer `{"message": "…"}`. The only verbatim strings known
//! are "The customFields must have a valid key" and "Value cannot be null" (missing `requester.email`);
//! the others are the sandbox's, in the same style. The 401 texts follow the Node `express-jwt`
//! conventions a Node API such as the legacy one would answer.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub const NO_TOKEN: &str = "No authorization token was found";
pub const BAD_SCHEME: &str = "Format is Authorization: Bearer [token]";
pub const MALFORMED: &str = "jwt malformed";
pub const BAD_SIGNATURE: &str = "invalid signature";
pub const EXPIRED: &str = "jwt expired";
pub const REVOKED: &str = "The token has been revoked.";
pub const INVALID_TOKEN: &str = "invalid token";
pub const BAD_CUSTOM_FIELDS: &str = "The customFields must have a valid key";
pub const REQUESTER_EMAIL_NULL: &str = "Value cannot be null. (Parameter 'email')";

/// A public-API error: a status and `{"message": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OctaError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds for a `Retry-After` header (429 only).
    pub retry_after: Option<u64>,
}

impl OctaError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 429 with `Retry-After`.
    pub fn too_many(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
        }
    }

    /// An injected error: the status's reason phrase as the message.
    pub fn injected(status: StatusCode) -> Self {
        Self::new(status, status.canonical_reason().unwrap_or("Error"))
    }
}

impl IntoResponse for OctaError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(json!({ "message": self.message }))).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
