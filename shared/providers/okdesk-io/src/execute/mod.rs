//! Canonical commands → Okdesk API calls, one file per command: the
//! telephony commands of a UIS source (`pop`, `log`, `missed`) and the desk
//! commands of a ticket source (`create`, `action`, `status`, `link`).

mod action;
mod caller;
mod create;
mod employees;
mod format;
mod link;
mod log;
mod missed;
mod named;
mod person;
mod pop;
mod status;

use std::time::Duration;

use ponte_core::{Command, Operation, Provider, Side};
use ponte_worker::{Ctx, ExecError, Executor, Outcome, pair_ticket};

use crate::client::{Client, RateLimit};
use employees::EmployeeCache;
use ponte_worker::effect::Association;
pub(crate) use ponte_worker::effect::unmapped;

/// How long the employee list (who has which internal number) is trusted
/// before it is read again; a number nobody has triggers a read at once.
pub const EMPLOYEES_REFRESH: Duration = Duration::from_secs(300);

pub struct OkdeskExecutor {
    http: reqwest::Client,
    rate: RateLimit,
    employees: EmployeeCache,
}

impl OkdeskExecutor {
    pub fn new(rate: RateLimit) -> Result<Self, reqwest::Error> {
        Self::with_employee_refresh(rate, EMPLOYEES_REFRESH)
    }

    /// Like [`OkdeskExecutor::new`] with another refresh period of the
    /// employee list.
    pub fn with_employee_refresh(
        rate: RateLimit,
        refresh: Duration,
    ) -> Result<Self, reqwest::Error> {
        Ok(OkdeskExecutor {
            http: reqwest::Client::builder()
                .user_agent("ponte-worker-okdesk")
                .build()?,
            rate,
            employees: EmployeeCache::new(refresh),
        })
    }

    pub fn client<'a>(&'a self, ctx: &'a Ctx<'_>, side: Side) -> Result<Client<'a>, ExecError> {
        let endpoint = ponte_worker::endpoint_of(ctx, side, Provider::Okdesk)?;
        Client::new(&self.http, endpoint, ctx.accounts(), self.rate)
    }
}

impl Executor for OkdeskExecutor {
    fn provider(&self) -> Provider {
        Provider::Okdesk
    }

    async fn execute(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        let side = command.side;
        match &command.op {
            Operation::PopCallerCard { call } => self.pop_caller_card(ctx, side, call).await,
            Operation::LogCall { call } => self.log_call(ctx, side, call).await,
            Operation::OpenMissedCallTicket { call } => self.missed_call(ctx, side, call).await,
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
                let issue_id = pair_ticket(ctx, link_id, side).await?;
                let mirror = ponte_worker::effect::Mirror {
                    link_id,
                    side,
                    ticket_id: &issue_id,
                    origin,
                    action,
                    from_customer: *from_customer,
                };
                self.add_action(ctx, mirror).await
            }
            Operation::ChangeStatus {
                link_id,
                origin,
                status,
                changed_at,
                ..
            } => {
                let issue_id = pair_ticket(ctx, link_id, side).await?;
                let change = ponte_worker::effect::StatusChange {
                    link_id,
                    side,
                    ticket_id: &issue_id,
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
            Operation::SyncTicket { .. } => Err(ExecError::permanent(
                "Okdesk webhooks carry what changed; there is no ticket to re-read (`sync_ticket` is not supported)",
            )),
            Operation::AssignAgent { .. } => Err(ExecError::permanent(
                "Okdesk is a desk, not a channel: it cannot be told who attends (`assign_agent`)",
            )),
            Operation::MarkLinked { .. } => Err(ExecError::permanent(
                "Okdesk is never the source of a desk pair (`mark_linked` is not supported)",
            )),
            Operation::RemoveMarker { .. } => Err(ExecError::permanent(
                "Okdesk keeps Ponte's marker in the issue's description, which stays (`remove_marker` is not supported; the link's tombstone keeps it inert)",
            )),
        }
    }
}
