//! The public API under `/movidesk/public/v1` (§1.3): `/tickets`, `/tickets/past`,
//! `/tickets/htmldescription` and `/persons`. Handlers run behind the gate, which has already picked
//! the domain from the token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::domain::WriteError;
use super::gate::{ApiError, DomainName, api_error};
use super::model::{TICKET_COLLECTIONS, TICKET_PROPERTIES};
use super::persons::person_properties;
use super::query::{EntitySchema, ListQuery};
use super::tickets::Channel;
use crate::common::gate::query_pairs;
use crate::common::tenants::Tenants;
use crate::common::time;
use crate::state::AppState;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/tickets",
            get(get_tickets).post(post_ticket).patch(patch_ticket),
        )
        .route("/tickets/past", get(get_tickets_past))
        .route("/tickets/htmldescription", get(get_html_description))
        .route("/survey/questions", get(get_survey_questions))
        .route("/survey/responses", get(get_survey_responses))
        .route(
            "/persons",
            get(get_persons)
                .post(post_person)
                .patch(patch_person)
                .delete(delete_person),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "No HTTP resource was found that matches the request URI.",
    )
}

async fn method_not_allowed(method: Method) -> Response {
    api_error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("The requested resource does not support http method '{method}'."),
    )
}

fn ticket_schema() -> EntitySchema {
    EntitySchema {
        name: "Ticket",
        properties: TICKET_PROPERTIES.to_vec(),
        collections: TICKET_COLLECTIONS,
        require_select: true,
        max_top: 100,
    }
}

fn person_schema() -> EntitySchema {
    EntitySchema {
        name: "Person",
        properties: person_properties(),
        collections: &[],
        require_select: false,
        max_top: 1000,
    }
}

/// Decoded query parameters, looked up without regard to case.
struct Params(Vec<(String, String)>);

impl Params {
    fn new(raw: Option<String>) -> Self {
        Self(query_pairs(raw.as_deref().unwrap_or("")))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    fn ticket_id(&self) -> Result<Option<u64>, ApiError> {
        match self.get("id") {
            None => Ok(None),
            Some(raw) => raw.trim().parse::<u64>().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "The value '{raw}' is not valid for id: use the ticket number."
                ))
            }),
        }
    }

    fn required_ticket_id(&self) -> Result<u64, ApiError> {
        self.ticket_id()?
            .ok_or_else(|| ApiError::bad_request("The id parameter is required."))
    }

    fn person_id(&self) -> Result<String, ApiError> {
        self.get("id")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::bad_request("The id parameter is required."))
    }
}

fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::Invalid(m) | WriteError::Conflict(m) => ApiError::bad_request(m),
        WriteError::NotFound(m) => ApiError::not_found(m),
        WriteError::Generic(reason) => {
            tracing::debug!(%reason, "answering Movidesk's generic 500");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "An error has occurred.")
        }
    }
}

fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("The request body is empty."));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))
}

/// Runs `f` on the gate's domain (which may have been removed since: then the token is invalid).
fn on_domain<R>(
    state: &AppState,
    domain: &str,
    f: impl FnOnce(&mut super::domain::Domain) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    state.movidesk.with_tenant(domain, f).unwrap_or_else(|| {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authorization has been denied for this request: the token is invalid.",
        ))
    })
}

async fn get_tickets(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let id = params.ticket_id()?;
    let protocol = params.get("protocol").map(str::to_owned);
    if id.is_none() && protocol.is_none() {
        return list_tickets(&state, &domain, &params, true);
    }
    on_domain(&state, &domain, |d| {
        let now = time::now();
        // By number, the map's own key; by protocol, a scan.
        let found = match id {
            Some(id) => d.tickets.get(&id),
            None => d
                .tickets
                .values()
                .find(|t| t.protocol.is_some() && t.protocol == protocol),
        };
        found
            .map(|t| Json(d.render_ticket(t, &now)).into_response())
            .ok_or_else(|| ApiError::not_found("Ticket not found."))
    })
}

async fn get_tickets_past(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    list_tickets(&state, &domain, &Params::new(raw), false)
}

fn list_tickets(
    state: &AppState,
    domain: &str,
    params: &Params,
    recent: bool,
) -> Result<Response, ApiError> {
    let schema = ticket_schema();
    let query = ListQuery::parse(&params.0, &schema).map_err(ApiError::bad_request)?;
    let now = time::now();
    let reads = |name: &str| query.reads(name);
    let tagged = query.required_tag();
    let all = on_domain(state, domain, |d| {
        Ok(d.tickets_in_window(recent, &now, &reads, tagged.as_deref()))
    })?;
    Ok(Json(query.apply(all, &schema)).into_response())
}

