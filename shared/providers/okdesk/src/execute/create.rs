//! Creating the Okdesk counterpart of a source ticket (a Blip conversation,
//! another desk's ticket). Okdesk has no tags, so Ponte's link marker
//! (`ponte-<integration>-<source ticket>`) goes into the description: it
//! shows a person the link, lets an earlier try's issue be found again
//! after a crash (`GET /issues/list`), and reads back as the issue's tag
//! when its webhooks come in.

use chrono::Utc;
use ponte_core::link::marker;
use ponte_core::{
    CanonicalEvent, Change, Integration, Link, LinkOrigin, Person, Provider, Side, Ticket,
    TicketRef,
};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, Emitted, ExecError, Outcome};
use serde_json::json;

use super::format::{cut, html_escape, html_lines, int_id};
use super::{OkdeskExecutor, history, unmapped};
use crate::model::{Contact, NewIssue};

const TITLE_MAX: usize = 250;

impl OkdeskExecutor {
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
        let client = self.client(ctx, side)?;
        let tag = marker(&integration.id, &source.ticket_id);
        let contact = self.resolve_contact(ctx, &client, ticket).await?;
        // An earlier try may have created the issue and died before
        // recording it: look for its marker before creating another.
        let existing = if ctx.resumed {
            match client
                .issues_mentioning(&tag, contact.as_ref().map(|c| c.id.as_str()))
                .await?
            {
                Some(ids) => ids.into_iter().next(),
                None => {
                    tracing::warn!(
                        "this Okdesk does not list issues; cannot check for one an earlier try may have created"
                    );
                    None
                }
            }
        } else {
            None
        };
        let created = match existing {
            Some(id) => {
                tracing::warn!(issue = %id, "found the counterpart an earlier try created; not creating another");
                id
            }
            None => {
                let body = new_issue(integration, ticket, source, contact.as_ref(), &tag)?;
                client.create_issue(&body).await?
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
        let kind = match how {
            LinkOrigin::Automatic => HistoryKind::CreatedAutomatically,
            LinkOrigin::Manual => HistoryKind::CreatedManually,
            LinkOrigin::Associated => HistoryKind::Associated,
        };
        let detail = format!(
            "Okdesk issue #{created} created on the {} side for #{} (first action as description, contact {})",
            side.as_str(),
            source.ticket_id,
            contact
                .as_ref()
                .map_or_else(|| "none".to_string(), |c| format!("#{}", c.id)),
        );
        let at = TicketRef {
            integration: integration.id.clone(),
            side,
            provider: Provider::Okdesk,
            ticket_id: created.clone(),
        };
        let event = Emitted {
            id: ponte_core::ids::derive(&["counterpart", &link.id, &created]),
            occurred_at: Utc::now(),
            event: CanonicalEvent {
                ticket: at,
                change: Change::CounterpartCreated {
                    link_id: link.id.clone(),
                    ticket: Box::new(Ticket {
                        id: created.clone(),
                        client: contact.as_ref().map(|c| Person {
                            id: Some(c.id.clone()),
                            name: Some(c.display_name()),
                            ..Person::default()
                        }),
                        tags: vec![tag],
                        ..Ticket::default()
                    }),
                },
            },
        };
        Ok(Outcome {
            result: json!({"target_ticket": created, "link": link.id}),
            history: vec![(link.id.clone(), history(ctx, kind, detail))],
            events: vec![event],
            ..Outcome::default()
        })
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
        .or_else(|| ticket.client.as_ref().and_then(|c| c.name.clone()))
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
