//! Canonical commands → Blip commands and messages, one file per command.
//! Blip is a channel: it is told who attends, gets the desk's public
//! replies, and is closed when the desk ticket is; it never creates or
//! links tickets.

mod assign;
mod close;
mod reply;

use ponte_core::{Command, Operation, Provider, Side};
use ponte_store::HistoryEntry;
use ponte_worker::{Ctx, ExecError, Executor, Outcome, pair_ticket};
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
        let side = command.side;
        match &command.op {
            Operation::AssignAgent {
                link_id,
                desk_owner,
            } => {
                let ticket = pair_ticket(ctx, link_id, side).await?;
                self.assign(ctx, side, link_id, &ticket, desk_owner.as_deref())
                    .await
            }
            Operation::AddAction {
                link_id, action, ..
            } => {
                let ticket = pair_ticket(ctx, link_id, side).await?;
                self.reply(ctx, side, link_id, &ticket, action).await
            }
            Operation::ChangeStatus {
                link_id,
                status,
                base_status,
                ..
            } => {
                let ticket = pair_ticket(ctx, link_id, side).await?;
                self.close(ctx, side, link_id, &ticket, status, base_status)
                    .await
            }
            other => Err(ExecError::permanent(format!(
                "Blip is a conversation channel; it cannot carry out `{}`",
                other.name()
            ))),
        }
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
