//! The Okdesk part of the control API (`/_sandbox/okdesk/...`): account registration, the agent's web
//! UI (creating issues, commenting, changing status, creating a caller's card — each firing the webhook)
//! and inspection of issues, phone calls, screen-pops, people and webhook deliveries.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::account::{Account, OkdeskState};
use super::config::ContactSpec;
use super::errors::OkError;
use super::issues::{Issue, PersonKind, PersonRef};
use super::webhooks::Event;
use crate::common::error::{ControlError, parse_body};
use crate::common::tenants::{self, Tenants};
use crate::common::time;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/{account}/issues", get(list_issues).post(create_issue))
        .route("/{account}/issues/{id}", get(get_issue))
        .route("/{account}/issues/{id}/comments", post(add_comment))
        .route("/{account}/issues/{id}/status", post(change_status))
        .route("/{account}/phone_calls", get(list_phone_calls))
        .route("/{account}/screen_pops", get(list_screen_pops))
        .route("/{account}/contacts", get(list_contacts).post(add_contact))
        .route("/{account}/companies", get(list_companies))
        .route("/{account}/employees", get(list_employees))
        .merge(tenants::registration_routes::<OkdeskState>("/accounts"))
        .merge(tenants::outbox_routes::<OkdeskState>("/{account}/webhooks"))
}

fn control_error(e: OkError) -> ControlError {
    if e.status == StatusCode::NOT_FOUND {
        ControlError::not_found(e.summary())
    } else {
        ControlError::validation(e.summary())
    }
}

fn object_body(bytes: &[u8]) -> Result<Map<String, Value>, ControlError> {
    match parse_body::<Value>(bytes)? {
        Value::Object(o) => Ok(o),
        _ => Err(ControlError::bad_request(
            "the request body must be a JSON object",
        )),
    }
}

/// A body given either as is or wrapped (`{"issue": {...}}`).
fn unwrap_body(mut o: Map<String, Value>, key: &str) -> Map<String, Value> {
    match o.remove(key) {
        Some(Value::Object(inner)) if o.is_empty() => inner,
        Some(other) => {
            o.insert(key.to_owned(), other);
            o
        }
        None => o,
    }
}

fn issue_number(raw: &str) -> Result<u64, ControlError> {
    raw.parse()
        .map_err(|_| ControlError::not_found(format!("no issue '{raw}': issue ids are numbers")))
}

/// The control view of an issue: the REST model plus its comments and linked phone calls.
fn issue_view(a: &Account, i: &Issue) -> Value {
    let mut v = a.render_issue(i);
    if let Value::Object(o) = &mut v {
        o.insert(
            "comment_list".into(),
            i.comments.iter().map(|c| a.render_comment(c)).collect(),
        );
        o.insert(
            "phone_calls".into(),
            a.phone_calls
                .iter()
                .filter(|c| c.issue_id == Some(i.id))
                .map(|c| a.render_phone_call(c))
                .collect(),
        );
    }
    v
}

fn issue_or_404(a: &Account, id: u64) -> Result<Value, ControlError> {
    a.issues.get(&id).map(|i| issue_view(a, i)).ok_or_else(|| {
        ControlError::not_found(format!("no issue {id} in Okdesk account '{}'", a.name))
    })
}

/// The acting employee: `author_id` in the body, else the API key's employee.
fn acting(a: &Account, o: &Map<String, Value>) -> Result<Option<PersonRef>, ControlError> {
    match o.get("author_id").filter(|v| !v.is_null()) {
        None => Ok(a.api_author()),
        Some(v) => {
            let id = super::input::as_id(v)
                .ok_or_else(|| ControlError::validation("author_id must be an integer"))?;
            let kind = match o.get("author_type").and_then(Value::as_str) {
                Some("contact") => PersonKind::Contact,
                _ => PersonKind::Employee,
            };
            Ok(Some(PersonRef { id, kind }))
        }
    }
}

async fn list_issues(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.okdesk.control(&account, |a| {
        Ok(Json(a.issues.values().map(|i| issue_view(a, i)).collect()))
    })
}

