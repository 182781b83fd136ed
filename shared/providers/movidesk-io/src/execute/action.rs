//! Mirroring an action from the other side as an internal action.

use std::sync::Mutex;

use ponte_core::{Action, CustomField, Side, TicketRef, Visibility};
use ponte_store::{HistoryEntry, HistoryKind};
use ponte_worker::effect::{ActionDesk, Looks, Mirror, mirror_action};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, history, html_escape};
use crate::client::Client;
use ponte_movidesk::model::{self, NewCustomFieldValue};
use ponte_telemetry::catalog;

/// Movidesk's part of mirroring an action: an action on the ticket, with
/// the custom fields the correlation maps in the same PATCH. A write that
/// needs the ticket (its fields to merge, its client) reads it anyway, so
/// the reference is looked for at no extra call; any other write is one
/// call of ten a minute, and looks only when Redis cannot prove a first try.
struct Actions<'a> {
    exec: &'a MovideskExecutor,
    ctx: &'a Ctx<'a>,
    client: Client<'a>,
    /// The source ticket's custom fields the action carries.
    fields: &'a [CustomField],
    /// The ticket as `find` read it.
    current: Mutex<Option<model::Ticket>>,
}

impl ActionDesk for Actions<'_> {
    fn name(&self, ticket_id: &str) -> String {
        format!("#{ticket_id}")
    }

    fn written_as(&self, from_customer: bool) -> &'static str {
        if from_customer {
            "public action from the customer"
        } else {
            "internal action"
        }
    }

    fn looks(&self, m: &Mirror<'_>) -> Looks {
        if m.from_customer || (m.side == Side::Source && !self.fields.is_empty()) {
            Looks::Always
        } else {
            Looks::UnlessProvenFirst
        }
    }

    async fn find(&self, m: &Mirror<'_>, reference: &str) -> Result<Option<bool>, ExecError> {
        let current = self.client.ticket(m.ticket_id).await?;
        let found = current
            .as_ref()
            .is_some_and(|t| t.actions.iter().any(|a| carries(a, reference)));
        if let Ok(mut kept) = self.current.lock() {
            *kept = current;
        }
        Ok(Some(found))
    }

    async fn write(&self, m: &Mirror<'_>, reference: &str) -> Result<Vec<HistoryEntry>, ExecError> {
        let (ctx, side, ticket_id, action) = (self.ctx, m.side, m.ticket_id, m.action);
        let integration = ctx.integration;
        let agent = integration.agent(side).ok_or_else(|| {
            ExecError::permanent(format!(
                "no agent configured to write actions on the {} side (set {})",
                side.as_str(),
                if side == Side::Source {
                    "source_agent"
                } else {
                    "generator_agent"
                }
            ))
        })?;
        let current = self.current.lock().ok().and_then(|mut c| c.take());
        // Only what the correlation maps crosses back, and only from the
        // integrated side. A value the table cannot map drops that field
        // only (history line and metric): the action and the other fields
        // still cross.
        let (mapped, unmapped) = if side == Side::Source && !self.fields.is_empty() {
            integration
                .correlation
                .custom_fields_lenient(Side::Target, self.fields)
        } else {
            (vec![], vec![])
        };
        // Persons and clients the fields name are found (or created) here,
        // only for an action still to write; a field whose person cannot be
        // had is dropped like an unmapped one.
        let written = self.exec.field_values(ctx, side, mapped).await?;
        let dropped: Vec<HistoryEntry> = unmapped
            .into_iter()
            .map(|(field, why)| (field, why.to_string()))
            .chain(written.dropped)
            .map(|(field, why)| {
                tracing::warn!(field = %field, "custom field not mirrored: {why}");
                catalog::CUSTOM_FIELDS_DROPPED.inc(&["movidesk"]);
                history(
                    ctx,
                    HistoryKind::Dropped,
                    format!(
                        "custom field {field} not mirrored with action {}: {why}",
                        action.id
                    ),
                )
            })
            .collect();

        // A channel customer's message is theirs: public, from the ticket's
        // client. Anything else arrives as an internal action by Ponte's agent.
        let (kind, author, description) = if m.from_customer {
            let client = current
                .as_ref()
                .and_then(|t| t.clients.first())
                .and_then(|c| c.id.clone())
                .ok_or_else(|| {
                    ExecError::permanent(format!(
                        "ticket #{ticket_id} has no client to write the customer's message as"
                    ))
                })?;
            (2, client, customer_message(action, reference))
        } else {
            (1, agent.to_string(), describe(action, m.origin, reference))
        };
        let mut patch = json!({
            "actions": [{
                "type": kind,
                "description": description,
                "createdBy": {"id": author},
            }]
        });
        if let Some(t) = &current
            && !written.values.is_empty()
        {
            let merged = merge_fields(&t.custom_field_values, written.values);
            if merged.changed {
                patch["customFieldValues"] =
                    serde_json::to_value(merged.values).unwrap_or_default();
            }
        }
        self.client.patch_ticket(ticket_id, &patch).await?;
        Ok(dropped)
    }
}

