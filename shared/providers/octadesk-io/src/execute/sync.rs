//! Re-reading a ticket an Octadesk webhook named, and reporting what
//! changed since the last reading.

use ponte_core::{Provider, Side, Ticket, TicketRef};
use ponte_worker::{Ctx, Deferred, ExecError, Outcome};
use serde_json::json;

use super::OctadeskExecutor;
use ponte_octadesk::normalize;
use ponte_octadesk::webhook::room_of;

impl OctadeskExecutor {
    pub(super) async fn sync(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket_id: &str,
    ) -> Result<Outcome, ExecError> {
        if room_of(ticket_id).is_some() {
            return Err(ExecError::permanent(
                "conversation events say what happened; there is nothing to re-read",
            ));
        }
        let client = self.client(ctx, side)?;
        let Some(api) = client.ticket(ticket_id).await? else {
            return Err(ExecError::Permanent {
                reason: format!(
                    "Octadesk ticket #{ticket_id} does not exist on the {} side (deleted?)",
                    side.as_str()
                ),
                status: Some(404),
            });
        };
        let interactions = client.interactions(&api.number).await?;
        let current = normalize::ticket(&api, &interactions);
        let at = TicketRef {
            integration: ctx.integration.id.clone(),
            side,
            provider: Provider::Octadesk,
            ticket_id: current.id.clone(),
        };
        let previous: Option<Ticket> = match ctx.snapshots().snapshot(&at.key()).await? {
            Some(v) => serde_json::from_value(v).ok(),
            None => None,
        };
        let events = normalize::diff(previous.as_ref(), &current, &at);
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
