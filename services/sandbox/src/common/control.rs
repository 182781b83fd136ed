//! Provider-independent control endpoints: the request log, fault injection and reset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::error::{ControlError, parse_body};
use super::faults::{ActiveFault, FaultSpec};
use super::requests::{RequestFilter, RequestRecord};
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/requests", get(list_requests).delete(clear_requests))
        .route("/faults", get(list_faults))
        .route(
            "/faults/{provider}/{tenant}",
            get(get_fault).put(put_fault).delete(delete_fault),
        )
        .route("/reset", post(reset))
}

fn request_filter(raw: Option<&str>) -> Result<RequestFilter, ControlError> {
    let mut filter = RequestFilter::default();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let v = Some(v.into_owned());
        match k.as_ref() {
            "provider" => filter.provider = v,
            "domain" | "tenant" => filter.domain = v,
            "method" => filter.method = v,
            "path" => filter.path = v,
            other => {
                return Err(ControlError::bad_request(format!(
                    "unknown query parameter '{other}' (use provider, domain, method, path)"
                )));
            }
        }
    }
    Ok(filter)
}

async fn list_requests(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<RequestRecord>>, ControlError> {
    let filter = request_filter(raw.as_deref())?;
    Ok(Json(state.requests.list(&filter)))
}

async fn clear_requests(State(state): State<Arc<AppState>>) -> StatusCode {
    state.requests.clear();
    StatusCode::NO_CONTENT
}

async fn list_faults(State(state): State<Arc<AppState>>) -> Json<Vec<ActiveFault>> {
    Json(state.faults.list())
}

async fn get_fault(
    State(state): State<Arc<AppState>>,
    Path((provider, tenant)): Path<(String, String)>,
) -> Result<Json<ActiveFault>, ControlError> {
    state.check_tenant(&provider, &tenant)?;
    state
        .faults
        .list()
        .into_iter()
        .find(|f| f.provider == provider && f.tenant == tenant)
        .map(Json)
        .ok_or_else(|| ControlError::not_found(format!("no fault set for {provider}/{tenant}")))
}

async fn put_fault(
    State(state): State<Arc<AppState>>,
    Path((provider, tenant)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<ActiveFault>, ControlError> {
    state.check_tenant(&provider, &tenant)?;
    let spec: FaultSpec = parse_body(&body)?;
    spec.validate().map_err(ControlError::validation)?;
    tracing::info!(%provider, %tenant, ?spec, "fault set");
    Ok(Json(state.faults.set(&provider, &tenant, spec)))
}

async fn delete_fault(
    State(state): State<Arc<AppState>>,
    Path((provider, tenant)): Path<(String, String)>,
) -> Result<StatusCode, ControlError> {
    state.check_tenant(&provider, &tenant)?;
    state.faults.clear(&provider, &tenant);
    Ok(StatusCode::NO_CONTENT)
}

async fn reset(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.reset();
    tracing::info!("sandbox reset");
    Json(json!({"status": "reset"}))
}
