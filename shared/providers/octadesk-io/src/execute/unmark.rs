//! Octadesk's part of taking Ponte's marker off a removed link's ticket.

use ponte_core::Side;
use ponte_worker::effect::{Marked, TagDesk, remove_marker};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::OctadeskExecutor;
use ponte_octadesk::webhook::room_of;

struct Tags<'a> {
    exec: &'a OctadeskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
}

impl TagDesk for Tags<'_> {
    async fn tags(&self, ticket_id: &str) -> Result<Option<Vec<String>>, ExecError> {
        // A chat room carries no tags: nothing of Ponte's to take off.
        if room_of(ticket_id).is_some() {
            return Ok(None);
        }
        let client = self.exec.client(self.ctx, self.side)?;
        Ok(client.ticket(ticket_id).await?.map(|t| t.tags))
    }

    async fn set_tags(&self, ticket_id: &str, tags: &[String]) -> Result<(), ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        client
            .update_ticket(ticket_id, &json!({ "tags": tags }), None)
            .await
    }
}

impl OctadeskExecutor {
    pub(super) async fn unmark(
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
