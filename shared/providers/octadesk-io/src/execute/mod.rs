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

use ponte_core::{Call, Command, Provider, Side, Ticket};
use ponte_worker::{Ctx, Desk, ExecError, Executed, Executor, Outcome, dispatch};

use crate::auth::TokenCache;
use crate::client::Client;
use ponte_octadesk::webhook::room_of;
use ponte_worker::effect::{Association, Marked, Mirror, Pair, StatusChange};
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
        dispatch(self, ctx, command).await
    }
}

impl Desk for OctadeskExecutor {
    fn refusal(&self, op: &'static str) -> String {
        match op {
            "assign_agent" => "Octadesk is a desk, not a channel: it cannot be told who attends (`assign_agent`)".into(),
            "mark_linked" => "Octadesk counterparts carry Ponte's marker from their creation; a linked Octadesk source is not marked afterwards (`mark_linked` is not supported)".into(),
            _ => format!("Octadesk cannot carry out `{op}`"),
        }
    }

    async fn sync_ticket(&self, ctx: &Ctx<'_>, side: Side, id: &str) -> Executed {
        self.sync(ctx, side, id).await
    }

    async fn create_ticket(&self, ctx: &Ctx<'_>, pair: Pair<'_>, ticket: &Ticket) -> Executed {
        self.create(ctx, pair, ticket).await
    }

    /// A conversation's message goes to its room; a ticket's action is a
    /// mirrored action.
    async fn add_action(&self, ctx: &Ctx<'_>, mirror: Mirror<'_>) -> Executed {
        match room_of(mirror.ticket_id) {
            Some(room) => self.chat_action(ctx, room, mirror).await,
            None => self.mirror(ctx, mirror).await,
        }
    }

    /// A conversation has no status to set.
    async fn change_status(&self, ctx: &Ctx<'_>, change: StatusChange<'_>) -> Executed {
        if room_of(change.ticket_id).is_some() {
            let (link, ticket) = (change.link_id, change.ticket_id);
            return Ok(chat::status_dropped(ctx, link, ticket, change.status));
        }
        self.set_status(ctx, change).await
    }

    async fn link_tickets(&self, ctx: &Ctx<'_>, pair: Association<'_>) -> Executed {
        self.link(ctx, pair).await
    }

    async fn remove_marker(&self, ctx: &Ctx<'_>, marked: Marked<'_>) -> Executed {
        self.unmark(ctx, marked).await
    }

    async fn pop_caller_card(&self, ctx: &Ctx<'_>, _side: Side, call: &Call) -> Executed {
        pop::pop_caller_card(ctx, call).await
    }

    async fn log_call(&self, ctx: &Ctx<'_>, side: Side, call: &Call) -> Executed {
        self.log(ctx, side, call).await
    }

    async fn open_missed_call_ticket(&self, ctx: &Ctx<'_>, side: Side, call: &Call) -> Executed {
        self.missed_call(ctx, side, call).await
    }
}

/// The agent Ponte writes as on `side`, when it is an e-mail (what v1's
/// `octa-agent-email` takes); otherwise the endpoint's own agent writes.
pub(crate) fn agent_email<'a>(ctx: &'a Ctx<'_>, side: Side) -> Option<&'a str> {
    ctx.integration.agent(side).filter(|a| a.contains('@'))
}
