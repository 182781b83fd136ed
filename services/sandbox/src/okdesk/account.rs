//! Okdesk accounts and the registry that holds them. All of an account's state lives here: settings,
//! people, issues, phone calls, screen-pops, rate-limit state and the webhook outbox.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::FixedOffset;
use serde_json::{Value, json};

use super::config::{
    AccountPatch, AccountSpec, CodeName, GroupSpec, IssueTypeSpec, default_issue_types,
    default_priorities, default_statuses,
};
use super::issues::{Issue, PersonKind, PersonRef};
use super::people::{Company, Contact, Employee};
use super::telephony::{PhoneCall, ScreenPop};
use crate::common::config::validate_url;
use crate::common::delivery::{Outbox, Webhook};
use crate::common::error::ControlError;
use crate::common::limits::{AccessGuard, LimitSettings};
use crate::common::lock;
use crate::common::redact::{REDACTED, redact_url};
use crate::common::tenants::{HasOutbox, Tenants};
use crate::common::zones::parse_zone;
use crate::state::AppState;

/// One Okdesk account of the sandbox.
#[derive(Debug)]
pub struct Account {
    pub name: String,
    pub api_token: String,
    pub timezone: String,
    pub tz: FixedOffset,
    pub employees: BTreeMap<u64, Employee>,
    pub contacts: BTreeMap<u64, Contact>,
    pub companies: BTreeMap<u64, Company>,
    pub groups: BTreeMap<u64, GroupSpec>,
    pub statuses: Vec<CodeName>,
    pub priorities: Vec<CodeName>,
    pub issue_types: Vec<IssueTypeSpec>,
    pub api_employee_id: Option<u64>,
    pub issues: BTreeMap<u64, Issue>,
    pub phone_calls: Vec<PhoneCall>,
    pub screen_pops: Vec<ScreenPop>,
    pub next_issue_id: u64,
    pub next_comment_id: u64,
    pub webhook_url: Option<String>,
    pub webhook_delay: Duration,
    pub webhook_retries: u32,
    pub guard: AccessGuard,
    pub outbox: Outbox,
}

/// The next free id of a map.
fn next_id<T>(map: &BTreeMap<u64, T>) -> u64 {
    map.keys().next_back().map_or(1, |k| k + 1)
}

impl Account {
    pub fn add_employee(&mut self, spec: super::config::EmployeeSpec) -> u64 {
        let id = spec.id.unwrap_or_else(|| next_id(&self.employees));
        self.employees.insert(id, Employee { id, data: spec });
        id
    }

    pub fn add_contact(&mut self, spec: super::config::ContactSpec) -> u64 {
        let id = spec.id.unwrap_or_else(|| next_id(&self.contacts));
        self.contacts.insert(id, Contact { id, data: spec });
        id
    }

    pub fn add_company(&mut self, spec: super::config::CompanySpec) -> u64 {
        let id = spec.id.unwrap_or_else(|| next_id(&self.companies));
        self.companies.insert(id, Company { id, data: spec });
        id
    }

    pub fn status(&self, code: &str) -> Option<&CodeName> {
        self.statuses.iter().find(|s| s.code == code)
    }

    pub fn priority(&self, code: &str) -> Option<&CodeName> {
        self.priorities.iter().find(|s| s.code == code)
    }

    pub fn issue_type(&self, code: &str) -> Option<&IssueTypeSpec> {
        self.issue_types.iter().find(|s| s.code == code)
    }

    /// Who acts through the API: the employee the key belongs to.
    pub fn api_author(&self) -> Option<PersonRef> {
        self.api_employee_id
            .or_else(|| self.employees.keys().next().copied())
            .map(|id| PersonRef {
                id,
                kind: PersonKind::Employee,
            })
    }

    /// The control API's view of the account (secrets redacted).
    pub fn view(&self) -> Value {
        let limits = self.guard.settings();
        json!({
            "name": self.name,
            "api_token": REDACTED,
            "timezone": self.timezone,
            "webhook_url": self.webhook_url.as_deref().map(redact_url),
            "webhook_delay_ms": u64::try_from(self.webhook_delay.as_millis()).unwrap_or(u64::MAX),
            "webhook_retries": self.webhook_retries,
            "pending_webhook_drops": self.outbox.pending_drops(),
            "rate_limit_per_minute": limits.rate_limit_per_minute,
            "statuses": self.statuses,
            "priorities": self.priorities,
            "issue_types": self.issue_types,
            "api_employee_id": self.api_author().map(|a| a.id),
            "employee_count": self.employees.len(),
            "contact_count": self.contacts.len(),
            "company_count": self.companies.len(),
            "issue_count": self.issues.len(),
            "phone_call_count": self.phone_calls.len(),
            "screen_pop_count": self.screen_pops.len(),
        })
    }
}

fn limits(rate: u32) -> LimitSettings {
    LimitSettings {
        rate_limit_per_minute: rate,
        lockout_after_failures: 0,
        lockout_seconds: 0,
    }
}

/// Every Okdesk account of the sandbox.
#[derive(Debug)]
pub struct OkdeskState {
    accounts: Mutex<BTreeMap<String, Account>>,
    http: reqwest::Client,
}

impl OkdeskState {
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            accounts: Mutex::new(BTreeMap::new()),
            http,
        }
    }

    /// The account an API token selects.
    pub fn account_for_token(&self, token: &str) -> Option<String> {
        self.find_name(|a| a.api_token == token)
    }

    pub fn reset(&self) {
        lock(&self.accounts).clear();
    }
}

impl HasOutbox for Account {
    type Payload = Webhook;

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }
}

impl Tenants for OkdeskState {
    type Tenant = Account;
    type Spec = AccountSpec;
    type Patch = AccountPatch;
    const FAULTS: Option<&'static str> = Some("okdesk");

