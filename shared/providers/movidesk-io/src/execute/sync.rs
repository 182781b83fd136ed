use ponte_core::link::marker_target;
use ponte_core::{LinkOrigin, Provider, Side, Ticket, TicketRef};
use ponte_worker::{Ctx, Deferred, ExecError, Outcome};
use serde_json::json;

use super::MovideskExecutor;
use ponte_movidesk::normalize;

impl MovideskExecutor {
    /// Re-reads a ticket and reports what changed since the last reading.
    pub(super) async fn sync(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket_id: &str,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let Some(api) = client.ticket(ticket_id).await? else {
            return Err(ExecError::Permanent {
                reason: format!(
                    "ticket {ticket_id} does not exist on the {} side (deleted?)",
                    side.as_str()
                ),
                status: Some(404),
            });
        };
        let current = normalize::ticket(&api);
        let at = TicketRef {
            integration: ctx.integration.id.clone(),
            side,
            provider: Provider::Movidesk,
            ticket_id: current.id.clone(),
        };
        let previous: Option<Ticket> = match ctx.snapshots().snapshot(&at.key()).await? {
            Some(v) => serde_json::from_value(v).ok(),
            None => None,
        };
        // No reading kept of a ticket that is linked (Redis lost the
        // snapshot; the link is in Redis again, or the ticket carries the
        // integration's marker): every action after the first (the one the
        // counterpart opened with) is offered again. The router drops
        // Ponte's own, and the writer finds those already mirrored by their
        // reference, so what crossed while Redis forgot is not lost.
        let previous = match previous {
            None if self.linked(ctx, side, ticket_id, &current).await? => Some(Ticket {
                actions: current.actions.iter().take(1).cloned().collect(),
                ..current.clone()
            }),
            other => other,
        };
        let events = normalize::diff(
            previous.as_ref(),
            &current,
            &at,
            normalize::status_changed_by(&api),
        );
        Ok(Outcome {
            result: json!({"ticket": current.id, "events": events.len()}),
            events,
            deferred: vec![Deferred::Snapshot {
                ticket_key: at.key(),
                value: serde_json::to_value(&current).unwrap_or_default(),
            }],
            history: vec![],
        })
    }
}

impl MovideskExecutor {
    /// Linked by a link in Redis (not an association: an associated
    /// ticket's history does not cross), or by the marker on the ticket.
    async fn linked(
        &self,
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
}
