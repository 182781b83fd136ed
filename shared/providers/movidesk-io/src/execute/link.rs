//! Movidesk's part of manual mode's "associate" (the sequence is
//! [`ponte_worker::effect::associate`]): the ticket as it is now is the
//! baseline, and both tickets show their counterpart (the marker tag, and
//! the field or note where configured, one PATCH each).

use ponte_core::{Provider, Side, TicketRef};
use ponte_worker::effect::{AssociateDesk, Association, Existing, associate};
use ponte_worker::{Ctx, ExecError, Outcome};

use super::MovideskExecutor;

struct Associate<'a> {
    exec: &'a MovideskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
}

impl AssociateDesk for Associate<'_> {
    fn provider(&self) -> Provider {
        Provider::Movidesk
    }

    fn name(&self, ticket_id: &str) -> String {
        format!("ticket #{ticket_id}")
    }

    async fn read(&self, ticket_id: &str) -> Result<Existing, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        Ok(match client.ticket(ticket_id).await? {
            None => Existing::Missing,
            Some(t) => Existing::Found {
                baseline: Some(Box::new(ponte_movidesk::normalize::ticket(&t))),
            },
        })
    }

    async fn mark(&self, ticket_id: &str, source: &TicketRef) -> Result<(), ExecError> {
        self.exec
            .mark_linked(self.ctx, self.side, ticket_id, &source.ticket_id)
            .await?;
        if source.provider == Provider::Movidesk {
            self.exec
                .mark_linked(self.ctx, source.side, &source.ticket_id, ticket_id)
                .await?;
        }
        Ok(())
    }
}

impl MovideskExecutor {
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
}
