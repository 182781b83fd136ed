//! The v1 API under `/octadesk/v1` (stands in for `https://{account}.api00N.octadesk.services`), behind
//! `X-API-KEY` (+ optional `octa-agent-email`): tickets, their statuses and interactions, contacts
//! (persons) and organizations, and `GET /auth/check`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::errors::OctaError;
use super::filters::ListQuery;
use super::gate::Principal;
use super::input::query_pairs;
use super::model::Api;
use super::ops::{self, on_tenant};
use super::tenant::Tenant;
use crate::common::tenants::Tenants;
use crate::state::AppState;

const API: Api = Api::V1;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/auth/check", get(check))
        .route("/tickets", get(list_tickets).post(create_ticket))
        .route("/tickets/status", get(statuses))
        .route("/tickets/{number}", get(get_ticket).put(edit_ticket))
        .route("/tickets/{number}/interactions", get(interactions))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route(
            "/contacts/{id}",
            get(get_contact).put(update_contact).patch(update_contact),
        )
        .route(
            "/organizations",
            get(list_organizations).post(create_organization),
        )
        .route(
            "/organizations/{id}",
            get(get_organization)
                .put(update_organization)
                .patch(update_organization),
        )
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
}

async fn check(State(state): State<Arc<AppState>>, Extension(p): Extension<Principal>) -> Response {
    on_tenant(&state, &p, |t| {
        let agent = t.user(&p.user_id).map(|u| u.email.clone());
        Ok(Json(
            json!({"valid": true, "subdomain": t.subdomain, "agentEmail": agent}),
        ))
    })
}

/// A filtered, sorted, paged list of rendered records.
fn list(
    state: &AppState,
    p: &Principal,
    raw: Option<&str>,
    render: impl FnOnce(&Tenant) -> Vec<Value>,
) -> Response {
    let query = match ListQuery::parse(&query_pairs(raw)) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    match state.octadesk.with_tenant(&p.tenant, |t| render(t)) {
        Some(items) => query.answer(items),
        None => OctaError::unauthorized("Invalid API key").into_response(),
    }
}

async fn list_tickets(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    list(&state, &p, raw.as_deref(), |t| {
        t.tickets
            .values()
            .map(|x| t.render_ticket(x, API))
            .collect()
    })
}

async fn statuses(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
) -> Response {
    on_tenant(&state, &p, |t| {
        Ok(Json(
            t.statuses
                .iter()
                .map(|s| json!({"id": s.id, "name": s.name}))
                .collect::<Vec<_>>(),
        ))
    })
}

async fn create_ticket(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Response {
    ops::create_ticket(&state, &p, &body, API)
}

async fn get_ticket(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(number): Path<String>,
) -> Response {
    ops::get_ticket(&state, &p, &number, API)
}

async fn edit_ticket(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    ops::edit_ticket(&state, &p, &number, &body, API)
}

async fn interactions(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(number): Path<String>,
) -> Response {
    ops::interactions(&state, &p, &number, API)
}

async fn list_contacts(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    list(&state, &p, raw.as_deref(), |t| {
        t.persons.iter().map(|x| t.render_person(x, API)).collect()
    })
}

async fn create_contact(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Response {
    ops::create_person(&state, &p, &body, API)
}

async fn get_contact(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    ops::get_person(&state, &p, &id, API)
}

async fn update_contact(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    ops::update_person(&state, &p, &id, &body, API)
}

async fn list_organizations(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    list(&state, &p, raw.as_deref(), |t| {
        t.organizations
            .iter()
            .map(|o| t.render_organization(o, API))
            .collect()
    })
}

async fn create_organization(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Response {
    ops::create_organization(&state, &p, &body, API)
}

async fn get_organization(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    ops::get_organization(&state, &p, &id, API)
}

async fn update_organization(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    ops::update_organization(&state, &p, &id, &body, API)
}
