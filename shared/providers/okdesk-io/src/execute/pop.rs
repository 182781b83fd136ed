//! "Waiting for answer": open the caller's card on the screens of the
//! employees whose internal number rings (`POST /telephony/messages`),
//! finding — or creating — the caller's card first.
//!
//! Templates that name the employee only by UIS id or full name are read
//! through `named`. A rung extension no Okdesk employee has, or an
//! employee Ponte cannot map to one, is not a failure: the command
//! succeeds without a pop and says why in its result, the log, the call
//! history (`notes`; `popped_for` stays empty) and the metric
//! `ponte_call_pops_skipped_total{reason}`. The pop only matters while the
//! phone rings; a retry minutes later or a replay from the dead-letter
//! queue would show a card for a call long over. The caller's card is
//! still found or created, which is what lasts.

use ponte_core::{Call, Side};
use ponte_store::CallOutcome;
use ponte_telemetry::catalog;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::{Value, json};

use super::OkdeskExecutor;
use super::format::shown_phone;
use ponte_okdesk::model::TelephonyMessage;
use ponte_worker::effect::calls::{self, Update};

const HIDDEN: &str = "the caller's number is hidden: no card to pop";

impl OkdeskExecutor {
    pub(super) async fn pop(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        call: &Call,
    ) -> Result<Outcome, ExecError> {
        let telephony = &ctx.integration.telephony;
        let Some(phone) = call.client_phone() else {
            calls::save(
                ctx,
                call,
                Update {
                    outcome: Some(CallOutcome::Ringing),
                    note: Some(HIDDEN.to_string()),
                    ..Update::default()
                },
            )
            .await?;
            tracing::info!(call = %call.id, "{HIDDEN}");
            return Ok(Outcome {
                result: json!({"call": call.id, "popped_for": [], "note": HIDDEN}),
                ..Outcome::default()
            });
        };
        let client = self.client(ctx, side)?;
        let found = self
            .caller(ctx, &client, call, phone, telephony.create_unknown_callers)
            .await?;
        let rung = self.rung(ctx, &client, call).await?;
        let matched = self.employees.ringing(&client, &rung.extensions).await?;
        let numbers = matched.numbers();
        let already = if ctx.resumed {
            ctx.calls()
                .call(&ctx.integration.id, &call.id)
                .await?
                .is_some_and(|r| numbers.iter().all(|n| r.popped_for.contains(n)))
        } else {
            false
        };
        let skipped = if let Some(problem) = &rung.problem {
            Some((problem.reason(), problem.note()))
        } else if numbers.is_empty() {
            Some((
                "extension_unknown",
                format!(
                    "no Okdesk employee has internal number {}: no card popped (set it as the employee's \"Добавочный номер\")",
                    rung.extensions.join(", ")
                ),
            ))
        } else {
            None
        };
        let note = if let Some((reason, note)) = skipped {
            tracing::warn!(call = %call.id, reason, "{note}");
            catalog::CALL_POPS_SKIPPED.inc(&["okdesk", reason]);
            Some(note)
        } else if already {
            tracing::warn!(call = %call.id, "an earlier try popped the card; not popping it again");
            None
        } else {
            client
                .pop_card(&TelephonyMessage {
                    telephony_numbers: numbers.iter().map(|n| number_value(n)).collect(),
                    search_numbers_count: telephony.search_numbers_count,
                    phone: shown_phone(phone),
                })
                .await?;
            None
        };
        calls::save(
            ctx,
            call,
            Update {
                outcome: Some(CallOutcome::Ringing),
                contact: found.caller.record_id(),
                popped_for: numbers.clone(),
                issue_id: None,
                note: note.clone(),
            },
        )
        .await?;
        let employees: Vec<Value> = matched
            .employees
            .iter()
            .map(|e| json!({"id": e.id, "name": e.name(), "telephony_number": e.telephony_number}))
            .collect();
        Ok(Outcome {
            result: json!({
                "call": call.id,
                "contact": found.caller.record_id(),
                "contact_created": found.created,
                "popped_for": numbers,
                "employees": employees,
                "unmatched": matched.unmatched,
                "note": note,
            }),
            ..Outcome::default()
        })
    }
}

/// Internal numbers travel as integers (Okdesk's `telephony_numbers` is a
/// list of ints); anything else, or a number with a leading zero, as text.
fn number_value(n: &str) -> Value {
    match n.parse::<u64>() {
        Ok(i) if !(n.starts_with('0') && n.len() > 1) => json!(i),
        _ => json!(n),
    }
}
