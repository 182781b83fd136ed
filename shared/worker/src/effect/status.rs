//! Setting on one side the status the other side changed to, once and in
//! the order of the changes, whatever happens to the provider's answers.
//!
//! The sequence every desk shares: map the status through the
//! correlation → drop a change older than one already applied (a late
//! or retried command never overwrites a newer one) → read the ticket
//! (gone: a permanent failure naming it) → when it does not have the
//! status yet, mark the echo (the provider's webhook about Ponte's own
//! write may arrive before the write returns) and write → remember the
//! change's time as applied. A retry after a lost answer finds the status
//! already set and writes nothing.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::ids::status_echo;
use ponte_core::{BaseStatus, Side, TicketRef};
use ponte_store::HistoryKind;
use serde_json::json;

use crate::effect::{history, unmapped};
use crate::{Ctx, ExecError, Outcome};

/// How long Ponte's own write (a status change, a marker) is recognised in
/// the webhook about it.
pub const ECHO_WINDOW: Duration = Duration::from_secs(600);

/// What a desk found when it read the ticket before the write.
#[derive(Debug)]
pub enum Reading<P> {
    /// The ticket does not exist (deleted?).
    Gone,
    /// The ticket already has the status.
    Already,
    /// The ticket needs the write `P` (what the desk learned while
    /// reading, e.g. the status's id).
    Write(P),
}

/// A desk's part of setting a status.
pub trait StatusDesk: Send + Sync {
    /// What [`StatusDesk::read`] hands to [`StatusDesk::write`].
    type Plan: Send;

    /// How the history line and errors name the ticket, e.g. `Okdesk issue #7`.
    fn name(&self, ticket_id: &str) -> String;

    /// Reads the ticket and compares its status with `status`.
    fn read(
        &self,
        ticket_id: &str,
        status: &str,
    ) -> impl Future<Output = Result<Reading<Self::Plan>, ExecError>> + Send;

    /// Sets the status; answers a note for the history line (e.g.
    /// ``justification `Resolvido` `` for the one Movidesk accepted), if any.
    fn write(
        &self,
        ticket_id: &str,
        status: &str,
        plan: Self::Plan,
    ) -> impl Future<Output = Result<Option<String>, ExecError>> + Send;
}

/// The other side's status change, as the command carries it.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    pub link_id: &'a str,
    /// The side whose ticket is changed.
    pub side: Side,
    pub ticket_id: &'a str,
    /// The ticket the change happened on.
    pub origin: &'a TicketRef,
    pub status: &'a str,
    pub changed_at: DateTime<Utc>,
    /// The base status the other side reached (a channel only closes).
    pub base_status: &'a BaseStatus,
    /// The other side's justification for the status, where it gives one.
    pub justification: Option<&'a str>,
}

/// Sets the mapped status on `change.ticket_id`; see the module.
pub async fn set_status<D: StatusDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    change: StatusChange<'_>,
) -> Result<Outcome, ExecError> {
    let StatusChange {
        link_id,
        side,
        ticket_id,
        origin,
        status,
        changed_at,
        ..
    } = change;
    let integration = ctx.integration;
    let mapped = integration
        .correlation
        .status(origin.side, status)
        .map_err(unmapped)?;
    let side_key = side.as_str();
    if let Some(applied) = ctx.store.applied_at(link_id, side_key, "status").await?
        && applied > changed_at
    {
        let detail = format!(
            "status `{status}` from #{} (changed {changed_at}) not applied: a newer change (from {applied}) already was",
            origin.ticket_id
        );
        tracing::info!(%detail, "stale status dropped");
        return Ok(Outcome {
            result: json!({"ticket": ticket_id, "stale": true}),
            history: vec![(
                link_id.to_string(),
                history(ctx, HistoryKind::Dropped, detail),
            )],
            ..Outcome::default()
        });
    }
    let (already, note) = match desk.read(ticket_id, &mapped).await? {
        Reading::Gone => {
            return Err(ExecError::Permanent {
                reason: format!(
                    "linked {} does not exist on the {side_key} side (deleted?)",
                    desk.name(ticket_id)
                ),
                status: Some(404),
            });
        }
        Reading::Already => (true, None),
        Reading::Write(plan) => {
            ctx.store
                .mark_echo(
                    &status_echo(&integration.id, side_key, ticket_id, &mapped),
                    ECHO_WINDOW,
                )
                .await?;
            (false, desk.write(ticket_id, &mapped, plan).await?)
        }
    };
    ctx.store
        .set_applied_at(link_id, side_key, "status", changed_at)
        .await?;
    let with = note
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let detail = format!(
        "status `{status}` on the {} side #{} → `{mapped}`{with} on {}",
        origin.side.as_str(),
        origin.ticket_id,
        desk.name(ticket_id)
    );
    Ok(Outcome {
        result: json!({"ticket": ticket_id, "status": mapped, "already": already, "note": note}),
        history: vec![(
            link_id.to_string(),
            history(ctx, HistoryKind::StatusMirrored, detail),
        )],
        ..Outcome::default()
    })
}
