//! "Recorded conversation". Octadesk has no call list in its public API, so
//! the call goes where an agent will look: an internal note on the
//! caller's newest open ticket (direction, numbers, time, talk and wait,
//! who answered, the recording link), found by the caller's phone. A
//! caller Octadesk does not know, or one without an open ticket, gets no
//! note — a call alone does not open a ticket (only a lost one does) — and
//! the call is in Ponte's call history either way.

use ponte_core::call::Direction;
use ponte_core::ids::reference;
use ponte_core::{Call, Side};
use ponte_store::CallOutcome;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::calls::{self, Update, desk_zone, minutes_in, shown_phone};
use super::requester::{self, Key};
use super::{OctadeskExecutor, agent_email};
use ponte_octadesk::normalize::base_status;

impl OctadeskExecutor {
    pub(super) async fn log(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        call: &Call,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let caller = match call.client_phone() {
            Some(p) => {
                requester::find_or_create(
                    &client,
                    &Key::Phone(p.to_string()),
                    &calls::known_caller(call),
                    false,
                    None,
                )
                .await?
            }
            None => None,
        };
        let caller_id = caller.as_ref().and_then(|c| c.person.id.clone());
        let open =
            match &caller_id {
                Some(id) => client.tickets_of(id).await?.into_iter().find(|t| {
                    !base_status(t.status_name.as_deref().unwrap_or_default()).is_finished()
                }),
                None => None,
            };
        let reference = reference(ctx.command_id);
        let noted_on = match &open {
            Some(t) => {
                let already = ctx.resumed
                    && client
                        .interactions(&t.number)
                        .await?
                        .iter()
                        .any(|i| i.text.contains(&reference));
                if !already {
                    let note = format!("{}\n\n— Ponte · {reference}", describe(ctx, call)?);
                    client
                        .update_ticket(
                            &t.number,
                            &json!({"comments": {"internal": {"content": note}}}),
                            agent_email(ctx, side),
                        )
                        .await?;
                }
                Some(t.number.clone())
            }
            None => None,
        };
        let note = match (&caller_id, &noted_on) {
            (_, Some(_)) => None,
            (Some(_), None) => Some(
                "the caller has no open Octadesk ticket: the call is in Ponte's call history only",
            ),
            (None, None) => {
                Some("Octadesk does not know the caller: the call is in Ponte's call history only")
            }
        };
        if let Some(n) = note {
            tracing::info!(call = %call.id, "{n}");
        }
        calls::save(
            ctx,
            call,
            Update {
                outcome: Some(CallOutcome::Recorded),
                contact: caller_id.clone(),
                ..Update::default()
            },
        )
        .await?;
        Ok(Outcome {
            result: json!({
                "call": call.id,
                "requester": caller_id,
                "noted_on": noted_on,
                "recording": call.recording_url,
                "note": note,
            }),
            ..Outcome::default()
        })
    }
}

/// The note: what an agent needs to know about the call.
fn describe(ctx: &Ctx<'_>, call: &Call) -> Result<String, ExecError> {
    let zone = desk_zone(ctx)?;
    let client = call.client_phone().map_or_else(|| "?".into(), shown_phone);
    let mut lines = vec![match call.direction {
        Direction::In => format!("📞 Incoming call from {client}"),
        Direction::Out => format!("📞 Outgoing call to {client}"),
    }];
    if let Some(t) = call.started_at {
        lines.push(format!("Started: {}", minutes_in(t, zone)));
    }
    if let Some(s) = call.talk_secs {
        lines.push(format!("Talk: {s} s"));
    }
    if let Some(w) = call.wait_secs {
        lines.push(format!("Wait: {w} s"));
    }
    if !call.employees.is_empty() || !call.extensions.is_empty() {
        let who = if call.employees.is_empty() {
            call.extensions.join(", ")
        } else {
            call.employees.join(", ")
        };
        lines.push(format!("Answered by: {who}"));
    }
    if let Some(url) = &call.recording_url {
        lines.push(format!("Recording: {url}"));
    }
    lines.push(format!("Call id: {}", call.id));
    Ok(lines.join("\n"))
}