    fn of(state: &AppState) -> &Self {
        &state.okdesk
    }

    fn unknown(name: &str) -> ControlError {
        unknown_account(name)
    }

    fn view(tenant: &Account) -> Value {
        tenant.view()
    }

    fn with_map<R>(&self, f: impl FnOnce(&mut BTreeMap<String, Account>) -> R) -> R {
        f(&mut lock(&self.accounts))
    }

    /// Registers an account with its people. Must run inside a Tokio runtime (spawns the outbox).
    fn register(&self, spec: AccountSpec) -> Result<Value, ControlError> {
        spec.validate().map_err(ControlError::validation)?;
        let tz = parse_zone(&spec.timezone).map_err(ControlError::validation)?;
        let mut accounts = lock(&self.accounts);
        if accounts.contains_key(&spec.name) {
            return Err(ControlError::conflict(format!(
                "an Okdesk account named '{}' already exists",
                spec.name
            )));
        }
        if accounts.values().any(|a| a.api_token == spec.api_token) {
            return Err(ControlError::conflict(format!(
                "another Okdesk account already uses this api_token (account '{}' not created)",
                spec.name
            )));
        }
        let mut account = Account {
            name: spec.name.clone(),
            api_token: spec.api_token.clone(),
            timezone: spec.timezone.clone(),
            tz,
            employees: BTreeMap::new(),
            contacts: BTreeMap::new(),
            companies: BTreeMap::new(),
            groups: spec.groups.iter().map(|g| (g.id, g.clone())).collect(),
            statuses: spec.statuses.clone().unwrap_or_else(default_statuses),
            priorities: spec.priorities.clone().unwrap_or_else(default_priorities),
            issue_types: spec.issue_types.clone().unwrap_or_else(default_issue_types),
            api_employee_id: spec.api_employee_id,
            issues: BTreeMap::new(),
            phone_calls: Vec::new(),
            screen_pops: Vec::new(),
            next_issue_id: spec.first_issue_id.unwrap_or(1).max(1),
            next_comment_id: 1,
            webhook_url: spec.webhook_url.clone(),
            webhook_delay: Duration::from_millis(spec.webhook_delay_ms),
            webhook_retries: spec.webhook_retries,
            guard: AccessGuard::new(limits(spec.rate_limit_per_minute)),
            outbox: Outbox::spawn(self.http.clone(), format!("okdesk/{}", spec.name)),
        };
        for (i, t) in account.issue_types.iter_mut().enumerate() {
            t.id = t.id.or(Some(i as u64 + 1));
        }
        check_unique_ids("employees", spec.employees.iter().map(|e| e.id))?;
        check_unique_ids("contacts", spec.contacts.iter().map(|e| e.id))?;
        check_unique_ids("companies", spec.companies.iter().map(|e| e.id))?;
        for (_, c) in ids_first(&spec.companies, |c| c.id) {
            account.add_company(c.clone());
        }
        for (i, c) in ids_first(&spec.contacts, |c| c.id) {
            if let Some(company) = c.company_id
                && !account.companies.contains_key(&company)
            {
                return Err(ControlError::validation(format!(
                    "contacts[{i}].company_id: no company {company}"
                )));
            }
            account.add_contact(c.clone());
        }
        for (i, e) in ids_first(&spec.employees, |e| e.id) {
            if let Some(g) = e.group_ids.iter().find(|g| !account.groups.contains_key(g)) {
                return Err(ControlError::validation(format!(
                    "employees[{i}].group_ids: no group {g}"
                )));
            }
            account.add_employee(e.clone());
        }
        if let Some(id) = spec.api_employee_id
            && !account.employees.contains_key(&id)
        {
            return Err(ControlError::validation(format!(
                "api_employee_id: no employee {id}"
            )));
        }
        let view = account.view();
        accounts.insert(spec.name.clone(), account);
        tracing::info!(account = %spec.name, "okdesk account registered");
        Ok(view)
    }

    fn patch(&self, name: &str, patch: AccountPatch) -> Result<Value, ControlError> {
        if let Some(Some(url)) = &patch.webhook_url {
            validate_url(url).map_err(|e| ControlError::validation(format!("webhook_url: {e}")))?;
        }
        self.control(name, |a| {
            if let Some(url) = patch.webhook_url {
                a.webhook_url = url;
            }
            if let Some(v) = patch.webhook_delay_ms {
                a.webhook_delay = Duration::from_millis(v);
            }
            if let Some(v) = patch.webhook_retries {
                a.webhook_retries = v;
            }
            if let Some(v) = patch.rate_limit_per_minute {
                a.guard.update(limits(v));
            }
            if patch.reset_limits {
                a.guard.clear();
            }
            Ok(a.view())
        })
    }
}

/// Items with an explicit id first, so that assigned ids never take an explicit one.
fn ids_first<T>(items: &[T], id: impl Fn(&T) -> Option<u64>) -> Vec<(usize, &T)> {
    let mut v: Vec<(usize, &T)> = items.iter().enumerate().collect();
    v.sort_by_key(|(_, x)| id(x).is_none());
    v
}

fn check_unique_ids(
    field: &str,
    ids: impl Iterator<Item = Option<u64>>,
) -> Result<(), ControlError> {
    let mut seen = std::collections::BTreeSet::new();
    for id in ids.flatten() {
        if !seen.insert(id) {
            return Err(ControlError::validation(format!(
                "{field}: id {id} is listed twice"
            )));
        }
    }
    Ok(())
}

pub fn unknown_account(name: &str) -> ControlError {
    ControlError::not_found(format!("no account named '{name}' in provider okdesk"))
}
