//! Movidesk tenants ("domains") and the registry that holds them. All of a domain's state lives here:
//! settings, persons, tickets, parent/child links, rate-limit state and the webhook outbox.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::config::{
    DomainPatch, DomainSpec, OriginOnCreate, StatusSpec, default_statuses, validate_statuses,
    validate_token,
};
use super::model::{RelatedTicket, Ticket};
use super::persons::{self, Person};
use crate::common::config::validate_named_url;
use crate::common::delivery::{Outbox, Webhook};
use crate::common::error::ControlError;
use crate::common::limits::{AccessGuard, LimitSettings};
use crate::common::redact::{REDACTED, redact_url};
use crate::common::tenants::{HasOutbox, Tenants};
use crate::common::{lock, time};
use crate::state::AppState;

/// Why a write was refused; mapped to the public API's or the control API's error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// A validation error (400 with this message).
    Invalid(String),
    /// The target does not exist (404).
    NotFound(String),
    /// Movidesk answers a generic 500 here; the string says why, for logs and the control API.
    Generic(String),
    /// A unique key is taken.
    Conflict(String),
}

/// One Movidesk account of the sandbox.
#[derive(Debug)]
pub struct Domain {
    pub name: String,
    pub token: String,
    pub webhook_url: Option<String>,
    pub webhook_delay: Duration,
    pub webhook_retries: u32,
    /// New tickets stay out of list/search answers this long.
    pub search_lag: Duration,
    pub statuses: Vec<StatusSpec>,
    pub categories: Vec<String>,
    pub urgencies: Vec<String>,
    pub api_person_id: Option<String>,
    pub origin_on_create: OriginOnCreate,
    pub clients_need_organization: bool,
    pub next_ticket_number: u64,
    pub guard: AccessGuard,
    pub outbox: Outbox,
    /// Persons by lower-cased id (ids compare without regard to case, like Movidesk's database).
    pub persons: BTreeMap<String, Person>,
    pub tickets: BTreeMap<u64, Ticket>,
    /// Parent/child links as (parent, child).
    pub relations: BTreeSet<(u64, u64)>,
    /// Satisfaction-survey questions and responses.
    pub surveys: super::surveys::Surveys,
}

