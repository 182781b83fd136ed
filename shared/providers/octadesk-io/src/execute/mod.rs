//! Canonical commands → Octadesk API calls, one file per command. Octadesk
//! is a desk: it takes tickets from any source (a desk, a channel's
//! conversation, a lost call), mirrors actions and statuses, and reports
//! its own changes through `sync_ticket`. It is not a channel
//! (`assign_agent`) and has no call list or screen-pop API (the telephony
//! commands record what they can; see `log`, `pop`).

mod action;
mod calls;
mod chat;
mod create;
mod link;
mod log;
mod missed;
mod pop;
mod requester;
mod status;
mod sync;
mod text;
mod unmark;

use ponte_core::{Command, Operation, Provider, Side};
use ponte_worker::{Ctx, ExecError, Executor, Outcome, pair_ticket};

use crate::auth::TokenCache;
use crate::client::Client;
use ponte_octadesk::webhook::room_of;
use ponte_worker::effect::{Association, Marked};
pub(crate) use ponte_worker::effect::{history, unmapped};

pub struct OctadeskExecutor {
    http: reqwest::Client,
    tokens: TokenCache,
}

impl OctadeskExecutor {
    pub fn new() -> Result<Self, reqwest::Error> {
        Ok(OctadeskExecutor {
            http: reqwest::Client::builder()
                .user_agent("ponte-worker-octadesk")
                .build()?,
            tokens: TokenCache::new(),
        })
    }

    /// The access tokens this worker holds, one per account.
    pub fn tokens(&self) -> &TokenCache {
        &self.tokens
    }

    pub fn client<'a>(&'a self, ctx: &'a Ctx<'_>, side: Side) -> Result<Client<'a>, ExecError> {
        let endpoint = ponte_worker::endpoint_of(ctx, side, Provider::Octadesk)?;
        Client::new(&self.http, endpoint, &self.tokens, ctx.accounts())
    }
}

impl Executor for OctadeskExecutor {
    fn provider(&self) -> Provider {
        Provider::Octadesk
    }

    async fn execute(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        let side = command.side;
        match &command.op {
            Operation::CreateTicket {
                link_id,
                source,
                ticket,
                how,
            } => self.create(ctx, side, link_id, source, ticket, *how).await,
            Operation::AddAction {
                link_id,
                origin,
                action,
                from_customer,
                ..
            } => {
                let ticket_id = pair_ticket(ctx, link_id, side).await?;
                let mirror = ponte_worker::effect::Mirror {
                    link_id,
                    side,
                    ticket_id: &ticket_id,
                    origin,
                    action,
                    from_customer: *from_customer,
                };
                match room_of(&ticket_id) {
                    Some(room) => self.chat_action(ctx, room, mirror).await,
                    None => self.add_action(ctx, mirror).await,
                }
            }
            Operation::ChangeStatus {
                link_id,
                origin,
                status,
                changed_at,
                ..
            } => {
                let ticket_id = pair_ticket(ctx, link_id, side).await?;
                if room_of(&ticket_id).is_some() {
                    return Ok(chat::status_dropped(ctx, link_id, &ticket_id, status));
                }
                let change = ponte_worker::effect::StatusChange {
                    link_id,
                    side,
                    ticket_id: &ticket_id,
                    origin,
                    status,
                    changed_at: *changed_at,
                };
                self.change_status(ctx, change).await
            }
            Operation::LinkTickets {
                link_id,
                source,
                ticket_id,
            } => {
                self.link(ctx, Association::new(link_id, side, source, ticket_id))
                    .await
            }
            Operation::RemoveMarker {
                link_id,
                ticket_id,
                marker,
            } => {
                self.remove_marker(ctx, Marked::new(link_id, side, ticket_id, marker))
                    .await
            }
            Operation::SyncTicket { ticket_id } => self.sync(ctx, side, ticket_id).await,
            Operation::OpenMissedCallTicket { call } => self.missed_call(ctx, side, call).await,
            Operation::LogCall { call } => self.log_call(ctx, side, call).await,
            Operation::PopCallerCard { call } => pop::pop_caller_card(ctx, call).await,
            Operation::AssignAgent { .. } => Err(ExecError::permanent(
                "Octadesk is a desk, not a channel: it cannot be told who attends (`assign_agent`)",
            )),
            Operation::MarkLinked { .. } => Err(ExecError::permanent(
                "Octadesk counterparts carry Ponte's marker from their creation; a linked Octadesk source is not marked afterwards (`mark_linked` is not supported)",
            )),
        }
    }
}

/// The agent Ponte writes as on `side`, when it is an e-mail (what v1's
/// `octa-agent-email` takes); otherwise the endpoint's own agent writes.
pub(crate) fn agent_email<'a>(ctx: &'a Ctx<'_>, side: Side) -> Option<&'a str> {
    ctx.integration.agent(side).filter(|a| a.contains('@'))
}
