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

use ponte_core::{Call, Command, Provider, Side, Ticket};
use ponte_worker::{Ctx, Desk, ExecError, Executed, Executor, Outcome, dispatch};

use crate::client::{Client, RateLimit};
use employees::EmployeeCache;
pub(crate) use ponte_worker::effect::unmapped;
use ponte_worker::effect::{Association, Mirror, Pair, StatusChange};

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
        dispatch(self, ctx, command).await
    }
}

impl Desk for OkdeskExecutor {
    fn refusal(&self, op: &'static str) -> String {
        match op {
            "sync_ticket" => "Okdesk webhooks carry what changed; there is no ticket to re-read (`sync_ticket` is not supported)".into(),
            "assign_agent" => "Okdesk is a desk, not a channel: it cannot be told who attends (`assign_agent`)".into(),
            "mark_linked" => "Okdesk is never the source of a desk pair (`mark_linked` is not supported)".into(),
            "remove_marker" => "Okdesk keeps Ponte's marker in the issue's description, which stays (`remove_marker` is not supported; the link's tombstone keeps it inert)".into(),
            _ => format!("Okdesk cannot carry out `{op}`"),
        }
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

    async fn pop_caller_card(&self, ctx: &Ctx<'_>, side: Side, call: &Call) -> Executed {
        self.pop(ctx, side, call).await
    }

    async fn log_call(&self, ctx: &Ctx<'_>, side: Side, call: &Call) -> Executed {
        self.log(ctx, side, call).await
    }

    async fn open_missed_call_ticket(&self, ctx: &Ctx<'_>, side: Side, call: &Call) -> Executed {
        self.missed_call(ctx, side, call).await
    }
}