impl Domain {
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.persons.get(&id.to_lowercase())
    }

    fn generate_person_id(&self) -> String {
        let mut rng = rand::rng();
        loop {
            let id = rng.random_range(100_000_000u64..1_000_000_000).to_string();
            if self.person(&id).is_none() {
                return id;
            }
        }
    }

    fn check_unique(&self, p: &Person, except: Option<&str>) -> Result<(), WriteError> {
        for key in ["codeReferenceAdditional", "userName"] {
            let Some(value) = p.text(key) else { continue };
            let taken = self.persons.values().any(|o| {
                Some(o.id()) != except && o.text(key).is_some_and(|v| v.eq_ignore_ascii_case(value))
            });
            if taken {
                return Err(WriteError::Conflict(format!(
                    "There is already a person with {key} '{value}'"
                )));
            }
        }
        Ok(())
    }

    /// Fills relationship names from the organizations they point to.
    fn link_relationships(&self, p: &mut Person) {
        if let Some(Value::Array(rels)) = p.data.get_mut("relationships") {
            for rel in rels.iter_mut() {
                let name = rel
                    .get("id")
                    .and_then(super::input::as_id)
                    .and_then(|id| self.person(&id))
                    .and_then(|org| org.text("businessName").map(str::to_owned));
                if let (Value::Object(o), Some(name)) = (rel, name) {
                    o.insert("name".into(), Value::String(name));
                }
            }
        }
    }

    /// Adds a person from an API-shaped body; returns its id.
    pub fn add_person(&mut self, input: &Value, now: &DateTime<Utc>) -> Result<String, WriteError> {
        let mut p = persons::create(input, now, || self.generate_person_id())
            .map_err(WriteError::Invalid)?;
        if self.person(p.id()).is_some() {
            return Err(WriteError::Conflict(format!(
                "There is already a person with the Ref. code '{}'",
                p.id()
            )));
        }
        self.check_unique(&p, None)?;
        self.link_relationships(&mut p);
        let id = p.id().to_owned();
        self.persons.insert(id.to_lowercase(), p);
        Ok(id)
    }

    /// A client person created through the API when the tenant requires an organization: it must
    /// name one (`relationships[].id`) that exists.
    pub fn check_organization(&self, input: &Value) -> Result<(), WriteError> {
        let Value::Object(o) = input else {
            return Ok(());
        };
        let int = |name: &str| {
            super::input::present(o, name)
                .and_then(super::input::as_int)
                .unwrap_or(if name == "personType" { 1 } else { 2 })
        };
        if !self.clients_need_organization
            || int("personType") != 1
            || !matches!(int("profileType"), 2 | 3)
        {
            return Ok(());
        }
        let ids: Vec<String> = match super::input::present(o, "relationships") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|r| r.get("id").and_then(super::input::as_id))
                .collect(),
            _ => Vec::new(),
        };
        if ids.is_empty() {
            return Err(WriteError::Invalid(
                "relationships is required: this account requires every client to belong to an organization".into(),
            ));
        }
        for (i, id) in ids.iter().enumerate() {
            // A hierarchy is written "IdPai/IdFilho": the last one is the organization.
            let org = id.rsplit('/').next().unwrap_or(id);
            if self.person(org).is_none() {
                return Err(WriteError::Invalid(format!(
                    "relationships[{i}].id: there is no organization with Ref. code '{id}'"
                )));
            }
        }
        Ok(())
    }

    pub fn patch_person(
        &mut self,
        id: &str,
        input: &Value,
        now: &DateTime<Utc>,
    ) -> Result<(), WriteError> {
        let existing = self
            .person(id)
            .ok_or_else(|| WriteError::NotFound(format!("Person '{id}' not found")))?;
        let mut p = persons::patch(existing, input, now).map_err(WriteError::Invalid)?;
        self.check_unique(&p, Some(existing.id()))?;
        self.link_relationships(&mut p);
        self.persons.insert(id.to_lowercase(), p);
        Ok(())
    }

    pub fn delete_person(&mut self, id: &str) -> Result<(), WriteError> {
        self.persons
            .remove(&id.to_lowercase())
            .map(|_| ())
            .ok_or_else(|| WriteError::NotFound(format!("Person '{id}' not found")))
    }

    fn related(&self, ids: impl Iterator<Item = u64>) -> Vec<RelatedTicket> {
        ids.filter_map(|id| self.tickets.get(&id))
            .map(|t| RelatedTicket {
                id: t.id,
                subject: t.subject.clone(),
            })
            .collect()
    }

    /// The full API model of a ticket.
    pub fn render_ticket(&self, t: &Ticket, now: &DateTime<Utc>) -> Value {
        self.render_ticket_reading(t, now, &|_| true)
    }

    /// The API model of a ticket with the collections `reads` names (see
    /// [`Ticket::render`]).
    pub fn render_ticket_reading(
        &self,
        t: &Ticket,
        now: &DateTime<Utc>,
        reads: &dyn Fn(&str) -> bool,
    ) -> Value {
        let mut parents = Vec::new();
        if reads("parentTickets") {
            parents = self.related(
                self.relations
                    .iter()
                    .filter(|(_, c)| *c == t.id)
                    .map(|(p, _)| *p),
            );
        }
        let mut children = Vec::new();
        if reads("childrenTickets") {
            children = self.related(
                self.relations
                    .iter()
                    .filter(|(p, _)| *p == t.id)
                    .map(|(_, c)| *c),
            );
        }
        t.render(&parents, &children, now, reads)
    }

    pub fn ticket_json(&self, id: u64) -> Option<Value> {
        let now = time::now();
        self.tickets.get(&id).map(|t| self.render_ticket(t, &now))
    }

    /// A status by name (names compare without regard to case).
    pub fn status(&self, name: &str) -> Option<&StatusSpec> {
        self.statuses.iter().find(|s| s.name == name).or_else(|| {
            self.statuses
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(name))
        })
    }

    fn limits(&self) -> LimitSettings {
        self.guard.settings()
    }

    /// The control API's view of the domain (secrets redacted).
    pub fn view(&self) -> Value {
        let limits = self.limits();
        json!({
            "name": self.name,
            "token": REDACTED,
            "webhook_url": self.webhook_url.as_deref().map(redact_url),
            "rate_limit_per_minute": limits.rate_limit_per_minute,
            "lockout_after_failures": limits.lockout_after_failures,
            "lockout_seconds": limits.lockout_seconds,
            "locked_for_seconds": self.guard.locked_for(Instant::now()),
            "webhook_delay_ms": u64::try_from(self.webhook_delay.as_millis()).unwrap_or(u64::MAX),
            "webhook_retries": self.webhook_retries,
            "search_lag_ms": u64::try_from(self.search_lag.as_millis()).unwrap_or(u64::MAX),
            "pending_webhook_drops": self.outbox.pending_drops(),
            "statuses": self.statuses,
            "categories": self.categories,
            "urgencies": self.urgencies,
            "api_person_id": self.api_person_id,
            "origin_on_create": self.origin_on_create,
            "clients_need_organization": self.clients_need_organization,
            "next_ticket_number": self.next_ticket_number,
            "ticket_count": self.tickets.len(),
            "person_count": self.persons.len(),
        })
    }
}

