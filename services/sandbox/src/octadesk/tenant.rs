//! Octadesk tenants (accounts) and the registry that holds them. All of a tenant's state lives here:
//! agents, credentials, issued access tokens, persons, organizations, tickets, limits and the webhook
//! outbox.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::config::{TenantPatch, TenantSpec, role_type, validate_secret};
use super::model::{Status, Ticket, User, default_statuses, new_uuid};
use super::tokens::{AccessToken, Credential};
use crate::common::delivery::{Outbox, Webhook};
use crate::common::error::ControlError;
use crate::common::limits::{AccessGuard, LimitSettings};
use crate::common::lock;
use crate::common::redact::redact_url;
use crate::common::tenants::{HasOutbox, Tenants};
use crate::common::time;
use crate::state::AppState;

/// One Octadesk account of the sandbox.
#[derive(Debug)]
pub struct Tenant {
    pub name: String,
    pub subdomain: String,
    pub users: Vec<User>,
    pub api_tokens: Vec<Credential>,
    pub api_keys: Vec<Credential>,
    pub token_ttl_seconds: u64,
    pub access_tokens: Vec<AccessToken>,
    pub persons: Vec<super::model::Person>,
    pub organizations: Vec<super::model::Organization>,
    pub statuses: Vec<Status>,
    pub custom_fields: Vec<String>,
    pub tickets: BTreeMap<u64, Ticket>,
    pub next_number: u64,
    pub webhook_url: Option<String>,
    pub webhook_delay: Duration,
    pub webhook_retries: u32,
    pub webhook_on_api_changes: bool,
    pub guard: AccessGuard,
    pub outbox: Outbox,
}

impl Tenant {
    /// The account owner: the first owner/admin, else the first agent. Acts for an API token or key used
    /// without a user e-mail.
    pub fn owner(&self) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.role_type <= 2)
            .or_else(|| self.users.first())
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// A status by id, display name or v0 name (case-insensitive).
    pub fn status(&self, key: &str) -> Option<&Status> {
        let key = key.trim();
        self.statuses.iter().find(|s| {
            s.id.eq_ignore_ascii_case(key)
                || s.name.eq_ignore_ascii_case(key)
                || s.slug.eq_ignore_ascii_case(key)
        })
    }

    /// The control API's view (secrets shown only as hints).
    pub fn view(&self) -> Value {
        json!({
            "name": self.name,
            "subdomain": self.subdomain,
            "users": self.users.iter().map(|u| json!({"id": u.id, "email": u.email, "name": u.name, "role": u.role, "roleType": u.role_type})).collect::<Vec<_>>(),
            "api_tokens": self.api_tokens.iter().map(Credential::view).collect::<Vec<_>>(),
            "api_keys": self.api_keys.iter().map(Credential::view).collect::<Vec<_>>(),
            "token_ttl_seconds": self.token_ttl_seconds,
            "webhook_url": self.webhook_url.as_deref().map(redact_url),
            "webhook_delay_ms": u64::try_from(self.webhook_delay.as_millis()).unwrap_or(u64::MAX),
            "webhook_retries": self.webhook_retries,
            "webhook_on_api_changes": self.webhook_on_api_changes,
            "pending_webhook_drops": self.outbox.pending_drops(),
            "rate_limit_per_minute": self.guard.settings().rate_limit_per_minute,
            "custom_fields": self.custom_fields,
            "statuses": self.statuses,
            "ticket_count": self.tickets.len(),
            "person_count": self.persons.len(),
            "organization_count": self.organizations.len(),
            "access_token_count": self.access_tokens.len(),
        })
    }

    fn all_secrets(&self) -> impl Iterator<Item = &str> {
        self.api_tokens
            .iter()
            .chain(self.api_keys.iter())
            .map(|c| c.value.as_str())
    }
}

fn limits(rate: u32) -> LimitSettings {
    LimitSettings {
        rate_limit_per_minute: rate,
        lockout_after_failures: 0,
        lockout_seconds: 0,
    }
}

/// What a credential selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialMatch {
    pub tenant: String,
    pub index: usize,
    pub revoked: bool,
}

/// Every Octadesk tenant of the sandbox, and the secret that signs their access tokens.
#[derive(Debug)]
pub struct OctadeskState {
    tenants: Mutex<BTreeMap<String, Tenant>>,
    http: reqwest::Client,
    secret: [u8; 32],
}

