//! Creating the counterpart of a source ticket.

use chrono::Utc;
use ponte_core::correlation::MappedField;
use ponte_core::link::marker;
use ponte_core::{CanonicalEvent, Change, Integration, Link, LinkOrigin, Side, Ticket, TicketRef};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, Deferred, Emitted, ExecError, Outcome};
use serde_json::json;

use super::{MovideskExecutor, history, html_escape, unmapped};
use crate::model::{CustomFieldItem, NewAction, NewCustomFieldValue, NewTicket, Ref};
use crate::normalize;

impl MovideskExecutor {
    pub(super) async fn create(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        source: &TicketRef,
        ticket: &Ticket,
        how: LinkOrigin,
    ) -> Result<Outcome, ExecError> {
        let integration = ctx.integration;
        // Two events may both ask for the counterpart before it exists;
        // they run one after the other on the link's shard.
        if let Some(existing) = ctx
            .store
            .link_of(&integration.id, source.side, &source.ticket_id)
            .await?
        {
            tracing::info!(link = %existing.id, "already linked; nothing to create");
            return Ok(Outcome {
                result: json!({"target_ticket": existing.target_ticket, "link": existing.id, "already": true}),
                ..Outcome::default()
            });
        }
        let target = self.client(ctx, side)?;
        let tag = marker(&integration.id, &source.ticket_id);

        // An earlier try may have created the ticket and died before
        // recording it, or Redis may have forgotten the link and the intent:
        // look for it by its marker before creating another, always.
        let existing = target.tickets_tagged(&tag).await?.into_iter().next();
        let (created, as_created) = match existing {
            Some(id) => {
                tracing::warn!(ticket = %id, "found the counterpart an earlier try created; not creating another");
                (id, None)
            }
            None => {
                let client_id = self.resolve_client(ctx, side, ticket).await?;
                let body = new_ticket(integration, ticket, source, client_id, tag.clone(), how)?;
                target.create_ticket(&body).await?
            }
        };

        let link = Link {
            id: link_id.to_string(),
            integration: integration.id.clone(),
            source_ticket: source.ticket_id.clone(),
            target_ticket: created.clone(),
            origin: how,
            created_at: Utc::now(),
        };
        ctx.store.put_link(&link).await?;
        ctx.store
            .remove_eligible(&integration.id, &source.ticket_id)
            .await?;
        // The counterpart's number on the source ticket too, when Movidesk
        // holds it; another provider's worker writes its own side.
        if source.provider == ponte_core::Provider::Movidesk {
            self.tag(
                ctx,
                source.side,
                &source.ticket_id,
                &marker(&integration.id, &created),
            )
            .await?;
        }

        let kind = match how {
            LinkOrigin::Automatic => HistoryKind::CreatedAutomatically,
            LinkOrigin::Manual => HistoryKind::CreatedManually,
            LinkOrigin::Associated => HistoryKind::Associated,
        };
        let detail = format!(
            "ticket #{created} created on the {} side for #{} ({} link; type, first action, category, urgency, responsible and custom fields per correlation)",
            side.as_str(),
            source.ticket_id,
            match how {
                LinkOrigin::Automatic => "automatic",
                LinkOrigin::Manual => "manual",
                LinkOrigin::Associated => "associated",
            }
        );
        // The counterpart as created is its baseline: changes on it from
        // now on are news, even those made before its first webhook is read.
        let as_created_owner = as_created
            .as_ref()
            .and_then(|t| t.owner.as_ref())
            .and_then(|o| o.id.clone());
        let deferred = as_created
            .map(|t| {
                let at = TicketRef {
                    integration: integration.id.clone(),
                    side,
                    provider: ponte_core::Provider::Movidesk,
                    ticket_id: created.clone(),
                };
                Deferred::Snapshot {
                    ticket_key: at.key(),
                    value: serde_json::to_value(normalize::ticket(&t)).unwrap_or_default(),
                }
            })
            .into_iter()
            .collect();
        // Tell the router the counterpart exists (a channel source is then
        // told who attends).
        let counterpart = Ticket {
            id: created.clone(),
            owner: as_created_owner.map(|id| ponte_core::Person {
                id: Some(id),
                ..ponte_core::Person::default()
            }),
            ..Ticket::default()
        };
        let at = TicketRef {
            integration: integration.id.clone(),
            side,
            provider: ponte_core::Provider::Movidesk,
            ticket_id: created.clone(),
        };
        let event = Emitted {
            id: ponte_core::ids::derive(&["counterpart", &link.id, &created]),
            occurred_at: Utc::now(),
            event: CanonicalEvent {
                ticket: at,
                change: Change::CounterpartCreated {
                    link_id: link.id.clone(),
                    ticket: Box::new(counterpart),
                },
            },
        };
        Ok(Outcome {
            result: json!({"target_ticket": created, "link": link.id}),
            history: vec![(link.id.clone(), history(ctx, kind, detail))],
            deferred,
            events: vec![event],
        })
    }