#[derive(Debug, Default)]
struct Registry {
    domains: BTreeMap<String, Domain>,
    /// Domains registered since the start or the last reset (spaces default ticket numbers apart).
    registered: u64,
}

/// Every Movidesk domain of the sandbox.
#[derive(Debug)]
pub struct MovideskState {
    registry: Mutex<Registry>,
    http: reqwest::Client,
}

impl MovideskState {
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            registry: Mutex::new(Registry::default()),
            http,
        }
    }

    /// The domain a token selects.
    pub fn domain_for_token(&self, token: &str) -> Option<String> {
        self.find_name(|d| d.token == token)
    }

    pub fn reset(&self) {
        let mut reg = lock(&self.registry);
        reg.domains.clear();
        reg.registered = 0;
    }
}

impl HasOutbox for Domain {
    type Payload = Webhook;

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }
}

impl Tenants for MovideskState {
    type Tenant = Domain;
    type Spec = DomainSpec;
    type Patch = DomainPatch;
    const FAULTS: Option<&'static str> = Some("movidesk");

    fn of(state: &AppState) -> &Self {
        &state.movidesk
    }

    fn unknown(name: &str) -> ControlError {
        unknown_domain(name)
    }

    fn view(domain: &Domain) -> Value {
        domain.view()
    }

    fn with_map<R>(&self, f: impl FnOnce(&mut BTreeMap<String, Domain>) -> R) -> R {
        f(&mut lock(&self.registry).domains)
    }

