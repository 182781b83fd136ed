//! Mirroring an action from the other side (the sequence is
//! [`ponte_worker::effect::mirror_action`]): a channel customer's message
//! as a public comment (the requester's words), anything else as an
//! internal comment written as the integration's agent. Both carry Ponte's
//! reference, which finds them again after a crash and tells the router
//! they are Ponte's own when Octadesk reports them back.
//!
//! Octadesk's public API has no author field on comments: a public comment
//! is written by the API user (v1: the `octa-agent-email` agent), and its
//! text says whose words they are.

use ponte_store::HistoryEntry;
use ponte_worker::effect::{ActionDesk, Mirror, mirror_action};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::text::{customer_message, mirrored};
use super::{OctadeskExecutor, agent_email};
use crate::client::Client;

/// Octadesk's part of mirroring an action on a ticket: a comment.
struct Comments<'a> {
    client: Client<'a>,
    /// The agent the edit is made as, when configured.
    agent: Option<&'a str>,
}

impl ActionDesk for Comments<'_> {
    fn name(&self, ticket_id: &str) -> String {
        format!("Octadesk #{ticket_id}")
    }

    fn written_as(&self, from_customer: bool) -> &'static str {
        if from_customer {
            "public comment from the customer"
        } else {
            "internal comment"
        }
    }

    async fn find(&self, m: &Mirror<'_>, reference: &str) -> Result<Option<bool>, ExecError> {
        let interactions = self.client.interactions(m.ticket_id).await?;
        Ok(Some(
            interactions.iter().any(|i| i.text.contains(reference)),
        ))
    }

    async fn write(&self, m: &Mirror<'_>, reference: &str) -> Result<Vec<HistoryEntry>, ExecError> {
        let body = if m.from_customer {
            json!({"comments": {"public": {"content": customer_message(m.action, reference)}}})
        } else {
            json!({"comments": {"internal": {"content": mirrored(m.action, m.origin, reference)}}})
        };
        self.client
            .update_ticket(m.ticket_id, &body, self.agent)
            .await?;
        Ok(Vec::new())
    }
}

impl OctadeskExecutor {
    pub(super) async fn mirror(
        &self,
        ctx: &Ctx<'_>,
        mirror: Mirror<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Comments {
            client: self.client(ctx, mirror.side)?,
            agent: agent_email(ctx, mirror.side),
        };
        mirror_action(ctx, &desk, mirror).await
    }
}
