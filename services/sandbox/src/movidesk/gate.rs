//! The front door of the public API: picks the domain by the `token` query parameter, enforces the rate
//! limit and the failed-request lockout, applies injected faults, and logs every request without its
//! token (to tracing and to the request log).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use crate::common::gate::{
    FaultAnswers, Served, logged_query, query_pairs, run_with_faults, with_retry_after,
};
use crate::common::limits::Rejection;
use crate::common::tenants::Tenants;
use crate::state::AppState;

/// The domain selected by the token, for handlers.
#[derive(Debug, Clone)]
pub struct DomainName(pub String);

/// Movidesk's error body: `{"message": "…"}`.
pub fn api_error(status: StatusCode, message: impl Into<String>) -> Response {
    ApiError::new(status, message).into_response()
}

/// A public-API error, answered as `{"message": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "message": self.message }))).into_response()
    }
}

fn too_many(message: String, retry_after_secs: u64) -> Response {
    with_retry_after(
        api_error(StatusCode::TOO_MANY_REQUESTS, message),
        retry_after_secs,
    )
}

/// Injected faults in Movidesk's `{"message"}` shape.
struct Answers;

impl FaultAnswers for Answers {
    fn shutting_down(&self) -> Response {
        api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The sandbox is shutting down.",
        )
    }

    fn error(&self, status: StatusCode, retry_after_secs: u64) -> Response {
        if status == StatusCode::TOO_MANY_REQUESTS {
            too_many("Too many requests.".to_owned(), retry_after_secs)
        } else {
            api_error(status, "An error has occurred.")
        }
    }

    fn timeout(&self) -> Response {
        api_error(StatusCode::GATEWAY_TIMEOUT, "The operation has timed out.")
    }
}

/// Logs the request, counting its status in the domain's limits (and lockout).
fn finish(state: &AppState, served: &Served, status: u16, counts_as_failure: bool) {
    let lockout_started = served.tenant.as_ref().is_some_and(|domain| {
        state
            .movidesk
            .with_tenant(domain, |d| {
                d.guard.record(status, counts_as_failure, Instant::now())
            })
            .unwrap_or(false)
    });
    served.log(state, status);
    if lockout_started {
        tracing::warn!(
            domain = served.tenant.as_deref().unwrap_or("-"),
            "token locked after consecutive failed requests"
        );
    }
}

/// Middleware around every public-API route.
pub async fn gate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let pairs = query_pairs(req.uri().query().unwrap_or(""));
    let token = pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("token"))
        .map(|(_, v)| v.clone());
    let mut served = Served::new("movidesk", &req, logged_query(&pairs));

    let domain = token
        .as_deref()
        .filter(|t| !t.is_empty())
        .and_then(|t| state.movidesk.domain_for_token(t));
    let Some(domain) = domain else {
        let message = if token.is_none() {
            "Authorization has been denied for this request: the token query parameter is missing."
        } else {
            "Authorization has been denied for this request: the token is invalid."
        };
        finish(&state, &served, 401, true);
        return api_error(StatusCode::UNAUTHORIZED, message);
    };
    served.tenant = Some(domain.clone());

    let admitted = state.movidesk.with_tenant(&domain, |d| {
        (d.guard.admit(Instant::now()), d.guard.settings())
    });
    match admitted {
        None => {
            finish(&state, &served, 401, true);
            return api_error(
                StatusCode::UNAUTHORIZED,
                "Authorization has been denied for this request: the token is invalid.",
            );
        }
        Some((Err(Rejection::RateLimited { retry_after_secs }), settings)) => {
            finish(&state, &served, 429, true);
            return too_many(
                format!(
                    "API rate limit exceeded: {} requests per minute. Retry after {retry_after_secs} seconds.",
                    settings.rate_limit_per_minute
                ),
                retry_after_secs,
            );
        }
        Some((Err(Rejection::LockedOut { retry_after_secs }), _)) => {
            finish(&state, &served, 429, true);
            return too_many(
                format!("Too many failed requests. Retry after {retry_after_secs} seconds."),
                retry_after_secs,
            );
        }
        Some((Ok(()), _)) => {}
    }

    req.extensions_mut().insert(DomainName(domain.clone()));
    run_with_faults(
        &state,
        &served,
        &domain,
        req,
        next,
        &Answers,
        |status, counts_as_failure| finish(&state, &served, status, counts_as_failure),
    )
    .await
}