impl MovideskExecutor {
    pub(super) async fn mirror(
        &self,
        ctx: &Ctx<'_>,
        mirror: Mirror<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Actions {
            exec: self,
            ctx,
            client: self.client(ctx, mirror.side)?,
            fields: mirror.fields,
            current: Mutex::new(None),
        };
        mirror_action(ctx, &desk, mirror).await
    }
}

/// A customer's message as the desk shows it: the text and any media,
/// with Ponte's reference.
fn customer_message(action: &Action, reference: &str) -> String {
    let mut out = format!("<p>{}</p>", html_escape(&action.text).replace('\n', "<br>"));
    for f in &action.attachments {
        if let Some(url) = &f.url {
            out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                html_escape(url),
                html_escape(&f.name)
            ));
        }
    }
    out.push_str(&format!("<p><small>{reference}</small></p>"));
    out
}

pub(super) fn carries(a: &model::Action, reference: &str) -> bool {
    a.description
        .as_deref()
        .is_some_and(|d| d.contains(reference))
        || a.html_description
            .as_deref()
            .is_some_and(|d| d.contains(reference))
}

/// The action as it reads on the receiving side: who wrote it, where, and
/// whether the customer saw it, then its text and attachments.
fn describe(action: &Action, origin: &TicketRef, reference: &str) -> String {
    let author = action
        .author
        .name
        .as_deref()
        .or(action.author.email.as_deref())
        .or(action.author.id.as_deref())
        .unwrap_or("?");
    let kind = match action.visibility {
        Visibility::Public => "public",
        Visibility::Internal => "internal",
    };
    let body = action
        .html
        .clone()
        .unwrap_or_else(|| format!("<p>{}</p>", html_escape(&action.text).replace('\n', "<br>")));
    let mut out = format!(
        "<p><b>{}</b> ({kind} action on the integrated ticket #{}):</p>{body}",
        html_escape(author),
        origin.ticket_id
    );
    if !action.attachments.is_empty() {
        out.push_str("<p>Attachments:</p><ul>");
        for f in &action.attachments {
            match &f.url {
                Some(url) => out.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>",
                    html_escape(url),
                    html_escape(&f.name)
                )),
                None => out.push_str(&format!("<li>{}</li>", html_escape(&f.name))),
            }
        }
        out.push_str("</ul>");
    }
    out.push_str(&format!("<p><small>via Ponte · {reference}</small></p>"));
    out
}

pub(super) struct Merged {
    pub(super) values: Vec<NewCustomFieldValue>,
    pub(super) changed: bool,
}

