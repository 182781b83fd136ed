//! The pair's Octadesk side is a conversation (`chat-<room>`): an action
//! from the other side becomes a message in the room (v1 only) — public
//! when it was public there, so the customer reads the desk's reply,
//! internal otherwise. Octadesk's API cannot change a conversation's
//! status; a mirrored status is recorded as dropped.

use ponte_core::Visibility;
use ponte_store::{HistoryEntry, HistoryKind};
use ponte_worker::effect::{ActionDesk, Mirror, mirror_action};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::text::{body, mirrored};
use super::{OctadeskExecutor, agent_email, history};
use crate::client::Client;

/// Octadesk's part of mirroring an action into a conversation: a message
/// in its room. A room cannot be searched for Ponte's reference.
struct Room<'a> {
    client: Client<'a>,
    room: &'a str,
    agent: Option<&'a str>,
}

impl ActionDesk for Room<'_> {
    fn name(&self, ticket_id: &str) -> String {
        format!("Octadesk conversation {ticket_id}")
    }

    fn written_as(&self, _from_customer: bool) -> &'static str {
        "message"
    }

    async fn find(&self, _m: &Mirror<'_>, _reference: &str) -> Result<Option<bool>, ExecError> {
        Ok(None)
    }

    async fn write(&self, m: &Mirror<'_>, reference: &str) -> Result<Vec<HistoryEntry>, ExecError> {
        let internal = m.action.visibility == Visibility::Internal;
        let text = if internal {
            mirrored(m.action, m.origin, reference)
        } else {
            format!("{}\n\n({reference})", body(m.action))
        };
        self.client
            .chat_message(self.room, internal, &text, self.agent)
            .await?;
        Ok(Vec::new())
    }
}

impl OctadeskExecutor {
    pub(super) async fn chat_action(
        &self,
        ctx: &Ctx<'_>,
        room: &str,
        mirror: Mirror<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Room {
            client: self.client(ctx, mirror.side)?,
            room,
            agent: agent_email(ctx, mirror.side),
        };
        mirror_action(ctx, &desk, mirror).await
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
