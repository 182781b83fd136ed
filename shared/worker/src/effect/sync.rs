//! Re-reading a ticket a webhook (or a reconciliation pass) named, and
//! publishing what changed since the last reading: the sequence every desk
//! whose webhooks are hints shares.
//!
//! The ticket is read; the snapshot Ponte kept of it is the baseline; the
//! difference (`ponte_core::diff`) is published as canonical events, each
//! with an id the change fixes, and the new reading becomes the snapshot
//! once the events are out (a deferred write, after the publish). Gaining
//! the integration's own marker is not a change (Ponte wrote it). A ticket
//! that no longer exists is a permanent failure naming it.
//!
//! A desk may ask for its linked tickets to be replayed when the snapshot
//! is gone ([`SyncDesk::replays_forgotten_links`]): a linked ticket (by a
//! link in Redis, or by Ponte's marker on it) then takes as baseline its
//! first action only, so every later action is offered again. The router
//! drops Ponte's own and the other side's writer finds those already
//! mirrored by their reference: what crossed while Redis forgot is not
//! lost.

use std::future::Future;

use ponte_core::diff::diff;
use ponte_core::link::marker_target;
use ponte_core::{LinkOrigin, Provider, Side, Ticket, TicketRef};
use serde_json::json;

use crate::{Ctx, Deferred, ExecError, Executed, Outcome};

/// A ticket as the desk holds it now.
#[derive(Debug, Clone)]
pub struct Current {
    pub ticket: Ticket,
    /// Who made the ticket's latest status change, when the desk says.
    pub status_by: Option<String>,
}

/// A desk's part of re-reading a ticket.
pub trait SyncDesk: Send + Sync {
    fn provider(&self) -> Provider;

    /// How a failure names the ticket, e.g. `Octadesk ticket #7`.
    fn name(&self, id: &str) -> String;

    /// The ticket now; `None` when it does not exist.
    fn read(&self, id: &str) -> impl Future<Output = Result<Option<Current>, ExecError>> + Send;

    /// Whether a linked ticket whose snapshot is gone offers its actions
    /// again (see the module). Only for desks whose writers find a
    /// mirrored action by its reference.
    fn replays_forgotten_links(&self) -> bool {
        false
    }
}

/// Re-reads `ticket_id` on `side` and reports what changed; see the module.
pub async fn sync_ticket<D: SyncDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    side: Side,
    ticket_id: &str,
) -> Executed {
    let Some(Current { ticket, status_by }) = desk.read(ticket_id).await? else {
        return Err(ExecError::Permanent {
            reason: format!(
                "{} does not exist on the {} side (deleted?)",
                desk.name(ticket_id),
                side.as_str()
            ),
            status: Some(404),
        });
    };
    let at = TicketRef {
        integration: ctx.integration.id.clone(),
        side,
        provider: desk.provider(),
        ticket_id: ticket.id.clone(),
    };
    let previous: Option<Ticket> = match ctx.snapshots().snapshot(&at.key()).await? {
        Some(v) => serde_json::from_value(v).ok(),
        None => None,
    };
    let previous = match previous {
        None if desk.replays_forgotten_links() && linked(ctx, side, ticket_id, &ticket).await? => {
            Some(Ticket {
                actions: ticket.actions.iter().take(1).cloned().collect(),
                ..ticket.clone()
            })
        }
        other => other,
    };
    let previous = previous.map(|p| with_own_markers(p, &ticket, &ctx.integration.id));
    let events = diff(previous.as_ref(), &ticket, &at, status_by);
    Ok(Outcome {
        result: json!({"ticket": ticket.id, "events": events.len()}),
        events,
        deferred: vec![Deferred::Snapshot {
            ticket_key: at.key(),
            value: serde_json::to_value(&ticket).unwrap_or_default(),
        }],
        ..Outcome::default()
    })
}

/// The baseline with the tags of `current` when the only change to them is
/// gaining this integration's marker: Ponte wrote it when it linked the
/// ticket, so the reading after that write (its echo) is not news, and
/// publishing an update the router would ignore on a linked ticket costs a
/// message and a router pass per link. Any other tag change, a marker's
/// removal included, still differs.
fn with_own_markers(mut previous: Ticket, current: &Ticket, integration: &str) -> Ticket {
    let gained = |t: &String| marker_target(integration, t).is_some() && !previous.tags.contains(t);
    let rest_unchanged = current
        .tags
        .iter()
        .filter(|t| !gained(t))
        .eq(previous.tags.iter());
    if rest_unchanged {
        previous.tags = current.tags.clone();
    }
    previous
}

/// Linked by a link in Redis (not an association: an associated ticket's
/// history does not cross), or by the integration's marker on the ticket.
async fn linked(
    ctx: &Ctx<'_>,
    side: Side,
    ticket_id: &str,
    current: &Ticket,
) -> Result<bool, ExecError> {
    let integration = &ctx.integration.id;
    Ok(
        match ctx.links().link_of(integration, side, ticket_id).await? {
            Some(link) => link.origin != LinkOrigin::Associated,
            None => current
                .tags
                .iter()
                .any(|t| marker_target(integration, t).is_some()),
        },
    )
}
