//! Manual mode's "associate": link a source ticket with an existing
//! Octadesk ticket, and mark it with Ponte's tag.

use ponte_core::link::marker;
use ponte_core::{Provider, Side, TicketRef};
use ponte_worker::effect::{AssociateDesk, Association, Existing, associate};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::OctadeskExecutor;
use ponte_octadesk::webhook::room_of;

struct Associate<'a> {
    exec: &'a OctadeskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
}

impl AssociateDesk for Associate<'_> {
    fn provider(&self) -> Provider {
        Provider::Octadesk
    }

    fn name(&self, ticket_id: &str) -> String {
        format!("Octadesk ticket #{ticket_id}")
    }

    fn refusal(&self, ticket_id: &str) -> Option<String> {
        room_of(ticket_id).map(|_| {
            "a conversation cannot be associated by hand; associate an Octadesk ticket number"
                .to_string()
        })
    }

    async fn read(&self, ticket_id: &str) -> Result<Existing, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        Ok(match client.ticket(ticket_id).await? {
            None => Existing::Missing,
            Some(_) => Existing::Found { baseline: None },
        })
    }

    async fn mark(&self, ticket_id: &str, source: &TicketRef) -> Result<(), ExecError> {
        let integration = &self.ctx.integration.id;
        self.exec
            .tag(
                self.ctx,
                self.side,
                ticket_id,
                &marker(integration, &source.ticket_id),
            )
            .await?;
        if source.provider == Provider::Octadesk && source.side != self.side {
            self.exec
                .tag(
                    self.ctx,
                    source.side,
                    &source.ticket_id,
                    &marker(integration, ticket_id),
                )
                .await?;
        }
        Ok(())
    }
}

impl OctadeskExecutor {
    pub(super) async fn link(
        &self,
        ctx: &Ctx<'_>,
        pair: Association<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Associate {
            exec: self,
            ctx,
            side: pair.side,
        };
        associate(ctx, &desk, pair).await
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