    /// Adds `tag` to a ticket's tags (PATCH replaces the whole list).
    pub(super) async fn tag(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket_id: &str,
        tag: &str,
    ) -> Result<(), ExecError> {
        let client = self.client(ctx, side)?;
        if let Some(current) = client.ticket(ticket_id).await?
            && !current.tags.iter().any(|t| t == tag)
        {
            let mut tags = current.tags.clone();
            tags.push(tag.to_string());
            client
                .patch_ticket(ticket_id, &json!({"tags": tags}))
                .await?;
        }
        Ok(())
    }
}

pub(super) fn custom_values(mapped: Vec<MappedField>) -> Vec<NewCustomFieldValue> {
    mapped
        .into_iter()
        .map(|m| NewCustomFieldValue {
            custom_field_id: NewCustomFieldValue::id_value(&m.field.id),
            custom_field_rule_id: m.rule,
            line: 1,
            value: m.field.value,
            items: m
                .field
                .items
                .into_iter()
                .map(|i| CustomFieldItem {
                    custom_field_item: Some(i),
                    ..CustomFieldItem::default()
                })
                .collect(),
        })
        .collect()
}

/// The counterpart: same ticket type, first action mirrored with its type;
/// category, urgency, responsible and custom fields per the correlation
/// (they are sent only now, at opening).
fn new_ticket(
    integration: &Integration,
    ticket: &Ticket,
    source: &TicketRef,
    client: String,
    marker: String,
    how: LinkOrigin,
) -> Result<NewTicket, ExecError> {
    let corr = &integration.correlation;
    let generator = integration
        .generator_agent
        .clone()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| {
            ExecError::permanent("the integration has no generator_agent to create tickets as")
        })?;
    let owner_id = ticket.owner.as_ref().and_then(|o| o.id.as_deref());
    let responsible = corr.agent(owner_id).map_err(unmapped)?;
    // Automatic: always the generator agent. Manual: the agent correlation
    // of the ticket's owner, else the generator agent.
    let creator = match (how, &responsible) {
        (LinkOrigin::Manual, Some(r)) => r.id.clone(),
        _ => generator,
    };
    let first = ticket.first_action();
    let author = first
        .and_then(|a| a.author.name.clone().or(a.author.email.clone()))
        .unwrap_or_else(|| "?".into());
    let body_html = first
        .map(|a| {
            a.html
                .clone()
                .unwrap_or_else(|| format!("<p>{}</p>", html_escape(&a.text).replace('\n', "<br>")))
        })
        .unwrap_or_default();
    let description = format!(
        "{body_html}<p><small>— {}, ticket #{} ({}) via Ponte</small></p>",
        html_escape(&author),
        source.ticket_id,
        html_escape(&integration.name)
    );
    Ok(NewTicket {
        ticket_type: normalize::kind_of(ticket.visibility),
        subject: if ticket.subject.is_empty() {
            format!("Ticket #{}", source.ticket_id)
        } else {
            ticket.subject.clone()
        },
        created_by: Ref {
            id: creator.clone(),
        },
        clients: vec![Ref { id: client }],
        actions: vec![NewAction {
            action_type: normalize::kind_of(
                first.map(|a| a.visibility).unwrap_or(ticket.visibility),
            ),
            description,
            created_by: Ref { id: creator },
        }],
        tags: vec![marker],
        category: ticket
            .category
            .as_deref()
            .map(|c| corr.category(c))
            .transpose()
            .map_err(unmapped)?,
        urgency: ticket
            .urgency
            .as_deref()
            .map(|u| corr.urgency(u))
            .transpose()
            .map_err(unmapped)?,
        owner: responsible.as_ref().map(|r| Ref { id: r.id.clone() }),
        owner_team: responsible.and_then(|r| r.team),
        custom_field_values: custom_values(
            corr.custom_fields(Side::Source, &ticket.custom_fields)
                .map_err(unmapped)?,
        ),
    })
}
