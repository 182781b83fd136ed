//! The front doors of both APIs: authentication, the (optional) rate limit, injected faults and the
//! request log (credentials never enter it).
//!
//! * legacy: `POST /login` and `POST /login/apiToken` check credentials here and hand a [`LoginGrant`] to
//!   the login handler; every other path needs `Authorization: Bearer <access token>`;
//! * v1: `X-API-KEY` picks the tenant, `octa-agent-email` (optional) the acting agent.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tokio::time::Instant;

use super::errors::{self, OctaError};
use super::input::{query_pairs, text};
use super::jwt::{self, JwtError};
use super::tokens::Via;
use crate::common::gate::{FaultAnswers, Served, logged_query, run_with_faults};
use crate::common::limits::Rejection;
use crate::common::tenants::Tenants;
use crate::common::time;
use crate::state::AppState;

/// Largest login body read.
const MAX_LOGIN_BODY: usize = 1 << 20;

/// The tenant and acting agent of an API request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: String,
    pub user_id: String,
}

/// Verified login credentials.
#[derive(Debug, Clone)]
pub struct LoginGrant {
    pub tenant: String,
    pub user_id: String,
    pub via: Via,
}

/// A refusal, with the tenant when the credentials named one (for the request log).
type Refusal = (Option<String>, OctaError);

fn start(req: &Request) -> Served {
    Served::new(
        "octadesk",
        req,
        logged_query(&query_pairs(req.uri().query())),
    )
}

/// Logs the request, counting its status in the tenant's limits.
fn finish(state: &AppState, served: &Served, status: u16) {
    if let Some(tenant) = &served.tenant {
        state.octadesk.with_tenant(tenant, |t| {
            t.guard.record(status, true, Instant::now());
        });
    }
    served.log(state, status);
}

fn refuse(mut served: Served, state: &AppState, (tenant, error): Refusal) -> Response {
    served.tenant = tenant;
    finish(state, &served, error.status.as_u16());
    error.into_response()
}

/// Injected faults in Octadesk's error shape.
struct Answers;

impl FaultAnswers for Answers {
    fn shutting_down(&self) -> Response {
        OctaError::injected(StatusCode::SERVICE_UNAVAILABLE).into_response()
    }

    fn error(&self, status: StatusCode, retry_after_secs: u64) -> Response {
        if status == StatusCode::TOO_MANY_REQUESTS {
            OctaError::too_many(retry_after_secs).into_response()
        } else {
            OctaError::injected(status).into_response()
        }
    }

