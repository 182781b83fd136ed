//! The pair's Octadesk side is a conversation (`chat-<room>`): an action
//! from the other side becomes a message in the room (v1 only) — public
//! when it was public there, so the customer reads the desk's reply,
//! internal otherwise. Octadesk's API cannot change a conversation's
//! status; a mirrored status is recorded as dropped.

use ponte_core::ids::reference;
use ponte_core::{Side, Visibility};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::action::{Write, done};
use super::text::{body, mirrored};
use super::{OctadeskExecutor, agent_email, history};

impl OctadeskExecutor {
    pub(super) async fn chat_action(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        room: &str,
        w: Write<'_>,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let reference = reference(ctx.command_id);
        let internal = w.action.visibility == Visibility::Internal;
        let text = if internal {
            mirrored(w.action, w.origin, &reference)
        } else {
            format!("{}\n\n({reference})", body(w.action))
        };
        client
            .chat_message(room, internal, &text, agent_email(ctx, side))
            .await?;
        Ok(done(ctx, &w, false))
    }
}

pub(super) fn status_dropped(
    ctx: &Ctx<'_>,
    link_id: &str,
    ticket_id: &str,
    status: &str,
) -> Outcome {
    let detail = format!(
        "status `{status}` not applied to the Octadesk conversation {ticket_id}: Octadesk's API cannot change a conversation's status"
    );
    Outcome {
        result: json!({"ticket": ticket_id, "applied": false}),
        history: vec![(
            link_id.to_string(),
            history(ctx, HistoryKind::Dropped, detail),
        )],
        ..Outcome::default()
    }
}
