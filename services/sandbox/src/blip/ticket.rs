//! The ticket document (`application/vnd.iris.ticket+json`) and its thread of messages.
//!
//! State machine: `Waiting` → `Open` (assigned: `agentIdentity`, `openDate`) → `ClosedAttendant` |
//! `ClosedClient`. `Open` may be set again to reassign. `ClosedAttendant` sets `closed: true` at once;
//! `ClosedClient` keeps `closed: false` until the bot finalizes it with `set /tickets/{id}/close`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::envelope::TEXT_PLAIN;
use super::reason::Reason;
use crate::common::time::format_rfc3339;

/// `TicketStatusEnum` values the sandbox reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Open,
    ClosedAttendant,
    ClosedClient,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "Waiting",
            Self::Open => "Open",
            Self::ClosedAttendant => "ClosedAttendant",
            Self::ClosedClient => "ClosedClient",
        }
    }

    /// Parses a status without regard to case. Other documented values (`None`, `Transferred`,
    /// `Assigned`) are not reachable through `change-status` and give `None`.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Waiting,
            Self::Open,
            Self::ClosedAttendant,
            Self::ClosedClient,
        ]
        .into_iter()
        .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Self::ClosedAttendant | Self::ClosedClient)
    }
}

/// Who wrote a thread message, from the bot's point of view (as in `thread-message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the customer.
    Received,
    /// From the agent (through `/messages`).
    Sent,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Sent => "sent",
        }
    }
}

/// What happened to a thread message in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The customer's message that opened the ticket (`customerInput`), not forwarded on its own.
    Input,
    /// A customer message waiting for the ticket to be assigned.
    Queued,
    /// A customer message forwarded to the custom channel.
    Forwarded,
    /// A queued customer message dropped because the ticket closed before it was assigned.
    NotForwarded,
    /// An agent message delivered to the customer.
    Delivered,
    /// An agent message refused (closed or unassigned ticket).
    Failed(Reason),
}

impl Delivery {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Input => "input",
            Self::Queued => "queued",
            Self::Forwarded => "forwarded",
            Self::NotForwarded => "not_forwarded",
            Self::Delivered => "delivered",
            Self::Failed(_) => "failed",
        }
    }
}

/// One message of a ticket's thread.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadMessage {
    pub id: String,
    pub direction: Direction,
    pub type_: String,
    pub content: Value,
    pub date: DateTime<Utc>,
    pub delivery: Delivery,
}

impl ThreadMessage {
    /// The LIME event shown as the thread message's `status`.
    fn lime_status(&self) -> &'static str {
        match self.delivery {
            Delivery::Failed(_) => "failed",
            Delivery::Delivered => "dispatched",
            _ => "received",
        }
    }

    /// `application/vnd.iris.thread-message+json`, as `get /tickets/{id}/messages` lists it.
    pub fn render(&self) -> Value {
        json!({
            "id": self.id,
            "direction": self.direction.as_str(),
            "type": self.type_,
            "content": self.content,
            "date": format_rfc3339(&self.date),
            "status": self.lime_status(),
        })
    }

    /// The control API's view: the public fields plus the sandbox's delivery state.
    pub fn inspect(&self) -> Value {
        let mut v = self.render();
        if let Value::Object(o) = &mut v {
            o.insert("delivery".into(), json!(self.delivery.as_str()));
            if let Delivery::Failed(r) = &self.delivery {
                o.insert("reason".into(), r.to_json());
            }
        }
        v
    }
}

/// One ticket of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: String,
    pub sequential_id: u64,
    pub owner_identity: String,
    pub customer_identity: String,
    pub customer_domain: String,
    pub customer_name: Option<String>,
    pub agent_identity: Option<String>,
    pub status: Status,
    pub storage_date: DateTime<Utc>,
    pub open_date: Option<DateTime<Utc>>,
    pub close_date: Option<DateTime<Utc>>,
    pub status_date: Option<DateTime<Utc>>,
    pub first_response_date: Option<DateTime<Utc>>,
    pub team: Option<String>,
    pub tags: Vec<String>,
    pub unread_messages: u64,
    pub closed: bool,
    pub closed_by: Option<String>,
    /// `customerInput`: the content type and value of the message that opened the ticket.
    pub customer_input: Option<(String, Value)>,
    pub thread: Vec<ThreadMessage>,
}

fn put_date(o: &mut Map<String, Value>, key: &str, d: Option<&DateTime<Utc>>) {
    if let Some(d) = d {
        o.insert(key.into(), json!(format_rfc3339(d)));
    }
}

fn put_text(o: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        o.insert(key.into(), json!(v));
    }
}

