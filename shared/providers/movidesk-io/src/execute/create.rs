//! Creating the counterpart of a source ticket.

use std::sync::Mutex;

use ponte_core::ids::reference;
use ponte_core::{Integration, LinkOrigin, Provider, Side, Ticket, TicketRef};
use ponte_worker::effect::{CounterpartDesk, Created, Pair, create_counterpart};
use ponte_worker::{Ctx, ExecError, Outcome};

use super::{MovideskExecutor, html_escape, unmapped};
use ponte_movidesk::model::{NewAction, NewCustomFieldValue, NewTicket, ORIGIN_INTEGRATION, Ref};
use ponte_movidesk::normalize;
use ponte_telemetry::catalog;

/// What an account that refuses the ticket origin is remembered as refusing.
const ORIGIN: &str = "ticket-origin";

/// Movidesk's part of creating a counterpart.
struct Desk<'a> {
    exec: &'a MovideskExecutor,
    ctx: &'a Ctx<'a>,
    side: Side,
    source: &'a TicketRef,
    ticket: &'a Ticket,
    how: LinkOrigin,
    /// What the create left out (a client, a field, the origin), told in
    /// the history line.
    notes: Mutex<Vec<String>>,
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
        let clients = self
            .exec
            .resolve_clients(self.ctx, self.side, self.ticket)
            .await?;
        let mapped = self
            .ctx
            .integration
            .correlation
            .custom_fields(Side::Source, &self.ticket.custom_fields)
            .map_err(unmapped)?;
        let fields = self.exec.field_values(self.ctx, self.side, mapped).await?;
        let mut notes = clients.left_out;
        for (field, why) in fields.dropped {
            tracing::warn!(field = %field, "custom field not mirrored: {why}");
            catalog::CUSTOM_FIELDS_DROPPED.inc(&["movidesk"]);
            notes.push(format!("custom field {field} not mirrored: {why}"));
        }
        let remembered = clients.remembered;
        let mut body = new_ticket(
            self.ctx.integration,
            self.ticket,
            self.source,
            Parts {
                clients: clients.ids,
                fields: fields.values,
                marker: tag.to_string(),
            },
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
        // Origin 19 where the account takes it. A refusal is a 400 that
        // wrote nothing, so the same create is sent again without it at
        // once, and the account is remembered as refusing it.
        if !target.refuses(ORIGIN).await? {
            body.origin = Some(ORIGIN_INTEGRATION);
        }
        let (id, as_created) = match target.create_ticket(&body).await {
            Err(e) if body.origin.is_some() && refuses_origin(&e) => {
                tracing::warn!(
                    "the account refuses the ticket origin on create; creating without it from now on"
                );
                target.note_refusal(ORIGIN).await?;
                body.origin = None;
                notes.push(format!(
                    "the account refuses origin {ORIGIN_INTEGRATION} (MovideskIntegration): created without it"
                ));
                target.create_ticket(&body).await?
            }
            Err(e @ ExecError::Permanent { .. })
                if remembered
                    && self
                        .exec
                        .forget_clients(self.ctx, self.side, self.ticket)
                        .await? =>
            {
                // A person Ponte remembered may be gone from the desk: the
                // next try looks the clients up again.
                return Err(ExecError::Transient {
                    reason: format!("{e}; the clients are looked up again"),
                    status: e.status(),
                    retry_after: None,
                });
            }
            answer => answer?,
        };
        if let Ok(mut kept) = self.notes.lock() {
            *kept = notes;
        }
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
        let notes = self
            .notes
            .lock()
            .map(|n| n.iter().map(|l| format!("; {l}")).collect::<String>())
            .unwrap_or_default();
        format!(
            "ticket #{id} {} on the {} side for #{} ({} link; type, first action, clients, category, urgency, responsible and custom fields per correlation){notes}",
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
            notes: Mutex::new(Vec::new()),
        };
        create_counterpart(ctx, &desk, pair).await
    }
}

/// A 400 whose message names `origin`: the account does not let the API
/// set it. (The reason of a refused request is `Movidesk POST /tickets
/// answered 400 Bad Request: <Movidesk's message>`.)
fn refuses_origin(e: &ExecError) -> bool {
    let ExecError::Permanent {
        status: Some(400),
        reason,
    } = e
    else {
        return false;
    };
    let said = reason
        .split_once(" answered ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map_or("", |(_, said)| said);
    said.to_ascii_lowercase().contains("origin")
}

/// What the counterpart is made of besides the source ticket, already as
/// the receiving account names it.
struct Parts {
    clients: Vec<String>,
    fields: Vec<NewCustomFieldValue>,
    marker: String,
}

/// The counterpart: same ticket type, first action mirrored with its type;
/// category, urgency, responsible and custom fields per the correlation
/// (they are sent only now, at opening).
fn new_ticket(
    integration: &Integration,
    ticket: &Ticket,
    source: &TicketRef,
    parts: Parts,
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
        clients: parts.clients.into_iter().map(|id| Ref { id }).collect(),
        actions: vec![NewAction {
            action_type: normalize::kind_of(
                first.map(|a| a.visibility).unwrap_or(ticket.visibility),
            ),
            description,
            created_by: Ref { id: creator },
        }],
        tags: vec![parts.marker],
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
        custom_field_values: parts.fields,
        origin: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Answers;
    use ponte_worker::transport::Answer;
    use reqwest::StatusCode;

    #[test]
    fn only_a_bad_request_naming_origin_is_a_refused_origin() {
        // As the transport reports a refused request.
        let answered = |status: StatusCode, said: &str| {
            Answer {
                method: reqwest::Method::POST,
                path: "/tickets".into(),
                status,
                retry_after: None,
                body: said.into(),
            }
            .failure(&Answers)
        };
        assert!(refuses_origin(&answered(
            StatusCode::BAD_REQUEST,
            "The field Origin is read-only and cannot be informed"
        )));
        assert!(!refuses_origin(&answered(
            StatusCode::BAD_REQUEST,
            "Customers is required"
        )));
        assert!(!refuses_origin(&answered(
            StatusCode::FORBIDDEN,
            "origin not allowed"
        )));
        assert!(!refuses_origin(&ExecError::Transient {
            reason: "origin".into(),
            status: Some(500),
            retry_after: None,
        }));
    }
}
