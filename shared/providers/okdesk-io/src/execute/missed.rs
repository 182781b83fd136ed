//! "Lost call": one Okdesk issue for the missed call — title and
//! description from the integration's telephony templates, the caller's
//! contact (found or created), the configured assignee — and the call in
//! the call list linked to it (`POST /phone_calls` with `issue_id`).
//!
//! One issue per call however the command is repeated: the issue id goes
//! into the call's record the moment Okdesk answers, before the call-list
//! step, so a try that dies between the two steps (or a second lost event
//! of the same call) reuses it. A try that dies while `POST /issues/` is in
//! flight leaves no id behind; the next try then looks for Ponte's
//! reference (in the description) among the contact's newest issues
//! (`GET /issues/list`) before creating one.

use ponte_core::ids::reference;
use ponte_core::{Call, Side};
use ponte_store::CallOutcome;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::OkdeskExecutor;
use super::caller::{Caller, Found};
use super::format::{cut, desk_zone, fill, html_lines, int_id, minutes_in, shown_phone};
use super::log::entry;
use crate::client::{Client, Logged};
use ponte_okdesk::model::NewIssue;
use ponte_worker::effect::calls::{self, Update};

/// Okdesk issue titles are short.
const TITLE_MAX: usize = 250;

impl OkdeskExecutor {
    pub(super) async fn missed_call(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        call: &Call,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let telephony = &ctx.integration.telephony;
        let known = ctx
            .calls()
            .call(&ctx.integration.id, &call.id)
            .await?
            .and_then(|r| r.issue_id);
        let found = match call.client_phone() {
            Some(phone) => {
                self.caller(ctx, &client, call, phone, telephony.create_unknown_callers)
                    .await?
            }
            None => Found {
                caller: Caller::Unknown,
                created: false,
            },
        };
        let (issue_id, reused) = match known {
            Some(id) => {
                tracing::info!(issue = %id, "the call already has its issue; not opening another");
                (id, true)
            }
            None => self.open_issue(ctx, &client, call, &found.caller).await?,
        };
        // Kept before the next step: a repeat from here on reuses the issue.
        calls::save(
            ctx,
            call,
            Update {
                outcome: Some(CallOutcome::Lost),
                contact: found.caller.record_id(),
                issue_id: Some(issue_id.clone()),
                ..Update::default()
            },
        )
        .await?;
        let logged = client
            .log_call(&entry(ctx, call, Some(int_id(&issue_id, "issue id")?))?)
            .await?;
        if logged == Logged::AlreadyThere {
            tracing::info!(call = %call.id, "the call list already has this call");
        }
        Ok(Outcome {
            result: json!({
                "call": call.id,
                "issue": issue_id,
                "issue_reused": reused,
                "contact": found.caller.record_id(),
                "contact_created": found.created,
                "call_linked": logged == Logged::Created,
            }),
            ..Outcome::default()
        })
    }

    /// The issue an earlier try opened, or a new one; and whether it was
    /// found rather than created.
    async fn open_issue(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        call: &Call,
        caller: &Caller,
    ) -> Result<(String, bool), ExecError> {
        let reference = reference(ctx.command_id);
        if ctx.resumed {
            match client
                .issues_mentioning(&reference, caller.contact_id())
                .await?
            {
                Some(ids) if !ids.is_empty() => {
                    tracing::warn!(issue = %ids[0], "found the issue an earlier try opened; not opening another");
                    return Ok((ids[0].clone(), true));
                }
                Some(_) => {}
                None => tracing::warn!(
                    "this Okdesk does not list issues; cannot check for one an earlier try may have opened"
                ),
            }
        }
        let telephony = &ctx.integration.telephony;
        let missed_by = self.missed_by(ctx, client, call).await?;
        let vars = template_vars(ctx, call, caller, missed_by)?;
        let title = cut(fill(&telephony.missed_call_title, &vars).trim(), TITLE_MAX);
        let description = format!(
            "{}<br><br><small>Ponte · {reference}</small>",
            html_lines(&fill(&telephony.missed_call_description, &vars))
        );
        let assignee_id = telephony
            .missed_call_assignee
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(|a| int_id(a, "telephony.missed_call_assignee"))
            .transpose()?;
        let id = client
            .create_issue(&NewIssue {
                title,
                description,
                contact_id: caller
                    .contact_id()
                    .map(|c| int_id(c, "contact id"))
                    .transpose()?,
                company_id: caller
                    .company_id()
                    .map(|c| int_id(c, "company id"))
                    .transpose()?,
                assignee_id,
                ..NewIssue::default()
            })
            .await?;
        tracing::info!(issue = %id, call = %call.id, "missed-call issue opened");
        Ok((id, false))
    }
}

/// `{caller}`, `{caller_name}`, `{time}`, `{missed_by}`, `{wait}`.
fn template_vars(
    ctx: &Ctx<'_>,
    call: &Call,
    caller: &Caller,
    missed_by: String,
) -> Result<Vec<(&'static str, String)>, ExecError> {
    let zone = desk_zone(ctx)?;
    Ok(vec![
        (
            "caller",
            call.client_phone()
                .map_or_else(|| "скрытый номер".to_string(), shown_phone),
        ),
        (
            "caller_name",
            caller
                .name()
                .or_else(|| call.client_name().map(str::to_string))
                .unwrap_or_else(|| "неизвестный".to_string()),
        ),
        (
            "time",
            call.started_at
                .map_or_else(|| "—".to_string(), |t| minutes_in(t, zone)),
        ),
        ("missed_by", missed_by),
        (
            "wait",
            call.wait_secs
                .map_or_else(|| "?".to_string(), |w| w.to_string()),
        ),
    ])
}
