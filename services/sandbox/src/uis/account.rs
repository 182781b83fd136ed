//! UIS PBX accounts, the registry that holds them, and the call simulator: placing a call renders its
//! notifications from the account's templates and queues them in order.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::FixedOffset;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::calls::{Call, CallRequest, Leg, Outcome, Prepared};
use super::config::{
    AccountPatch, AccountSpec, ContactSpec, EmployeeSpec, EventKind, NotificationSpec,
    NotifyMethod, Substitution, TimestampFormat,
};
use super::delivery::{Job, Outbox};
use super::template::{render_body, render_url};
use super::variables::{Context, variables};
use crate::common::error::ControlError;
use crate::common::lock;
use crate::common::redact::redact_url;
use crate::common::tenants::{HasOutbox, Tenants};
use crate::common::time;
use crate::common::zones::parse_zone;
use crate::state::AppState;

/// Longest ringing or talk time a simulated call may have.
const MAX_SECONDS: u64 = 86_400;
/// Most resends of one request.
pub const MAX_RESENDS: u32 = 100;

/// One PBX account.
#[derive(Debug)]
pub struct Account {
    pub name: String,
    pub app_id: u64,
    pub timezone: String,
    pub tz: FixedOffset,
    pub employees: Vec<EmployeeSpec>,
    pub contacts: Vec<ContactSpec>,
    pub notifications: Vec<NotificationSpec>,
    pub substitution: Substitution,
    pub timestamp_format: TimestampFormat,
    pub virtual_numbers: Vec<String>,
    pub delay: Duration,
    pub retries: u32,
    pub default_wait_seconds: u64,
    pub media_base_url: Option<String>,
    pub calls: BTreeMap<u64, Call>,
    pub outbox: Outbox,
}

impl Account {
    /// The control API's view (URL secrets redacted).
    pub fn view(&self) -> Value {
        let notifications: Vec<Value> = self
            .notifications
            .iter()
            .map(|n| {
                json!({
                    "event": n.event,
                    "name": n.name.as_deref().unwrap_or(n.event.default_name()),
                    "url": redact_url(&n.url),
                    "method": n.method,
                    "template": n.template,
                    "placeholders": super::template::placeholders(&n.template),
                })
            })
            .collect();
        json!({
            "name": self.name,
            "app_id": self.app_id,
            "timezone": self.timezone,
            "employees": self.employees,
            "contacts": self.contacts,
            "notifications": notifications,
            "substitution": self.substitution,
            "timestamp_format": self.timestamp_format,
            "virtual_numbers": self.virtual_numbers,
            "notification_delay_ms": u64::try_from(self.delay.as_millis()).unwrap_or(u64::MAX),
            "notification_retries": self.retries,
            "default_wait_seconds": self.default_wait_seconds,
            "pending_notification_drops": self.outbox.pending_drops(),
            "call_count": self.calls.len(),
        })
    }

    fn employee(&self, ext: &str) -> Option<&EmployeeSpec> {
        self.employees.iter().find(|e| e.extension == ext)
    }

    /// Renders every notification configured for the call's events, in order.
    fn prepare(&self, call: &Call) -> Vec<Prepared> {
        let mut out = Vec::new();
        for (event, leg, at) in call.timeline() {
            for n in self.notifications.iter().filter(|n| n.event == event) {
                let name = n.name.as_deref().unwrap_or(event.default_name());
                let vars = variables(&Context {
                    app_id: self.app_id,
                    tz: self.tz,
                    format: self.timestamp_format,
                    call,
                    event,
                    leg,
                    notification_name: name,
                    at,
                });
                let url = render_url(&n.url, &vars);
                let (body, mut unknown) = match n.method {
                    NotifyMethod::Post => {
                        let r = render_body(&n.template, &vars, self.substitution);
                        (r.text, r.unknown)
                    }
                    NotifyMethod::Get => (String::new(), Vec::new()),
                };
                unknown.extend(url.unknown);
                let warnings: Vec<String> = unknown
                    .iter()
                    .map(|u| format!("unknown placeholder {{{{{u}}}}} left empty"))
                    .collect();
                for w in &warnings {
                    tracing::warn!(account = %self.name, event = event.key(), "{w}");
                }
                let content_type = if serde_json::from_str::<Value>(&body).is_ok() {
                    "application/json"
                } else {
                    "text/plain; charset=utf-8"
                };
                out.push(Prepared {
                    event,
                    notification_name: name.to_owned(),
                    url: url.text,
                    method: n.method,
                    body,
                    content_type,
                    warnings,
                });
            }
        }
        out
    }

