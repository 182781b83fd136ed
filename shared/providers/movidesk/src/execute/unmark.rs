//! Movidesk's part of taking Ponte's marker off a removed link's ticket.

use ponte_core::Side;
use ponte_worker::effect::{Marked, TagDesk, remove_marker};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::MovideskExecutor;

struct Tags<'a> {
    exec: &'a MovideskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
}

impl TagDesk for Tags<'_> {
    async fn tags(&self, ticket_id: &str) -> Result<Option<Vec<String>>, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        Ok(client.ticket(ticket_id).await?.map(|t| t.tags))
    }

    async fn set_tags(&self, ticket_id: &str, tags: &[String]) -> Result<(), ExecError> {
        // PATCH replaces the whole list.
        let client = self.exec.client(self.ctx, self.side)?;
        client
            .patch_ticket(ticket_id, &json!({ "tags": tags }))
            .await
    }
}

impl MovideskExecutor {
    pub(super) async fn remove_marker(
        &self,
        ctx: &Ctx<'_>,
        marked: Marked<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Tags {
            exec: self,
            ctx,
            side: marked.side,
        };
        remove_marker(ctx, &desk, marked).await
    }
}
