//! The front door of the HTTP API: picks the contract by `Authorization: Key <key>`, enforces the plan
//! throughput, applies injected faults, and logs every request without its key (to tracing and to the
//! request log).
//!
//! Blip documents the status codes (202, 400, 401, 504) but not the error bodies; the sandbox answers
//! `{"reason": {"code", "description"}}` with a LIME code (13 authentication, 21 validation, 1 other).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use super::throughput::Kind;
use crate::common::gate::{FaultAnswers, Served, run_with_faults};
use crate::common::redact::strip_secret_params;
use crate::common::tenants::Tenants;
use crate::state::AppState;

pub const SESSION_AUTHENTICATION_FAILED: u32 = 13;

/// The contract selected by the key, for handlers.
#[derive(Debug, Clone)]
pub struct ContractName(pub String);

/// An HTTP-level error (not a command failure, which is HTTP 200).
pub fn http_error(status: StatusCode, code: u32, description: impl Into<String>) -> Response {
    let description = description.into();
    (
        status,
        Json(json!({"reason": {"code": code, "description": description}})),
    )
        .into_response()
}

fn too_many(description: String) -> Response {
    let mut resp = http_error(
        StatusCode::TOO_MANY_REQUESTS,
        super::reason::GENERAL_ERROR,
        description,
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    resp
}

/// The key of `Authorization: Key <key>`: `Err` says what is wrong (never echoing the value).
fn key_of(headers: &HeaderMap) -> Result<String, &'static str> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or("The Authorization header is missing")?
        .to_str()
        .map_err(|_| "The Authorization header is not valid text")?;
    let (scheme, key) = value
        .trim()
        .split_once(' ')
        .ok_or("The Authorization header must be 'Key <token>'")?;
    if !scheme.eq_ignore_ascii_case("key") || key.trim().is_empty() {
        return Err("The Authorization header must be 'Key <token>'");
    }
    Ok(key.trim().to_owned())
}

fn kind_of(path: &str) -> Option<Kind> {
    match path.trim_end_matches('/').rsplit('/').next() {
        Some("messages") => Some(Kind::Message),
        Some("notifications") => Some(Kind::Notification),
        Some("commands") => Some(Kind::Command),
        _ => None,
    }
}

/// Injected faults in the `{"reason"}` shape.
struct Answers;

impl FaultAnswers for Answers {
    fn shutting_down(&self) -> Response {
        http_error(
            StatusCode::SERVICE_UNAVAILABLE,
            super::reason::GENERAL_ERROR,
            "The sandbox is shutting down.",
        )
    }

    fn error(&self, status: StatusCode, _retry_after_secs: u64) -> Response {
        if status == StatusCode::TOO_MANY_REQUESTS {
            too_many("Too many requests.".to_owned())
        } else {
            http_error(
                status,
                super::reason::GENERAL_ERROR,
                "An error has occurred.",
            )
        }
    }

    fn timeout(&self) -> Response {
        http_error(
            StatusCode::GATEWAY_TIMEOUT,
            super::reason::GENERAL_ERROR,
            "The command response was not produced in time.",
        )
    }
}

/// Middleware around every `/blip/...` route.
pub async fn gate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let query = strip_secret_params(req.uri().query().unwrap_or(""));
    let mut served = Served::new("blip", &req, query);

    let contract = match key_of(req.headers()) {
        Ok(key) => state
            .blip
            .contract_for_key(&key)
            .ok_or("The key is not valid"),
        Err(e) => Err(e),
    };
    let contract = match contract {
        Ok(c) => c,
        Err(why) => {
            served.log(&state, 401);
            return http_error(StatusCode::UNAUTHORIZED, SESSION_AUTHENTICATION_FAILED, why);
        }
    };
    served.tenant = Some(contract.clone());

    if let Some(kind) = kind_of(req.uri().path()) {
        let admitted = state.blip.with_tenant(&contract, |c| {
            let limit = match kind {
                Kind::Message => c.messages_per_second,
                Kind::Notification => c.notifications_per_second,
                Kind::Command => c.commands_per_second,
            };
            (
                c.throughput.window(kind).admit(limit, Instant::now()),
                limit,
            )
        });
        match admitted {
            None => {
                served.log(&state, 401);
                return http_error(
                    StatusCode::UNAUTHORIZED,
                    SESSION_AUTHENTICATION_FAILED,
                    "The key is not valid",
                );
            }
            Some((false, limit)) => {
                served.log(&state, 429);
                return too_many(format!(
                    "Throughput limit exceeded: {limit} {kind:?} envelopes per second"
                ));
            }
            Some((true, _)) => {}
        }
    }

    req.extensions_mut().insert(ContractName(contract.clone()));
    run_with_faults(
        &state,
        &served,
        &contract,
        req,
        next,
        &Answers,
        |status, _| {
            served.log(&state, status);
        },
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_key_scheme_is_required() {
        let mut h = HeaderMap::new();
        assert!(key_of(&h).is_err());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Key abc"));
        assert_eq!(key_of(&h).unwrap(), "abc");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("key  abc "));
        assert_eq!(key_of(&h).unwrap(), "abc");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert!(key_of(&h).is_err());
        assert_eq!(kind_of("/commands"), Some(Kind::Command));
        assert_eq!(kind_of("/other"), None);
    }
}
