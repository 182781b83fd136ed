//! The legacy API under `/octadesk` (stands in for `https://api.octadesk.services`): the two login flows
//! and tickets, persons and organizations behind `Authorization: Bearer <access token>`. Collection paths
//! answer with and without the trailing slash (the npm client uses `/tickets/`, `/persons/`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::errors::OctaError;
use super::gate::{LoginGrant, Principal};
use super::input::{digits, object, query_get, query_pairs, text};
use super::model::Api;
use super::ops::{self, on_tenant};
use super::people::person_not_found;
use crate::common::tenants::Tenants;
use crate::state::AppState;

const API: Api = Api::Legacy;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", post(login))
        .route("/login/", post(login))
        .route("/login/apiToken", post(login))
        .route("/login/apiToken/", post(login))
        .route("/tickets", get(list_tickets).post(create_ticket))
        .route("/tickets/", get(list_tickets).post(create_ticket))
        .route("/tickets/{number}", get(get_ticket).put(edit_ticket))
        .route("/tickets/{number}/interactions", get(interactions))
        .route("/persons", get(find_person).post(create_person))
        .route("/persons/", get(find_person).post(create_person))
        .route("/persons/filter", post(filter_persons))
        .route("/persons/{id}", get(get_person).put(update_person))
        .route(
            "/organizations",
            get(find_organizations).post(create_organization),
        )
        .route(
            "/organizations/",
            get(find_organizations).post(create_organization),
        )
        .route(
            "/organizations/{id}",
            get(get_organization).put(update_organization),
        )
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
}

/// Both login flows answer the same structure: `{"token", "subdomain", "user"}`.
async fn login(
    State(state): State<Arc<AppState>>,
    Extension(grant): Extension<LoginGrant>,
) -> Response {
    let secret = state.octadesk.secret();
    let answer = state.octadesk.with_tenant(&grant.tenant, |t| {
        let token = t.issue_token(secret, &grant.user_id, grant.via)?;
        let u = t.user(&grant.user_id)?;
        Some(json!({
            "token": token,
            "subdomain": t.subdomain,
            "user": {"id": u.id, "name": u.name, "email": u.email, "roleType": u.role_type, "type": 1},
        }))
    });
    match answer.flatten() {
        Some(v) => Json(v).into_response(),
        None => OctaError::unauthorized("Invalid credentials").into_response(),
    }
}

/// `GET /tickets?idRequester=…[&lastNumber=n]`: the requester's tickets with a number above `lastNumber`,
/// by number (all tickets without `idRequester`).
async fn list_tickets(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let requester = query_get(&pairs, "idRequester").map(str::to_owned);
    let last = match query_get(&pairs, "lastNumber").map(str::parse::<u64>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return OctaError::bad_request("lastNumber must be a number").into_response();
        }
    };
    on_tenant(&state, &p, |t| {
        let list: Vec<Value> = t
            .tickets
            .range(last.saturating_add(1)..)
            .map(|(_, x)| x)
            .filter(|x| requester.as_deref().is_none_or(|r| x.requester_id == r))
            .map(|x| t.render_ticket(x, API))
            .collect();
        Ok(Json(list))
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

/// `GET /persons?email=…`: that person (404 if none); without `email`, every person.
async fn find_person(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let email = query_get(&pairs, "email").map(str::to_owned);
    on_tenant(&state, &p, |t| match &email {
        Some(e) => {
            let person = t.person_by_email(e).ok_or_else(|| person_not_found(e))?;
            Ok(Json(t.render_person(person, API)))
        }
        None => Ok(Json(Value::Array(
            t.persons.iter().map(|x| t.render_person(x, API)).collect(),
        ))),
    })
}

/// `POST /persons/filter`: criteria from the query (how php-m sends them) and/or a JSON body:
/// `email`, `name`, `phone`, `phoneContacts.number`, `phoneContacts.countryCode`. Answers a list.
async fn filter_persons(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let mut criteria = query_pairs(raw.as_deref());
    match object(&body) {
        Ok(o) => criteria.extend(
            o.iter()
                .filter_map(|(k, v)| text(Some(v)).map(|v| (k.clone(), v))),
        ),
        Err(e) => return e.into_response(),
    }
    let get = |name: &str| query_get(&criteria, name).map(str::to_owned);
    let email = get("email");
    let name = get("name");
    let number = get("phoneContacts.number").or_else(|| get("phone"));
    let country = get("phoneContacts.countryCode");
    if email.is_none() && name.is_none() && number.is_none() {
        return OctaError::bad_request("Give a filter: email, name, phone or phoneContacts.number")
            .into_response();
    }
    on_tenant(&state, &p, |t| {
        let list: Vec<Value> = t
            .persons
            .iter()
            .filter(|x| {
                email.as_deref().is_none_or(|e| {
                    x.email
                        .as_deref()
                        .is_some_and(|m| m.eq_ignore_ascii_case(e.trim()))
                }) && name
                    .as_deref()
                    .is_none_or(|n| x.name.eq_ignore_ascii_case(n.trim()))
                    && number.as_deref().is_none_or(|n| {
                        let n = digits(n);
                        let c = country.as_deref().map(digits);
                        x.phones.iter().any(|ph| {
                            ph.number == n
                                && c.as_deref()
                                    .is_none_or(|c| ph.country_code.as_deref() == Some(c))
                        })
                    })
            })
            .map(|x| t.render_person(x, API))
            .collect();
        Ok(Json(list))
    })
}

async fn create_person(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Response {
    ops::create_person(&state, &p, &body, API)
}

async fn get_person(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    ops::get_person(&state, &p, &id, API)
}

async fn update_person(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    ops::update_person(&state, &p, &id, &body, API)
}

/// `GET /organizations?name=…`: organizations with that name (case-insensitive); all without `name`.
async fn find_organizations(
    State(state): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let name = query_get(&pairs, "name").map(|n| n.trim().to_owned());
    on_tenant(&state, &p, |t| {
        let list: Vec<Value> = t
            .organizations
            .iter()
            .filter(|o| {
                name.as_deref()
                    .is_none_or(|n| o.name.eq_ignore_ascii_case(n))
            })
            .map(|o| t.render_organization(o, API))
            .collect();
        Ok(Json(list))
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
