//! The front door of the Okdesk API: picks the account by the `api_token` query parameter, enforces the
//! (optional) rate limit, applies injected faults, and logs every request without its token.
//! Injected 5xx and timeouts answer an HTML page, not JSON, as a proxy in front of Okdesk would.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tokio::time::Instant;

use super::errors::OkError;
use crate::common::gate::{
    FaultAnswers, Served, logged_query, query_pairs, run_with_faults, with_retry_after,
};
use crate::common::limits::Rejection;
use crate::common::tenants::Tenants;
use crate::state::AppState;

/// The account selected by the token, for handlers.
#[derive(Debug, Clone)]
pub struct AccountName(pub String);

fn too_many(retry_after_secs: u64) -> Response {
    with_retry_after(
        OkError::message(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Превышен лимит запросов к API. Повторите через {retry_after_secs} с."),
        )
        .into_response(),
        retry_after_secs,
    )
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

/// Injected 5xx and timeouts as the nginx in front of Okdesk answers them.
struct Answers;

impl FaultAnswers for Answers {
    fn shutting_down(&self) -> Response {
        html_error(StatusCode::SERVICE_UNAVAILABLE)
    }

    fn error(&self, status: StatusCode, retry_after_secs: u64) -> Response {
        if status == StatusCode::TOO_MANY_REQUESTS {
            too_many(retry_after_secs)
        } else if status.is_server_error() {
            html_error(status)
        } else {
            OkError::message(status, "Ошибка запроса").into_response()
        }
    }

    fn timeout(&self) -> Response {
        html_error(StatusCode::GATEWAY_TIMEOUT)
    }
}

/// Logs the request, counting its status in the account's limits.
fn finish(state: &AppState, served: &Served, status: u16) {
    if let Some(account) = &served.tenant {
        state.okdesk.with_tenant(account, |a| {
            a.guard.record(status, true, Instant::now());
        });
    }
    served.log(state, status);
}

/// Middleware around every public-API route.
pub async fn gate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let pairs = query_pairs(req.uri().query().unwrap_or(""));
    let token = pairs
        .iter()
        .find(|(k, _)| k == "api_token")
        .map(|(_, v)| v.clone());
    let mut served = Served::new("okdesk", &req, logged_query(&pairs));

    let account = token
        .as_deref()
        .filter(|t| !t.is_empty())
        .and_then(|t| state.okdesk.account_for_token(t));
    let Some(account) = account else {
        finish(&state, &served, 401);
        let message = if token.is_none() {
            "Не указан api_token"
        } else {
            "Неверный api_token"
        };
        return OkError::message(StatusCode::UNAUTHORIZED, message).into_response();
    };
    served.tenant = Some(account.clone());

    match state
        .okdesk
        .with_tenant(&account, |a| a.guard.admit(Instant::now()))
    {
        None => {
            finish(&state, &served, 401);
            return OkError::message(StatusCode::UNAUTHORIZED, "Неверный api_token")
                .into_response();
        }
        Some(Err(Rejection::RateLimited { retry_after_secs }))
        | Some(Err(Rejection::LockedOut { retry_after_secs })) => {
            finish(&state, &served, 429);
            return too_many(retry_after_secs);
        }
        Some(Ok(())) => {}
    }

    req.extensions_mut().insert(AccountName(account.clone()));
    run_with_faults(
        &state,
        &served,
        &account,
        req,
        next,
        &Answers,
        |status, _| {
            finish(&state, &served, status);
        },
    )
    .await
}