    /// Queues notifications `delay` apart, the first one `delay` from now.
    fn send_all(&mut self, call_session_id: u64, list: Vec<Prepared>, resend: bool) {
        let start = Instant::now();
        for (k, notification) in list.into_iter().enumerate() {
            let steps = u32::try_from(k + 1).unwrap_or(u32::MAX);
            self.outbox.enqueue(Job {
                call_session_id,
                notification,
                resend,
                due: start
                    .checked_add(self.delay.saturating_mul(steps))
                    .unwrap_or(start),
                retries: self.retries,
            });
        }
    }
}

#[derive(Debug)]
struct Registry {
    accounts: BTreeMap<String, Account>,
    next_session: u64,
    next_leg: u64,
    next_record: u64,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            accounts: BTreeMap::new(),
            // The call_session_id of the Call API documentation's example.
            next_session: 237_859_081,
            next_leg: 1_120_000_001,
            next_record: 5_001,
        }
    }
}

/// Every UIS account of the sandbox.
#[derive(Debug)]
pub struct UisState {
    registry: Mutex<Registry>,
    http: reqwest::Client,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

impl UisState {
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            registry: Mutex::new(Registry::default()),
            http,
        }
    }

    /// Places a call: validates it, renders its notifications and queues them. `default_base` is the
    /// sandbox address used in `file_link` unless the account sets `media_base_url`.
    pub fn place_call(
        &self,
        name: &str,
        req: CallRequest,
        default_base: &str,
    ) -> Result<Value, ControlError> {
        let outcome = Outcome::parse(req.outcome.as_deref()).map_err(ControlError::validation)?;
        let mut reg = lock(&self.registry);
        let reg = &mut *reg;
        let a = reg
            .accounts
            .get_mut(name)
            .ok_or_else(|| unknown_account(name))?;
        let from = digits(&req.from.0);
        if from.len() < 3 {
            return Err(ControlError::validation(format!(
                "from: '{}' is not a phone number (digits, E.164 without '+')",
                req.from.0
            )));
        }
        let virtual_number = match &req.virtual_number {
            Some(v) => {
                let v = digits(&v.0);
                if v.is_empty()
                    || (!a.virtual_numbers.is_empty() && !a.virtual_numbers.contains(&v))
                {
                    return Err(ControlError::validation(format!(
                        "virtual_number: '{v}' is not one of the account's virtual numbers {:?}",
                        a.virtual_numbers
                    )));
                }
                v
            }
            None => a
                .virtual_numbers
                .first()
                .cloned()
                .unwrap_or_else(|| "74950000000".to_owned()),
        };
        if req.ring.is_empty() {
            return Err(ControlError::validation(
                "ring: at least one extension must be rung",
            ));
        }
        let mut rung = Vec::new();
        for (i, ext) in req.ring.iter().enumerate() {
            let e = a.employee(&ext.0).ok_or_else(|| {
                ControlError::validation(format!(
                    "ring[{i}]: no employee with extension '{}'",
                    ext.0
                ))
            })?;
            if rung.iter().any(|r: &EmployeeSpec| r.id == e.id) {
                return Err(ControlError::validation(format!(
                    "ring[{i}]: extension '{}' is rung twice",
                    ext.0
                )));
            }
            rung.push(e.clone());
        }
        let answered_by = match (outcome, &req.answered_by) {
            (Outcome::Lost, Some(_)) => {
                return Err(ControlError::validation(
                    "answered_by: a lost call is answered by nobody",
                ));
            }
            (Outcome::Lost, None) => None,
            (Outcome::Answered, None) => rung.first().map(|e| e.id),
            (Outcome::Answered, Some(ext)) => Some(
                rung.iter()
                    .find(|e| e.extension == ext.0)
                    .map(|e| e.id)
                    .ok_or_else(|| {
                        ControlError::validation(format!(
                            "answered_by: extension '{}' is not rung",
                            ext.0
                        ))
                    })?,
            ),
        };
        let wait = req.wait_seconds.unwrap_or(a.default_wait_seconds);
        let talk = req.talk_seconds.unwrap_or(30);
        for (field, v) in [("wait_seconds", wait), ("talk_seconds", talk)] {
            if v > MAX_SECONDS {
                return Err(ControlError::validation(format!(
                    "{field} must be at most {MAX_SECONDS}"
                )));
            }
        }
        let call_session_id = reg.next_session;
        reg.next_session += 1;
        let legs: Vec<Leg> = rung
            .iter()
            .map(|e| {
                let leg_id = reg.next_leg;
                reg.next_leg += 1;
                Leg {
                    leg_id,
                    employee_id: e.id,
                    employee_full_name: e.full_name.clone(),
                    extension_phone_number: e.extension.clone(),
                    answered: answered_by == Some(e.id),
                }
            })
            .collect();
        let record_id = (outcome == Outcome::Answered && req.record).then(|| {
            reg.next_record += 1;
            reg.next_record - 1
        });
        let base = a
            .media_base_url
            .clone()
            .unwrap_or_else(|| default_base.to_owned());
        let contact = a.contacts.iter().find(|c| digits(&c.phone_number) == from);
        let mut call = Call {
            call_session_id,
            contact_phone_number: from.clone(),
            virtual_phone_number: virtual_number,
            legs,
            outcome,
            start: time::now(),
            wait_seconds: wait,
            talk_seconds: talk,
            record_id,
            file_link: record_id.map(|r| {
                format!(
                    "{}/uis/media/{call_session_id}/{r}",
                    base.trim_end_matches('/')
                )
            }),
            lost_reason: (outcome == Outcome::Lost).then(|| {
                req.lost_reason
                    .clone()
                    .unwrap_or_else(|| "no_answer".to_owned())
            }),
            contact_id: contact.map(|c| c.id),
            contact_full_name: req
                .contact_full_name
                .clone()
                .or_else(|| contact.map(|c| c.full_name.clone())),
            prepared: Vec::new(),
        };
        call.prepared = a.prepare(&call);
        a.send_all(call_session_id, call.prepared.clone(), false);
        tracing::info!(account = %a.name, call_session_id, outcome = ?call.outcome, notifications = call.prepared.len(), "call placed");
        let view = call.view(a.app_id);
        a.calls.insert(call_session_id, call);
        Ok(view)
    }

    /// Sends again, `times` times, the notifications of `event` that a call already sent.
    pub fn resend(
        &self,
        name: &str,
        call_session_id: u64,
        event: EventKind,
        times: u32,
    ) -> Result<usize, ControlError> {
        self.control(name, |a| {
            let call = a.calls.get(&call_session_id).ok_or_else(|| {
                ControlError::not_found(format!(
                    "no call {call_session_id} in UIS account '{name}'"
                ))
            })?;
            let list: Vec<Prepared> = call
                .prepared
                .iter()
                .filter(|p| p.event == event)
                .cloned()
                .collect();
            if list.is_empty() {
                return Err(ControlError::validation(format!(
                    "call {call_session_id} sent no '{}' notification (its events: {:?})",
                    event.key(),
                    call.timeline()
                        .iter()
                        .map(|(e, _, _)| e.key())
                        .collect::<Vec<_>>()
                )));
            }
            let all: Vec<Prepared> = (0..times).flat_map(|_| list.iter().cloned()).collect();
            let n = all.len();
            a.send_all(call_session_id, all, true);
            Ok(n)
        })
    }

    /// Whether some account has a recording with these ids.
    pub fn has_record(&self, call_session_id: u64, record_id: u64) -> Option<u64> {
        lock(&self.registry)
            .accounts
            .values()
            .filter_map(|a| a.calls.get(&call_session_id))
            .find(|c| c.record_id == Some(record_id))
            .map(|c| c.talk_seconds)
    }

    pub fn reset(&self) {
        *lock(&self.registry) = Registry::default();
    }
}

