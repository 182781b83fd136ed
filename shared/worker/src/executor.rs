use std::future::Future;
use std::time::Duration;

use ponte_core::{Command, Emitted, Integration, Provider};
use ponte_store::{HistoryEntry, Store, StoreError};
use serde_json::Value;

use crate::Priority;
use crate::handles::{Accounts, Calls, Links, Locks, Persons, Seen, Snapshots};

/// What a worker knows when it acts on a command. The store itself is the
/// runtime's (and the [`effect`](crate::effect) sequences'); an executor
/// reads and keeps state through the narrow handles (decision 96).
pub struct Ctx<'a> {
    pub(crate) store: &'a Store,
    pub integration: &'a Integration,
    pub command_id: &'a str,
    /// 0 on the first try.
    pub attempt: u32,
    /// True when an earlier try started and never recorded a result: the
    /// effect may already exist at the provider, so look it up before
    /// repeating it.
    pub resumed: bool,
    /// What the command's provider calls are served at within the
    /// account's budget (live changes first).
    pub priority: Priority,
}

impl<'a> Ctx<'a> {
    /// The context of one try of `command_id`; the runtime builds it, and
    /// so do reconciliation passes and tests that drive an executor.
    pub fn new(
        store: &'a Store,
        integration: &'a Integration,
        command_id: &'a str,
        attempt: u32,
        resumed: bool,
    ) -> Self {
        Ctx {
            store,
            integration,
            command_id,
            attempt,
            resumed,
            priority: Priority::Live,
        }
    }

    /// The same context at another priority (a reconciliation pass polls
    /// at [`Priority::Poll`]).
    pub fn at(self, priority: Priority) -> Self {
        Ctx { priority, ..self }
    }

    /// Links, read only.
    pub fn links(&self) -> Links<'a> {
        Links(self.store)
    }

    /// Ticket snapshots, read only.
    pub fn snapshots(&self) -> Snapshots<'a> {
        Snapshots(self.store)
    }

    /// Call records, read only.
    pub fn calls(&self) -> Calls<'a> {
        Calls(self.store)
    }

    /// The memory of the desks' people.
    pub fn persons(&self) -> Persons<'a> {
        Persons(self.store)
    }

    /// Named locks shared by the replicas.
    pub fn locks(&self) -> Locks<'a> {
        Locks(self.store)
    }

    /// Dedupe marks.
    pub fn seen(&self) -> Seen<'a> {
        Seen(self.store)
    }

    /// What a provider client keeps per account (rate budget, refusals).
    pub fn accounts(&self) -> Accounts<'a> {
        Accounts::for_command(self.store, self.priority, self.command_id)
    }
}

/// A state write that must wait until the emitted events are safely
/// published (otherwise a crash in between would lose them for good).
#[derive(Debug, Clone)]
pub enum Deferred {
    Snapshot { ticket_key: String, value: Value },
}

/// What carrying out a command gives.
pub type Executed = Result<Outcome, ExecError>;

