//! Manual mode's "associate": link a source ticket with an existing one.

use chrono::Utc;
use ponte_core::{Link, LinkOrigin, Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, Deferred, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, history};

impl MovideskExecutor {
    pub(super) async fn link(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        source: &TicketRef,
        ticket_id: &str,
    ) -> Result<Outcome, ExecError> {
        let integration = ctx.integration;
        if let Some(existing) = ctx
            .store
            .link_of(&integration.id, source.side, &source.ticket_id)
            .await?
        {
            if existing.target_ticket == ticket_id {
                return Ok(Outcome {
                    result: json!({"link": existing.id, "already": true}),
                    ..Outcome::default()
                });
            }
            return Err(ExecError::permanent(format!(
                "ticket #{} is already linked to #{}; remove that link first",
                source.ticket_id, existing.target_ticket
            )));
        }
        if let Some(other) = ctx.store.link_of(&integration.id, side, ticket_id).await? {
            return Err(ExecError::permanent(format!(
                "ticket #{ticket_id} on the {} side is already linked to #{}",
                side.as_str(),
                other.source_ticket
            )));
        }
        let client = self.client(ctx, side)?;
        let Some(existing) = client.ticket(ticket_id).await? else {
            return Err(ExecError::Permanent {
                reason: format!(
                    "ticket #{ticket_id} does not exist on the {} side",
                    side.as_str()
                ),
                status: Some("404".into()),
            });
        };
        // What the ticket holds now is its baseline: its history does not
        // cross, only what happens from now on.
        let at = TicketRef {
            integration: integration.id.clone(),
            side,
            provider: ponte_core::Provider::Movidesk,
            ticket_id: ticket_id.to_string(),
        };
        let baseline = Deferred::Snapshot {
            ticket_key: at.key(),
            value: serde_json::to_value(ponte_movidesk::normalize::ticket(&existing))
                .unwrap_or_default(),
        };
        let link = Link {
            id: link_id.to_string(),
            integration: integration.id.clone(),
            source_ticket: source.ticket_id.clone(),
            target_ticket: ticket_id.to_string(),
            origin: LinkOrigin::Associated,
            created_at: Utc::now(),
        };
        ctx.store.put_link(&link).await?;
        ctx.store
            .remove_eligible(&integration.id, &source.ticket_id)
            .await?;
        // Both tickets show their counterpart: the marker tag, and the
        // field or note where configured, one PATCH each.
        self.mark_linked(ctx, side, ticket_id, &source.ticket_id)
            .await?;
        if source.provider == ponte_core::Provider::Movidesk {
            self.mark_linked(ctx, source.side, &source.ticket_id, ticket_id)
                .await?;
        }
        ponte_worker::record_link_statuses(
            ctx,
            &link.id,
            source,
            side,
            Some(&ponte_movidesk::normalize::ticket(&existing)),
        )
        .await?;
        let detail = format!(
            "#{} associated with the existing ticket #{ticket_id} by an agent",
            source.ticket_id
        );
        Ok(Outcome {
            result: json!({"link": link.id}),
            history: vec![(
                link.id.clone(),
                history(ctx, HistoryKind::Associated, detail),
            )],
            deferred: vec![baseline],
            ..Outcome::default()
        })
    }
}
