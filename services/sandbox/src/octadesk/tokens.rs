//! Credentials and the access tokens the legacy login flows issue.
//!
//! Each issued token is remembered (by its `jti`) with its expiry, so the sandbox can answer why a bearer
//! is refused — expired (`exp` passed, or `expire-tokens`), or revoked (its API token was revoked) — and
//! the control API can list them without their values.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::errors::{self, OctaError};
use super::jwt;
use super::tenant::Tenant;
use crate::common::error::ControlError;
use crate::common::time;

/// Access tokens remembered per tenant; the oldest are forgotten first (they then answer `invalid token`).
const MAX_TOKENS: usize = 20_000;

/// The issuer claim of the legacy tokens seen in public code.
pub const ISSUER: &str = "api.octadesk.services";

/// A legacy API token or a v1 API key.
#[derive(Debug, Clone)]
pub struct Credential {
    pub value: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Credential {
    pub fn new(value: String, created_at: DateTime<Utc>) -> Self {
        Self {
            value,
            created_at,
            revoked_at: None,
        }
    }

    /// `…abcd`: enough to tell credentials apart, never the value.
    pub fn hint(&self) -> String {
        hint(&self.value)
    }

    pub fn view(&self) -> Value {
        json!({
            "hint": self.hint(),
            "created_at": time::format_rfc3339(&self.created_at),
            "revoked_at": self.revoked_at.as_ref().map(time::format_rfc3339),
        })
    }
}

pub fn hint(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 12 {
        return crate::common::redact::REDACTED.to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

/// How an access token was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `POST /login` (user and password).
    Password,
    /// `POST /login/apiToken`; the index of the API token in the tenant's list.
    ApiToken(usize),
}

/// One issued access token (its value is not kept).
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub jti: String,
    pub user_id: String,
    pub via: Via,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set by `expire-tokens`.
    pub expired_early_at: Option<DateTime<Utc>>,
}

impl Tenant {
    /// Issues an access token for a user; returns the JWT.
    pub fn issue_token(&mut self, secret: &[u8], user_id: &str, via: Via) -> Option<String> {
        let user = self.users.iter().find(|u| u.id == user_id)?.clone();
        let now = time::now();
        let now_ms = now.timestamp_millis();
        let ttl_ms = i64::try_from(self.token_ttl_seconds)
            .unwrap_or(i64::MAX / 2_000)
            .saturating_mul(1000);
        // `exp` is rounded up: the token lives at least `token_ttl_seconds`.
        let exp = (now_ms.saturating_add(ttl_ms) + 999).div_euclid(1000);
        let expires_at = Utc.timestamp_opt(exp, 0).single()?;
        let jti = super::model::new_uuid();
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(ISSUER));
        claims.insert("subdomain".into(), json!(self.subdomain));
        claims.insert("id".into(), json!(user.id));
        claims.insert("email".into(), json!(user.email));
        claims.insert("name".into(), json!(user.name));
        claims.insert("role".into(), json!(user.role_type));
        claims.insert("roleType".into(), json!(user.role_type));
        claims.insert("type".into(), json!(1));
        claims.insert("permissionType".into(), json!(1));
        claims.insert("permissionView".into(), json!(0));
        claims.insert("issuedate".into(), json!(time::format_rfc3339(&now)));
        claims.insert("iat".into(), json!(now.timestamp()));
        claims.insert("exp".into(), json!(exp));
        claims.insert("jti".into(), json!(jti));
        let token = jwt::encode(secret, &claims);
        if self.access_tokens.len() >= MAX_TOKENS {
            self.access_tokens.remove(0);
        }
        self.access_tokens.push(AccessToken {
            jti,
            user_id: user.id,
            via,
            issued_at: now,
            expires_at,
            expired_early_at: None,
        });
        Some(token)
    }

