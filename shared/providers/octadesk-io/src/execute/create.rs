//! Creating the counterpart of a source ticket (from a desk, a channel's
//! conversation, or a conversation of Octadesk's own): the requester found
//! or created by the integration's key, the organization when the
//! requester has one, the first action as the description, Ponte's marker
//! as a tag (and in the description) — found again by it after a crash.

use std::sync::atomic::{AtomicBool, Ordering};

use ponte_core::link::marker;
use ponte_core::{Integration, LinkOrigin, Person, Provider, Side, Ticket, TicketRef};
use ponte_worker::effect::{CounterpartDesk, Created, Pair, create_counterpart};
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::{Value, json};

use super::requester::{self, Found};
use super::text::{body, cut, who};
use super::{OctadeskExecutor, unmapped};
use crate::auth::Api;
use crate::client::Client;
use ponte_octadesk::normalize;

/// Octadesk's summary is short text.
const SUMMARY_MAX: usize = 250;

/// Octadesk's part of creating a counterpart.
struct Desk<'a> {
    exec: &'a OctadeskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
    source: &'a TicketRef,
    ticket: &'a Ticket,
    how: LinkOrigin,
    requester_created: AtomicBool,
}

impl CounterpartDesk for Desk<'_> {
    fn provider(&self) -> Provider {
        Provider::Octadesk
    }

    async fn find_by_marker(&self, marker: &str) -> Result<Option<Vec<String>>, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        Ok(Some(client.tickets_tagged(marker).await?))
    }

    async fn create(&self, tag: &str) -> Result<Created, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        let who = self.ticket.client().cloned().ok_or_else(|| {
            ExecError::permanent(format!(
                "ticket #{} has no client to be the Octadesk requester",
                self.ticket.id
            ))
        })?;
        let found = requester::for_ticket(self.ctx, &client, &who).await?;
        let body = new_ticket(
            self.ctx.integration,
            &client,
            self.ticket,
            self.source,
            &found,
            &who,
            tag,
        )?;
        let (number, full) = client.create_ticket(&body).await?;
        self.requester_created
            .store(found.created, Ordering::Relaxed);
        // The counterpart as created is its baseline. Best effort: the
        // ticket exists whatever happens to this reading.
        let as_created = match full {
            Some(api) => match client.interactions(&number).await {
                Ok(interactions) => Some(normalize::ticket(&api, &interactions)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the new ticket's interactions");
                    None
                }
            },
            None => None,
        };
        Ok(Created {
            id: number,
            as_created,
        })
    }

    async fn read(&self, id: &str) -> Result<Option<Ticket>, ExecError> {
        let client = self.exec.client(self.ctx, self.side)?;
        let Some(api) = client.ticket(id).await? else {
            return Ok(None);
        };
        let interactions = client.interactions(id).await?;
        Ok(Some(normalize::ticket(&api, &interactions)))
    }

    async fn mark_source(&self, counterpart: &str) -> Result<(), ExecError> {
        // Another provider's worker writes its own side.
        if self.source.provider != Provider::Octadesk || self.source.side == self.side {
            return Ok(());
        }
        self.exec
            .tag(
                self.ctx,
                self.source.side,
                &self.source.ticket_id,
                &marker(&self.ctx.integration.id, counterpart),
            )
            .await
    }

    fn describe(&self, number: &str, created: bool) -> String {
        let requester = if !created {
            "found with the ticket an earlier try created"
        } else if self.requester_created.load(Ordering::Relaxed) {
            "created"
        } else {
            "found"
        };
        format!(
            "Octadesk ticket #{number} created on the {} side for #{} ({} link; requester {requester}, first action as the description)",
            self.side.as_str(),
            self.source.ticket_id,
            match self.how {
                LinkOrigin::Automatic => "automatic",
                LinkOrigin::Manual => "manual",
                LinkOrigin::Associated => "associated",
            },
        )
    }

    fn announce(&self, id: &str, baseline: Option<&Ticket>) -> Ticket {
        Ticket {
            id: id.to_string(),
            owner: baseline.and_then(|t| t.owner.clone()).map(|o| Person {
                id: o.id,
                ..Person::default()
            }),
            ..Ticket::default()
        }
    }
}

impl OctadeskExecutor {
    pub(super) async fn create(
        &self,
        ctx: &Ctx<'_>,
        pair: Pair<'_>,
        ticket: &Ticket,
    ) -> Result<Outcome, ExecError> {
        let desk = Desk {
            exec: self,
            ctx,
            side: pair.side,
            source: pair.source,
            ticket,
            how: pair.how,
            requester_created: AtomicBool::new(false),
        };
        create_counterpart(ctx, &desk, pair).await
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
