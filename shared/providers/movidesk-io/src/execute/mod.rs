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

use ponte_core::{Command, Operation, Provider, Side};
use ponte_worker::{Ctx, ExecError, Executor, Outcome, pair_ticket};

use crate::client::{Client, RateLimit};
use ponte_worker::effect::{Association, Marked};
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
        let outcome = self.run(ctx, command).await?;
        // A marker's removal is about its own ticket; other lines are
        // about the pair.
        let only = matches!(command.op, Operation::RemoveMarker { .. }).then_some(command.side);
        self.history_in_ticket(ctx, &outcome, only).await?;
        Ok(outcome)
    }
}

impl MovideskExecutor {
    async fn run(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        let side = command.side;
        match &command.op {
            Operation::SyncTicket { ticket_id } => self.sync(ctx, side, ticket_id).await,
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
                fields,
                from_customer,
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
                self.add_action(ctx, mirror, fields).await
            }
            Operation::ChangeStatus {
                link_id,
                origin,
                status,
                changed_at,
                justification,
                ..
            } => {
                let ticket_id = pair_ticket(ctx, link_id, side).await?;
                let change = ponte_worker::effect::StatusChange {
                    link_id,
                    side,
                    ticket_id: &ticket_id,
                    origin,
                    status,
                    changed_at: *changed_at,
                };
                self.change_status(ctx, change, justification.as_deref())
                    .await
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
            Operation::MarkLinked {
                link_id,
                ticket_id,
                counterpart,
            } => {
                self.mark_linked_source(ctx, side, link_id, ticket_id, counterpart)
                    .await
            }
            Operation::AssignAgent { .. }
            | Operation::PopCallerCard { .. }
            | Operation::LogCall { .. }
            | Operation::OpenMissedCallTicket { .. } => Err(ExecError::permanent(format!(
                "Movidesk cannot carry out `{}`: it is a desk without a telephony screen or a channel to assign",
                command.op.name()
            ))),
        }
    }
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