/// The ticket's whole custom-field list with the mapped fields replaced or
/// added: Movidesk deletes the fields a PATCH leaves out.
pub(super) fn merge_fields(
    current: &[model::CustomFieldValue],
    incoming: Vec<NewCustomFieldValue>,
) -> Merged {
    let mut values: Vec<NewCustomFieldValue> = current
        .iter()
        .map(|c| NewCustomFieldValue {
            custom_field_id: NewCustomFieldValue::id_value(&c.custom_field_id),
            custom_field_rule_id: c.custom_field_rule_id,
            line: c.line.unwrap_or(1),
            value: c.value.clone(),
            items: c.items.clone(),
        })
        .collect();
    let mut changed = false;
    for mut new in incoming {
        match values
            .iter_mut()
            .find(|v| v.custom_field_id == new.custom_field_id)
        {
            Some(existing) => {
                let same = existing.value == new.value && existing.items == new.items;
                // A file field takes files only: the link text its own file
                // became on the other side must not replace the file.
                let holds_file =
                    |v: &NewCustomFieldValue| v.items.iter().any(|i| i.storage_file_guid.is_some());
                if holds_file(existing) && !holds_file(&new) {
                    continue;
                }
                if !same {
                    new.custom_field_rule_id =
                        new.custom_field_rule_id.or(existing.custom_field_rule_id);
                    *existing = new;
                    changed = true;
                }
            }
            None => {
                values.push(new);
                changed = true;
            }
        }
    }
    Merged { values, changed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Attachment, Person, Provider};

    #[test]
    fn the_mirrored_action_names_its_author_and_keeps_attachments() {
        let action = Action {
            id: "3".into(),
            visibility: Visibility::Public,
            text: "See <log>".into(),
            html: None,
            author: Person {
                name: Some("Bia".into()),
                ..Person::default()
            },
            created_at: None,
            attachments: vec![Attachment {
                name: "log.txt".into(),
                url: Some("https://files/x".into()),
            }],
        };
        let origin = TicketRef {
            integration: "mm".into(),
            side: Side::Target,
            provider: Provider::Movidesk,
            ticket_id: "9".into(),
        };
        let html = describe(&action, &origin, "ponte ref abc");
        assert!(html.contains("<b>Bia</b>") && html.contains("#9") && html.contains("public"));
        assert!(html.contains("See &lt;log&gt;"));
        assert!(html.contains("<a href=\"https://files/x\">log.txt</a>"));
        assert!(html.contains("ponte ref abc"));
    }

    #[test]
    fn a_file_field_is_never_overwritten_by_text() {
        let current = vec![model::CustomFieldValue {
            custom_field_id: "303".into(),
            custom_field_rule_id: Some(10),
            line: Some(1),
            value: None,
            items: vec![model::CustomFieldItem {
                storage_file_guid: Some("ab12".into()),
                file_name: Some("nota.pdf".into()),
                ..model::CustomFieldItem::default()
            }],
        }];
        let echo = NewCustomFieldValue {
            custom_field_id: json!(303),
            custom_field_rule_id: Some(10),
            line: 1,
            value: Some("nota.pdf: https://s3.amazonaws.com/movidesk-files/ab12".into()),
            items: vec![],
        };
        let merged = merge_fields(&current, vec![echo]);
        assert!(!merged.changed);
        assert_eq!(
            merged.values[0].items[0].storage_file_guid.as_deref(),
            Some("ab12")
        );
    }

    #[test]
    fn merging_keeps_other_fields_and_notices_no_change() {
        let current = vec![
            model::CustomFieldValue {
                custom_field_id: "1".into(),
                custom_field_rule_id: Some(5),
                line: Some(1),
                value: Some("a".into()),
                items: vec![],
            },
            model::CustomFieldValue {
                custom_field_id: "2".into(),
                custom_field_rule_id: Some(6),
                line: Some(1),
                value: Some("b".into()),
                items: vec![],
            },
        ];
        let same = NewCustomFieldValue {
            custom_field_id: json!(2),
            custom_field_rule_id: None,
            line: 1,
            value: Some("b".into()),
            items: vec![],
        };
        assert!(!merge_fields(&current, vec![same.clone()]).changed);
        let new = NewCustomFieldValue {
            value: Some("c".into()),
            ..same
        };
        let merged = merge_fields(&current, vec![new]);
        assert!(merged.changed);
        assert_eq!(merged.values.len(), 2);
        assert_eq!(merged.values[1].value.as_deref(), Some("c"));
        assert_eq!(
            merged.values[1].custom_field_rule_id,
            Some(6),
            "the rule id is kept"
        );
    }
}
