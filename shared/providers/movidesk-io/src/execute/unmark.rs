//! Movidesk's part of taking Ponte's marker off a removed link's ticket.

use std::sync::Mutex;

use ponte_core::Side;
use ponte_worker::effect::{Marked, TagDesk, remove_marker};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::MovideskExecutor;
use ponte_movidesk::model::CustomFieldValue;

struct Tags<'a> {
    exec: &'a MovideskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
    /// The ticket's custom fields as `tags` read them: the counterpart
    /// field, when configured, is cleared in the same PATCH as the marker.
    fields: Mutex<Vec<CustomFieldValue>>,
}

impl TagDesk for Tags<'_> {
    async fn tags(&self, ticket_id: &str) -> Result<Option<Vec<String>>, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        let Some(ticket) = client.ticket(ticket_id).await? else {
            return Ok(None);
        };
        if let Ok(mut fields) = self.fields.lock() {
            *fields = ticket.custom_field_values;
        }
        Ok(Some(ticket.tags))
    }

    async fn set_tags(&self, ticket_id: &str, tags: &[String]) -> Result<(), ExecError> {
        // PATCH replaces the whole list.
        let mut patch = json!({ "tags": tags });
        let view = &self.ctx.integration.endpoint(self.side).view;
        if let Some(field) = &view.counterpart_field
            && let Ok(fields) = self.fields.lock()
            && let Some(kept) = super::agent_view::without_field(&fields, field.id)
        {
            patch["customFieldValues"] = serde_json::to_value(kept).unwrap_or_default();
        }
        let client = self.exec.client(self.ctx, self.side)?;
        client.patch_ticket(ticket_id, &patch).await
    }
}

impl MovideskExecutor {
    pub(super) async fn unmark(
        &self,
        ctx: &Ctx<'_>,
        marked: Marked<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Tags {
            exec: self,
            ctx,
            side: marked.side,
            fields: Mutex::new(Vec::new()),
        };
        remove_marker(ctx, &desk, marked).await
    }
}
