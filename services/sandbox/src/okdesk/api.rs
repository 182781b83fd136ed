//! The public API under `/okdesk/api/v1` (stands in for `https://{account}.okdesk.ru/api/v1`). Handlers
//! run behind the gate, which has already picked the account from `api_token`. Paths answer with and
//! without the trailing slash.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::account::Account;
use super::errors::{FieldErrors, OkError};
use super::gate::AccountName;
use super::input::{digits, object, parse_json, wrapped};
use super::issue_list::Query as IssueQuery;
use super::issues::issue_not_found;
use super::people::{company_from_input, contact_from_input};
use super::webhooks::Event;
use crate::common::gate::query_pairs;
use crate::common::tenants::Tenants;
use crate::common::time;
use crate::state::AppState;

/// Largest `page[size]`.
const MAX_PAGE_SIZE: u64 = 100;
const DEFAULT_PAGE_SIZE: u64 = 50;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/employees/list", get(list_employees))
        .route("/employees/list/", get(list_employees))
        .route("/contacts", get(find_contact).post(create_contact))
        .route("/contacts/", get(find_contact).post(create_contact))
        .route("/companies", get(find_company).post(create_company))
        .route("/companies/", get(find_company).post(create_company))
        .route("/issues", post(create_issue))
        .route("/issues/", post(create_issue))
        .route("/issues/statuses", get(list_statuses))
        .route("/issues/statuses/", get(list_statuses))
        .route("/issues/priorities", get(list_priorities))
        .route("/issues/priorities/", get(list_priorities))
        .route("/dictionaries/issues/types", get(list_types))
        .route("/dictionaries/issues/types/", get(list_types))
        .route("/issues/list", get(list_issues))
        .route("/issues/list/", get(list_issues))
        .route("/issues/count", get(count_issues))
        .route("/issues/count/", get(count_issues))
        .route("/issues/{id}", get(get_issue))
        .route("/issues/{id}/", get(get_issue))
        .route(
            "/issues/{id}/comments",
            get(list_comments).post(add_comment),
        )
        .route(
            "/issues/{id}/comments/",
            get(list_comments).post(add_comment),
        )
        .route("/issues/{id}/statuses", post(change_status))
        .route("/issues/{id}/statuses/", post(change_status))
        .route("/telephony/messages", post(screen_pop))
        .route("/telephony/messages/", post(screen_pop))
        .route("/phone_calls", post(create_phone_call))
        .route("/phone_calls/", post(create_phone_call))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> Response {
    OkError::not_found("Not found").into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    OkError::message(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Метод {method} не поддерживается"),
    )
    .into_response()
}

/// Runs `f` on the gate's account (answers 401 if it vanished meanwhile).
fn on_account(
    state: &AppState,
    name: &str,
    f: impl FnOnce(&mut Account) -> Result<Response, OkError>,
) -> Response {
    match state.okdesk.with_tenant(name, f) {
        Some(Ok(resp)) => resp,
        Some(Err(e)) => e.into_response(),
        None => OkError::message(StatusCode::UNAUTHORIZED, "Неверный api_token").into_response(),
    }
}

fn issue_id(raw: &str) -> Result<u64, OkError> {
    raw.trim()
        .parse()
        .map_err(|_| OkError::not_found(format!("Заявка с id {raw} не найдена")))
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Reads `page[number]` and `page[size]` (422 naming `page.size` etc. when bad).
fn page(pairs: &[(String, String)]) -> Result<(u64, u64), OkError> {
    let mut errs = FieldErrors::default();
    let mut read = |key: &str, field: &str, default: u64| match param(pairs, key) {
        None => default,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                errs.add(field, "должно иметь тип integer");
                default
            }
        },
    };
    let number = read("page[number]", "page.number", 1);
    let size = read("page[size]", "page.size", DEFAULT_PAGE_SIZE);
    if size > MAX_PAGE_SIZE {
        errs.add("page.size", "должно быть меньше или равно 100");
    }
    if size == 0 {
        errs.add("page.size", "должно быть больше или равно 1");
    }
    if number == 0 {
        errs.add("page.number", "должно быть больше или равно 1");
    }
    errs.finish()?;
    Ok((number, size))
}