impl Ticket {
    pub fn new_waiting(
        id: String,
        sequential_id: u64,
        owner_identity: String,
        customer_identity: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            customer_domain: super::ids::domain_of(&customer_identity),
            id,
            sequential_id,
            owner_identity,
            customer_identity,
            customer_name: None,
            agent_identity: None,
            status: Status::Waiting,
            storage_date: now,
            open_date: None,
            close_date: None,
            status_date: Some(now),
            first_response_date: None,
            team: None,
            tags: Vec::new(),
            unread_messages: 0,
            closed: false,
            closed_by: None,
            customer_input: None,
            thread: Vec::new(),
        }
    }

    fn customer_input_json(&self) -> Value {
        match &self.customer_input {
            Some((t, v)) => json!({"type": t, "value": v}),
            None => json!({}),
        }
    }

    /// The full ticket document, as `get /ticket/{id}` returns it (absent values omitted).
    pub fn render(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("sequentialId".into(), json!(self.sequential_id));
        o.insert("ownerIdentity".into(), json!(self.owner_identity));
        o.insert("customerIdentity".into(), json!(self.customer_identity));
        o.insert("customerDomain".into(), json!(self.customer_domain));
        put_text(&mut o, "agentIdentity", self.agent_identity.as_deref());
        o.insert("provider".into(), json!("Webhook"));
        o.insert("status".into(), json!(self.status.as_str()));
        put_date(&mut o, "storageDate", Some(&self.storage_date));
        put_date(&mut o, "openDate", self.open_date.as_ref());
        put_date(&mut o, "closeDate", self.close_date.as_ref());
        put_date(&mut o, "statusDate", self.status_date.as_ref());
        put_date(
            &mut o,
            "firstResponseDate",
            self.first_response_date.as_ref(),
        );
        o.insert("externalId".into(), json!(self.id));
        o.insert("rating".into(), json!(0));
        put_text(&mut o, "team", self.team.as_deref());
        o.insert("unreadMessages".into(), json!(self.unread_messages));
        o.insert("closed".into(), json!(self.closed));
        put_text(&mut o, "closedBy", self.closed_by.as_deref());
        if !self.tags.is_empty() {
            o.insert("tags".into(), json!(self.tags));
        }
        o.insert("customerInput".into(), self.customer_input_json());
        o.insert("priority".into(), json!(0));
        Value::Object(o)
    }

    /// The `content` of the new-ticket webhook: exactly the fields of the documented example (plus
    /// `team` when the ticket has one).
    pub fn render_new_ticket(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("sequentialId".into(), json!(self.sequential_id));
        o.insert("ownerIdentity".into(), json!(self.owner_identity));
        o.insert("customerIdentity".into(), json!(self.customer_identity));
        o.insert("customerDomain".into(), json!(self.customer_domain));
        put_text(&mut o, "agentIdentity", self.agent_identity.as_deref());
        o.insert("provider".into(), json!("Webhook"));
        o.insert("status".into(), json!(self.status.as_str()));
        put_date(&mut o, "storageDate", Some(&self.storage_date));
        o.insert("rating".into(), json!(0));
        put_text(&mut o, "team", self.team.as_deref());
        o.insert("unreadMessages".into(), json!(self.unread_messages));
        o.insert("closed".into(), json!(self.closed));
        o.insert("customerInput".into(), self.customer_input_json());
        Value::Object(o)
    }

    /// Sets a new status and its dates. The caller has checked the transition.
    pub fn set_status(&mut self, status: Status, by: Option<String>, now: DateTime<Utc>) {
        self.status = status;
        self.status_date = Some(now);
        match status {
            Status::Waiting => {}
            Status::Open => {
                if self.open_date.is_none() {
                    self.open_date = Some(now);
                }
            }
            Status::ClosedAttendant => {
                self.close_date = Some(now);
                self.closed = true;
                self.closed_by = by.or_else(|| self.agent_identity.clone());
            }
            Status::ClosedClient => {
                self.close_date = Some(now);
                self.closed_by = by.or_else(|| Some(self.customer_identity.clone()));
            }
        }
        if status.is_closed() {
            for m in &mut self.thread {
                if m.delivery == Delivery::Queued {
                    m.delivery = Delivery::NotForwarded;
                }
            }
        }
    }

    /// Indexes of the customer messages waiting for the assignment, oldest first.
    pub fn queued(&self) -> Vec<usize> {
        self.thread
            .iter()
            .enumerate()
            .filter(|(_, m)| m.delivery == Delivery::Queued)
            .map(|(i, _)| i)
            .collect()
    }

    /// Messages as listed by `get /tickets/{id}/messages` (refused agent messages are not part of it).
    pub fn public_thread(&self) -> Vec<&ThreadMessage> {
        self.thread
            .iter()
            .filter(|m| !matches!(m.delivery, Delivery::Failed(_)))
            .collect()
    }

    /// A text `customerInput` from the first message.
    pub fn set_text_input(&mut self, text: &str) {
        self.customer_input = Some((TEXT_PLAIN.to_owned(), json!(text)));
    }
}
