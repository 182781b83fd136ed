//! The front door of the public API: picks the domain by the `token` query parameter, enforces the rate
//! limit and the failed-request lockout, applies injected faults, and logs every request without its
//! token (to tracing and to the request log).

use std::sync::Arc;

use axum::Json;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use crate::common::faults::FaultOutcome;
use crate::common::limits::Rejection;
use crate::common::redact::strip_secret_params;
use crate::common::requests::RequestRecord;
use crate::common::time;
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
    let mut resp = api_error(StatusCode::TOO_MANY_REQUESTS, message);
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Decoded query pairs.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

struct Served {
    domain: Option<String>,
    method: String,
    path: String,
    query: String,
    at: String,
    started: Instant,
}

impl Served {
    fn finish(&self, state: &AppState, status: u16, counts_as_failure: bool) {
        let mut lockout_started = false;
        if let Some(domain) = &self.domain {
            lockout_started = state
                .movidesk
                .with_domain(domain, |d| {
                    d.guard.record(status, counts_as_failure, Instant::now())
                })
                .unwrap_or(false);
        }
        let duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            provider = "movidesk",
            domain = self.domain.as_deref().unwrap_or("-"),
            method = %self.method,
            path = %self.path,
            query = %self.query,
            status,
            duration_ms,
            "api request"
        );
        if lockout_started {
            tracing::warn!(
                domain = self.domain.as_deref().unwrap_or("-"),
                "token locked after consecutive failed requests"
            );
        }
        state.requests.push(RequestRecord {
            provider: "movidesk".to_owned(),
            domain: self.domain.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            status,
            at: self.at.clone(),
            duration_ms,
        });
    }
}

/// Middleware around every public-API route.
pub async fn gate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned());
    let raw_query = req.uri().query().unwrap_or("").to_owned();
    let pairs = query_pairs(&raw_query);
    let token = pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("token"))
        .map(|(_, v)| v.clone());
    let logged_query = strip_secret_params(
        &pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    );
    let mut served = Served {
        domain: None,
        method: req.method().as_str().to_owned(),
        path,
        query: logged_query,
        at: time::format_rfc3339(&time::now()),
        started: Instant::now(),
    };

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
        served.finish(&state, 401, true);
        return api_error(StatusCode::UNAUTHORIZED, message);
    };
    served.domain = Some(domain.clone());

    let admitted = state.movidesk.with_domain(&domain, |d| {
        (d.guard.admit(Instant::now()), d.guard.settings())
    });
    match admitted {
        None => {
            served.finish(&state, 401, true);
            return api_error(
                StatusCode::UNAUTHORIZED,
                "Authorization has been denied for this request: the token is invalid.",
            );
        }
        Some((Err(Rejection::RateLimited { retry_after_secs }), settings)) => {
            served.finish(&state, 429, true);
            return too_many(
                format!(
                    "API rate limit exceeded: {} requests per minute. Retry after {retry_after_secs} seconds.",
                    settings.rate_limit_per_minute
                ),
                retry_after_secs,
            );
        }
        Some((Err(Rejection::LockedOut { retry_after_secs }), _)) => {
            served.finish(&state, 429, true);
            return too_many(
                format!("Too many failed requests. Retry after {retry_after_secs} seconds."),
                retry_after_secs,
            );
        }
        Some((Ok(()), _)) => {}
    }

    req.extensions_mut().insert(DomainName(domain.clone()));
    let method = served.method.clone();
    let Some(fault) = state.faults.decide("movidesk", &domain, &method) else {
        let resp = next.run(req).await;
        served.finish(&state, resp.status().as_u16(), true);
        return resp;
    };
    if !fault.latency.is_zero() && !state.sleep(fault.latency).await {
        return api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The sandbox is shutting down.",
        );
    }
    match fault.outcome {
        FaultOutcome::Pass => {
            let resp = next.run(req).await;
            served.finish(&state, resp.status().as_u16(), true);
            resp
        }
        FaultOutcome::Error {
            status,
            retry_after_secs,
        } => {
            if fault.after_effect {
                let real = next.run(req).await;
                tracing::info!(domain = %domain, real_status = real.status().as_u16(), injected = status, "fault injected after effect");
            }
            served.finish(&state, status, fault.counts_as_failure);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::TOO_MANY_REQUESTS {
                too_many("Too many requests.".to_owned(), retry_after_secs)
            } else {
                api_error(status, "An error has occurred.")
            }
        }
        FaultOutcome::Timeout(hold) => {
            if fault.after_effect {
                let real = next.run(req).await;
                tracing::info!(domain = %domain, real_status = real.status().as_u16(), "timeout injected after effect");
            }
            // Recorded now: the client may give up before the hold ends.
            served.finish(&state, 504, fault.counts_as_failure);
            state.sleep(hold).await;
            api_error(StatusCode::GATEWAY_TIMEOUT, "The operation has timed out.")
        }
    }
}
