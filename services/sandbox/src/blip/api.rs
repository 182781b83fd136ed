//! The HTTP API under `/blip` (standing in for `https://{contract}.http.msging.net`): `/commands`
//! (synchronous command response, always HTTP 200 once the envelope is valid), `/messages` and
//! `/notifications` (`202 Accepted`, empty body). Handlers run behind the gate, which has already
//! picked the contract from the key.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};

use super::envelope::{parse_command, parse_message, parse_notification};
use super::gate::{ContractName, http_error};
use super::reason::{GENERAL_ERROR, VALIDATION_ERROR};
use crate::common::tenants::Tenants;
use crate::common::time;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/commands", post(post_command))
        .route("/messages", post(post_message))
        .route("/notifications", post(post_notification))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> Response {
    http_error(
        StatusCode::NOT_FOUND,
        GENERAL_ERROR,
        "Not found: the HTTP API serves /commands, /messages and /notifications",
    )
}

async fn method_not_allowed(method: Method) -> Response {
    http_error(
        StatusCode::METHOD_NOT_ALLOWED,
        GENERAL_ERROR,
        format!("The method '{method}' is not allowed: envelopes are POSTed"),
    )
}

fn bad_envelope(message: String) -> Response {
    http_error(StatusCode::BAD_REQUEST, VALIDATION_ERROR, message)
}

/// The contract vanished between the gate and the handler (deleted concurrently).
fn gone() -> Response {
    http_error(
        StatusCode::UNAUTHORIZED,
        super::gate::SESSION_AUTHENTICATION_FAILED,
        "The key is not valid",
    )
}

async fn post_command(
    State(state): State<Arc<AppState>>,
    Extension(ContractName(contract)): Extension<ContractName>,
    body: Bytes,
) -> Response {
    let cmd = match parse_command(&body) {
        Ok(c) => c,
        Err(e) => return bad_envelope(e),
    };
    let now = time::now();
    state
        .blip
        .with_tenant(&contract, |c| c.process_command(&cmd, now))
        .map_or_else(gone, |resp| Json(resp).into_response())
}

async fn post_message(
    State(state): State<Arc<AppState>>,
    Extension(ContractName(contract)): Extension<ContractName>,
    body: Bytes,
) -> Response {
    let msg = match parse_message(&body) {
        Ok(m) => m,
        Err(e) => return bad_envelope(e),
    };
    let now = time::now();
    state
        .blip
        .with_tenant(&contract, |c| c.deliver_message(&msg, now))
        .map_or_else(gone, |()| StatusCode::ACCEPTED.into_response())
}

async fn post_notification(
    State(state): State<Arc<AppState>>,
    Extension(ContractName(contract)): Extension<ContractName>,
    body: Bytes,
) -> Response {
    let n = match parse_notification(&body) {
        Ok(n) => n,
        Err(e) => return bad_envelope(e),
    };
    let now = time::now();
    state
        .blip
        .with_tenant(&contract, |c| c.receive_notification(&n, now))
        .map_or_else(gone, |()| StatusCode::ACCEPTED.into_response())
}
