//! Blip contracts (bots) and the registry that holds them. All of a contract's state lives here:
//! settings, tickets, the commands, messages and notifications received, throughput windows and the
//! two outboxes (custom-channel webhooks; `failed` notifications to the bot's notification URL).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use super::config::{ContractPatch, ContractSpec};
use super::failures::CommandFailure;
use super::reason::Reason;
use super::throughput::Throughput;
use super::ticket::Ticket;
use crate::common::delivery::{DeliveryRecord, Outbox, Webhook};
use crate::common::error::ControlError;
use crate::common::lock;
use crate::common::redact::{REDACTED, redact_url};
use crate::common::tenants::{HasOutbox, Tenants};
use crate::state::AppState;

/// Records kept per list (commands, messages, notifications); the oldest go first.
const RECORDS: usize = 10_000;

/// A command received and what it was answered.
#[derive(Debug, Clone, Serialize)]
pub struct CommandRecord {
    pub at: String,
    /// The ticket the command is about, when it names one.
    pub ticket_id: Option<String>,
    pub command: Value,
    pub response: Value,
}

/// A message received on `/messages` and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageRecord {
    pub at: String,
    pub id: Option<String>,
    pub to: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub content: Value,
    pub ticket_id: Option<String>,
    pub delivered: bool,
    pub reason: Option<Reason>,
    /// The `failed` notification generated for it (sent when `notifications_url` is set).
    pub notification: Option<Value>,
}

/// A notification received on `/notifications`.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationRecord {
    pub at: String,
    pub notification: Value,
}

pub fn push_capped<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= RECORDS {
        list.remove(0);
    }
    list.push(item);
}

/// One Blip bot of the sandbox. Its `Debug` leaves the key and the channel key out.
pub struct Contract {
    pub name: String,
    pub key: String,
    pub bot_identity: String,
    pub webhook_url: Option<String>,
    pub webhook_auth_header: String,
    pub webhook_auth_key: Option<String>,
    pub notifications_url: Option<String>,
    pub agents: Vec<String>,
    pub messages_per_second: u32,
    pub notifications_per_second: u32,
    pub commands_per_second: u32,
    pub webhook_delay: Duration,
    pub webhook_retries: u32,
    pub throughput: Throughput,
    pub outbox: Outbox,
    pub notify_outbox: Outbox,
    pub next_sequential_id: u64,
    /// Tickets by sequential id (creation order).
    pub tickets: BTreeMap<u64, Ticket>,
    /// Lower-cased ticket id → sequential id.
    pub ticket_ids: HashMap<String, u64>,
    pub commands: Vec<CommandRecord>,
    pub messages: Vec<MessageRecord>,
    pub notifications: Vec<NotificationRecord>,
    pub command_failure: Option<CommandFailure>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("name", &self.name)
            .field("bot_identity", &self.bot_identity)
            .field("tickets", &self.tickets.len())
            .finish_non_exhaustive()
    }
}

impl Contract {
    pub fn ticket(&self, id: &str) -> Option<&Ticket> {
        self.ticket_ids
            .get(&id.trim().to_lowercase())
            .and_then(|seq| self.tickets.get(seq))
    }

    pub fn ticket_mut(&mut self, id: &str) -> Option<&mut Ticket> {
        let seq = *self.ticket_ids.get(&id.trim().to_lowercase())?;
        self.tickets.get_mut(&seq)
    }

    /// Adds a ticket (its id must be new).
    pub fn insert_ticket(&mut self, ticket: Ticket) {
        self.ticket_ids
            .insert(ticket.id.to_lowercase(), ticket.sequential_id);
        self.tickets.insert(ticket.sequential_id, ticket);
    }

    /// Whether an identity may be assigned a ticket: one of `agents` (without regard to case), or any
    /// identity when the list is empty.
    pub fn agent_known(&self, identity: &str) -> bool {
        if self.agents.is_empty() {
            return super::config::validate_identity("agentIdentity", identity).is_ok();
        }
        self.agents
            .iter()
            .any(|a| a.eq_ignore_ascii_case(identity.trim()))
    }

    /// The control API's view (secrets redacted).
    pub fn view(&self) -> Value {
        json!({
            "name": self.name,
            "key": REDACTED,
            "bot_identity": self.bot_identity,
            "webhook_url": self.webhook_url.as_deref().map(redact_url),
            "webhook_auth_header": self.webhook_auth_header,
            "webhook_auth_key": self.webhook_auth_key.as_ref().map(|_| REDACTED),
            "notifications_url": self.notifications_url.as_deref().map(redact_url),
            "agents": self.agents,
            "messages_per_second": self.messages_per_second,
            "notifications_per_second": self.notifications_per_second,
            "commands_per_second": self.commands_per_second,
            "webhook_delay_ms": u64::try_from(self.webhook_delay.as_millis()).unwrap_or(u64::MAX),
            "webhook_retries": self.webhook_retries,
            "pending_webhook_drops": self.outbox.pending_drops(),
            "ticket_count": self.tickets.len(),
            "command_failure": self.command_failure,
        })
    }

