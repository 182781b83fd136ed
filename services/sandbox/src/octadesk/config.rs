//! How an Octadesk tenant is registered (`POST /_sandbox/octadesk/tenants`, seed file) and patched.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::common::config::{double_option, validate_name, validate_url};

fn default_ttl() -> u64 {
    3600
}

fn default_webhook_delay() -> u64 {
    50
}

fn default_true() -> bool {
    true
}

fn default_role() -> String {
    "agent".to_owned()
}

/// An agent of the account (a user who can log in and act through the APIs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    /// Id (a UUID is drawn when absent).
    #[serde(default)]
    pub id: Option<String>,
    pub email: String,
    pub password: String,
    pub name: String,
    /// `owner`, `admin`, `agent-master` or `agent` (default).
    #[serde(default = "default_role")]
    pub role: String,
}

/// The `roleType` code of a role name (php-m `ContactsApi` constants).
pub fn role_type(role: &str) -> Option<u8> {
    match role {
        "owner" => Some(1),
        "admin" => Some(2),
        "agent-master" => Some(3),
        "agent" => Some(4),
        _ => None,
    }
}

/// A tenant as registered by the control API or listed in the seed file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    /// Name used in control paths, fault paths and the request log.
    pub name: String,
    /// The Octadesk subdomain (`subDomain` header of `/login`, `subdomain` claim); default: `name`.
    #[serde(default)]
    pub subdomain: Option<String>,
    /// The agents; the first `owner`/`admin` (else the first user) is the account owner, who acts for
    /// an API token or key used without a user e-mail.
    pub users: Vec<UserSpec>,
    /// Legacy API tokens (`POST /login/apiToken`).
    #[serde(default)]
    pub api_tokens: Vec<String>,
    /// v1 API keys (`X-API-KEY`).
    #[serde(default)]
    pub api_keys: Vec<String>,
    /// Lifetime of the access tokens issued by the login flows.
    #[serde(default = "default_ttl")]
    pub token_ttl_seconds: u64,
    /// Where the automations' webhook is POSTed (none: no webhooks).
    #[serde(default)]
    pub webhook_url: Option<String>,
    #[serde(default = "default_webhook_delay")]
    pub webhook_delay_ms: u64,
    #[serde(default)]
    pub webhook_retries: u32,
    /// Whether changes made through the APIs fire the webhook too (not only the agent UI's).
    #[serde(default = "default_true")]
    pub webhook_on_api_changes: bool,
    /// Persons (contacts): the same objects as the legacy `POST /persons`, optionally with an `id`.
    #[serde(default)]
    pub persons: Vec<Value>,
    /// Organizations: the same objects as `POST /organizations`, optionally with an `id`.
    #[serde(default)]
    pub organizations: Vec<Value>,
    /// Keys of the ticket form's custom fields; any other key is rejected.
    #[serde(default)]
    pub custom_fields: Vec<String>,
    /// Requests per rolling minute (0, the default, switches the limit off: limits are undocumented).
    #[serde(default)]
    pub rate_limit_per_minute: u32,
    /// Number of the first ticket (default 1).
    #[serde(default)]
    pub first_ticket_number: Option<u64>,
}

impl TenantSpec {
    pub fn subdomain(&self) -> String {
        self.subdomain.clone().unwrap_or_else(|| self.name.clone())
    }

    /// Checks what serde cannot; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        validate_name("name", &self.name, "tenants")?;
        validate_name("subdomain", &self.subdomain(), "tenants")?;
        if self.users.is_empty() {
            return Err("users must list at least one agent".to_owned());
        }
        for (i, u) in self.users.iter().enumerate() {
            if !looks_like_email(&u.email) {
                return Err(format!(
                    "users[{i}].email '{}' is not an e-mail address",
                    u.email
                ));
            }
            if u.password.is_empty() {
                return Err(format!("users[{i}].password must not be empty"));
            }
            if u.name.trim().is_empty() {
                return Err(format!("users[{i}].name must not be empty"));
            }
            if role_type(&u.role).is_none() {
                return Err(format!(
                    "users[{i}].role '{}' is not one of owner, admin, agent-master, agent",
                    u.role
                ));
            }
            if self.users[..i]
                .iter()
                .any(|o| o.email.eq_ignore_ascii_case(&u.email))
            {
                return Err(format!("users[{i}].email '{}' is listed twice", u.email));
            }
        }
        for (field, list) in [
            ("api_tokens", &self.api_tokens),
            ("api_keys", &self.api_keys),
        ] {
            for (i, t) in list.iter().enumerate() {
                validate_secret(t).map_err(|e| format!("{field}[{i}] {e}"))?;
                if list[..i].contains(t) {
                    return Err(format!("{field}[{i}] is listed twice"));
                }
            }
        }
        if self.api_tokens.iter().any(|t| self.api_keys.contains(t)) {
            return Err("the same value is both an API token and an API key".to_owned());
        }
        validate_ttl(self.token_ttl_seconds)?;
        if let Some(url) = &self.webhook_url {
            validate_url(url).map_err(|e| format!("webhook_url: {e}"))?;
        }
        for (i, k) in self.custom_fields.iter().enumerate() {
            if k.trim().is_empty() {
                return Err(format!("custom_fields[{i}] must not be empty"));
            }
        }
        Ok(())
    }
}

pub fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !s.contains(' ')
        }
        None => false,
    }
}

pub fn validate_ttl(ttl: u64) -> Result<(), String> {
    if ttl == 0 || ttl > 10 * 365 * 24 * 3600 {
        return Err(format!(
            "token_ttl_seconds must be between 1 and 315360000, got {ttl}"
        ));
    }
    Ok(())
}

pub fn validate_secret(secret: &str) -> Result<(), String> {
    if secret.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces".to_owned());
    }
    Ok(())
}

/// `PATCH /_sandbox/octadesk/tenants/{name}`: every field optional; `webhook_url: null` removes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    pub token_ttl_seconds: Option<u64>,
    #[serde(default, deserialize_with = "double_option")]
    pub webhook_url: Option<Option<String>>,
    pub webhook_delay_ms: Option<u64>,
    pub webhook_retries: Option<u32>,
    pub webhook_on_api_changes: Option<bool>,
    pub rate_limit_per_minute: Option<u32>,
    pub custom_fields: Option<Vec<String>>,
    /// `true` empties the rate-limit window.
    #[serde(default)]
    pub reset_limits: bool,
}

impl TenantPatch {
    pub fn validate(&self) -> Result<(), String> {
        if let Some(ttl) = self.token_ttl_seconds {
            validate_ttl(ttl)?;
        }
        if let Some(Some(url)) = &self.webhook_url {
            validate_url(url).map_err(|e| format!("webhook_url: {e}"))?;
        }
        if let Some(i) = self
            .custom_fields
            .as_ref()
            .and_then(|c| c.iter().position(|k| k.trim().is_empty()))
        {
            return Err(format!("custom_fields[{i}] must not be empty"));
        }
        Ok(())
    }
}
