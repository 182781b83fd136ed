//! The legacy logins: `POST /login` (header `subDomain`, body `{username,
//! password}`) and `POST /login/apiToken` (headers `apiToken`, `username`,
//! `subDomain`, empty body). Both answer a JSON object with `token`. A
//! refusal — 400, 401, 403, 405 (clients special-case it), or an answer
//! without a token — is permanent and says which credential was refused;
//! 429, 5xx and network trouble are worth another try. No credential or
//! token ever reaches a message.

use std::time::Duration;

use ponte_worker::ExecError;
use ponte_worker::transport::Transport;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::Flow;
use crate::client::errors::summarize;

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
    let login = Transport {
        label: "octadesk",
        name: "Octadesk login",
        timeout: LOGIN_TIMEOUT,
    };
    // No answer, or a body cut off mid-read, is worth another try.
    let answer = login.send(span, &Method::POST, path, request).await?;
    let (status, wait, text) = (answer.status, answer.retry_after, answer.body);
    if status.is_success() {
        return token_of(&text).ok_or_else(|| ExecError::Permanent {
            reason: format!(
                "{}: POST {path} answered {status} without an access token",
                flow.refused()
            ),
            status: Some(status.as_u16()),
        });
    }
    let said = summarize(&text);
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(ExecError::Transient {
            reason: format!("Octadesk login (POST {path}) answered {status}: {said}"),
            status: Some(status.as_u16()),
            retry_after: wait,
        });
    }
    Err(ExecError::Permanent {
        reason: format!("{}: POST {path} answered {status}: {said}", flow.refused()),
        status: Some(status.as_u16()),
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
