//! The desk agent's public replies, sent to the customer. Internal actions
//! never reach the customer; a closed ticket gets nothing more.

use ponte_core::{Action, Side, Visibility};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{BlipExecutor, blip_id, done, history};
use ponte_blip::model::{MEDIA_LINK_TYPE, ticket_address};

impl BlipExecutor {
    pub(super) async fn reply(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket: &str,
        action: &Action,
    ) -> Result<Outcome, ExecError> {
        if action.visibility == Visibility::Internal {
            let detail = format!("internal action {} not sent to the customer", action.id);
            return Ok(done(
                json!({"sent": false}),
                link_id,
                history(ctx, HistoryKind::Dropped, detail),
            ));
        }
        let client = self.client(ctx, side)?;
        if self.closed(ctx, &client, ticket).await? {
            let detail = format!(
                "reply {} dropped: the Blip ticket {ticket} is closed",
                action.id
            );
            tracing::info!(%detail, "late reply not sent");
            return Ok(done(
                json!({"sent": false}),
                link_id,
                history(ctx, HistoryKind::Dropped, detail),
            ));
        }
        let to = ticket_address(ticket);
        // Message ids come from the command id: a repeat after a crash is
        // the same message to Blip.
        let mut sent = 0;
        if !action.text.trim().is_empty() {
            client
                .message(&json!({"id": blip_id(ctx.command_id, "msg"), "to": to, "type": "text/plain", "content": action.text.trim()}))
                .await?;
            sent += 1;
        }
        for (i, f) in action.attachments.iter().enumerate() {
            let Some(uri) = &f.url else { continue };
            client
                .message(&json!({
                    "id": blip_id(ctx.command_id, &format!("media{i}")),
                    "to": to,
                    "type": MEDIA_LINK_TYPE,
                    "content": {"uri": uri, "title": f.name, "type": "application/octet-stream"}
                }))
                .await?;
            sent += 1;
        }
        let detail = format!(
            "reply {} sent to the customer on Blip ticket {ticket} ({sent} message(s))",
            action.id
        );
        Ok(done(
            json!({"sent": sent}),
            link_id,
            history(ctx, HistoryKind::ActionMirrored, detail),
        ))
    }
}