    fn timeout(&self) -> Response {
        OctaError::injected(StatusCode::GATEWAY_TIMEOUT).into_response()
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn body_text(body: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| text(body.get(*n)))
}

fn refuse_unauthorized(tenant: Option<String>, message: &str) -> Refusal {
    (tenant, OctaError::unauthorized(message))
}

/// `POST /login`: `{"username", "password"}` (also `email`), subdomain in the `subDomain` header (or the
/// body). Without a subdomain the user's only account is used.
fn password_login(
    state: &AppState,
    headers: &HeaderMap,
    body: &Map<String, Value>,
) -> Result<LoginGrant, Refusal> {
    let username = body_text(body, &["username", "email", "user"]);
    let password = body
        .get("password")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (Some(username), Some(password)) = (username, password) else {
        return Err((
            None,
            OctaError::bad_request("username and password are required"),
        ));
    };
    let subdomain =
        header(headers, "subdomain").or_else(|| body_text(body, &["subDomain", "subdomain"]));
    let tenant = match subdomain {
        Some(sub) => state
            .octadesk
            .tenant_by_subdomain(&sub)
            .ok_or_else(|| refuse_unauthorized(None, &format!("Invalid subdomain '{sub}'")))?,
        None => {
            let found = state.octadesk.tenants_of_login(&username, &password);
            match found.as_slice() {
                [one] => one.clone(),
                [] => return Err(refuse_unauthorized(None, "Invalid username or password")),
                _ => {
                    return Err((
                        None,
                        OctaError::bad_request(
                            "The subDomain header is required: this user belongs to several accounts",
                        ),
                    ));
                }
            }
        }
    };
    let user = state.octadesk.with_tenant(&tenant, |t| {
        t.user_by_email(&username)
            .filter(|u| u.password == password)
            .map(|u| u.id.clone())
    });
    match user.flatten() {
        Some(user_id) => Ok(LoginGrant {
            tenant,
            user_id,
            via: Via::Password,
        }),
        None => Err(refuse_unauthorized(
            Some(tenant),
            "Invalid username or password",
        )),
    }
}

/// `POST /login/apiToken`: the API token in the `apiToken` header (or the body), the agent in `username`
/// (default: the account owner), `subDomain` optional but checked when given.
fn api_token_login(
    state: &AppState,
    headers: &HeaderMap,
    body: &Map<String, Value>,
) -> Result<LoginGrant, Refusal> {
    let token =
        header(headers, "apitoken").or_else(|| body_text(body, &["apiToken", "apitoken", "token"]));
    let Some(token) = token else {
        return Err(refuse_unauthorized(None, "The apiToken header is required"));
    };
    let Some(found) = state.octadesk.find_api_token(&token) else {
        return Err(refuse_unauthorized(None, "Invalid API token"));
    };
    let tenant = found.tenant;
    if found.revoked {
        return Err(refuse_unauthorized(
            Some(tenant),
            "The API token has been revoked.",
        ));
    }
    let subdomain =
        header(headers, "subdomain").or_else(|| body_text(body, &["subDomain", "subdomain"]));
    let username = header(headers, "username").or_else(|| body_text(body, &["username", "email"]));
    let user = state.octadesk.with_tenant(&tenant, |t| {
        if subdomain
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case(&t.subdomain))
        {
            return Err("Invalid API token for this subdomain".to_owned());
        }
        match &username {
            Some(name) => t
                .user_by_email(name)
                .map(|u| u.id.clone())
                .ok_or_else(|| format!("Invalid username '{name}'")),
            None => t
                .owner()
                .map(|u| u.id.clone())
                .ok_or_else(|| "Invalid username".to_owned()),
        }
    });
    match user {
        Some(Ok(user_id)) => Ok(LoginGrant {
            tenant,
            user_id,
            via: Via::ApiToken(found.index),
        }),
        Some(Err(message)) => Err(refuse_unauthorized(Some(tenant), &message)),
        None => Err(refuse_unauthorized(None, "Invalid API token")),
    }
}

/// `Authorization: Bearer <access token>`.
fn bearer(state: &AppState, headers: &HeaderMap) -> Result<Principal, Refusal> {
    let Some(auth) = header(headers, "authorization") else {
        return Err(refuse_unauthorized(None, errors::NO_TOKEN));
    };
    let token = match auth.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => return Err(refuse_unauthorized(None, errors::BAD_SCHEME)),
    };
    let claims = jwt::decode(state.octadesk.secret(), token).map_err(|e| match e {
        JwtError::Malformed => refuse_unauthorized(None, errors::MALFORMED),
        JwtError::BadSignature => refuse_unauthorized(None, errors::BAD_SIGNATURE),
    })?;
    let (Some(sub), Some(jti)) = (text(claims.get("subdomain")), text(claims.get("jti"))) else {
        return Err(refuse_unauthorized(None, errors::INVALID_TOKEN));
    };
    let Some(tenant) = state.octadesk.tenant_by_subdomain(&sub) else {
        return Err(refuse_unauthorized(None, errors::INVALID_TOKEN));
    };
    match state
        .octadesk
        .with_tenant(&tenant, |t| t.check_access(&jti, time::now()))
    {
        Some(Ok(user_id)) => Ok(Principal { tenant, user_id }),
        Some(Err(e)) => Err((Some(tenant), e)),
        None => Err(refuse_unauthorized(None, errors::INVALID_TOKEN)),
    }
}