#[derive(Debug, Default)]
pub struct Outcome {
    /// Recorded as the command's result; a repeat of the command returns it.
    pub result: Value,
    pub events: Vec<Emitted>,
    /// Work for another side's worker that this command's effect calls for
    /// (a source told of its new counterpart), queued before the command is
    /// recorded as done; each has a deterministic id, so a repeat is one.
    pub commands: Vec<Command>,
    pub deferred: Vec<Deferred>,
    /// Lines for the link's history.
    pub history: Vec<(String, HistoryEntry)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Worth trying again later: timeouts, 5xx, 429, connection errors.
    #[error("{reason}")]
    Transient {
        reason: String,
        /// The HTTP status of the provider's answer; `None` when there was
        /// no HTTP answer (no connection, a timeout, Ponte's own checks).
        status: Option<u16>,
        retry_after: Option<Duration>,
    },
    /// Trying again cannot help: validation errors, other 4xx, bad data.
    #[error("{reason}")]
    Permanent {
        reason: String,
        /// As for [`ExecError::Transient`]; the provider's words are in
        /// `reason`.
        status: Option<u16>,
    },
    /// Back-pressure, not a failure: the provider answered 429 or the
    /// account's rate budget is used up. The command is delayed (at least
    /// `retry_after`) without counting an attempt, and never parked.
    #[error("{reason}")]
    Throttled {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Ponte's own state store failed; the message is given back.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExecError {
    pub fn permanent(reason: impl Into<String>) -> Self {
        ExecError::Permanent {
            reason: reason.into(),
            status: None,
        }
    }

    /// The HTTP status of the provider's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ExecError::Transient { status, .. } | ExecError::Permanent { status, .. } => *status,
            ExecError::Throttled { .. } | ExecError::Store(_) => None,
        }
    }

    /// [`ExecError::status`] as text (`404`), for the boundaries that
    /// carry text: log fields and the dead-letter `last_status`.
    pub fn status_text(&self) -> Option<String> {
        self.status().map(|s| s.to_string())
    }

    /// Whether the provider certainly applied nothing: back-pressure, a
    /// failure found before any write, or an answer that refused the
    /// request (4xx). A lost answer (5xx, a timeout, no answer) may hide a
    /// write that went through.
    pub fn wrote_nothing(&self) -> bool {
        match self {
            ExecError::Throttled { .. } | ExecError::Permanent { .. } => true,
            ExecError::Transient { status, .. } => status.is_some_and(|s| (400..500).contains(&s)),
            ExecError::Store(_) => false,
        }
    }

    /// When this is back-pressure (a [`ExecError::Throttled`], or a
    /// transient 429 from any provider's client), how long to wait at
    /// least. `None` for real failures.
    pub fn back_pressure(&self) -> Option<Duration> {
        match self {
            ExecError::Throttled { retry_after, .. } => {
                Some(retry_after.unwrap_or(DEFAULT_BACK_OFF))
            }
            ExecError::Transient {
                status: Some(429),
                retry_after,
                ..
            } => Some(retry_after.unwrap_or(DEFAULT_BACK_OFF)),
            _ => None,
        }
    }
}

/// The wait after a 429 that named none.
const DEFAULT_BACK_OFF: Duration = Duration::from_secs(1);

/// A provider's way of carrying out canonical commands.
pub trait Executor: Send + Sync + 'static {
    fn provider(&self) -> Provider;

    fn execute(
        &self,
        ctx: &Ctx<'_>,
        command: &Command,
    ) -> impl Future<Output = Result<Outcome, ExecError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient(status: Option<u16>) -> ExecError {
        ExecError::Transient {
            reason: "busy".into(),
            status,
            retry_after: None,
        }
    }

    #[test]
    fn the_status_is_the_number_and_text_only_at_the_boundary() {
        let missing = ExecError::Permanent {
            reason: "Octadesk GET /tickets/9 answered 404 Not Found: gone".into(),
            status: Some(404),
        };
        assert_eq!(missing.status(), Some(404));
        // What the handler writes into the dead letter's `last_status`.
        assert_eq!(missing.status_text().as_deref(), Some("404"));
        assert_eq!(ExecError::permanent("bad data").status_text(), None);
        assert_eq!(transient(None).status(), None);
    }

    #[test]
    fn only_a_429_or_a_throttle_is_back_pressure() {
        assert_eq!(transient(Some(429)).back_pressure(), Some(DEFAULT_BACK_OFF));
        let waits = ExecError::Transient {
            reason: "slow down".into(),
            status: Some(429),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(waits.back_pressure(), Some(Duration::from_secs(7)));
        assert_eq!(transient(Some(503)).back_pressure(), None);
        assert_eq!(transient(None).back_pressure(), None);
        let throttled = ExecError::Throttled {
            reason: "budget".into(),
            retry_after: None,
        };
        assert_eq!(throttled.back_pressure(), Some(DEFAULT_BACK_OFF));
    }
}
