//! The legacy logins: `POST /login` (header `subDomain`, body `{username,
//! password}`) and `POST /login/apiToken` (headers `apiToken`, `username`,
//! `subDomain`, empty body). Both answer a JSON object with `token`. A
//! refusal — 400, 401, 403, 405 (clients special-case it), or an answer
//! without a token — is permanent and says which credential was refused;
//! 429, 5xx and network trouble are worth another try. No credential or
//! token ever reaches a message.

use std::time::{Duration, Instant};

use ponte_telemetry::metrics;
use ponte_worker::ExecError;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tracing::Instrument;

use super::Flow;
use crate::client::errors::{retry_after, summarize, unreachable};

const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Logs in with a legacy flow and returns the access token.
pub async fn login(http: &reqwest::Client, base: &str, flow: &Flow) -> Result<String, ExecError> {
    let base = base.trim_end_matches('/');
    let (path, request) = match flow {
        Flow::ApiKey { .. } => {
            return Err(ExecError::permanent(
                "the API-key flow has no login; this is a bug in Ponte",
            ));
        }
        Flow::Password {
            user,
            password,
            subdomain,
        } => (
            "/login",
            http.post(format!("{base}/login"))
                .header("subDomain", subdomain)
                .json(&json!({"username": user, "password": password})),
        ),
        Flow::ApiToken {
            token,
            username,
            subdomain,
        } => {
            let mut r = http
                .post(format!("{base}/login/apiToken"))
                .header("apiToken", token)
                .json(&json!({}));
            if let Some(u) = username {
                r = r.header("username", u);
            }
            if let Some(s) = subdomain {
                r = r.header("subDomain", s);
            }
            ("/login/apiToken", r)
        }
    };
    let span = tracing::info_span!("octadesk.login", path = %path, status = tracing::field::Empty);
    let started = Instant::now();
    let sent = request
        .timeout(LOGIN_TIMEOUT)
        .send()
        .instrument(span.clone())
        .await;
    let response = match sent {
        Ok(r) => r,
        Err(e) => return Err(unreachable(&Method::POST, path, e)),
    };
    let status = response.status();
    span.record("status", status.as_u16());
    metrics::observe(
        "ponte_provider_seconds",
        "Provider API call latency",
        &[("provider", "octadesk"), ("outcome", status.as_str())],
        started.elapsed(),
    );
    let wait = retry_after(response.headers());
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        return token_of(&text).ok_or_else(|| ExecError::Permanent {
            reason: format!(
                "{}: POST {path} answered {status} without an access token",
                flow.refused()
            ),
            status: Some(status.as_u16().to_string()),
        });
    }
    let said = summarize(&text);
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(ExecError::Transient {
            reason: format!("Octadesk login (POST {path}) answered {status}: {said}"),
            status: Some(status.as_u16().to_string()),
            retry_after: wait,
        });
    }
    Err(ExecError::Permanent {
        reason: format!("{}: POST {path} answered {status}: {said}", flow.refused()),
        status: Some(format!("{} {said}", status.as_u16())),
    })
}

/// `token` of the login answer (also `accessToken`, `access_token`, or
/// inside `data`).
fn token_of(text: &str) -> Option<String> {
    let v: Value = serde_json::from_str(text).ok()?;
    let find = |o: &Value| {
        ["token", "accessToken", "access_token"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    match &v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => find(&v).or_else(|| v.get("data").and_then(find)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_where_clients_read_it() {
        assert_eq!(token_of(r#"{"token":"abc"}"#).as_deref(), Some("abc"));
        assert_eq!(
            token_of(r#"{"data":{"accessToken":"x"}}"#).as_deref(),
            Some("x")
        );
        assert_eq!(token_of(r#"{"message":"invalid"}"#), None);
        assert_eq!(token_of(r#"{"token":""}"#), None);
    }
}