impl OctadeskState {
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            tenants: Mutex::new(BTreeMap::new()),
            http,
            secret: rand::random(),
        }
    }

    /// The HS256 key of the access tokens (drawn at start).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// Adds an API token or key ("Criar API Token" / "Gerar apiKey" in the account UI).
    pub fn add_credential(
        &self,
        name: &str,
        api_token: Option<String>,
        api_key: Option<String>,
    ) -> Result<Value, ControlError> {
        let (value, is_token) = match (api_token, api_key) {
            (Some(v), None) => (v, true),
            (None, Some(v)) => (v, false),
            _ => {
                return Err(ControlError::validation(
                    "give exactly one of api_token and api_key",
                ));
            }
        };
        validate_secret(&value).map_err(|e| {
            ControlError::validation(format!(
                "{} {e}",
                if is_token { "api_token" } else { "api_key" }
            ))
        })?;
        let mut tenants = lock(&self.tenants);
        if !tenants.contains_key(name) {
            return Err(unknown_tenant(name));
        }
        if let Some(other) = tenants
            .values()
            .find(|t| t.all_secrets().any(|s| s == value))
        {
            return Err(ControlError::conflict(format!(
                "tenant '{}' already uses this value",
                other.name
            )));
        }
        let t = tenants.get_mut(name).ok_or_else(|| unknown_tenant(name))?;
        let cred = Credential::new(value, time::now());
        let view = cred.view();
        if is_token {
            t.api_tokens.push(cred);
        } else {
            t.api_keys.push(cred);
        }
        Ok(view)
    }

    /// The tenant of a subdomain (case-insensitive).
    pub fn tenant_by_subdomain(&self, subdomain: &str) -> Option<String> {
        lock(&self.tenants)
            .values()
            .find(|t| t.subdomain.eq_ignore_ascii_case(subdomain.trim()))
            .map(|t| t.name.clone())
    }

    /// The tenant whose users include this e-mail and password (for `/login` without a subdomain).
    pub fn tenants_of_login(&self, email: &str, password: &str) -> Vec<String> {
        lock(&self.tenants)
            .values()
            .filter(|t| {
                t.user_by_email(email)
                    .is_some_and(|u| u.password == password)
            })
            .map(|t| t.name.clone())
            .collect()
    }

    /// What a legacy API token selects.
    pub fn find_api_token(&self, value: &str) -> Option<CredentialMatch> {
        find_in(&lock(&self.tenants), value, |t| &t.api_tokens)
    }

    /// What a v1 API key selects.
    pub fn find_api_key(&self, value: &str) -> Option<CredentialMatch> {
        find_in(&lock(&self.tenants), value, |t| &t.api_keys)
    }

    pub fn reset(&self) {
        lock(&self.tenants).clear();
    }
}

impl HasOutbox for Tenant {
    type Payload = Webhook;

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }
}

impl Tenants for OctadeskState {
    type Tenant = Tenant;
    type Spec = TenantSpec;
    type Patch = TenantPatch;
    const FAULTS: Option<&'static str> = Some("octadesk");

    fn of(state: &AppState) -> &Self {
        &state.octadesk
    }

    fn unknown(name: &str) -> ControlError {
        unknown_tenant(name)
    }

    fn view(tenant: &Tenant) -> Value {
        tenant.view()
    }

    fn with_map<R>(&self, f: impl FnOnce(&mut BTreeMap<String, Tenant>) -> R) -> R {
        f(&mut lock(&self.tenants))
    }

