use std::future::Future;
use std::time::Duration;

use ponte_core::{Command, Emitted, Integration, Provider};
use ponte_store::{HistoryEntry, Store, StoreError};
use serde_json::Value;

/// What a worker knows when it acts on a command.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub integration: &'a Integration,
    pub command_id: &'a str,
    /// 0 on the first try.
    pub attempt: u32,
    /// True when an earlier try started and never recorded a result: the
    /// effect may already exist at the provider, so look it up before
    /// repeating it.
    pub resumed: bool,
}

/// A state write that must wait until the emitted events are safely
/// published (otherwise a crash in between would lose them for good).
#[derive(Debug, Clone)]
pub enum Deferred {
    Snapshot { ticket_key: String, value: Value },
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Recorded as the command's result; a repeat of the command returns it.
    pub result: Value,
    pub events: Vec<Emitted>,
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
        status: Option<String>,
        retry_after: Option<Duration>,
    },
    /// Trying again cannot help: validation errors, other 4xx, bad data.
    #[error("{reason}")]
    Permanent {
        reason: String,
        status: Option<String>,
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

    pub fn status(&self) -> Option<&str> {
        match self {
            ExecError::Transient { status, .. } | ExecError::Permanent { status, .. } => {
                status.as_deref()
            }
            ExecError::Throttled { .. } | ExecError::Store(_) => None,
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
                status: Some(status),
                retry_after,
                ..
            } if status.split_whitespace().next() == Some("429") => {
                Some(retry_after.unwrap_or(DEFAULT_BACK_OFF))
            }
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