impl HasOutbox for Account {
    type Payload = Job;

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }
}

impl Tenants for UisState {
    type Tenant = Account;
    type Spec = AccountSpec;
    type Patch = AccountPatch;
    const FAULTS: Option<&'static str> = None;

    fn of(state: &AppState) -> &Self {
        &state.uis
    }

    fn unknown(name: &str) -> ControlError {
        unknown_account(name)
    }

    fn view(tenant: &Account) -> Value {
        tenant.view()
    }

    fn with_map<R>(&self, f: impl FnOnce(&mut BTreeMap<String, Account>) -> R) -> R {
        f(&mut lock(&self.registry).accounts)
    }

    /// Registers an account. Must run inside a Tokio runtime (spawns the outbox).
    fn register(&self, spec: AccountSpec) -> Result<Value, ControlError> {
        spec.validate().map_err(ControlError::validation)?;
        let tz = parse_zone(&spec.timezone).map_err(ControlError::validation)?;
        let mut reg = lock(&self.registry);
        if reg.accounts.contains_key(&spec.name) {
            return Err(ControlError::conflict(format!(
                "a UIS account named '{}' already exists",
                spec.name
            )));
        }
        let account = Account {
            name: spec.name.clone(),
            app_id: spec.app_id,
            timezone: spec.timezone.clone(),
            tz,
            employees: spec.employees,
            contacts: spec.contacts,
            notifications: spec.notifications,
            substitution: spec.substitution,
            timestamp_format: spec.timestamp_format,
            virtual_numbers: spec.virtual_numbers.iter().map(|v| digits(v)).collect(),
            delay: Duration::from_millis(spec.notification_delay_ms),
            retries: spec.notification_retries,
            default_wait_seconds: spec.default_wait_seconds.min(MAX_SECONDS),
            media_base_url: spec.media_base_url,
            calls: BTreeMap::new(),
            outbox: Outbox::spawn(self.http.clone(), format!("uis/{}", spec.name)),
        };
        let view = account.view();
        reg.accounts.insert(spec.name.clone(), account);
        tracing::info!(account = %spec.name, "uis account registered");
        Ok(view)
    }

