//! Canonical commands → Movidesk API calls.

use chrono::Utc;
use ponte_core::integration::ClientKey;
use ponte_core::{
    Command, Integration, Link, LinkOrigin, Operation, Person, Provider, Side, Ticket, TicketRef,
};
use ponte_store::{HistoryEntry, HistoryKind};
use ponte_worker::{Ctx, Deferred, ExecError, Executor, Outcome};
use serde_json::json;

use crate::client::{Client, RateLimit, escape};
use crate::model::{NewAction, NewEmail, NewPerson, NewTicket, Ref};
use crate::normalize;

pub struct MovideskExecutor {
    http: reqwest::Client,
    rate: RateLimit,
}

impl MovideskExecutor {
    pub fn new(rate: RateLimit) -> Result<Self, reqwest::Error> {
        Ok(MovideskExecutor {
            http: reqwest::Client::builder()
                .user_agent("ponte-worker-movidesk")
                .build()?,
            rate,
        })
    }

    fn client<'a>(&'a self, ctx: &'a Ctx<'_>, side: Side) -> Result<Client<'a>, ExecError> {
        let endpoint = ctx.integration.endpoint(side);
        if endpoint.provider != Provider::Movidesk {
            return Err(ExecError::permanent(format!(
                "the {} side of integration `{}` is {}, not Movidesk",
                side.as_str(),
                ctx.integration.id,
                endpoint.provider
            )));
        }
        Client::new(&self.http, endpoint, ctx.store, self.rate)
    }
}

impl Executor for MovideskExecutor {
    fn provider(&self) -> Provider {
        Provider::Movidesk
    }

    async fn execute(&self, ctx: &Ctx<'_>, command: &Command) -> Result<Outcome, ExecError> {
        match &command.op {
            Operation::SyncTicket { ticket_id } => self.sync(ctx, command.side, ticket_id).await,
            Operation::CreateTicket {
                link_id,
                source,
                ticket,
                how,
            } => {
                self.create(ctx, command.side, link_id, source, ticket, *how)
                    .await
            }
        }
    }
}

/// Tag written on every ticket Ponte creates; it names the source ticket,
/// so the counterpart can be found again after a crash, and so a person
/// sees the link in Movidesk itself.
pub fn link_tag(integration: &str, ticket: &str) -> String {
    format!("ponte-{integration}-{ticket}")
}