/// `X-API-KEY` and `octa-agent-email`.
fn api_key(state: &AppState, headers: &HeaderMap) -> Result<Principal, Refusal> {
    let Some(key) = header(headers, "x-api-key") else {
        return Err(refuse_unauthorized(
            None,
            "The X-API-KEY header is required",
        ));
    };
    let Some(found) = state.octadesk.find_api_key(&key) else {
        return Err(refuse_unauthorized(None, "Invalid API key"));
    };
    let tenant = found.tenant;
    if found.revoked {
        return Err(refuse_unauthorized(
            Some(tenant),
            "The API key has been revoked.",
        ));
    }
    let agent = header(headers, "octa-agent-email");
    let user = state.octadesk.with_tenant(&tenant, |t| match &agent {
        Some(email) => t
            .user_by_email(email)
            .map(|u| u.id.clone())
            .ok_or_else(|| format!("The agent '{email}' was not found in this account")),
        None => t
            .owner()
            .map(|u| u.id.clone())
            .ok_or_else(|| "No agent".to_owned()),
    });
    match user {
        Some(Ok(user_id)) => Ok(Principal { tenant, user_id }),
        Some(Err(message)) => Err(refuse_unauthorized(Some(tenant), &message)),
        None => Err(refuse_unauthorized(None, "Invalid API key")),
    }
}

fn is_login(path: &str) -> Option<bool> {
    let p = path.trim_end_matches('/');
    if p.eq_ignore_ascii_case("/login") {
        Some(false)
    } else if p.eq_ignore_ascii_case("/login/apiToken") {
        Some(true)
    } else {
        None
    }
}

/// Middleware of the legacy API.
pub async fn legacy_gate(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let served = start(&req);
    let login = (req.method() == axum::http::Method::POST)
        .then(|| is_login(req.uri().path()))
        .flatten();
    let Some(with_token) = login else {
        return match bearer(&state, req.headers()) {
            Ok(p) => {
                let tenant = p.tenant.clone();
                let mut req = req;
                req.extensions_mut().insert(p);
                run(&state, served, tenant, req, next).await
            }
            Err(r) => refuse(served, &state, r),
        };
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_LOGIN_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return refuse(
                served,
                &state,
                (
                    None,
                    OctaError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
                ),
            );
        }
    };
    let body = match super::input::object(&bytes) {
        Ok(o) => o,
        Err(e) => return refuse(served, &state, (None, e)),
    };
    let grant = if with_token {
        api_token_login(&state, &parts.headers, &body)
    } else {
        password_login(&state, &parts.headers, &body)
    };
    match grant {
        Ok(g) => {
            let tenant = g.tenant.clone();
            let mut req = Request::from_parts(parts, Body::from(bytes));
            req.extensions_mut().insert(g);
            run(&state, served, tenant, req, next).await
        }
        Err(r) => refuse(served, &state, r),
    }
}

/// Middleware of the v1 API.
pub async fn v1_gate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let served = start(&req);
    match api_key(&state, req.headers()) {
        Ok(p) => {
            let tenant = p.tenant.clone();
            req.extensions_mut().insert(p);
            run(&state, served, tenant, req, next).await
        }
        Err(r) => refuse(served, &state, r),
    }
}

/// Rate limit, faults, the handler, the request log.
async fn run(
    state: &AppState,
    mut served: Served,
    tenant: String,
    req: Request,
    next: Next,
) -> Response {
    served.tenant = Some(tenant.clone());
    match state
        .octadesk
        .with_tenant(&tenant, |t| t.guard.admit(Instant::now()))
    {
        None => {
            finish(state, &served, 401);
            return OctaError::unauthorized(errors::INVALID_TOKEN).into_response();
        }
        Some(Err(Rejection::RateLimited { retry_after_secs }))
        | Some(Err(Rejection::LockedOut { retry_after_secs })) => {
            finish(state, &served, 429);
            return OctaError::too_many(retry_after_secs).into_response();
        }
        Some(Ok(())) => {}
    }
    run_with_faults(state, &served, &tenant, req, next, &Answers, |status, _| {
        finish(state, &served, status);
    })
    .await
}
