//! Setting the status the other side changed to, per the correlation, with
//! `skip_options: ["skip_webhooks"]` so Okdesk does not echo it back. A
//! late change never overwrites a newer one; the status Ponte sets is also
//! marked so a webhook about it (from an Okdesk that ignores the skip) is
//! recognised as Ponte's own.

use ponte_worker::effect::{Reading, StatusChange, StatusDesk, set_status};
use ponte_worker::{Ctx, ExecError, Outcome};

use super::OkdeskExecutor;
use crate::client::Client;
use ponte_okdesk::model::NewStatus;

/// Okdesk's part of setting a status.
struct Statuses<'a> {
    client: Client<'a>,
}

impl StatusDesk for Statuses<'_> {
    type Plan = ();

    fn name(&self, issue_id: &str) -> String {
        format!("Okdesk issue #{issue_id}")
    }

    async fn read(&self, issue_id: &str, status: &str) -> Result<Reading<()>, ExecError> {
        // Okdesk refuses a change to the status the issue already has.
        Ok(match self.client.issue(issue_id).await? {
            None => Reading::Gone,
            Some(i) if i.status_code() == Some(status) => Reading::Already,
            Some(_) => Reading::Write(()),
        })
    }

    async fn write(
        &self,
        issue_id: &str,
        status: &str,
        (): (),
    ) -> Result<Option<String>, ExecError> {
        let change = NewStatus {
            code: status.to_string(),
            skip_options: vec!["skip_webhooks"],
        };
        self.client.change_status(issue_id, &change).await?;
        Ok(None)
    }
}

impl OkdeskExecutor {
    pub(super) async fn set_status(
        &self,
        ctx: &Ctx<'_>,
        change: StatusChange<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Statuses {
            client: self.client(ctx, change.side)?,
        };
        set_status(ctx, &desk, change).await
    }
}
