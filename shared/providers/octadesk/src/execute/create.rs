//! Creating the counterpart of a source ticket (from a desk, a channel's
//! conversation, or a conversation of Octadesk's own): the requester found
//! or created by the integration's key, the organization when the
//! requester has one, the first action as the description, Ponte's marker
//! as a tag (and in the description) — found again by it after a crash.

use chrono::Utc;
use ponte_core::link::marker;
use ponte_core::{
    CanonicalEvent, Change, Integration, Link, LinkOrigin, Person, Provider, Side, Ticket,
    TicketRef,
};
use ponte_store::HistoryKind;
use ponte_worker::{Ctx, Deferred, Emitted, ExecError, Outcome};
use serde_json::{Value, json};

use super::requester::{self, Found};
use super::text::{body, cut, who};
use super::{OctadeskExecutor, history, unmapped};
use crate::auth::Api;
use crate::client::Client;
use crate::normalize;

/// Octadesk's summary is short text.
const SUMMARY_MAX: usize = 250;

impl OctadeskExecutor {
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
        let client = self.client(ctx, side)?;
        let tag = marker(&integration.id, &source.ticket_id);
        // An earlier try may have created the ticket and died before
        // recording it: look for it before creating another.
        let existing = if ctx.resumed {
            client.tickets_tagged(&tag).await?.into_iter().next()
        } else {
            None
        };
        let (number, as_created, requester_created) = match existing {
            Some(n) => {
                tracing::warn!(ticket = %n, "found the counterpart an earlier try created; not creating another");
                (n, None, false)
            }
            None => {
                let who = ticket.client.clone().ok_or_else(|| {
                    ExecError::permanent(format!(
                        "ticket #{} has no client to be the Octadesk requester",
                        ticket.id
                    ))
                })?;
                let found = requester::for_ticket(ctx, &client, &who).await?;
                let body = new_ticket(integration, &client, ticket, source, &found, &who, &tag)?;
                let (n, full) = client.create_ticket(&body).await?;
                tracing::info!(ticket = %n, "counterpart created in Octadesk");
                (n, full, found.created)
            }
        };
        let link = Link {
            id: link_id.to_string(),
            integration: integration.id.clone(),
            source_ticket: source.ticket_id.clone(),
            target_ticket: number.clone(),
            origin: how,
            created_at: Utc::now(),
        };
        ctx.store.put_link(&link).await?;
        ctx.store
            .remove_eligible(&integration.id, &source.ticket_id)
            .await?;
        // The counterpart's number on the source ticket too, when Octadesk
        // holds it; another provider's worker writes its own side.
        if source.provider == Provider::Octadesk && source.side != side {
            self.tag(
                ctx,
                source.side,
                &source.ticket_id,
                &marker(&integration.id, &number),
            )
            .await?;
        }
        let at = TicketRef {
            integration: integration.id.clone(),
            side,
            provider: Provider::Octadesk,
            ticket_id: number.clone(),
        };
        // The counterpart as created is its baseline, so changes made on it
        // before its first webhook is read are still news. Best effort: the
        // ticket exists whatever happens to this reading.
        let baseline = match self.baseline(&client, &number, as_created).await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the new ticket back; its first sync sets the baseline");
                None
            }
        };
        let owner = baseline.as_ref().and_then(|t| t.owner.clone());
        let deferred = baseline
            .map(|t| Deferred::Snapshot {
                ticket_key: at.key(),
                value: serde_json::to_value(&t).unwrap_or_default(),
            })
            .into_iter()
            .collect();
        let kind = match how {
            LinkOrigin::Automatic => HistoryKind::CreatedAutomatically,
            LinkOrigin::Manual => HistoryKind::CreatedManually,
            LinkOrigin::Associated => HistoryKind::Associated,
        };
        let detail = format!(
            "Octadesk ticket #{number} created on the {} side for #{} ({} link; requester {}, first action as the description)",
            side.as_str(),
            source.ticket_id,
            match how {
                LinkOrigin::Automatic => "automatic",
                LinkOrigin::Manual => "manual",
                LinkOrigin::Associated => "associated",
            },
            if requester_created {
                "created"
            } else {
                "found"
            }
        );
        // Tell the router the counterpart exists (a channel source is then
        // told who attends).
        let event = Emitted {
            id: ponte_core::ids::derive(&["counterpart", &link.id, &number]),
            occurred_at: Utc::now(),
            event: CanonicalEvent {
                ticket: at,
                change: Change::CounterpartCreated {
                    link_id: link.id.clone(),
                    ticket: Box::new(Ticket {
                        id: number.clone(),
                        owner: owner.map(|o| Person {
                            id: o.id,
                            ..Person::default()
                        }),
                        ..Ticket::default()
                    }),
                },
            },
        };
        Ok(Outcome {
            result: json!({"target_ticket": number, "link": link.id}),
            history: vec![(link.id.clone(), history(ctx, kind, detail))],
            deferred,
            events: vec![event],
        })
    }

    /// The new ticket as Octadesk keeps it, with its interactions.
    async fn baseline(
        &self,
        client: &Client<'_>,
        number: &str,
        as_created: Option<crate::model::Ticket>,
    ) -> Result<Option<Ticket>, ExecError> {
        let api = match as_created {
            Some(t) => Some(t),
            None => client.ticket(number).await?,
        };
        let Some(api) = api else { return Ok(None) };
        let interactions = client.interactions(number).await?;
        Ok(Some(normalize::ticket(&api, &interactions)))
    }
}

