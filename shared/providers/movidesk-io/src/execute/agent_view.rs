//! What agents see of a link inside Movidesk: the counterpart's provider,
//! number and URL in a custom field and/or an internal action, beside
//! Ponte's marker tag. Each option costs nothing when off, and nothing
//! beyond the marker's own read and PATCH when on (decision 74).

use ponte_core::desk_view::{CounterpartField, counterpart_text, provider_name};
use ponte_core::ids::{derive, quiet_echo, reference};
use ponte_core::link::marker;
use ponte_core::{Integration, Provider, Side};
use ponte_worker::effect::ECHO_WINDOW;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, html_escape};
use ponte_movidesk::model::{self, NewCustomFieldValue};

/// The ticket on the other side of a link, as this side shows it.
pub(super) struct Counterpart {
    provider: Provider,
    id: String,
    url: Option<String>,
}

impl Counterpart {
    /// `other_ticket` on the other side of `side`.
    pub(super) fn of(integration: &Integration, side: Side, other_ticket: &str) -> Counterpart {
        let other = integration.endpoint(side.other());
        Counterpart {
            provider: other.provider,
            id: other_ticket.to_string(),
            url: other.view.url_of(other_ticket),
        }
    }

    fn text(&self) -> String {
        counterpart_text(self.provider, &self.id, self.url.as_deref())
    }

    fn html(&self) -> String {
        let number = match &self.url {
            Some(url) => format!(
                "<a href=\"{}\">#{}</a>",
                html_escape(url),
                html_escape(&self.id)
            ),
            None => format!("#{}", html_escape(&self.id)),
        };
        format!(
            "<p><b>Integrated ticket</b>: {} {number}</p>",
            provider_name(self.provider)
        )
    }

    fn field_value(&self, field: &CounterpartField) -> NewCustomFieldValue {
        NewCustomFieldValue {
            custom_field_id: json!(field.id),
            custom_field_rule_id: Some(field.rule),
            line: 1,
            value: Some(self.text()),
            items: vec![],
        }
    }
}

/// A counterpart about to be created on `side` shows its source in the
/// create's own body: the field among its custom fields (`fields`), the
/// note as a line of its opening action (`opening`): no call of its own.
pub(super) fn on_new_ticket(
    integration: &Integration,
    side: Side,
    source_ticket: &str,
    fields: &mut Vec<NewCustomFieldValue>,
    opening: Option<&mut String>,
) {
    let view = &integration.endpoint(side).view;
    if !view.writes_on_link() {
        return;
    }
    let source = Counterpart::of(integration, side, source_ticket);
    if let Some(field) = &view.counterpart_field {
        let id = json!(field.id);
        fields.retain(|v| v.custom_field_id != id);
        fields.push(source.field_value(field));
    }
    if view.counterpart_note
        && let Some(opening) = opening
    {
        opening.push_str(&source.html());
    }
}

/// The ticket's whole custom-field list without field `id` (a removed
/// link's counterpart field); `None` when the ticket does not have it.
pub(super) fn without_field(
    current: &[model::CustomFieldValue],
    id: i64,
) -> Option<Vec<NewCustomFieldValue>> {
    let id = id.to_string();
    if !current.iter().any(|c| c.custom_field_id == id) {
        return None;
    }
    let gone = NewCustomFieldValue::id_value(&id);
    Some(
        super::action::merge_fields(current, vec![])
            .values
            .into_iter()
            .filter(|v| v.custom_field_id != gone)
            .collect(),
    )
}

