//! Creating the counterpart of a source ticket.

use ponte_core::correlation::MappedField;
use ponte_core::ids::reference;
use ponte_core::{Integration, LinkOrigin, Provider, Side, Ticket, TicketRef};
use ponte_worker::effect::{CounterpartDesk, Created, Pair, create_counterpart};
use ponte_worker::{Ctx, ExecError, Outcome};

use super::{MovideskExecutor, html_escape, unmapped};
use crate::model::{CustomFieldItem, NewAction, NewCustomFieldValue, NewTicket, Ref};
use crate::normalize;

/// Movidesk's part of creating a counterpart.
struct Desk<'a> {
    exec: &'a MovideskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
    source: &'a TicketRef,
    ticket: &'a Ticket,
    how: LinkOrigin,
}

impl CounterpartDesk for Desk<'_> {
    fn provider(&self) -> Provider {
        Provider::Movidesk
    }

    async fn find_by_marker(&self, marker: &str) -> Result<Option<Vec<String>>, ExecError> {
        let target = self.exec.client(self.ctx, self.side)?;
        Ok(Some(target.tickets_tagged(marker).await?))
    }

    async fn create(&self, tag: &str) -> Result<Created, ExecError> {
        let target = self.exec.client(self.ctx, self.side)?;
        let client_id = self
            .exec
            .resolve_client(self.ctx, self.side, self.ticket)
            .await?;
        let mut body = new_ticket(
            self.ctx.integration,
            self.ticket,
            self.source,
            client_id,
            tag.to_string(),
            self.how,
            &reference(self.ctx.command_id),
        )?;
        super::agent_view::on_new_ticket(
            self.ctx.integration,
            self.side,
            &self.source.ticket_id,
            &mut body.custom_field_values,
            body.actions.first_mut().map(|a| &mut a.description),
        );
        let (id, as_created) = target.create_ticket(&body).await?;
        Ok(Created {
            id,
            as_created: as_created.as_ref().map(normalize::ticket),
        })
    }

    async fn read(&self, id: &str) -> Result<Option<Ticket>, ExecError> {
        let target = self.exec.client(self.ctx, self.side)?;
        Ok(target.ticket(id).await?.as_ref().map(normalize::ticket))
    }

    async fn mark_source(&self, counterpart: &str) -> Result<(), ExecError> {
        // Another provider's worker writes its own side.
        if self.source.provider != Provider::Movidesk {
            return Ok(());
        }
        self.exec
            .mark_linked(
                self.ctx,
                self.source.side,
                &self.source.ticket_id,
                counterpart,
            )
            .await
    }

    fn search_lag(&self) -> std::time::Duration {
        self.exec.search_lag()
    }

    fn describe(&self, id: &str, created: bool) -> String {
        format!(
            "ticket #{id} {} on the {} side for #{} ({} link; type, first action, category, urgency, responsible and custom fields per correlation)",
            if created {
                "created"
            } else {
                "created (found by its marker after a lost answer)"
            },
            self.side.as_str(),
            self.source.ticket_id,
            match self.how {
                LinkOrigin::Automatic => "automatic",
                LinkOrigin::Manual => "manual",
                LinkOrigin::Associated => "associated",
            }
        )
    }
}

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
        let desk = Desk {
            exec: self,
            ctx,
            side,
            source,
            ticket,
            how,
        };
        let pair = Pair {
            side,
            link_id,
            source,
            how,
        };
        create_counterpart(ctx, &desk, pair).await
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
    reference: &str,
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
        .and_then(|a| {
            let p = &a.author;
            p.name.clone().or(p.email.clone()).or(p.phone.clone())
        })
        .unwrap_or_else(|| "?".into());
    let body_html = first
        .map(|a| {
            a.html
                .clone()
                .unwrap_or_else(|| format!("<p>{}</p>", html_escape(&a.text).replace('\n', "<br>")))
        })
        .unwrap_or_default();
    // The reference lets the router know the creation's own webhook for
    // Ponte's write (no re-read; `webhook::written_by`).
    let description = format!(
        "{body_html}<p><small>— {}, ticket #{} ({}) via Ponte · {reference}</small></p>",
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