/// The create body. Legacy tickets take the description as
/// `comments.description.content` (and `description`); v1 as
/// `description`. Custom fields the correlation maps go as v1's
/// `customField: [{key, value}]` or legacy's `customField: {key: value}`.
fn new_ticket(
    integration: &Integration,
    client: &Client<'_>,
    ticket: &Ticket,
    source: &TicketRef,
    requester: &Found,
    who: &Person,
    tag: &str,
) -> Result<Value, ExecError> {
    let first = ticket.first_action();
    let author = first
        .map(|a| who_of(&a.author, who))
        .unwrap_or_else(|| who.clone());
    let description = format!(
        "{}\n\n— {}, ticket #{} ({}) via Ponte · {tag}",
        first.map(body).unwrap_or_default(),
        super::text::who(&author),
        source.ticket_id,
        integration.name
    );
    let person = &requester.person;
    let mut req = json!({});
    if let Some(id) = &person.id {
        req["id"] = json!(id);
    }
    if let Some(e) = person.email.clone().or_else(|| who.email.clone()) {
        req["email"] = json!(e);
    }
    if let Some(n) = person.name.clone().or_else(|| who.name.clone()) {
        req["name"] = json!(n);
    }
    let summary = if ticket.subject.trim().is_empty() {
        format!("Ticket #{}", source.ticket_id)
    } else {
        cut(ticket.subject.trim(), SUMMARY_MAX)
    };
    let mut out = json!({
        "summary": summary,
        "requester": req,
        "tags": [tag],
        "description": description,
    });
    if client.api() == Api::Legacy {
        out["comments"] = json!({"description": {"content": description}});
    }
    if let Some(org) = person.organization.as_ref().and_then(|o| o.id.clone()) {
        out["organization"] = json!({"id": org});
    }
    let mapped = integration
        .correlation
        .custom_fields(Side::Source, &ticket.custom_fields)
        .map_err(unmapped)?;
    if !mapped.is_empty() {
        let pairs: Vec<(String, String)> = mapped
            .into_iter()
            .map(|m| {
                let value = m.field.value.unwrap_or_else(|| m.field.items.join(", "));
                (m.field.id, value)
            })
            .collect();
        out["customField"] = match client.api() {
            Api::V1 => json!(
                pairs
                    .iter()
                    .map(|(k, v)| json!({"key": k, "value": v}))
                    .collect::<Vec<_>>()
            ),
            Api::Legacy => Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ),
        };
    }
    Ok(out)
}

/// The first action's author, or the client when the action names nobody.
fn who_of(author: &Person, client: &Person) -> Person {
    if who(author) == "?" {
        client.clone()
    } else {
        author.clone()
    }
}
