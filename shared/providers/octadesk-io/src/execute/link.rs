//! Manual mode's "associate": link a source ticket with an existing
//! Octadesk ticket, and mark it with Ponte's tag.

use chrono::Utc;
use ponte_core::link::marker;
use ponte_core::{Link, LinkOrigin, Provider, Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{OctadeskExecutor, history};
use ponte_octadesk::webhook::room_of;

impl OctadeskExecutor {
    pub(super) async fn link(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        source: &TicketRef,
        ticket_id: &str,
    ) -> Result<Outcome, ExecError> {
        let integration = ctx.integration;
        if room_of(ticket_id).is_some() {
            return Err(ExecError::permanent(
                "a conversation cannot be associated by hand; associate an Octadesk ticket number",
            ));
        }
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
        if client.ticket(ticket_id).await?.is_none() {
            return Err(ExecError::Permanent {
                reason: format!(
                    "Octadesk ticket #{ticket_id} does not exist on the {} side",
                    side.as_str()
                ),
                status: Some("404".into()),
            });
        }
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
        self.tag(
            ctx,
            side,
            ticket_id,
            &marker(&integration.id, &source.ticket_id),
        )
        .await?;
        if source.provider == Provider::Octadesk && source.side != side {
            self.tag(
                ctx,
                source.side,
                &source.ticket_id,
                &marker(&integration.id, ticket_id),
            )
            .await?;
        }
        let detail = format!(
            "#{} associated with the existing Octadesk ticket #{ticket_id} by an agent",
            source.ticket_id
        );
        Ok(Outcome {
            result: json!({"link": link.id}),
            history: vec![(
                link.id.clone(),
                history(ctx, HistoryKind::Associated, detail),
            )],
            ..Outcome::default()
        })
    }

    /// Adds `tag` to a ticket's tags (the edit sends the whole list).
    pub(super) async fn tag(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket_id: &str,
        tag: &str,
    ) -> Result<(), ExecError> {
        if room_of(ticket_id).is_some() {
            return Ok(());
        }
        let client = self.client(ctx, side)?;
        if let Some(current) = client.ticket(ticket_id).await?
            && !current.tags.iter().any(|t| t == tag)
        {
            let mut tags = current.tags.clone();
            tags.push(tag.to_string());
            client
                .update_ticket(ticket_id, &json!({"tags": tags}), None)
                .await?;
        }
        Ok(())
    }
}
