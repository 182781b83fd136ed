//! The Movidesk part of the control API (`/_sandbox/movidesk/...`): domain registration, the agent's
//! web UI (creating tickets, adding actions, changing status and fields — each firing the trigger
//! webhook, none rate-limited) and inspection of tickets, persons and webhook deliveries.

use std::ops::Bound;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::domain::{Domain, MovideskState, WriteError};
use super::input::{opt_date, present, ref_id};
use super::model::PersonRef;
use super::tickets::{Channel, action_patch};
use crate::common::error::{ControlError, parse_body};
use crate::common::tenants::{self, Tenants};
use crate::common::time;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{domain}/tickets", get(list_tickets).post(create_ticket))
        .route(
            "/{domain}/tickets/{id}",
            get(get_ticket).patch(patch_ticket),
        )
        .route("/{domain}/tickets/{id}/actions", post(add_action))
        .route("/{domain}/tickets/{id}/status", post(change_status))
        .route("/{domain}/persons", get(list_persons).post(add_persons))
        .route("/{domain}/survey/questions", post(add_survey_questions))
        .route("/{domain}/survey/responses", post(add_survey_responses))
        .merge(tenants::registration_routes::<MovideskState>("/domains"))
        .merge(tenants::outbox_routes::<MovideskState>(
            "/{domain}/webhooks",
        ))
}

fn control_error(e: WriteError) -> ControlError {
    match e {
        WriteError::Invalid(m) | WriteError::Generic(m) => ControlError::validation(m),
        WriteError::NotFound(m) => ControlError::not_found(m),
        WriteError::Conflict(m) => ControlError::conflict(m),
    }
}

fn ticket_number(raw: &str) -> Result<u64, ControlError> {
    raw.parse()
        .map_err(|_| ControlError::not_found(format!("no ticket '{raw}': ticket ids are numbers")))
}

fn object_body(bytes: &[u8]) -> Result<Value, ControlError> {
    let v: Value = parse_body(bytes)?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(ControlError::bad_request(
            "the request body must be a JSON object",
        ))
    }
}

fn ticket_or_404(d: &Domain, id: u64) -> Result<Value, ControlError> {
    d.ticket_json(id).ok_or_else(|| {
        ControlError::not_found(format!("no ticket {id} in Movidesk domain '{}'", d.name))
    })
}

/// The person an agent-UI change is attributed to: `changedBy` in the body, else the API person.
fn changed_by(d: &Domain, body: &Value) -> Result<Option<PersonRef>, ControlError> {
    match body
        .as_object()
        .and_then(|o| present(o, "changedBy"))
        .and_then(ref_id)
    {
        Some(id) => d
            .person(&id)
            .map(|p| Some(p.to_ref()))
            .ok_or_else(|| ControlError::validation(format!("changedBy: no person '{id}'"))),
        None => Ok(d.api_author()),
    }
}

/// Every ticket of the domain; with `?after=N`, only those numbered above
/// N (a poller that remembers the highest number it saw lists only what
/// is new, instead of the whole domain each time).
async fn list_tickets(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<Value>>, ControlError> {
    let from = match after_param(query.as_deref())? {
        Some(n) => Bound::Excluded(n),
        None => Bound::Unbounded,
    };
    state.movidesk.control(&domain, |d| {
        let now = time::now();
        Ok(Json(
            d.tickets
                .range((from, Bound::Unbounded))
                .map(|(_, t)| d.render_ticket(t, &now))
                .collect(),
        ))
    })
}

/// The `after` parameter of a listing: a ticket number, if given. Any
/// other parameter is refused, as the other control listings do.
fn after_param(query: Option<&str>) -> Result<Option<u64>, ControlError> {
    let mut after = None;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k != "after" {
            return Err(ControlError::bad_request(format!(
                "unknown query parameter '{k}' (use after)"
            )));
        }
        after = Some(v.parse().map_err(|_| {
            ControlError::validation(format!(
                "after: '{v}' is not a ticket number (a whole number ≥ 0)"
            ))
        })?);
    }
    Ok(after)
}

