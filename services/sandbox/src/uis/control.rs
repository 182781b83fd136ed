//! The UIS part of the control API (`/_sandbox/uis/...`): PBX accounts, the call simulator, resends and
//! the notification delivery log.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::account::{MAX_RESENDS, UisState};
use super::calls::CallRequest;
use super::config::EventKind;
use crate::common::error::{ControlError, parse_body};
use crate::common::tenants::{self, Tenants};
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{account}/calls", get(list_calls).post(place_call))
        .route("/{account}/calls/{id}", get(get_call))
        .route("/{account}/calls/{id}/resend", post(resend))
        .merge(tenants::registration_routes::<UisState>("/accounts"))
        .merge(tenants::outbox_routes::<UisState>(
            "/{account}/notifications",
        ))
}

fn call_number(raw: &str) -> Result<u64, ControlError> {
    raw.parse().map_err(|_| {
        ControlError::not_found(format!("no call '{raw}': call_session_id is a number"))
    })
}

/// The sandbox's own address as the caller sees it (for `file_link`).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '?', '#']))
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn place_call(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let req: CallRequest = parse_body(&body)?;
    let view = state.uis.place_call(&account, req, &base_url(&headers))?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn list_calls(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.uis.control(&account, |a| {
        Ok(Json(a.calls.values().map(|c| c.view(a.app_id)).collect()))
    })
}

async fn get_call(
    State(state): State<Arc<AppState>>,
    Path((account, id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    let id = call_number(&id)?;
    state.uis.control(&account, |a| {
        a.calls
            .get(&id)
            .map(|c| Json(c.view(a.app_id)))
            .ok_or_else(|| {
                ControlError::not_found(format!("no call {id} in UIS account '{account}'"))
            })
    })
}

fn one() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendRequest {
    event: String,
    #[serde(default = "one")]
    times: u32,
}

async fn resend(
    State(state): State<Arc<AppState>>,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let id = call_number(&id)?;
    let req: ResendRequest = parse_body(&body)?;
    let event = EventKind::parse(&req.event).ok_or_else(|| {
        ControlError::validation(format!(
            "event: '{}' is not one of {:?}",
            req.event,
            EventKind::ALL.map(EventKind::key)
        ))
    })?;
    if req.times == 0 || req.times > MAX_RESENDS {
        return Err(ControlError::validation(format!(
            "times must be between 1 and {MAX_RESENDS}"
        )));
    }
    let queued = state.uis.resend(&account, id, event, req.times)?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "queued": queued }))))
}