async fn list_employees(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref().unwrap_or(""));
    on_account(&state, &name, |a| {
        let (number, size) = page(&pairs)?;
        let skip = usize::try_from((number - 1).saturating_mul(size)).unwrap_or(usize::MAX);
        let take = usize::try_from(size).unwrap_or(usize::MAX);
        let list: Vec<Value> = a
            .employees
            .values()
            .skip(skip)
            .take(take)
            .map(|e| e.render(a))
            .collect();
        Ok(Json(list).into_response())
    })
}

/// A phone query value. A `+` sent unencoded arrives as a space (form decoding), exactly as on the real
/// server, where it then matches nothing: clients must send `%2B`.
fn phone_query(raw: &str) -> Option<String> {
    if raw.starts_with(' ') {
        tracing::warn!("phone search with a leading space: was '+' sent unencoded instead of %2B?");
        return None;
    }
    Some(digits(raw)).filter(|d| !d.is_empty())
}

/// `GET /contacts/?phone=|id=|email=`: one contact as the root object, or 404.
async fn find_contact(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref().unwrap_or(""));
    on_account(&state, &name, |a| {
        let found = if let Some(p) = param(&pairs, "phone") {
            phone_query(p).and_then(|d| a.contacts.values().find(|c| c.has_phone(&d, None)))
        } else if let Some(id) = param(&pairs, "id") {
            id.trim()
                .parse()
                .ok()
                .and_then(|id: u64| a.contacts.get(&id))
        } else if let Some(email) = param(&pairs, "email") {
            a.contacts.values().find(|c| {
                c.data
                    .email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email.trim()))
            })
        } else {
            return Err(OkError::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Не указан ни один параметр поиска (phone, id, email)",
            ));
        };
        found
            .map(|c| Json(c.render()).into_response())
            .ok_or_else(|| OkError::not_found("Контакт не найден"))
    })
}

async fn create_contact(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        let spec = contact_from_input(wrapped(&body, "contact")?, a)?;
        let id = a.add_contact(spec);
        let c = a.contacts.get(&id).map_or(Value::Null, |c| c.render());
        Ok(Json(c).into_response())
    })
}

/// `GET /companies/?phone=|name=|id=|crm_1c_id=|search_string=`: one company as the root object, or 404.
async fn find_company(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref().unwrap_or(""));
    on_account(&state, &name, |a| {
        let mut companies = a.companies.values();
        let found = if let Some(s) = param(&pairs, "search_string") {
            let s = s.trim().to_lowercase();
            let d = digits(&s);
            companies.find(|c| {
                c.data.name.to_lowercase().contains(&s)
                    || c.data
                        .additional_name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase().contains(&s))
                    || (!d.is_empty() && d.len() == s.len() && c.has_phone(&d, None))
            })
        } else if let Some(p) = param(&pairs, "phone") {
            phone_query(p).and_then(|d| companies.find(|c| c.has_phone(&d, None)))
        } else if let Some(id) = param(&pairs, "id") {
            id.trim()
                .parse()
                .ok()
                .and_then(|id: u64| a.companies.get(&id))
        } else if let Some(n) = param(&pairs, "name") {
            companies.find(|c| c.data.name.eq_ignore_ascii_case(n.trim()))
        } else if let Some(x) = param(&pairs, "crm_1c_id") {
            companies.find(|c| c.data.crm_1c_id.as_deref() == Some(x.trim()))
        } else {
            return Err(OkError::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Не указан ни один параметр поиска (name, phone, id, crm_1c_id, search_string)",
            ));
        };
        found
            .map(|c| Json(c.render()).into_response())
            .ok_or_else(|| OkError::not_found("Компания не найдена"))
    })
}

async fn create_company(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        let spec = company_from_input(wrapped(&body, "company")?)?;
        let id = a.add_company(spec);
        let c = a.companies.get(&id).map_or(Value::Null, |c| c.render());
        Ok(Json(c).into_response())
    })
}

