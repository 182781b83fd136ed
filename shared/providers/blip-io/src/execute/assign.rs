//! Telling Blip who attends: `set /tickets/change-status` to Open with the
//! agent identity the desk owner maps to, or the default agent.

use ponte_core::Side;
use ponte_core::link::marker;
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{BlipExecutor, blip_id, done, history};
use ponte_blip::model::TICKET_TYPE;

impl BlipExecutor {
    pub(super) async fn assign(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket: &str,
        desk_owner: Option<&str>,
    ) -> Result<Outcome, ExecError> {
        let agent = ctx
            .integration
            .correlation
            .agent_back(desk_owner)
            .map(|a| a.id)
            .ok_or_else(|| {
                ExecError::permanent(format!(
                    "no Blip agent for the desk owner `{}`: add it to correlation.agent_back or set correlation.defaults.agent_back",
                    desk_owner.unwrap_or("(none)")
                ))
            })?;
        let client = self.client(ctx, side)?;
        client
            .command(
                &blip_id(ctx.command_id, "assign"),
                "set",
                "/tickets/change-status",
                Some(TICKET_TYPE),
                Some(json!({"id": ticket, "status": "Open", "agentIdentity": agent})),
            )
            .await?;
        // The desk ticket's number on the Blip ticket, where agents see it.
        if let Some(link) = ctx.links().link(link_id).await? {
            client
                .command(
                    &blip_id(ctx.command_id, "tags"),
                    "set",
                    &format!("/tickets/{ticket}/change-tags"),
                    Some(TICKET_TYPE),
                    Some(json!({"id": ticket, "tags": [marker(&ctx.integration.id, &link.target_ticket)]})),
                )
                .await?;
        }
        let detail = format!("Blip ticket {ticket} assigned to {agent} (Open)");
        Ok(done(
            json!({"ticket": ticket, "agent": agent}),
            link_id,
            history(ctx, HistoryKind::StatusMirrored, detail),
        ))
    }
}
