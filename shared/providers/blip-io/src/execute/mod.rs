//! Canonical commands → Blip commands and messages, one file per command.
//! Blip is a channel: it is told who attends, gets the desk's public
//! replies, and is closed when the desk ticket is; it never creates or
//! links tickets.

mod assign;
mod close;
mod reply;

use ponte_core::{Command, Provider, Side};
use ponte_store::HistoryEntry;
use ponte_worker::effect::{Mirror, StatusChange};
use ponte_worker::{Ctx, Desk, ExecError, Executed, Executor, Outcome, dispatch};
use serde_json::Value;

use crate::client::{Client, Throughput};
use ponte_worker::effect::history;

pub struct BlipExecutor {
    http: reqwest::Client,
    throughput: Throughput,
}

impl BlipExecutor {
    pub fn new(throughput: Throughput) -> Result<Self, reqwest::Error> {
        Ok(BlipExecutor {
            http: reqwest::Client::builder()
                .user_agent("ponte-worker-blip")
                .build()?,
            throughput,
        })
    }

    fn client<'a>(&'a self, ctx: &'a Ctx<'_>, side: Side) -> Result<Client<'a>, ExecError> {
        let endpoint = ponte_worker::endpoint_of(ctx, side, Provider::Blip)?;
        Client::new(&self.http, endpoint, ctx.accounts(), self.throughput)
    }
}

impl Executor for BlipExecutor {
    fn provider(&self) -> Provider {
        Provider::Blip
    }

    async fn execute(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        dispatch(self, ctx, command).await
    }
}

impl Desk for BlipExecutor {
    fn refusal(&self, op: &'static str) -> String {
        format!("Blip is a conversation channel; it cannot carry out `{op}`")
    }

    async fn assign_agent(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket_id: &str,
        desk_owner: Option<&str>,
    ) -> Executed {
        self.assign(ctx, side, link_id, ticket_id, desk_owner).await
    }

    /// The desk's public reply, sent to the customer.
    async fn add_action(&self, ctx: &Ctx<'_>, m: Mirror<'_>) -> Executed {
        self.reply(ctx, m.side, m.link_id, m.ticket_id, m.action)
            .await
    }

    /// A finished desk ticket closes the conversation.
    async fn change_status(&self, ctx: &Ctx<'_>, c: StatusChange<'_>) -> Executed {
        let (side, link_id, ticket_id) = (c.side, c.link_id, c.ticket_id);
        self.close(ctx, side, link_id, ticket_id, c.status, c.base_status)
            .await
    }
}

/// Once a Blip ticket is closed nothing more may be sent to it; the mark
/// spares a look-up for every later reply.
const CLOSED: &str = "blip-closed";

impl BlipExecutor {
    /// Whether the ticket is closed, asking Blip unless it is known.
    async fn closed(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        ticket: &str,
    ) -> Result<bool, ExecError> {
        let key = format!("{}:{ticket}", ctx.integration.id);
        if ctx.seen().was_seen(CLOSED, &key).await? {
            return Ok(true);
        }
        let id = format!(
            "ponte-get-{}",
            &ctx.command_id[..ctx.command_id.len().min(16)]
        );
        let resource = client
            .command(&id, "get", &format!("/ticket/{ticket}"), None, None)
            .await?;
        let closed = serde_json::from_value::<ponte_blip::model::Ticket>(resource)
            .is_ok_and(|t| t.is_closed());
        if closed {
            self.mark_closed(ctx, ticket).await?;
        }
        Ok(closed)
    }

    async fn mark_closed(&self, ctx: &Ctx<'_>, ticket: &str) -> Result<(), ExecError> {
        let key = format!("{}:{ticket}", ctx.integration.id);
        ctx.seen()
            .mark_seen(CLOSED, &key, std::time::Duration::from_secs(90 * 24 * 3600))
            .await?;
        Ok(())
    }
}

/// A command id Blip sees, derived from Ponte's so a repeat is the same.
fn blip_id(command_id: &str, what: &str) -> String {
    format!("ponte-{what}-{}", &command_id[..command_id.len().min(24)])
}

fn done(result: Value, link_id: &str, entry: HistoryEntry) -> Outcome {
    Outcome {
        result,
        history: vec![(link_id.to_string(), entry)],
        ..Outcome::default()
    }
}