async fn get_ticket(
    State(state): State<Arc<AppState>>,
    Path((domain, id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    let id = ticket_number(&id)?;
    state
        .movidesk
        .control(&domain, |d| ticket_or_404(d, id).map(Json))
}

async fn create_ticket(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let body = object_body(&body)?;
    state.movidesk.control(&domain, |d| {
        let change = d
            .create_ticket(&body, Channel::AgentUi, time::now())
            .map_err(control_error)?;
        d.fire(&change);
        Ok((
            StatusCode::CREATED,
            Json(ticket_or_404(d, change.ticket_id)?),
        ))
    })
}

async fn patch_ticket(
    State(state): State<Arc<AppState>>,
    Path((domain, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let id = ticket_number(&id)?;
    let body = object_body(&body)?;
    // Test hook, not an agent action: `lastUpdate` back-dates the ticket (e.g. past the 90-day window).
    let last_update = body
        .as_object()
        .map(|o| opt_date(o, "lastUpdate"))
        .transpose()
        .map_err(ControlError::validation)?
        .flatten()
        .flatten();
    // Test hook: `readOnly` sets fields Movidesk computes itself (SLA, metrics, channel data) or
    // adds later; they are rendered as given.
    let read_only = match body.get("readOnly") {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => return Err(ControlError::validation("readOnly must be an object")),
    };
    state.movidesk.control(&domain, |d| {
        let by = changed_by(d, &body)?;
        if let Some(fields) = read_only {
            let t = d.tickets.get_mut(&id).ok_or_else(|| {
                ControlError::not_found(format!("no ticket {id} in Movidesk domain '{domain}'"))
            })?;
            t.read_only.extend(fields);
            t.last_update = time::now();
        }
        if let Some(change) = d
            .patch_ticket(id, &body, Channel::AgentUi, by, time::now())
            .map_err(control_error)?
        {
            d.fire(&change);
        }
        if let (Some(at), Some(t)) = (last_update, d.tickets.get_mut(&id)) {
            t.last_update = at;
        }
        ticket_or_404(d, id).map(Json)
    })
}

async fn add_action(
    State(state): State<Arc<AppState>>,
    Path((domain, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let id = ticket_number(&id)?;
    let body = object_body(&body)?;
    state.movidesk.control(&domain, |d| {
        let change = d
            .patch_ticket(
                id,
                &action_patch(&body),
                Channel::AgentUi,
                None,
                time::now(),
            )
            .map_err(control_error)?
            .ok_or_else(|| ControlError::validation("the action was not added"))?;
        d.fire(&change);
        let action = d
            .tickets
            .get(&id)
            .and_then(|t| t.actions.iter().find(|a| change.action_ids.contains(&a.id)))
            .map(super::model::Action::render)
            .unwrap_or(Value::Null);
        Ok((StatusCode::CREATED, Json(action)))
    })
}

async fn change_status(
    State(state): State<Arc<AppState>>,
    Path((domain, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let id = ticket_number(&id)?;
    let body = object_body(&body)?;
    let status = body
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ControlError::validation("status is required (a status name such as 'Resolvido')")
        })?
        .to_owned();
    let justification = body.get("justification").cloned().unwrap_or(Value::Null);
    state.movidesk.control(&domain, |d| {
        let by = changed_by(d, &body)?;
        let patch = json!({"status": status, "justification": justification});
        if let Some(change) = d
            .patch_ticket(id, &patch, Channel::AgentUi, by, time::now())
            .map_err(control_error)?
        {
            d.fire(&change);
        }
        ticket_or_404(d, id).map(Json)
    })
}

async fn list_persons(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.movidesk.control(&domain, |d| {
        Ok(Json(
            d.persons
                .values()
                .map(|p| Value::Object(p.data.clone()))
                .collect(),
        ))
    })
}

/// Adds one person or a list of persons; all or nothing.
async fn add_persons(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Vec<Value>>), ControlError> {
    let body: Value = parse_body(&body)?;
    let items = match body {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => {
            return Err(ControlError::bad_request(
                "the request body must be a person object or a list of persons",
            ));
        }
    };
    state.movidesk.control(&domain, |d| {
        let now = time::now();
        let before = d.persons.clone();
        let mut added = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match d.add_person(item, &now) {
                Ok(id) => added.push(id),
                Err(e) => {
                    d.persons = before;
                    let e = control_error(e);
                    return Err(ControlError::new(
                        e.status,
                        e.code,
                        format!("persons[{i}]: {}", e.message),
                    ));
                }
            }
        }
        let created = added
            .iter()
            .filter_map(|id| d.person(id).map(|p| Value::Object(p.data.clone())))
            .collect();
        Ok((StatusCode::CREATED, Json(created)))
    })
}

/// One item or a list; all or nothing.
fn survey_items(body: &[u8]) -> Result<Vec<Value>, ControlError> {
    match parse_body::<Value>(body)? {
        Value::Array(items) => Ok(items),
        obj @ Value::Object(_) => Ok(vec![obj]),
        _ => Err(ControlError::bad_request(
            "the request body must be an object or a list of objects",
        )),
    }
}

async fn add_survey_questions(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Vec<Value>>), ControlError> {
    let items = survey_items(&body)?;
    state.movidesk.control(&domain, |d| {
        let before = d.surveys.clone();
        let mut added = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match d.surveys.add_question(item) {
                Ok(q) => added.push(q),
                Err(m) => {
                    d.surveys = before;
                    return Err(ControlError::validation(format!("questions[{i}]: {m}")));
                }
            }
        }
        Ok((StatusCode::CREATED, Json(added)))
    })
}

async fn add_survey_responses(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Vec<Value>>), ControlError> {
    let items = survey_items(&body)?;
    state.movidesk.control(&domain, |d| {
        let now = time::now();
        let before = d.surveys.clone();
        let mut added = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match d.surveys.add_response(item, &now) {
                Ok(r) => added.push(r),
                Err(m) => {
                    d.surveys = before;
                    return Err(ControlError::validation(format!("responses[{i}]: {m}")));
                }
            }
        }
        Ok((StatusCode::CREATED, Json(added)))
    })
}
