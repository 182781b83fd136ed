//! The desk ticket resolved or closed → the Blip ticket closed by the
//! attendant. Other desk statuses mean nothing to Blip.

use ponte_core::{BaseStatus, Side};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{BlipExecutor, blip_id, done, history};
use ponte_blip::model::TICKET_TYPE;

impl BlipExecutor {
    pub(super) async fn close(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket: &str,
        status: &str,
        base_status: &BaseStatus,
    ) -> Result<Outcome, ExecError> {
        if !base_status.is_finished() {
            let detail = format!("desk status `{status}`: nothing to tell Blip");
            return Ok(done(
                json!({"closed": false}),
                link_id,
                history(ctx, HistoryKind::Dropped, detail),
            ));
        }
        let client = self.client(ctx, side)?;
        if self.closed(ctx, &client, ticket).await? {
            let detail = format!("Blip ticket {ticket} already closed");
            return Ok(done(
                json!({"closed": true}),
                link_id,
                history(ctx, HistoryKind::Dropped, detail),
            ));
        }
        client
            .command(
                &blip_id(ctx.command_id, "close"),
                "set",
                "/tickets/change-status",
                Some(TICKET_TYPE),
                Some(json!({"id": ticket, "status": "ClosedAttendant"})),
            )
            .await?;
        self.mark_closed(ctx, ticket).await?;
        let detail =
            format!("desk status `{status}` → Blip ticket {ticket} closed by the attendant");
        Ok(done(
            json!({"closed": true}),
            link_id,
            history(ctx, HistoryKind::StatusMirrored, detail),
        ))
    }
}
