//! Mirroring an action from the other side: a channel customer's message
//! as a public comment (the requester's words), anything else as an
//! internal comment written as the integration's agent. Both carry Ponte's
//! reference, which finds them again after a crash and tells the router
//! they are Ponte's own when Octadesk reports them back.
//!
//! Octadesk's public API has no author field on comments: a public comment
//! is written by the API user (v1: the `octa-agent-email` agent), and its
//! text says whose words they are.

use ponte_core::ids::reference;
use ponte_core::{Action, Side, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::text::{customer_message, mirrored, who};
use super::{OctadeskExecutor, agent_email, history};

/// What `add_action` writes, where.
pub(super) struct Write<'a> {
    pub link_id: &'a str,
    pub ticket_id: &'a str,
    pub origin: &'a TicketRef,
    pub action: &'a Action,
    pub from_customer: bool,
}

impl OctadeskExecutor {
    pub(super) async fn add_action(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        w: Write<'_>,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let reference = reference(ctx.command_id);
        if ctx.resumed
            && client
                .interactions(w.ticket_id)
                .await?
                .iter()
                .any(|i| i.text.contains(&reference))
        {
            tracing::warn!("the comment an earlier try wrote is there; not writing it again");
            return Ok(done(ctx, &w, true));
        }
        let body = if w.from_customer {
            json!({"comments": {"public": {"content": customer_message(w.action, &reference)}}})
        } else {
            json!({"comments": {"internal": {"content": mirrored(w.action, w.origin, &reference)}}})
        };
        client
            .update_ticket(w.ticket_id, &body, agent_email(ctx, side))
            .await?;
        Ok(done(ctx, &w, false))
    }
}

pub(super) fn done(ctx: &Ctx<'_>, w: &Write<'_>, found: bool) -> Outcome {
    let written_as = if w.from_customer {
        "public comment from the customer"
    } else {
        "internal comment"
    };
    let detail = format!(
        "action {} by {} on the {} side #{} → {written_as} on Octadesk #{}",
        w.action.id,
        who(&w.action.author),
        w.origin.side.as_str(),
        w.origin.ticket_id,
        w.ticket_id
    );
    Outcome {
        result: json!({"ticket": w.ticket_id, "mirrored_action": w.action.id, "found_after_crash": found}),
        history: vec![(
            w.link_id.to_string(),
            history(ctx, HistoryKind::ActionMirrored, detail),
        )],
        ..Outcome::default()
    }
}