async fn get_issue(
    State(state): State<Arc<AppState>>,
    Path((account, id)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    let id = issue_number(&id)?;
    state
        .okdesk
        .control(&account, |a| issue_or_404(a, id).map(Json))
}

/// An agent creates an issue in the web UI (body as `POST /issues/`, wrapped or not).
async fn create_issue(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let body = unwrap_body(object_body(&body)?, "issue");
    state.okdesk.control(&account, |a| {
        let by = a.api_author();
        let id = a
            .create_issue(&body, by, time::now())
            .map_err(control_error)?;
        let author = a.issues.get(&id).and_then(|i| i.author);
        a.fire(id, &Event::NewTicket, author);
        Ok((StatusCode::CREATED, Json(issue_or_404(a, id)?)))
    })
}

/// An agent comments: `{content, author_id?, author_type?, public?}` (wrapped or not).
async fn add_comment(
    State(state): State<Arc<AppState>>,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let id = issue_number(&id)?;
    let mut body = unwrap_body(object_body(&body)?, "comment");
    state.okdesk.control(&account, |a| {
        if !body.contains_key("author_id") {
            let by = a.api_author().ok_or_else(|| {
                ControlError::validation("author_id is required (the account has no employees)")
            })?;
            body.insert("author_id".into(), json!(by.id));
        }
        let comment_id = a
            .add_comment(id, &body, time::now())
            .map_err(control_error)?;
        let author = acting(a, &body)?;
        a.fire(id, &Event::NewComment { comment_id }, author);
        Ok((StatusCode::CREATED, Json(a.comment_json(id, comment_id))))
    })
}

/// An agent changes the status: `{code, comment?, comment_public?, delay_to?, author_id?}`.
async fn change_status(
    State(state): State<Arc<AppState>>,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let id = issue_number(&id)?;
    let mut body = object_body(&body)?;
    // The web UI has no skip options.
    body.remove("skip_options");
    state.okdesk.control(&account, |a| {
        let by = acting(a, &body)?;
        let change = a
            .change_status(id, &body, by, time::now())
            .map_err(control_error)?;
        a.fire(id, &Event::NewStatus(change), by);
        issue_or_404(a, id).map(Json)
    })
}

async fn list_phone_calls(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.okdesk.control(&account, |a| {
        Ok(Json(
            a.phone_calls
                .iter()
                .map(|c| a.render_phone_call(c))
                .collect(),
        ))
    })
}

async fn list_screen_pops(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.okdesk.control(&account, |a| {
        Ok(Json(
            a.screen_pops
                .iter()
                .map(|s| a.render_screen_pop(s))
                .collect(),
        ))
    })
}

async fn list_contacts(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.okdesk.control(&account, |a| {
        Ok(Json(a.contacts.values().map(|c| c.render()).collect()))
    })
}

/// An agent fills in the card of a new caller.
async fn add_contact(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let spec: ContactSpec = parse_body(&body)?;
    state.okdesk.control(&account, |a| {
        if let Some(id) = spec.id
            && a.contacts.contains_key(&id)
        {
            return Err(ControlError::conflict(format!(
                "contact {id} already exists"
            )));
        }
        if let Some(c) = spec.company_id
            && !a.companies.contains_key(&c)
        {
            return Err(ControlError::validation(format!(
                "company_id: no company {c}"
            )));
        }
        let id = a.add_contact(spec);
        let c = a.contacts.get(&id).map_or(Value::Null, |c| c.render());
        Ok((StatusCode::CREATED, Json(c)))
    })
}

async fn list_companies(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.okdesk.control(&account, |a| {
        Ok(Json(a.companies.values().map(|c| c.render()).collect()))
    })
}

async fn list_employees(
    State(state): State<Arc<AppState>>,
    Path(account): Path<String>,
) -> Result<Json<Vec<Value>>, ControlError> {
    state.okdesk.control(&account, |a| {
        Ok(Json(a.employees.values().map(|e| e.render(a)).collect()))
    })
}