/// What a linked ticket needs beyond what it holds: the marker tag, the
/// counterpart field, the counterpart note. `None` when it has it all.
fn linked_patch(
    integration: &Integration,
    side: Side,
    current: &model::Ticket,
    counterpart: &Counterpart,
    author: Option<&str>,
) -> Option<serde_json::Value> {
    let view = &integration.endpoint(side).view;
    let mut patch = serde_json::Map::new();
    let tag = marker(&integration.id, &counterpart.id);
    if !current.tags.iter().any(|t| t == &tag) {
        let mut tags = current.tags.clone();
        tags.push(tag);
        patch.insert("tags".into(), json!(tags));
    }
    if let Some(field) = &view.counterpart_field {
        let merged = super::action::merge_fields(
            &current.custom_field_values,
            vec![counterpart.field_value(field)],
        );
        // PATCH replaces the whole list: the ticket's other fields go too.
        if merged.changed {
            patch.insert(
                "customFieldValues".into(),
                serde_json::to_value(merged.values).unwrap_or_default(),
            );
        }
    }
    if view.counterpart_note
        && let Some(author) = author
    {
        let reference = reference(&derive(&[
            "counterpart-note",
            &integration.id,
            side.as_str(),
            &current.id,
            &counterpart.id,
        ]));
        let written = current
            .actions
            .iter()
            .any(|a| super::action::carries(a, &reference));
        if !written {
            patch.insert(
                "actions".into(),
                json!([{
                    "type": 1,
                    "description": format!(
                        "{}<p><small>via Ponte · {reference}</small></p>",
                        counterpart.html()
                    ),
                    "createdBy": {"id": author},
                }]),
            );
        }
    }
    (!patch.is_empty()).then_some(serde_json::Value::Object(patch))
}

impl MovideskExecutor {
    /// Marks a linked ticket with its counterpart (`other_ticket`): Ponte's
    /// marker tag, and where configured the counterpart field and note, in
    /// one read and at most one PATCH.
    /// `mark_linked` for a pair whose counterpart another provider's
    /// worker created; nothing when the link was removed meanwhile (its
    /// tombstone keeps the ticket unmarked).
    pub(super) async fn mark_linked_source(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        ticket_id: &str,
        counterpart: &str,
    ) -> Result<Outcome, ExecError> {
        if ctx.links().removed_link(link_id).await?.is_some() {
            return Ok(Outcome {
                result: json!({"ticket": ticket_id, "marked": false, "why": "link removed"}),
                ..Outcome::default()
            });
        }
        self.mark_linked(ctx, side, ticket_id, counterpart).await?;
        Ok(Outcome {
            result: json!({"ticket": ticket_id, "marked": true, "counterpart": counterpart}),
            ..Outcome::default()
        })
    }

