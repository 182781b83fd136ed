//! Re-reading a ticket a Movidesk trigger named (the sequence is
//! [`ponte_worker::effect::sync_ticket`]). A linked ticket whose snapshot
//! Redis lost offers its actions again: Movidesk's writer finds those
//! already mirrored by their reference.

use ponte_core::{Provider, Side};
use ponte_worker::effect::{Current, SyncDesk, sync_ticket};
use ponte_worker::{Ctx, ExecError, Executed};

use super::MovideskExecutor;
use crate::client::Client;
use ponte_movidesk::normalize;

struct Reader<'a> {
    client: Client<'a>,
}

impl SyncDesk for Reader<'_> {
    fn provider(&self) -> Provider {
        Provider::Movidesk
    }

    fn name(&self, id: &str) -> String {
        format!("ticket {id}")
    }

    async fn read(&self, id: &str) -> Result<Option<Current>, ExecError> {
        Ok(self.client.ticket(id).await?.map(|api| Current {
            ticket: normalize::ticket(&api),
            status_by: normalize::status_changed_by(&api),
        }))
    }

    fn replays_forgotten_links(&self) -> bool {
        true
    }
}

impl MovideskExecutor {
    pub(super) async fn sync(&self, ctx: &Ctx<'_>, side: Side, ticket_id: &str) -> Executed {
        let reader = Reader {
            client: self.client(ctx, side)?,
        };
        sync_ticket(ctx, &reader, side, ticket_id).await
    }
}
