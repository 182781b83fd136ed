//! The effect-once sequences every provider shares, written once against a
//! narrow per-provider trait.

pub mod action;
pub mod associate;
pub mod calls;
pub mod create;
pub mod first_try;
pub mod status;
pub mod sync;
pub mod unmark;

use chrono::Utc;
use ponte_core::correlation::Unmapped;
use ponte_store::{HistoryEntry, HistoryKind};

use crate::{Ctx, ExecError};

pub use action::{ActionDesk, Looks, Mirror, mirror_action};
pub use associate::{AssociateDesk, Association, Existing, associate};
pub use create::{CounterpartDesk, Created, Pair, create_counterpart};
pub use status::{ECHO_WINDOW, Reading, StatusChange, StatusDesk, set_status};
pub use sync::{Current, SyncDesk, sync_ticket};
pub use unmark::{Marked, TagDesk, remove_marker};

/// A history line caused by the running command.
pub fn history(ctx: &Ctx<'_>, kind: HistoryKind, detail: String) -> HistoryEntry {
    HistoryEntry {
        at: Utc::now(),
        kind,
        detail,
        trace_id: ponte_telemetry::propagation::current_trace_id(),
        cause: ctx.command_id.to_string(),
    }
}

/// A value the correlation does not know is a permanent failure naming it:
/// the operator fixes the integration and replays.
pub fn unmapped(e: Unmapped) -> ExecError {
    ExecError::permanent(e.to_string())
}

#[cfg(test)]
mod tests;
