//! Creating the Okdesk counterpart of a source ticket (a Blip conversation,
//! another desk's ticket). Okdesk has no tags, so Ponte's link marker
//! (`ponte-<integration>-<source ticket>`) goes into the description: it
//! shows a person the link, lets an earlier try's issue be found again
//! after a crash (`GET /issues/list`), and reads back as the issue's tag
//! when its webhooks come in.

use ponte_core::link::marker;
use ponte_core::{Integration, Person, Provider, Side, Ticket, TicketRef};
use ponte_worker::effect::{CounterpartDesk, Created, Pair, create_counterpart};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::format::{cut, html_escape, html_lines, int_id};
use super::{OkdeskExecutor, unmapped};
use crate::client::Client;
use ponte_okdesk::model::{Contact, NewIssue};

const TITLE_MAX: usize = 250;

/// Okdesk's part of creating a counterpart. Okdesk's webhooks carry the
/// change itself, so no snapshot is kept (`read` answers `None`).
struct Desk<'a> {
    ctx: &'a Ctx<'a>,
    client: Client<'a>,
    side: Side,
    source: &'a TicketRef,
    ticket: &'a Ticket,
    contact: Option<Contact>,
}

impl CounterpartDesk for Desk<'_> {
    fn provider(&self) -> Provider {
        Provider::Okdesk
    }

    async fn find_by_marker(&self, marker: &str) -> Result<Option<Vec<String>>, ExecError> {
        self.client
            .issues_mentioning(marker, self.contact.as_ref().map(|c| c.id.as_str()))
            .await
    }

    async fn create(&self, tag: &str) -> Result<Created, ExecError> {
        let body = new_issue(
            self.ctx.integration,
            self.ticket,
            self.source,
            self.contact.as_ref(),
            tag,
        )?;
        Ok(Created {
            id: self.client.create_issue(&body).await?,
            as_created: None,
        })
    }

    async fn read(&self, _id: &str) -> Result<Option<Ticket>, ExecError> {
        Ok(None)
    }

    async fn mark_source(&self, _counterpart: &str) -> Result<(), ExecError> {
        // The marker is in the issue's description; the source's own
        // worker writes its side.
        Ok(())
    }

    fn describe(&self, id: &str, created: bool) -> String {
        format!(
            "Okdesk issue #{id} {} on the {} side for #{} (first action as description, contact {})",
            if created {
                "created"
            } else {
                "created (found by its marker after a lost answer)"
            },
            self.side.as_str(),
            self.source.ticket_id,
            self.contact
                .as_ref()
                .map_or_else(|| "none".to_string(), |c| format!("#{}", c.id)),
        )
    }

    fn announce(&self, id: &str, _baseline: Option<&Ticket>) -> Ticket {
        Ticket {
            id: id.to_string(),
            clients: self
                .contact
                .iter()
                .map(|c| Person {
                    id: Some(c.id.clone()),
                    name: Some(c.display_name()),
                    ..Person::default()
                })
                .collect(),
            tags: vec![marker(&self.ctx.integration.id, &self.source.ticket_id)],
            ..Ticket::default()
        }
    }
}

impl OkdeskExecutor {
    pub(super) async fn create(
        &self,
        ctx: &Ctx<'_>,
        pair: Pair<'_>,
        ticket: &Ticket,
    ) -> Result<Outcome, ExecError> {
        let (side, source) = (pair.side, pair.source);
        if let Some(existing) = ctx
            .links()
            .link_of(&ctx.integration.id, source.side, &source.ticket_id)
            .await?
        {
            tracing::info!(link = %existing.id, "already linked; nothing to create");
            return Ok(Outcome {
                result: json!({"target_ticket": existing.target_ticket, "link": existing.id, "already": true}),
                ..Outcome::default()
            });
        }
        let client = self.client(ctx, side)?;
        let contact = self.resolve_contact(ctx, &client, ticket).await?;
        let desk = Desk {
            ctx,
            client,
            side,
            source,
            ticket,
            contact,
        };
        create_counterpart(ctx, &desk, pair).await
    }
}

