//! Okdesk's part of manual mode's "associate" (the sequence is
//! [`ponte_worker::effect::associate`]). Okdesk has no tags to write the
//! marker on; the link lives in Redis and its history.

use ponte_core::{Provider, Side, TicketRef};
use ponte_worker::effect::{AssociateDesk, Association, Existing, associate};
use ponte_worker::{Ctx, ExecError, Outcome};

use super::OkdeskExecutor;

struct Associate<'a> {
    exec: &'a OkdeskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
}

impl AssociateDesk for Associate<'_> {
    fn provider(&self) -> Provider {
        Provider::Okdesk
    }

    fn name(&self, issue_id: &str) -> String {
        format!("Okdesk issue #{issue_id}")
    }

    async fn read(&self, issue_id: &str) -> Result<Existing, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        Ok(match client.issue(issue_id).await? {
            None => Existing::Missing,
            Some(_) => Existing::Found { baseline: None },
        })
    }

    async fn mark(&self, _issue_id: &str, _source: &TicketRef) -> Result<(), ExecError> {
        Ok(())
    }
}

impl OkdeskExecutor {
    pub(super) async fn link(
        &self,
        ctx: &Ctx<'_>,
        pair: Association<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Associate {
            exec: self,
            ctx,
            side: pair.side,
        };
        associate(ctx, &desk, pair).await
    }
}