    fn patch(&self, name: &str, patch: AccountPatch) -> Result<Value, ControlError> {
        if let Some(list) = &patch.notifications {
            // Reuse the registration checks on a probe spec.
            let probe = AccountSpec {
                name: "probe".to_owned(),
                app_id: 0,
                employees: Vec::new(),
                contacts: Vec::new(),
                notifications: list.clone(),
                substitution: Substitution::Literal,
                timestamp_format: TimestampFormat::Microseconds,
                timezone: "UTC".to_owned(),
                virtual_numbers: Vec::new(),
                notification_delay_ms: 0,
                notification_retries: 0,
                default_wait_seconds: 0,
                media_base_url: None,
            };
            probe.validate().map_err(ControlError::validation)?;
        }
        self.control(name, |a| {
            if let Some(v) = patch.notifications {
                a.notifications = v;
            }
            if let Some(v) = patch.substitution {
                a.substitution = v;
            }
            if let Some(v) = patch.timestamp_format {
                a.timestamp_format = v;
            }
            if let Some(v) = patch.notification_delay_ms {
                a.delay = Duration::from_millis(v);
            }
            if let Some(v) = patch.notification_retries {
                a.retries = v;
            }
            Ok(a.view())
        })
    }
}

pub fn unknown_account(name: &str) -> ControlError {
    ControlError::not_found(format!("no UIS account named '{name}'"))
}
