//! The front door of the Okdesk API: picks the account by the `api_token` query parameter, enforces the
//! (optional) rate limit, applies injected faults, and logs every request without its token.
//! Injected 5xx and timeouts answer an HTML page, not JSON, as a proxy in front of Okdesk would.

use std::sync::Arc;

use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tokio::time::Instant;

use super::errors::OkError;
use crate::common::faults::FaultOutcome;
use crate::common::limits::Rejection;
use crate::common::redact::strip_secret_params;
use crate::common::requests::RequestRecord;
use crate::common::time;
use crate::state::AppState;

/// The account selected by the token, for handlers.
#[derive(Debug, Clone)]
pub struct AccountName(pub String);

/// Decoded query pairs.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn too_many(retry_after_secs: u64) -> Response {
    let mut resp = OkError::message(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Превышен лимит запросов к API. Повторите через {retry_after_secs} с."),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// An HTML error page (what a 5xx from the web server in front of Okdesk looks like).
fn html_error(status: StatusCode) -> Response {
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, Html(page)).into_response()
}

struct Served {
    account: Option<String>,
    method: String,
    path: String,
    query: String,
    at: String,
    started: Instant,
}

impl Served {
    fn finish(&self, state: &AppState, status: u16) {
        if let Some(account) = &self.account {
            state.okdesk.with_account(account, |a| {
                a.guard.record(status, true, Instant::now());
            });
        }
        let duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            provider = "okdesk",
            account = self.account.as_deref().unwrap_or("-"),
            method = %self.method,
            path = %self.path,
            query = %self.query,
            status,
            duration_ms,
            "api request"
        );
        state.requests.push(RequestRecord {
            provider: "okdesk".to_owned(),
            domain: self.account.clone(),
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
    let pairs = query_pairs(req.uri().query().unwrap_or(""));
    let token = pairs
        .iter()
        .find(|(k, _)| k == "api_token")
        .map(|(_, v)| v.clone());
    let logged_query = strip_secret_params(
        &pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    );
    let mut served = Served {
        account: None,
        method: req.method().as_str().to_owned(),
        path,
        query: logged_query,
        at: time::format_rfc3339(&time::now()),
        started: Instant::now(),
    };

    let account = token
        .as_deref()
        .filter(|t| !t.is_empty())
        .and_then(|t| state.okdesk.account_for_token(t));
    let Some(account) = account else {
        served.finish(&state, 401);
        let message = if token.is_none() {
            "Не указан api_token"
        } else {
            "Неверный api_token"
        };
        return OkError::message(StatusCode::UNAUTHORIZED, message).into_response();
    };
    served.account = Some(account.clone());

    match state
        .okdesk
        .with_account(&account, |a| a.guard.admit(Instant::now()))
    {
        None => {
            served.finish(&state, 401);
            return OkError::message(StatusCode::UNAUTHORIZED, "Неверный api_token")
                .into_response();
        }
        Some(Err(Rejection::RateLimited { retry_after_secs }))
        | Some(Err(Rejection::LockedOut { retry_after_secs })) => {
            served.finish(&state, 429);
            return too_many(retry_after_secs);
        }
        Some(Ok(())) => {}
    }

    req.extensions_mut().insert(AccountName(account.clone()));
    let method = served.method.clone();
    let Some(fault) = state.faults.decide("okdesk", &account, &method) else {
        let resp = next.run(req).await;
        served.finish(&state, resp.status().as_u16());
        return resp;
    };
    if !fault.latency.is_zero() && !state.sleep(fault.latency).await {
        return html_error(StatusCode::SERVICE_UNAVAILABLE);
    }
    match fault.outcome {
        FaultOutcome::Pass => {
            let resp = next.run(req).await;
            served.finish(&state, resp.status().as_u16());
            resp
        }
        FaultOutcome::Error {
            status,
            retry_after_secs,
        } => {
            if fault.after_effect {
                let real = next.run(req).await;
                tracing::info!(account = %account, real_status = real.status().as_u16(), injected = status, "fault injected after effect");
            }
            served.finish(&state, status);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status == StatusCode::TOO_MANY_REQUESTS {
                too_many(retry_after_secs)
            } else if status.is_server_error() {
                html_error(status)
            } else {
                OkError::message(status, "Ошибка запроса").into_response()
            }
        }
        FaultOutcome::Timeout(hold) => {
            if fault.after_effect {
                let real = next.run(req).await;
                tracing::info!(account = %account, real_status = real.status().as_u16(), "timeout injected after effect");
            }
            served.finish(&state, 504);
            state.sleep(hold).await;
            html_error(StatusCode::GATEWAY_TIMEOUT)
        }
    }
}
