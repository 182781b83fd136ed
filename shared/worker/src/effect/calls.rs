//! A call's record in Ponte's call history (`/api/v1/calls`), written once
//! for every desk a telephony source serves: each command adds what it did
//! — the contact, whose screens showed the card, the recording, the
//! missed-call ticket. A later event never takes an outcome back (a card
//! popped after the call was lost leaves it lost), and a command retried
//! after a lost answer adds nothing twice.

use chrono::{DateTime, FixedOffset, Utc};
use ponte_core::Call;
use ponte_store::{CallOutcome, CallRecord};

use crate::{Ctx, ExecError};

/// What one command learnt about a call.
#[derive(Debug, Default)]
pub struct Update {
    pub outcome: Option<CallOutcome>,
    pub contact: Option<String>,
    /// Extensions whose screens showed the caller's card.
    pub popped_for: Vec<String>,
    /// The ticket opened for the call.
    pub issue_id: Option<String>,
    /// Why something the call asked for did not happen.
    pub note: Option<String>,
}

fn rank(o: CallOutcome) -> u8 {
    match o {
        CallOutcome::Ringing => 0,
        CallOutcome::Answered => 1,
        CallOutcome::Recorded | CallOutcome::Lost => 2,
    }
}

/// `existing` with what `update` and the call add.
pub fn merge(
    existing: Option<CallRecord>,
    call: &Call,
    update: Update,
    now: DateTime<Utc>,
) -> CallRecord {
    let mut r = existing.unwrap_or_else(|| CallRecord {
        call_id: call.id.clone(),
        caller: call.caller.clone(),
        caller_name: None,
        contact_id: None,
        started_at: None,
        outcome: update.outcome.unwrap_or(CallOutcome::Ringing),
        recording_url: None,
        issue_id: None,
        popped_for: vec![],
        notes: vec![],
        updated_at: now,
    });
    if r.caller.is_empty() {
        r.caller = call.caller.clone();
    }
    r.caller_name = r.caller_name.or_else(|| call.caller_name.clone());
    r.started_at = match (r.started_at, call.started_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(o) = update.outcome
        && rank(o) >= rank(r.outcome)
    {
        r.outcome = o;
    }
    r.contact_id = update.contact.or(r.contact_id);
    r.recording_url = call.recording_url.clone().or(r.recording_url);
    r.issue_id = update.issue_id.or(r.issue_id);
    for ext in update.popped_for {
        if !r.popped_for.contains(&ext) {
            r.popped_for.push(ext);
        }
    }
    if let Some(note) = update.note
        && !r.notes.contains(&note)
    {
        r.notes.push(note);
    }
    r.updated_at = now;
    r
}

/// Merges `update` into the call's record and stores it.
pub async fn save(ctx: &Ctx<'_>, call: &Call, update: Update) -> Result<CallRecord, ExecError> {
    let existing = ctx.store.call(&ctx.integration.id, &call.id).await?;
    let record = merge(existing, call, update, Utc::now());
    ctx.store.put_call(&ctx.integration.id, &record).await?;
    Ok(record)
}

/// The desk's zone from `telephony.utc_offset`.
pub fn desk_zone(ctx: &Ctx<'_>) -> Result<FixedOffset, ExecError> {
    let minutes = ctx
        .integration
        .telephony
        .offset_minutes()
        .map_err(|e| ExecError::permanent(e.within("telephony").to_string()))?;
    FixedOffset::east_opt(minutes * 60).ok_or_else(|| {
        ExecError::permanent(format!(
            "`telephony.utc_offset` {} is out of range",
            ctx.integration.telephony.utc_offset
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_grow_and_never_go_back() {
        let call = Call {
            id: "9".into(),
            caller: "79991234567".into(),
            ..Call::default()
        };
        let now = Utc::now();
        let r = merge(
            None,
            &call,
            Update {
                outcome: Some(CallOutcome::Ringing),
                contact: Some("12".into()),
                popped_for: vec!["101".into()],
                ..Update::default()
            },
            now,
        );
        let lost_call = || Update {
            outcome: Some(CallOutcome::Lost),
            issue_id: Some("7".into()),
            note: Some("no free agent".into()),
            ..Update::default()
        };
        let lost = merge(Some(r), &call, lost_call(), now);
        assert_eq!(lost.outcome, CallOutcome::Lost);
        assert_eq!(lost.contact_id.as_deref(), Some("12"));
        assert_eq!(lost.issue_id.as_deref(), Some("7"));
        // A late pop, and the lost call's command retried after a lost answer.
        let late = merge(
            Some(lost),
            &call,
            Update {
                outcome: Some(CallOutcome::Ringing),
                popped_for: vec!["101".into(), "102".into()],
                ..Update::default()
            },
            now,
        );
        let again = merge(Some(late), &call, lost_call(), now);
        assert_eq!(again.outcome, CallOutcome::Lost);
        assert_eq!(again.popped_for, ["101", "102"]);
        assert_eq!(again.notes, ["no free agent"], "added once");
    }
}
