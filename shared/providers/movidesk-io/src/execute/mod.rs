//! Canonical commands → Movidesk API calls, one file per command.

mod action;
mod agent_view;
mod create;
mod fields;
mod history_note;
mod justify;
mod link;
mod person;
mod status;
mod sync;
mod unmark;

use ponte_core::{Command, Operation, Provider, Side, Ticket};
use ponte_worker::{Ctx, Desk, ExecError, Executed, Executor, Outcome, dispatch};

use crate::client::{Client, RateLimit};
use ponte_worker::effect::{Association, Marked, Mirror, Pair, StatusChange};
pub(crate) use ponte_worker::effect::{history, unmapped};

pub struct MovideskExecutor {
    http: reqwest::Client,
    rate: RateLimit,
    /// How long Movidesk's search may take to show a new ticket.
    search_lag: std::time::Duration,
}

impl MovideskExecutor {
    pub fn new(rate: RateLimit) -> Result<Self, reqwest::Error> {
        Ok(MovideskExecutor {
            http: reqwest::Client::builder()
                .user_agent("ponte-worker-movidesk")
                .build()?,
            rate,
            search_lag: std::time::Duration::ZERO,
        })
    }

    /// Movidesk's searches show new and changed tickets "some minutes"
    /// after the write (provider notes): a create whose earlier try may
    /// have written waits this long before trusting a search that finds
    /// nothing.
    pub fn with_search_lag(mut self, lag: std::time::Duration) -> Self {
        self.search_lag = lag;
        self
    }

    pub(crate) fn search_lag(&self) -> std::time::Duration {
        self.search_lag
    }

    pub fn client<'a>(&'a self, ctx: &'a Ctx<'_>, side: Side) -> Result<Client<'a>, ExecError> {
        let endpoint = ponte_worker::endpoint_of(ctx, side, Provider::Movidesk)?;
        Client::new(&self.http, endpoint, ctx.accounts(), self.rate)
    }
}

impl Executor for MovideskExecutor {
    fn provider(&self) -> Provider {
        Provider::Movidesk
    }

    async fn execute(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        let outcome = dispatch(self, ctx, command).await?;
        // A marker's removal is about its own ticket; other lines are
        // about the pair.
        let only = matches!(command.op, Operation::RemoveMarker { .. }).then_some(command.side);
        self.history_in_ticket(ctx, &outcome, only).await?;
        Ok(outcome)
    }
}

impl Desk for MovideskExecutor {
    fn refusal(&self, op: &'static str) -> String {
        format!(
            "Movidesk cannot carry out `{op}`: it is a desk without a telephony screen or a channel to assign"
        )
    }

    async fn sync_ticket(&self, ctx: &Ctx<'_>, side: Side, id: &str) -> Executed {
        self.sync(ctx, side, id).await
    }

    async fn create_ticket(&self, ctx: &Ctx<'_>, pair: Pair<'_>, ticket: &Ticket) -> Executed {
        self.create(ctx, pair, ticket).await
    }

    async fn add_action(&self, ctx: &Ctx<'_>, mirror: Mirror<'_>) -> Executed {
        self.mirror(ctx, mirror).await
    }

    async fn change_status(&self, ctx: &Ctx<'_>, change: StatusChange<'_>) -> Executed {
        self.set_status(ctx, change).await
    }

    async fn link_tickets(&self, ctx: &Ctx<'_>, pair: Association<'_>) -> Executed {
        self.link(ctx, pair).await
    }

    async fn remove_marker(&self, ctx: &Ctx<'_>, marked: Marked<'_>) -> Executed {
        self.unmark(ctx, marked).await
    }

    async fn mark_linked(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link: &str,
        id: &str,
        of: &str,
    ) -> Executed {
        self.mark_linked_source(ctx, side, link, id, of).await
    }
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