    /// Checks a bearer's `jti`: the acting user's id, or why it is refused.
    pub fn check_access(&self, jti: &str, now: DateTime<Utc>) -> Result<String, OctaError> {
        let token = self
            .access_tokens
            .iter()
            .find(|t| t.jti == jti)
            .ok_or_else(|| OctaError::unauthorized(errors::INVALID_TOKEN))?;
        if let Via::ApiToken(i) = token.via
            && self
                .api_tokens
                .get(i)
                .is_none_or(|c| c.revoked_at.is_some())
        {
            return Err(OctaError::unauthorized(errors::REVOKED));
        }
        if token.expired_early_at.is_some() || now >= token.expires_at {
            return Err(OctaError::unauthorized(errors::EXPIRED));
        }
        if !self.users.iter().any(|u| u.id == token.user_id) {
            return Err(OctaError::unauthorized(errors::INVALID_TOKEN));
        }
        Ok(token.user_id.clone())
    }

    /// `POST /_sandbox/octadesk/{t}/revoke`: revokes an API token (and every access token obtained with it)
    /// or an API key. Returns the control answer.
    pub fn revoke(
        &mut self,
        api_token: Option<&str>,
        api_key: Option<&str>,
    ) -> Result<Value, ControlError> {
        let now = time::now();
        match (api_token, api_key) {
            (Some(value), None) => {
                let index = self
                    .api_tokens
                    .iter()
                    .position(|c| c.value == value)
                    .ok_or_else(|| {
                        ControlError::not_found(format!(
                            "tenant '{}' has no such API token",
                            self.name
                        ))
                    })?;
                let cred = &mut self.api_tokens[index];
                let already = cred.revoked_at.is_some();
                cred.revoked_at.get_or_insert(now);
                let hint = cred.hint();
                let revoked = self
                    .access_tokens
                    .iter()
                    .filter(|t| t.via == Via::ApiToken(index) && now < t.expires_at)
                    .count();
                tracing::info!(tenant = %self.name, api_token = %hint, access_tokens = revoked, "octadesk API token revoked");
                Ok(
                    json!({"revoked": "api_token", "hint": hint, "already_revoked": already, "access_tokens_revoked": revoked}),
                )
            }
            (None, Some(value)) => {
                let cred = self
                    .api_keys
                    .iter_mut()
                    .find(|c| c.value == value)
                    .ok_or_else(|| {
                        ControlError::not_found(format!(
                            "tenant '{}' has no such API key",
                            self.name
                        ))
                    })?;
                let already = cred.revoked_at.is_some();
                cred.revoked_at.get_or_insert(now);
                tracing::info!(tenant = %self.name, api_key = %cred.hint(), "octadesk API key revoked");
                Ok(json!({"revoked": "api_key", "hint": cred.hint(), "already_revoked": already}))
            }
            _ => Err(ControlError::validation(
                "give exactly one of api_token and api_key",
            )),
        }
    }

    /// `POST /_sandbox/octadesk/{t}/expire-tokens`: every access token issued so far expires now.
    pub fn expire_tokens(&mut self) -> usize {
        let now = time::now();
        let mut n = 0;
        for t in &mut self.access_tokens {
            if t.expired_early_at.is_none() && now < t.expires_at {
                t.expired_early_at = Some(now);
                n += 1;
            }
        }
        tracing::info!(tenant = %self.name, expired = n, "octadesk access tokens expired");
        n
    }

    /// The control view of the access tokens: who, how, when, state — never the value.
    pub fn token_views(&self) -> Vec<Value> {
        let now = time::now();
        self.access_tokens
            .iter()
            .map(|t| {
                let user = self.users.iter().find(|u| u.id == t.user_id);
                let (via, credential) = match t.via {
                    Via::Password => ("password", None),
                    Via::ApiToken(i) => ("api_token", self.api_tokens.get(i).map(Credential::hint)),
                };
                let state = match self.check_access(&t.jti, now) {
                    Ok(_) => "active",
                    Err(e) if e.message == errors::REVOKED => "revoked",
                    Err(_) => "expired",
                };
                json!({
                    "jti": t.jti,
                    "via": via,
                    "api_token": credential,
                    "user": user.map(|u| u.email.clone()),
                    "issued_at": time::format_rfc3339(&t.issued_at),
                    "expires_at": time::format_rfc3339(&t.expires_at),
                    "expired_early_at": t.expired_early_at.as_ref().map(time::format_rfc3339),
                    "state": state,
                })
            })
            .collect()
    }
}