    /// Registers a domain (with its persons). Must run inside a Tokio runtime (spawns the outbox).
    fn register(&self, spec: DomainSpec) -> Result<Value, ControlError> {
        spec.validate().map_err(ControlError::validation)?;
        let mut reg = lock(&self.registry);
        if reg.domains.contains_key(&spec.name) {
            return Err(ControlError::conflict(format!(
                "a Movidesk domain named '{}' already exists",
                spec.name
            )));
        }
        if reg.domains.values().any(|d| d.token == spec.token) {
            return Err(ControlError::conflict(format!(
                "another Movidesk domain already uses this token (domain '{}' not created)",
                spec.name
            )));
        }
        let first = spec
            .first_ticket_number
            .unwrap_or(1001 + 10_000 * reg.registered);
        let mut domain = Domain {
            name: spec.name.clone(),
            token: spec.token.clone(),
            webhook_url: spec.webhook_url.clone(),
            webhook_delay: Duration::from_millis(spec.webhook_delay_ms),
            webhook_retries: spec.webhook_retries,
            search_lag: Duration::from_millis(spec.search_lag_ms),
            statuses: spec.statuses.clone().unwrap_or_else(default_statuses),
            categories: spec.categories.clone(),
            urgencies: spec.urgencies.clone(),
            api_person_id: spec.api_person_id.clone(),
            origin_on_create: spec.origin_on_create,
            clients_need_organization: spec.clients_need_organization,
            next_ticket_number: first,
            guard: AccessGuard::new(spec.limits()),
            outbox: Outbox::spawn(self.http.clone(), format!("movidesk/{}", spec.name)),
            persons: BTreeMap::new(),
            tickets: BTreeMap::new(),
            relations: BTreeSet::new(),
            surveys: Default::default(),
        };
        let now = time::now();
        for (i, person) in spec.persons.iter().enumerate() {
            domain.add_person(person, &now).map_err(|e| {
                let msg = match e {
                    WriteError::Invalid(m)
                    | WriteError::Conflict(m)
                    | WriteError::NotFound(m)
                    | WriteError::Generic(m) => m,
                };
                ControlError::validation(format!("persons[{i}]: {msg}"))
            })?;
        }
        if let Some(api_person) = &spec.api_person_id
            && domain.person(api_person).is_none()
        {
            return Err(ControlError::validation(format!(
                "api_person_id '{api_person}' is not one of the domain's persons"
            )));
        }
        let view = domain.view();
        reg.registered += 1;
        reg.domains.insert(spec.name.clone(), domain);
        tracing::info!(domain = %spec.name, "movidesk domain registered");
        Ok(view)
    }

    fn patch(&self, name: &str, patch: DomainPatch) -> Result<Value, ControlError> {
        let mut reg = lock(&self.registry);
        if let Some(token) = &patch.token {
            validate_token(token).map_err(ControlError::validation)?;
            if reg
                .domains
                .values()
                .any(|d| d.name != name && d.token == *token)
            {
                return Err(ControlError::conflict(
                    "another Movidesk domain already uses this token",
                ));
            }
        }
        if let Some(Some(url)) = &patch.webhook_url {
            validate_named_url("webhook_url", url).map_err(ControlError::validation)?;
        }
        if let Some(statuses) = &patch.statuses {
            validate_statuses(statuses).map_err(ControlError::validation)?;
        }
        let domain = reg
            .domains
            .get_mut(name)
            .ok_or_else(|| unknown_domain(name))?;
        if let Some(Some(id)) = &patch.api_person_id
            && domain.person(id).is_none()
        {
            return Err(ControlError::validation(format!(
                "api_person_id '{id}' is not one of the domain's persons"
            )));
        }
        if let Some(token) = patch.token {
            domain.token = token;
        }
        if let Some(url) = patch.webhook_url {
            domain.webhook_url = url;
        }
        let mut limits = domain.limits();
        if let Some(v) = patch.rate_limit_per_minute {
            limits.rate_limit_per_minute = v;
        }
        if let Some(v) = patch.lockout_after_failures {
            limits.lockout_after_failures = v;
        }
        if let Some(v) = patch.lockout_seconds {
            limits.lockout_seconds = v;
        }
        domain.guard.update(limits);
        if patch.reset_limits {
            domain.guard.clear();
        }
        if let Some(v) = patch.webhook_delay_ms {
            domain.webhook_delay = Duration::from_millis(v);
        }
        if let Some(v) = patch.webhook_retries {
            domain.webhook_retries = v;
        }
        if let Some(v) = patch.search_lag_ms {
            domain.search_lag = Duration::from_millis(v);
        }
        if let Some(v) = patch.statuses {
            domain.statuses = v;
        }
        if let Some(v) = patch.categories {
            domain.categories = v;
        }
        if let Some(v) = patch.urgencies {
            domain.urgencies = v;
        }
        if let Some(v) = patch.api_person_id {
            domain.api_person_id = v;
        }
        if let Some(v) = patch.origin_on_create {
            domain.origin_on_create = v;
        }
        if let Some(v) = patch.clients_need_organization {
            domain.clients_need_organization = v;
        }
        Ok(domain.view())
    }
}

pub fn unknown_domain(name: &str) -> ControlError {
    ControlError::not_found(format!("no Movidesk domain named '{name}'"))
}
