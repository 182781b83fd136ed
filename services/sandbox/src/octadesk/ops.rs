//! Handlers shared by both APIs (they differ only in how records are written, see `render`).

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::{self, OctaError};
use super::gate::Principal;
use super::input::object;
use super::model::{Api, Origin};
use super::people::{organization_not_found, person_not_found};
use super::tenant::Tenant;
use super::tickets::{parse_number, ticket_not_found};
use super::webhooks::Event;
use crate::common::tenants::Tenants;
use crate::state::AppState;

pub fn origin(api: Api) -> Origin {
    match api {
        Api::Legacy => Origin::LegacyApi,
        Api::V1 => Origin::V1Api,
    }
}

/// Runs `f` on the principal's tenant (401 if it was deleted meanwhile) and answers.
pub fn on_tenant<R: IntoResponse>(
    state: &AppState,
    p: &Principal,
    f: impl FnOnce(&mut Tenant) -> Result<R, OctaError>,
) -> Response {
    match state.octadesk.with_tenant(&p.tenant, f) {
        Some(Ok(r)) => r.into_response(),
        Some(Err(e)) => e.into_response(),
        None => OctaError::unauthorized(errors::INVALID_TOKEN).into_response(),
    }
}

fn ticket_json(t: &Tenant, number: u64, api: Api) -> Result<Value, OctaError> {
    t.tickets
        .get(&number)
        .map(|x| t.render_ticket(x, api))
        .ok_or_else(|| ticket_not_found(number))
}

pub fn create_ticket(state: &AppState, p: &Principal, body: &Bytes, api: Api) -> Response {
    let o = match object(body) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        let number = t.create_ticket(&o, api, origin(api), &p.user_id)?;
        t.fire(number, &[Event::Created], origin(api));
        Ok((StatusCode::CREATED, Json(ticket_json(t, number, api)?)))
    })
}

pub fn get_ticket(state: &AppState, p: &Principal, raw: &str, api: Api) -> Response {
    let number = match parse_number(raw) {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| ticket_json(t, number, api).map(Json))
}

pub fn edit_ticket(state: &AppState, p: &Principal, raw: &str, body: &Bytes, api: Api) -> Response {
    let (number, o) = match parse_number(raw).and_then(|n| object(body).map(|o| (n, o))) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        let edit = t.edit_ticket(number, &o, api, origin(api), &p.user_id)?;
        t.fire(number, &edit.events(), origin(api));
        ticket_json(t, number, api).map(Json)
    })
}

pub fn interactions(state: &AppState, p: &Principal, raw: &str, api: Api) -> Response {
    let number = match parse_number(raw) {
        Ok(n) => n,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        let ticket = t
            .tickets
            .get(&number)
            .ok_or_else(|| ticket_not_found(number))?;
        let list: Vec<Value> = ticket
            .interactions
            .iter()
            .map(|i| t.render_interaction(i, api))
            .collect();
        Ok(Json(list))
    })
}

pub fn create_person(state: &AppState, p: &Principal, body: &Bytes, api: Api) -> Response {
    let o = match object(body) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        let id = t.create_person(&o, false)?;
        let person = t.person(&id).ok_or_else(|| person_not_found(&id))?;
        Ok((StatusCode::CREATED, Json(t.render_person(person, api))))
    })
}

pub fn get_person(state: &AppState, p: &Principal, id: &str, api: Api) -> Response {
    on_tenant(state, p, |t| {
        let person = t.person(id).ok_or_else(|| person_not_found(id))?;
        Ok(Json(t.render_person(person, api)))
    })
}

pub fn update_person(
    state: &AppState,
    p: &Principal,
    id: &str,
    body: &Bytes,
    api: Api,
) -> Response {
    let o = match object(body) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        t.update_person(id, &o)?;
        let person = t.person(id).ok_or_else(|| person_not_found(id))?;
        Ok(Json(t.render_person(person, api)))
    })
}

pub fn create_organization(state: &AppState, p: &Principal, body: &Bytes, api: Api) -> Response {
    let o = match object(body) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        let id = t.create_organization(&o, false)?;
        let org = t
            .organization(&id)
            .ok_or_else(|| organization_not_found(&id))?;
        Ok((StatusCode::CREATED, Json(t.render_organization(org, api))))
    })
}

pub fn get_organization(state: &AppState, p: &Principal, id: &str, api: Api) -> Response {
    on_tenant(state, p, |t| {
        let org = t
            .organization(id)
            .ok_or_else(|| organization_not_found(id))?;
        Ok(Json(t.render_organization(org, api)))
    })
}

pub fn update_organization(
    state: &AppState,
    p: &Principal,
    id: &str,
    body: &Bytes,
    api: Api,
) -> Response {
    let o = match object(body) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    on_tenant(state, p, |t| {
        t.update_organization(id, &o)?;
        let org = t
            .organization(id)
            .ok_or_else(|| organization_not_found(id))?;
        Ok(Json(t.render_organization(org, api)))
    })
}

pub async fn not_found() -> Response {
    OctaError::not_found("Not Found").into_response()
}

pub async fn method_not_allowed() -> Response {
    OctaError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").into_response()
}
