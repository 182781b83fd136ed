//! Re-reading a ticket an Octadesk webhook named (the sequence is
//! [`ponte_worker::effect::sync_ticket`]): the ticket and its interactions.

use ponte_core::{Provider, Side};
use ponte_worker::effect::{Current, SyncDesk, sync_ticket};
use ponte_worker::{Ctx, ExecError, Executed};

use super::OctadeskExecutor;
use crate::client::Client;
use ponte_octadesk::normalize;
use ponte_octadesk::webhook::room_of;

struct Reader<'a> {
    client: Client<'a>,
}

impl SyncDesk for Reader<'_> {
    fn provider(&self) -> Provider {
        Provider::Octadesk
    }

    fn name(&self, id: &str) -> String {
        format!("Octadesk ticket #{id}")
    }

    async fn read(&self, id: &str) -> Result<Option<Current>, ExecError> {
        let Some(api) = self.client.ticket(id).await? else {
            return Ok(None);
        };
        let interactions = self.client.interactions(&api.number).await?;
        Ok(Some(Current {
            ticket: normalize::ticket(&api, &interactions),
            status_by: None,
        }))
    }
}

impl OctadeskExecutor {
    pub(super) async fn sync(&self, ctx: &Ctx<'_>, side: Side, ticket_id: &str) -> Executed {
        if room_of(ticket_id).is_some() {
            return Err(ExecError::permanent(
                "conversation events say what happened; there is nothing to re-read",
            ));
        }
        let reader = Reader {
            client: self.client(ctx, side)?,
        };
        sync_ticket(ctx, &reader, side, ticket_id).await
    }
}