    pub fn webhook_records(&self) -> Vec<DeliveryRecord> {
        self.outbox.records()
    }

    fn apply(&mut self, patch: ContractPatch) {
        if let Some(v) = patch.key {
            self.key = v;
        }
        if let Some(v) = patch.webhook_url {
            self.webhook_url = v;
        }
        if let Some(v) = patch.webhook_auth_header {
            self.webhook_auth_header = v;
        }
        if let Some(v) = patch.webhook_auth_key {
            self.webhook_auth_key = v;
        }
        if let Some(v) = patch.notifications_url {
            self.notifications_url = v;
        }
        if let Some(v) = patch.agents {
            self.agents = v;
        }
        if let Some(v) = patch.messages_per_second {
            self.messages_per_second = v;
        }
        if let Some(v) = patch.notifications_per_second {
            self.notifications_per_second = v;
        }
        if let Some(v) = patch.commands_per_second {
            self.commands_per_second = v;
        }
        if let Some(v) = patch.webhook_delay_ms {
            self.webhook_delay = Duration::from_millis(v);
        }
        if let Some(v) = patch.webhook_retries {
            self.webhook_retries = v;
        }
    }
}

/// Every Blip contract of the sandbox.
#[derive(Debug)]
pub struct BlipState {
    contracts: Mutex<BTreeMap<String, Contract>>,
    http: reqwest::Client,
}

impl BlipState {
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            contracts: Mutex::new(BTreeMap::new()),
            http,
        }
    }

    /// The contract a key selects.
    pub fn contract_for_key(&self, key: &str) -> Option<String> {
        self.find_name(|c| c.key == key)
    }

    pub fn reset(&self) {
        lock(&self.contracts).clear();
    }
}

impl HasOutbox for Contract {
    type Payload = Webhook;

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }
}

impl Tenants for BlipState {
    type Tenant = Contract;
    type Spec = ContractSpec;
    type Patch = ContractPatch;
    const FAULTS: Option<&'static str> = Some("blip");

    fn of(state: &AppState) -> &Self {
        &state.blip
    }

    fn unknown(name: &str) -> ControlError {
        unknown_contract(name)
    }

    fn view(tenant: &Contract) -> Value {
        tenant.view()
    }

    fn with_map<R>(&self, f: impl FnOnce(&mut BTreeMap<String, Contract>) -> R) -> R {
        f(&mut lock(&self.contracts))
    }

    /// Registers a contract. Must run inside a Tokio runtime (spawns the outboxes).
    fn register(&self, spec: ContractSpec) -> Result<Value, ControlError> {
        spec.validate().map_err(ControlError::validation)?;
        let mut contracts = lock(&self.contracts);
        if contracts.contains_key(&spec.name) {
            return Err(ControlError::conflict(format!(
                "a Blip contract named '{}' already exists",
                spec.name
            )));
        }
        if contracts.values().any(|c| c.key == spec.key) {
            return Err(ControlError::conflict(format!(
                "another Blip contract already uses this key (contract '{}' not created)",
                spec.name
            )));
        }
        let contract = Contract {
            bot_identity: spec
                .bot_identity
                .clone()
                .unwrap_or_else(|| format!("{}@msging.net", spec.name)),
            name: spec.name.clone(),
            key: spec.key,
            webhook_url: spec.webhook_url,
            webhook_auth_header: spec.webhook_auth_header,
            webhook_auth_key: spec.webhook_auth_key,
            notifications_url: spec.notifications_url,
            agents: spec.agents,
            messages_per_second: spec.messages_per_second,
            notifications_per_second: spec.notifications_per_second,
            commands_per_second: spec.commands_per_second,
            webhook_delay: Duration::from_millis(spec.webhook_delay_ms),
            webhook_retries: spec.webhook_retries,
            throughput: Throughput::default(),
            outbox: Outbox::spawn(self.http.clone(), format!("blip/{}", spec.name)),
            notify_outbox: Outbox::spawn(
                self.http.clone(),
                format!("blip/{}/notifications", spec.name),
            ),
            next_sequential_id: 1,
            tickets: BTreeMap::new(),
            ticket_ids: HashMap::new(),
            commands: Vec::new(),
            messages: Vec::new(),
            notifications: Vec::new(),
            command_failure: None,
        };
        let view = contract.view();
        tracing::info!(contract = %spec.name, "blip contract registered");
        contracts.insert(spec.name, contract);
        Ok(view)
    }

    fn patch(&self, name: &str, patch: ContractPatch) -> Result<Value, ControlError> {
        patch.validate().map_err(ControlError::validation)?;
        let mut contracts = lock(&self.contracts);
        if let Some(key) = &patch.key
            && contracts.values().any(|c| c.name != name && c.key == *key)
        {
            return Err(ControlError::conflict(
                "another Blip contract already uses this key",
            ));
        }
        let contract = contracts
            .get_mut(name)
            .ok_or_else(|| unknown_contract(name))?;
        contract.apply(patch);
        Ok(contract.view())
    }
}

pub fn unknown_contract(name: &str) -> ControlError {
    ControlError::not_found(format!("no Blip contract named '{name}'"))
}