async fn create_issue(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        let by = a.api_author();
        let id = a.create_issue(wrapped(&body, "issue")?, by, time::now())?;
        let author = a.issues.get(&id).and_then(|i| i.author);
        a.fire(id, &Event::NewTicket, author);
        Ok(Json(json!({ "id": id })).into_response())
    })
}

/// `GET /issues/list`: a JSON array of issues (§1.2).
async fn list_issues(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref().unwrap_or(""));
    on_account(&state, &name, |a| {
        let query = IssueQuery::parse(&pairs, a)?;
        let list = query
            .select(a, true)
            .into_iter()
            .map(|id| a.issue_json(id))
            .collect::<Result<Vec<Value>, OkError>>()?;
        Ok(Json(list).into_response())
    })
}

/// `GET /issues/count`: the ids of every matching issue.
async fn count_issues(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref().unwrap_or(""));
    on_account(&state, &name, |a| {
        let query = IssueQuery::parse(&pairs, a)?;
        Ok(Json(query.select(a, false)).into_response())
    })
}

async fn get_issue(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    Path(id): Path<String>,
) -> Response {
    on_account(&state, &name, |a| {
        Ok(Json(a.issue_json(issue_id(&id)?)?).into_response())
    })
}

async fn list_comments(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    Path(id): Path<String>,
) -> Response {
    on_account(&state, &name, |a| {
        let id = issue_id(&id)?;
        let issue = a.issues.get(&id).ok_or_else(|| issue_not_found(id))?;
        let list: Vec<Value> = issue.comments.iter().map(|c| a.render_comment(c)).collect();
        Ok(Json(list).into_response())
    })
}

async fn add_comment(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        let id = issue_id(&id)?;
        if !a.issues.contains_key(&id) {
            return Err(issue_not_found(id));
        }
        let comment_id = a.add_comment(id, wrapped(&body, "comment")?, time::now())?;
        let author = a
            .issues
            .get(&id)
            .and_then(|i| i.comments.iter().find(|c| c.id == comment_id))
            .map(|c| c.author);
        a.fire(id, &Event::NewComment { comment_id }, author);
        Ok(Json(a.comment_json(id, comment_id)).into_response())
    })
}

async fn change_status(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        let id = issue_id(&id)?;
        let by = a.api_author();
        let change = a.change_status(id, object(&body)?, by, time::now())?;
        a.fire(id, &Event::NewStatus(change), by);
        Ok(Json(a.issue_json(id)?).into_response())
    })
}

async fn list_statuses(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
) -> Response {
    on_account(&state, &name, |a| {
        let list: Vec<Value> = a
            .statuses
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"id": i + 1, "code": s.code, "name": s.name}))
            .collect();
        Ok(Json(list).into_response())
    })
}

async fn list_priorities(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
) -> Response {
    on_account(&state, &name, |a| {
        let list: Vec<Value> = a
            .priorities
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"id": i + 1, "code": s.code, "name": s.name, "position": i + 1}))
            .collect();
        Ok(Json(list).into_response())
    })
}

async fn list_types(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
) -> Response {
    on_account(&state, &name, |a| {
        let list: Vec<Value> = a
            .issue_types
            .iter()
            .map(|t| json!({"id": t.id, "code": t.code, "name": t.name, "inner": t.inner, "available_for_client": !t.inner}))
            .collect();
        Ok(Json(list).into_response())
    })
}

async fn screen_pop(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        a.screen_pop(object(&body)?, time::now())?;
        Ok(Json(json!({})).into_response())
    })
}

async fn create_phone_call(
    State(state): State<Arc<AppState>>,
    Extension(AccountName(name)): Extension<AccountName>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    on_account(&state, &name, |a| {
        let id = a.create_phone_call(wrapped(&body, "phone_call")?, time::now())?;
        Ok((StatusCode::CREATED, Json(a.phone_call_json(id))).into_response())
    })
}