async fn get_html_description(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let id = params.required_ticket_id()?;
    let action_id = match params.get("actionId") {
        None => None,
        Some(raw) => Some(raw.trim().parse::<u32>().map_err(|_| {
            ApiError::bad_request(format!("The value '{raw}' is not valid for actionId."))
        })?),
    };
    let parts = on_domain(&state, &domain, |d| {
        let t = d
            .tickets
            .get(&id)
            .ok_or_else(|| ApiError::not_found("Ticket not found."))?;
        Ok(t.actions
            .iter()
            .filter(|a| action_id.is_none_or(|wanted| a.id == wanted))
            .map(|a| a.html_description.clone())
            .collect::<Vec<_>>())
    })?;
    if parts.is_empty() {
        return Err(ApiError::not_found("Action not found."));
    }
    Ok(Json(json!({"id": id, "description": parts.join("")})).into_response())
}

async fn post_ticket(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let body = parse_json(&body)?;
    let all = params.flag("returnAllProperties");
    on_domain(&state, &domain, |d| {
        let change = d
            .create_ticket(&body, Channel::Api, time::now())
            .map_err(write_error)?;
        d.fire(&change);
        let answer = if all {
            d.ticket_json(change.ticket_id).unwrap_or(Value::Null)
        } else {
            json!({ "id": change.ticket_id })
        };
        Ok(Json(answer).into_response())
    })
}

async fn patch_ticket(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = Params::new(raw).required_ticket_id()?;
    let body = parse_json(&body)?;
    on_domain(&state, &domain, |d| {
        let author = d.api_author();
        if let Some(change) = d
            .patch_ticket(id, &body, Channel::Api, author, time::now())
            .map_err(write_error)?
        {
            d.fire(&change);
        }
        Ok(StatusCode::OK.into_response())
    })
}

async fn get_persons(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    if params.get("id").is_some() {
        let id = params.person_id()?;
        return on_domain(&state, &domain, |d| {
            d.person(&id)
                .map(|p| Json(Value::Object(p.data.clone())).into_response())
                .ok_or_else(|| ApiError::not_found("Person not found."))
        });
    }
    let schema = person_schema();
    let query = ListQuery::parse(&params.0, &schema).map_err(ApiError::bad_request)?;
    let all = on_domain(&state, &domain, |d| {
        Ok(d.persons
            .values()
            .map(|p| Value::Object(p.data.clone()))
            .collect::<Vec<_>>())
    })?;
    Ok(Json(query.apply(all, &schema)).into_response())
}

async fn post_person(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    let body = parse_json(&body)?;
    let all = params.flag("returnAllProperties");
    on_domain(&state, &domain, |d| {
        d.check_organization(&body).map_err(write_error)?;
        let id = d.add_person(&body, &time::now()).map_err(write_error)?;
        let answer = if all {
            d.person(&id)
                .map_or(Value::Null, |p| Value::Object(p.data.clone()))
        } else {
            json!({ "id": id })
        };
        Ok(Json(answer).into_response())
    })
}

async fn patch_person(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = Params::new(raw).person_id()?;
    let body = parse_json(&body)?;
    on_domain(&state, &domain, |d| {
        d.patch_person(&id, &body, &time::now())
            .map_err(write_error)?;
        Ok(StatusCode::OK.into_response())
    })
}

async fn delete_person(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let id = Params::new(raw).person_id()?;
    on_domain(&state, &domain, |d| {
        d.delete_person(&id).map_err(write_error)?;
        Ok(StatusCode::OK.into_response())
    })
}

async fn get_survey_questions(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    on_domain(&state, &domain, |d| {
        d.list_survey_questions(&params.0)
            .map(|v| Json(v).into_response())
            .map_err(ApiError::bad_request)
    })
}

async fn get_survey_responses(
    State(state): State<Arc<AppState>>,
    Extension(DomainName(domain)): Extension<DomainName>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::new(raw);
    on_domain(&state, &domain, |d| {
        d.list_survey_responses(&params.0)
            .map(|v| Json(v).into_response())
            .map_err(ApiError::bad_request)
    })
}
