//! What every simulator's front door (`<provider>/gate.rs`) shares: reading the request's path and query,
//! logging it (to tracing and the request log, secrets stripped) and running it through the faults set for
//! its tenant. Each simulator keeps its own authentication, limits and error bodies.

use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::time::Instant;

use super::faults::FaultOutcome;
use super::redact::strip_secret_params;
use super::requests::RequestRecord;
use super::time;
use crate::state::AppState;

/// Decoded query pairs.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The query as logged: decoded pairs re-joined, secret values stripped.
pub fn logged_query(pairs: &[(String, String)]) -> String {
    strip_secret_params(
        &pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    )
}

/// Adds `Retry-After: {secs}` to a response.
pub fn with_retry_after(mut resp: Response, retry_after_secs: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// One public-API request being served, logged when it ends.
#[derive(Debug)]
pub struct Served {
    provider: &'static str,
    /// The tenant the credentials selected, once known.
    pub tenant: Option<String>,
    pub method: String,
    pub path: String,
    pub query: String,
    at: String,
    started: Instant,
}

impl Served {
    /// Starts serving `req` (path as the client sent it, before any nesting), with the query as logged.
    pub fn new(provider: &'static str, req: &Request, query: String) -> Self {
        let path = req
            .extensions()
            .get::<OriginalUri>()
            .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned());
        Self {
            provider,
            tenant: None,
            method: req.method().as_str().to_owned(),
            path,
            query,
            at: time::format_rfc3339(&time::now()),
            started: Instant::now(),
        }
    }

    /// Logs the request with the status it was answered (to tracing and the request log).
    pub fn log(&self, state: &AppState, status: u16) {
        let duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            provider = self.provider,
            tenant = self.tenant.as_deref().unwrap_or("-"),
            method = %self.method,
            path = %self.path,
            query = %self.query,
            status,
            duration_ms,
            "api request"
        );
        state.requests.push(RequestRecord {
            provider: self.provider.to_owned(),
            domain: self.tenant.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            status,
            at: self.at.clone(),
            duration_ms,
        });
    }
}

/// How a simulator answers injected faults.
pub trait FaultAnswers {
    /// The sandbox shut down during an injected latency (503).
    fn shutting_down(&self) -> Response;
    /// An injected error status; a 429 carries `retry_after_secs`.
    fn error(&self, status: StatusCode, retry_after_secs: u64) -> Response;
    /// An injected timeout (504), answered once the hold is over.
    fn timeout(&self) -> Response;
}

/// Runs an admitted request through the faults set for its tenant, then (unless a fault answers instead)
/// the handler. `finish(status, counts_as_failure)` is called once with the status to record, before an
/// injected timeout's hold (the client may give up before it ends). An injected answer `after_effect`
/// lets the handler run first.
pub async fn run_with_faults(
    state: &AppState,
    served: &Served,
    tenant: &str,
    req: Request,
    next: Next,
    answers: &impl FaultAnswers,
    finish: impl FnOnce(u16, bool),
) -> Response {
    let Some(fault) = state.faults.decide(served.provider, tenant, &served.method) else {
        let resp = next.run(req).await;
        finish(resp.status().as_u16(), true);
        return resp;
    };
    if !fault.latency.is_zero() && !state.sleep(fault.latency).await {
        return answers.shutting_down();
    }
    match fault.outcome {
        FaultOutcome::Pass => {
            let resp = next.run(req).await;
            finish(resp.status().as_u16(), true);
            resp
        }
        FaultOutcome::Error {
            status,
            retry_after_secs,
        } => {
            if fault.after_effect {
                let real = next.run(req).await;
                tracing::info!(provider = served.provider, %tenant, real_status = real.status().as_u16(), injected = status, "fault injected after effect");
            }
            finish(status, fault.counts_as_failure);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            answers.error(status, retry_after_secs)
        }
        FaultOutcome::Timeout(hold) => {
            if fault.after_effect {
                let real = next.run(req).await;
                tracing::info!(provider = served.provider, %tenant, real_status = real.status().as_u16(), "timeout injected after effect");
            }
            finish(504, fault.counts_as_failure);
            state.sleep(hold).await;
            answers.timeout()
        }
    }
}