    /// Registers a tenant. Must run inside a Tokio runtime (spawns the outbox).
    fn register(&self, spec: TenantSpec) -> Result<Value, ControlError> {
        spec.validate().map_err(ControlError::validation)?;
        let subdomain = spec.subdomain();
        let mut tenants = lock(&self.tenants);
        if tenants.contains_key(&spec.name) {
            return Err(ControlError::conflict(format!(
                "an Octadesk tenant named '{}' already exists",
                spec.name
            )));
        }
        if let Some(other) = tenants
            .values()
            .find(|t| t.subdomain.eq_ignore_ascii_case(&subdomain))
        {
            return Err(ControlError::conflict(format!(
                "tenant '{}' already uses the subdomain '{subdomain}'",
                other.name
            )));
        }
        for t in tenants.values() {
            if spec
                .api_tokens
                .iter()
                .chain(spec.api_keys.iter())
                .any(|s| t.all_secrets().any(|o| o == s))
            {
                return Err(ControlError::conflict(format!(
                    "tenant '{}' already uses one of these API tokens/keys (tenant '{}' not created)",
                    t.name, spec.name
                )));
            }
        }
        let now = time::now();
        let users = spec
            .users
            .iter()
            .map(|u| User {
                id: u.id.clone().unwrap_or_else(new_uuid),
                email: u.email.trim().to_owned(),
                password: u.password.clone(),
                name: u.name.clone(),
                role: u.role.clone(),
                role_type: role_type(&u.role).unwrap_or(4),
            })
            .collect();
        let mut tenant = Tenant {
            name: spec.name.clone(),
            subdomain,
            users,
            api_tokens: spec
                .api_tokens
                .iter()
                .map(|v| Credential::new(v.clone(), now))
                .collect(),
            api_keys: spec
                .api_keys
                .iter()
                .map(|v| Credential::new(v.clone(), now))
                .collect(),
            token_ttl_seconds: spec.token_ttl_seconds,
            access_tokens: Vec::new(),
            persons: Vec::new(),
            organizations: Vec::new(),
            statuses: default_statuses(),
            custom_fields: spec.custom_fields.clone(),
            tickets: BTreeMap::new(),
            next_number: spec.first_ticket_number.unwrap_or(1).max(1),
            webhook_url: spec.webhook_url.clone(),
            webhook_delay: Duration::from_millis(spec.webhook_delay_ms),
            webhook_retries: spec.webhook_retries,
            webhook_on_api_changes: spec.webhook_on_api_changes,
            guard: AccessGuard::new(limits(spec.rate_limit_per_minute)),
            outbox: Outbox::spawn(self.http.clone(), format!("octadesk/{}", spec.name)),
        };
        for (i, org) in spec.organizations.iter().enumerate() {
            let o = as_object(org, "organizations", i)?;
            tenant.create_organization(o, true).map_err(|e| {
                ControlError::validation(format!("organizations[{i}]: {}", e.message))
            })?;
        }
        for (i, person) in spec.persons.iter().enumerate() {
            let o = as_object(person, "persons", i)?;
            tenant
                .create_person(o, true)
                .map_err(|e| ControlError::validation(format!("persons[{i}]: {}", e.message)))?;
        }
        let view = tenant.view();
        tenants.insert(spec.name.clone(), tenant);
        tracing::info!(tenant = %spec.name, "octadesk tenant registered");
        Ok(view)
    }

    fn patch(&self, name: &str, patch: TenantPatch) -> Result<Value, ControlError> {
        patch.validate().map_err(ControlError::validation)?;
        self.control(name, |t| {
            if let Some(ttl) = patch.token_ttl_seconds {
                t.token_ttl_seconds = ttl;
            }
            if let Some(url) = patch.webhook_url {
                t.webhook_url = url;
            }
            if let Some(v) = patch.webhook_delay_ms {
                t.webhook_delay = Duration::from_millis(v);
            }
            if let Some(v) = patch.webhook_retries {
                t.webhook_retries = v;
            }
            if let Some(v) = patch.webhook_on_api_changes {
                t.webhook_on_api_changes = v;
            }
            if let Some(v) = patch.rate_limit_per_minute {
                t.guard.update(limits(v));
            }
            if let Some(v) = patch.custom_fields {
                t.custom_fields = v;
            }
            if patch.reset_limits {
                t.guard.clear();
            }
            Ok(t.view())
        })
    }
}

fn find_in(
    tenants: &BTreeMap<String, Tenant>,
    value: &str,
    list: impl Fn(&Tenant) -> &Vec<Credential>,
) -> Option<CredentialMatch> {
    tenants.values().find_map(|t| {
        list(t)
            .iter()
            .position(|c| c.value == value)
            .map(|index| CredentialMatch {
                tenant: t.name.clone(),
                index,
                revoked: list(t)[index].revoked_at.is_some(),
            })
    })
}

fn as_object<'a>(
    v: &'a Value,
    field: &str,
    i: usize,
) -> Result<&'a Map<String, Value>, ControlError> {
    v.as_object()
        .ok_or_else(|| ControlError::validation(format!("{field}[{i}] must be an object")))
}

pub fn unknown_tenant(name: &str) -> ControlError {
    ControlError::not_found(format!("no tenant named '{name}' in provider octadesk"))
}
