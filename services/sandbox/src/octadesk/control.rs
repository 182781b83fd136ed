//! The Octadesk part of the control API (`/_sandbox/octadesk/...`): tenants, credentials (add, revoke),
//! access tokens (list, expire), the agent's web UI (create a ticket, comment, change status — each firing
//! the webhook) and inspection of tickets, persons, organizations and webhook deliveries.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::errors::OctaError;
use super::model::{Api, Origin};
use super::tenant::{OctadeskState, Tenant};
use super::tickets::parse_number;
use super::webhooks::Event;
use crate::common::error::{ControlError, parse_body};
use crate::common::tenants::{self, Tenants};
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{tenant}/credentials", post(add_credential))
        .route("/{tenant}/revoke", post(revoke))
        .route("/{tenant}/expire-tokens", post(expire_tokens))
        .route("/{tenant}/access-tokens", get(access_tokens))
        .route("/{tenant}/tickets", get(list_tickets).post(create_ticket))
        .route("/{tenant}/tickets/{number}", get(get_ticket))
        .route("/{tenant}/tickets/{number}/comments", post(add_comment))
        .route("/{tenant}/tickets/{number}/status", post(change_status))
        .route("/{tenant}/persons", get(list_persons))
        .route("/{tenant}/organizations", get(list_organizations))
        .merge(tenants::registration_routes::<OctadeskState>("/tenants"))
        .merge(tenants::outbox_routes::<OctadeskState>(
            "/{tenant}/webhooks",
        ))
}

fn control_error(e: OctaError) -> ControlError {
    match e.status {
        StatusCode::NOT_FOUND => ControlError::not_found(e.message),
        StatusCode::CONFLICT => ControlError::conflict(e.message),
        _ => ControlError::validation(e.message),
    }
}

fn number(raw: &str) -> Result<u64, ControlError> {
    parse_number(raw).map_err(control_error)
}

/// The acting agent: `author_email`, else the account owner.
fn agent(t: &Tenant, email: Option<&str>) -> Result<String, ControlError> {
    match email {
        Some(e) => t.user_by_email(e).map(|u| u.id.clone()).ok_or_else(|| {
            ControlError::validation(format!(
                "author_email: no agent '{e}' in tenant '{}'",
                t.name
            ))
        }),
        None => t
            .owner()
            .map(|u| u.id.clone())
            .ok_or_else(|| ControlError::validation("the tenant has no agents")),
    }
}

fn ticket_view(t: &Tenant, number: u64) -> Result<Value, ControlError> {
    t.tickets
        .get(&number)
        .map(|x| t.render_ticket_full(x, Api::V1))
        .ok_or_else(|| {
            ControlError::not_found(format!("no ticket {number} in tenant '{}'", t.name))
        })
}

/// `{"api_token": "…"}` or `{"api_key": "…"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialBody {
    api_token: Option<String>,
    api_key: Option<String>,
}

async fn add_credential(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let b: CredentialBody = parse_body(&body)?;
    let view = state
        .octadesk
        .add_credential(&tenant, b.api_token, b.api_key)?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn revoke(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let b: CredentialBody = parse_body(&body)?;
    state.octadesk.control(&tenant, |t| {
        t.revoke(b.api_token.as_deref(), b.api_key.as_deref())
            .map(Json)
    })
}

async fn expire_tokens(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Value>, ControlError> {
    state
        .octadesk
        .control(&tenant, |t| Ok(Json(json!({"expired": t.expire_tokens()}))))
}

async fn access_tokens(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state
        .octadesk
        .control(&tenant, |t| Ok(Json(t.token_views())))
}

async fn list_tickets(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.octadesk.control(&tenant, |t| {
        Ok(Json(
            t.tickets
                .values()
                .map(|x| t.render_ticket_full(x, Api::V1))
                .collect(),
        ))
    })
}

async fn get_ticket(
    State(state): State<Arc<AppState>>,
    Path((tenant, raw)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    let n = number(&raw)?;
    state
        .octadesk
        .control(&tenant, |t| ticket_view(t, n).map(Json))
}

fn object_body(bytes: &[u8]) -> Result<Map<String, Value>, ControlError> {
    match parse_body::<Value>(bytes)? {
        Value::Object(o) => Ok(o),
        _ => Err(ControlError::bad_request(
            "the request body must be a JSON object",
        )),
    }
}

/// An agent creates a ticket in the web UI: the v1 `POST /tickets` body, plus `author_email`.
async fn create_ticket(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let mut o = object_body(&body)?;
    let author = o
        .remove("author_email")
        .and_then(|v| v.as_str().map(str::to_owned));
    state.octadesk.control(&tenant, |t| {
        let by = agent(t, author.as_deref())?;
        let n = t
            .create_ticket(&o, Api::V1, Origin::AgentUi, &by)
            .map_err(control_error)?;
        t.fire(n, &[Event::Created], Origin::AgentUi);
        Ok((StatusCode::CREATED, Json(ticket_view(t, n)?)))
    })
}

/// `{content, internal = false, author_email?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentBody {
    content: String,
    #[serde(default)]
    internal: bool,
    #[serde(default)]
    author_email: Option<String>,
}

/// An agent comments (public or internal): answers the new interaction.
async fn add_comment(
    State(state): State<Arc<AppState>>,
    Path((tenant, raw)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let n = number(&raw)?;
    let b: CommentBody = parse_body(&body)?;
    if b.content.trim().is_empty() {
        return Err(ControlError::validation("content must not be empty"));
    }
    let kind = if b.internal { "internal" } else { "public" };
    let edit: Map<String, Value> = [(
        "comments".to_owned(),
        json!({ kind: {"content": b.content} }),
    )]
    .into_iter()
    .collect();
    state.octadesk.control(&tenant, |t| {
        let by = agent(t, b.author_email.as_deref())?;
        let e = t
            .edit_ticket(n, &edit, Api::V1, Origin::AgentUi, &by)
            .map_err(control_error)?;
        t.fire(n, &e.events(), Origin::AgentUi);
        let interaction = t
            .tickets
            .get(&n)
            .and_then(|x| {
                x.interactions
                    .last()
                    .map(|i| t.render_interaction(i, Api::V1))
            })
            .unwrap_or(Value::Null);
        Ok((StatusCode::CREATED, Json(interaction)))
    })
}

/// `{status (id, name or v0 name), author_email?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
    #[serde(default)]
    author_email: Option<String>,
}

/// An agent changes the status: answers the ticket; fires `ticket.after-update` if it changed.
async fn change_status(
    State(state): State<Arc<AppState>>,
    Path((tenant, raw)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let n = number(&raw)?;
    let b: StatusBody = parse_body(&body)?;
    let edit: Map<String, Value> = [("status".to_owned(), json!(b.status))]
        .into_iter()
        .collect();
    state.octadesk.control(&tenant, |t| {
        let by = agent(t, b.author_email.as_deref())?;
        let e = t
            .edit_ticket(n, &edit, Api::V1, Origin::AgentUi, &by)
            .map_err(control_error)?;
        t.fire(n, &e.events(), Origin::AgentUi);
        ticket_view(t, n).map(Json)
    })
}

async fn list_persons(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.octadesk.control(&tenant, |t| {
        Ok(Json(
            t.persons
                .iter()
                .map(|p| t.render_person(p, Api::V1))
                .collect(),
        ))
    })
}

async fn list_organizations(
    State(state): State<Arc<AppState>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.octadesk.control(&tenant, |t| {
        Ok(Json(
            t.organizations
                .iter()
                .map(|o| t.render_organization(o, Api::V1))
                .collect(),
        ))
    })
}
