//! "Lost call": one Octadesk ticket for the missed call — summary and
//! description from the integration's telephony templates, the caller as
//! the requester (found by phone, created when `create_unknown_callers`),
//! the organization `telephony.company_id` names for a new caller — and
//! the call in Ponte's call history with the ticket's number.
//!
//! One ticket per call however the command is repeated: the number goes
//! into the call's record the moment Octadesk answers, so a repeat (or a
//! second lost event of the same call) reuses it; a try that died while
//! the create was in flight is found again by the call's tag (and Ponte's
//! reference in the description) before a new ticket is opened.

use ponte_core::ids::reference;
use ponte_core::{Call, Person, Side};
use ponte_store::CallOutcome;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::{Value, json};

use super::OctadeskExecutor;
use super::calls::{self, Update, call_tag, desk_zone, fill, shown_phone, template_vars};
use super::requester::{self, Found, Key};
use super::text::cut;
use crate::client::Client;

const SUMMARY_MAX: usize = 250;

impl OctadeskExecutor {
    pub(super) async fn missed_call(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        call: &Call,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let known = ctx
            .calls()
            .call(&ctx.integration.id, &call.id)
            .await?
            .and_then(|r| r.issue_id);
        let caller = self.caller(ctx, &client, call).await?;
        let (number, reused) = match known {
            Some(n) => {
                tracing::info!(ticket = %n, "the call already has its ticket; not opening another");
                (n, true)
            }
            None => open_ticket(ctx, &client, call, caller.as_ref()).await?,
        };
        calls::save(
            ctx,
            call,
            Update {
                outcome: Some(CallOutcome::Lost),
                contact: caller.as_ref().and_then(|c| c.person.id.clone()),
                issue_id: Some(number.clone()),
                ..Update::default()
            },
        )
        .await?;
        Ok(Outcome {
            result: json!({
                "call": call.id,
                "ticket": number,
                "ticket_reused": reused,
                "requester": caller.as_ref().and_then(|c| c.person.id.clone()),
                "requester_created": caller.as_ref().is_some_and(|c| c.created),
            }),
            ..Outcome::default()
        })
    }

    /// The caller as an Octadesk person: found by phone, created when the
    /// integration allows (in `telephony.company_id`'s organization).
    async fn caller(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        call: &Call,
    ) -> Result<Option<Found>, ExecError> {
        let Some(phone) = call.client_phone() else {
            return Ok(None);
        };
        let telephony = &ctx.integration.telephony;
        let key = Key::Phone(phone.to_string());
        // A known caller whose name UIS has differently is brought up to date.
        if let Some(found) =
            requester::find_or_create(client, &key, &calls::known_caller(call), false, None).await?
        {
            return Ok(Some(found));
        }
        if !telephony.create_unknown_callers {
            return Ok(None);
        }
        let organization = match telephony.company_id.as_deref() {
            Some(o) => requester::organization(client, o).await?,
            None => None,
        };
        let who = Person {
            name: Some(
                call.client_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("Cliente {}", shown_phone(phone))),
            ),
            phone: Some(phone.to_string()),
            ..Person::default()
        };
        requester::find_or_create(client, &key, &who, true, organization).await
    }
}

/// The ticket an earlier try opened, or a new one; and whether it was
/// found rather than created.
async fn open_ticket(
    ctx: &Ctx<'_>,
    client: &Client<'_>,
    call: &Call,
    caller: Option<&Found>,
) -> Result<(String, bool), ExecError> {
    let reference = reference(ctx.command_id);
    let tag = call_tag(call);
    if ctx.resumed
        && let Some(n) = client.tickets_tagged(&tag).await?.into_iter().next()
    {
        tracing::warn!(ticket = %n, "found the ticket an earlier try opened; not opening another");
        return Ok((n, true));
    }
    let telephony = &ctx.integration.telephony;
    let zone = desk_zone(ctx)?;
    let name = caller.and_then(|c| c.person.name.as_deref());
    let vars = template_vars(call, name, zone);
    let summary = cut(
        fill(&telephony.missed_call_title, &vars).trim(),
        SUMMARY_MAX,
    );
    let description = format!(
        "{}\n\n— Ponte · {reference}",
        fill(&telephony.missed_call_description, &vars).trim()
    );
    let mut body = json!({
        "summary": summary,
        "description": description,
        "requester": requester_of(ctx, client, caller)?,
        "tags": [tag],
    });
    if client.api() == crate::auth::Api::Legacy {
        body["comments"] = json!({"description": {"content": description}});
    }
    if let Some(org) = caller
        .and_then(|c| c.person.organization.as_ref())
        .and_then(|o| o.id.clone())
    {
        body["organization"] = json!({"id": org});
    }
    if let Some(agent) = telephony
        .missed_call_assignee
        .as_deref()
        .filter(|a| !a.trim().is_empty())
    {
        body["assignedTo"] = if agent.contains('@') {
            json!({"email": agent})
        } else {
            json!({"id": agent})
        };
    }
    let (number, _) = client.create_ticket(&body).await?;
    tracing::info!(ticket = %number, call = %call.id, "missed-call ticket opened");
    Ok((number, false))
}

/// The requester of a missed-call ticket: the caller, or — for a hidden
/// number or an unknown caller Ponte may not create — the API's own agent
/// (Octadesk needs a requester with an e-mail).
fn requester_of(
    ctx: &Ctx<'_>,
    client: &Client<'_>,
    caller: Option<&Found>,
) -> Result<Value, ExecError> {
    if let Some(c) = caller {
        let mut r = json!({});
        if let Some(id) = &c.person.id {
            r["id"] = json!(id);
        }
        if let Some(e) = &c.person.email {
            r["email"] = json!(e);
        }
        if let Some(n) = &c.person.name {
            r["name"] = json!(n);
        }
        return Ok(r);
    }
    let own = client
        .own_agent()
        .map(str::to_string)
        .or_else(|| ctx.integration.generator_agent.clone())
        .filter(|e| e.contains('@'));
    own.map(|e| json!({"email": e})).ok_or_else(|| {
        ExecError::permanent(
            "the caller is unknown (hidden number, or create_unknown_callers is off) and the endpoint names no agent e-mail to be the requester; set credentials.agent_email",
        )
    })
}