/// The issue: the source's subject, its first action as the description
/// with who wrote it and where it comes from, the marker; the responsible,
/// type and priority per the correlation where one is configured.
fn new_issue(
    integration: &Integration,
    ticket: &Ticket,
    source: &TicketRef,
    contact: Option<&Contact>,
    tag: &str,
) -> Result<NewIssue, ExecError> {
    let corr = &integration.correlation;
    let first = ticket.first_action();
    let author = first
        .and_then(|a| a.author.name.clone().or(a.author.email.clone()))
        .or_else(|| ticket.client().and_then(|c| c.name.clone()))
        .unwrap_or_else(|| "?".into());
    let body = first
        .map(|a| a.html.clone().unwrap_or_else(|| html_lines(&a.text)))
        .unwrap_or_default();
    let description = format!(
        "{body}<br><br><small>— {}, {} #{} ({}) via Ponte · {tag}</small>",
        html_escape(&author),
        source.provider,
        source.ticket_id,
        html_escape(&integration.name),
    );
    let owner = ticket.owner.as_ref().and_then(|o| o.id.as_deref());
    let assignee_id = corr
        .agent(owner)
        .map_err(unmapped)?
        .map(|a| int_id(&a.id, "correlation agent"))
        .transpose()?;
    // Type and priority cross only where a table (or default) says how:
    // another desk's names mean nothing to Okdesk.
    let type_code = match &ticket.category {
        Some(c) if !corr.category.is_empty() || corr.defaults.category.is_some() => {
            Some(corr.category(c).map_err(unmapped)?)
        }
        _ => corr.defaults.category.clone(),
    };
    let priority = match &ticket.urgency {
        Some(u) if !corr.urgency.is_empty() || corr.defaults.urgency.is_some() => {
            Some(corr.urgency(u).map_err(unmapped)?)
        }
        _ => corr.defaults.urgency.clone(),
    };
    let subject = if ticket.subject.trim().is_empty() {
        format!("{} #{}", source.provider, source.ticket_id)
    } else {
        ticket.subject.clone()
    };
    Ok(NewIssue {
        title: cut(&subject, TITLE_MAX),
        description,
        contact_id: contact.map(|c| int_id(&c.id, "contact id")).transpose()?,
        company_id: contact
            .and_then(|c| c.company())
            .map(|c| int_id(c, "company id"))
            .transpose()?,
        assignee_id,
        type_code,
        priority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Action, Visibility};

    #[test]
    fn the_issue_carries_the_first_action_and_the_marker() {
        let integration: Integration = serde_json::from_value(json!({
            "id": "blip-ok", "name": "Blip → Okdesk",
            "source": {"provider": "blip", "base_url": "http://x"},
            "target": {"provider": "okdesk", "base_url": "http://y"},
        }))
        .expect("integration");
        let ticket = Ticket {
            id: "42".into(),
            subject: "Printer".into(),
            category: Some("Suporte".into()),
            actions: vec![Action {
                id: "1".into(),
                visibility: Visibility::Public,
                text: "It <jams>".into(),
                html: None,
                author: Person {
                    name: Some("Ana".into()),
                    ..Person::default()
                },
                created_at: None,
                attachments: vec![],
            }],
            ..Ticket::default()
        };
        let source = TicketRef {
            integration: "blip-ok".into(),
            side: Side::Source,
            provider: Provider::Blip,
            ticket_id: "42".into(),
        };
        let issue =
            new_issue(&integration, &ticket, &source, None, "ponte-blip-ok-42").expect("issue");
        assert_eq!(issue.title, "Printer");
        assert!(issue.description.starts_with("It &lt;jams&gt;"));
        assert!(issue.description.contains("ponte-blip-ok-42"));
        assert!(issue.description.contains("Ana") && issue.description.contains("blip #42"));
        assert_eq!(issue.type_code, None, "no category table: no type");
    }
}