impl MovideskExecutor {
    async fn sync(&self, ctx: &Ctx<'_>, side: Side, ticket_id: &str) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let Some(api) = client.ticket(ticket_id).await? else {
            return Err(ExecError::Permanent {
                reason: format!(
                    "ticket {ticket_id} does not exist on the {} side (deleted?)",
                    side.as_str()
                ),
                status: Some("404".into()),
            });
        };
        let current = normalize::ticket(&api);
        let at = TicketRef {
            integration: ctx.integration.id.clone(),
            side,
            provider: Provider::Movidesk,
            ticket_id: current.id.clone(),
        };
        let previous: Option<Ticket> = match ctx.store.snapshot(&at.key()).await? {
            Some(v) => serde_json::from_value(v).ok(),
            None => None,
        };
        let events = normalize::diff(previous.as_ref(), &current, &at);
        Ok(Outcome {
            result: json!({"ticket": current.id, "events": events.len()}),
            events,
            deferred: vec![Deferred::Snapshot {
                ticket_key: at.key(),
                value: serde_json::to_value(&current).unwrap_or_default(),
            }],
            history: vec![],
        })
    }

    async fn create(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        link_id: &str,
        source: &TicketRef,
        ticket: &Ticket,
        how: LinkOrigin,
    ) -> Result<Outcome, ExecError> {
        let integration = ctx.integration;
        let target = self.client(ctx, side)?;
        let marker = link_tag(&integration.id, &source.ticket_id);

        // An earlier try may have created the ticket and died before
        // recording it: look for it before creating another.
        let existing = if ctx.resumed {
            target.tickets_tagged(&marker).await?.into_iter().next()
        } else {
            None
        };
        let created = match existing {
            Some(id) => {
                tracing::warn!(ticket = %id, "found the counterpart an earlier try created; not creating another");
                id
            }
            None => {
                let client_id = self.resolve_client(ctx, side, ticket).await?;
                let body = new_ticket(integration, ticket, source, client_id, marker.clone())?;
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

        // The counterpart number on the source ticket too, where a person
        // (and a rebuild of the links) can find it.
        let origin = self.client(ctx, source.side)?;
        let back_tag = link_tag(&integration.id, &created);
        if let Some(current) = origin.ticket(&source.ticket_id).await?
            && !current.tags.contains(&back_tag)
        {
            let mut tags = current.tags.clone();
            tags.push(back_tag);
            origin
                .patch_ticket(&source.ticket_id, &json!({"tags": tags}))
                .await?;
        }

        let kind = match how {
            LinkOrigin::Automatic => HistoryKind::CreatedAutomatically,
            LinkOrigin::Manual => HistoryKind::CreatedManually,
            LinkOrigin::Associated => HistoryKind::Associated,
        };
        let entry = HistoryEntry {
            at: Utc::now(),
            kind,
            detail: format!(
                "ticket #{created} created on the {} side for #{} ({:?} link; type and first action mirrored)",
                side.as_str(),
                source.ticket_id,
                how
            ),
            trace_id: ponte_telemetry::propagation::current_trace_id(),
            cause: ctx.command_id.to_string(),
        };
        Ok(Outcome {
            result: json!({"target_ticket": created, "link": link.id}),
            events: vec![],
            deferred: vec![],
            history: vec![(link.id.clone(), entry)],
        })
    }

    /// Finds the ticket's client on the target by the integration's key,
    /// creating it when allowed.
    async fn resolve_client(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket: &Ticket,
    ) -> Result<String, ExecError> {
        let integration = ctx.integration;
        let target = self.client(ctx, side)?;
        let mut who = ticket.client.clone().ok_or_else(|| {
            ExecError::permanent(format!(
                "ticket #{} has no client to look for on the target",
                ticket.id
            ))
        })?;
        // Person refs inside a ticket carry no CPF/CNPJ or secondary code:
        // read the person from the source when the key needs them.
        if matches!(
            integration.client_key,
            ClientKey::Document | ClientKey::CodeReference | ClientKey::Phone
        ) && let Some(id) = who.id.clone()
            && let Some(full) = self.client(ctx, side.other())?.person(&id).await?
        {
            who.document = full.cpf_cnpj.clone();
            who.code_reference = full.code_reference_additional.clone();
            who.phone = who
                .phone
                .or_else(|| full.contacts.iter().find_map(|c| c.contact.clone()));
            who.email = who
                .email
                .or_else(|| full.emails.iter().find_map(|e| e.email.clone()));
        }
        let (key_name, key_value) = client_key(integration.client_key, &who);
        let Some(value) = key_value else {
            return Err(ExecError::permanent(format!(
                "the client of ticket #{} has no {key_name}, the key this integration uses to find clients",
                ticket.id
            )));
        };
        let found = match person_filter(integration.client_key, &value) {
            None => target.person(&value).await?.map(|p| p.id),
            Some(filter) => target
                .persons_where(&filter)
                .await?
                .into_iter()
                .next()
                .map(|p| p.id),
        };
        if let Some(id) = found {
            return Ok(id);
        }
        if !integration.create_missing_client {
            return Err(ExecError::permanent(format!(
                "no client with {key_name} `{value}` on the target, and create_missing_client is off"
            )));
        }
        let body = NewPerson {
            id: (integration.client_key == ClientKey::Id).then(|| value.clone()),
            person_type: 1,
            profile_type: 2,
            business_name: who
                .name
                .clone()
                .or(who.email.clone())
                .unwrap_or_else(|| value.clone()),
            emails: who
                .email
                .iter()
                .map(|e| NewEmail {
                    email_type: "Profissional".into(),
                    email: e.clone(),
                    is_default: true,
                })
                .collect(),
            cpf_cnpj: who.document.clone(),
            code_reference_additional: who.code_reference.clone(),
        };
        target.create_person(&body).await
    }
}

/// The OData filter that finds a person by the key; `None` for the id,
/// which is read directly.
fn person_filter(key: ClientKey, value: &str) -> Option<String> {
    let v = escape(value);
    match key {
        ClientKey::Id => None,
        ClientKey::Email => Some(format!("emails/any(e: e/email eq '{v}')")),
        ClientKey::Document => Some(format!("cpfCnpj eq '{v}'")),
        ClientKey::CodeReference => Some(format!("codeReferenceAdditional eq '{v}'")),
        ClientKey::Phone => Some(format!("contacts/any(c: c/contact eq '{v}')")),
    }
}

fn client_key(key: ClientKey, who: &Person) -> (&'static str, Option<String>) {
    match key {
        ClientKey::Email => ("e-mail", who.email.clone()),
        ClientKey::Document => ("CPF/CNPJ", who.document.clone()),
        ClientKey::Id => ("reference code", who.id.clone()),
        ClientKey::CodeReference => ("additional reference code", who.code_reference.clone()),
        ClientKey::Phone => ("phone", who.phone.clone()),
    }
}

/// The counterpart: same ticket type, first action mirrored with its type,
/// created by the generator agent.
fn new_ticket(
    integration: &Integration,
    ticket: &Ticket,
    source: &TicketRef,
    client: String,
    marker: String,
) -> Result<NewTicket, ExecError> {
    let generator = integration
        .generator_agent
        .clone()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| {
            ExecError::permanent("the integration has no generator_agent to create tickets as")
        })?;
    let first = ticket.first_action();
    let author = first
        .and_then(|a| a.author.name.clone().or(a.author.email.clone()))
        .unwrap_or_else(|| "?".into());
    let body_html = first
        .map(|a| a.html.clone().unwrap_or_else(|| html_escape(&a.text)))
        .unwrap_or_default();
    let description = format!(
        "{body_html}<p><small>— {author}, ticket #{} ({}) via Ponte</small></p>",
        source.ticket_id,
        integration.name.as_str()
    );
    Ok(NewTicket {
        ticket_type: normalize::kind_of(ticket.visibility),
        subject: if ticket.subject.is_empty() {
            format!("Ticket #{}", source.ticket_id)
        } else {
            ticket.subject.clone()
        },
        created_by: Ref {
            id: generator.clone(),
        },
        clients: vec![Ref { id: client }],
        actions: vec![NewAction {
            action_type: normalize::kind_of(
                first.map(|a| a.visibility).unwrap_or(ticket.visibility),
            ),
            description,
            created_by: Ref { id: generator },
        }],
        tags: vec![marker],
        category: None,
        urgency: None,
    })
}

fn html_escape(s: &str) -> String {
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<p>{}</p>", escaped.replace('\n', "<br>"))
}