    pub(super) async fn mark_linked(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket_id: &str,
        other_ticket: &str,
    ) -> Result<(), ExecError> {
        let client = self.client(ctx, side)?;
        let Some(current) = client.ticket(ticket_id).await? else {
            return Ok(());
        };
        let counterpart = Counterpart::of(ctx.integration, side, other_ticket);
        let author = ctx.integration.agent(side).filter(|a| !a.is_empty());
        if let Some(patch) = linked_patch(ctx.integration, side, &current, &counterpart, author) {
            // A PATCH without Ponte's referenced note comes back as a
            // webhook without actions, which names no author: the mark,
            // set first, lets the router take it as Ponte's instead of a
            // re-read (decision 114).
            if patch.get("actions").is_none()
                && let Some(status) = current.status.as_deref()
            {
                ctx.seen()
                    .mark_echo(
                        &quiet_echo(&ctx.integration.id, side.as_str(), ticket_id, status),
                        ECHO_WINDOW,
                    )
                    .await?;
            }
            client.patch_ticket(ticket_id, &patch).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::desk_view::DeskView;

    fn integration(view: DeskView) -> Integration {
        let endpoint = |url: &str| {
            serde_json::json!({
                "provider": "movidesk",
                "base_url": "http://127.0.0.1:1/movidesk/public/v1",
                "credentials": {"token": "t"},
                "inbound_secret": "0123456789abcdef0123",
                "ticket_url": url,
            })
        };
        let mut i: Integration = serde_json::from_value(serde_json::json!({
            "id": "mm",
            "generator_agent": "gen",
            "source_agent": "ag",
            "source": endpoint("https://a.example/Ticket/Edit/{id}"),
            "target": endpoint("https://b.example/Ticket/Edit/{id}"),
        }))
        .expect("integration");
        let url = i.source.view.ticket_url.clone();
        i.source.view = DeskView {
            ticket_url: url,
            ..view
        };
        i
    }

    fn ticket(tags: &[&str]) -> model::Ticket {
        serde_json::from_value(serde_json::json!({
            "id": 12,
            "tags": tags,
            "customFieldValues": [
                {"customFieldId": 5, "customFieldRuleId": 9, "line": 1, "value": "keep me"}
            ],
        }))
        .expect("ticket")
    }

    #[test]
    fn with_the_options_off_only_a_missing_marker_is_written() {
        let i = integration(DeskView::default());
        let other = Counterpart::of(&i, Side::Source, "70");
        let patch = linked_patch(&i, Side::Source, &ticket(&[]), &other, Some("ag"));
        assert_eq!(patch, Some(json!({"tags": ["ponte-mm-70"]})));
        let marked = ticket(&["ponte-mm-70"]);
        assert_eq!(
            linked_patch(&i, Side::Source, &marked, &other, Some("ag")),
            None
        );
    }

    #[test]
    fn the_field_and_note_travel_with_the_marker_in_one_patch() {
        let i = integration(DeskView {
            counterpart_field: Some(CounterpartField { id: 77, rule: 3 }),
            counterpart_note: true,
            ..DeskView::default()
        });
        let other = Counterpart::of(&i, Side::Source, "70");
        let patch =
            linked_patch(&i, Side::Source, &ticket(&[]), &other, Some("ag")).expect("a patch");
        assert_eq!(patch["tags"], json!(["ponte-mm-70"]));
        let fields = patch["customFieldValues"].as_array().expect("fields");
        assert_eq!(fields.len(), 2, "the ticket's other field is sent back too");
        assert_eq!(fields[0]["value"], "keep me");
        assert_eq!(fields[1]["customFieldId"], 77);
        assert_eq!(fields[1]["customFieldRuleId"], 3);
        assert_eq!(
            fields[1]["value"],
            "Movidesk #70 — https://b.example/Ticket/Edit/70"
        );
        let note = &patch["actions"][0];
        assert_eq!(note["type"], 1);
        assert_eq!(note["createdBy"]["id"], "ag");
        let html = note["description"].as_str().unwrap_or_default();
        assert!(html.contains("<a href=\"https://b.example/Ticket/Edit/70\">#70</a>"));
        assert!(html.contains("ponte ref "));
    }

    #[test]
    fn a_removed_links_field_goes_and_the_others_stay() {
        let mut t = ticket(&[]);
        assert_eq!(without_field(&t.custom_field_values, 77), None);
        t.custom_field_values.push(
            serde_json::from_value(json!({"customFieldId": 77, "customFieldRuleId": 3, "line": 1, "value": "Movidesk #70"}))
                .expect("field"),
        );
        let kept = without_field(&t.custom_field_values, 77).expect("the field is there");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].value.as_deref(), Some("keep me"));
    }

    #[test]
    fn a_new_counterpart_carries_its_source_in_its_own_body() {
        let mut i = integration(DeskView::default());
        i.target.view.counterpart_field = Some(CounterpartField { id: 77, rule: 3 });
        i.target.view.counterpart_note = true;
        let mut fields = Vec::new();
        let mut opening = "<p>hello</p>".to_string();
        on_new_ticket(&i, Side::Target, "12", &mut fields, Some(&mut opening));
        assert_eq!(
            fields[0].value.as_deref(),
            Some("Movidesk #12 — https://a.example/Ticket/Edit/12")
        );
        assert!(opening.starts_with("<p>hello</p>"));
        assert!(opening.contains("<a href=\"https://a.example/Ticket/Edit/12\">#12</a>"));
    }
}
