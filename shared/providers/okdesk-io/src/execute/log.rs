//! "Recorded conversation": an entry in Okdesk's call list
//! (`POST /phone_calls`) with direction, both numbers, start and end in the
//! Okdesk account's zone, duration and the recording link. The call id is
//! the entry's key: when Okdesk answers that it already has it (an earlier
//! try, or the missed-call issue of the same call), the entry is there and
//! the command is done.

use chrono::{DateTime, Duration, Utc};
use ponte_core::call::Direction;
use ponte_core::{Call, Side};
use ponte_store::CallOutcome;
use ponte_worker::{Ctx, ExecError, Outcome};
use serde_json::json;

use super::OkdeskExecutor;
use super::format::{desk_zone, minutes_in, shown_phone};
use crate::client::Logged;
use ponte_okdesk::model::NewPhoneCall;
use ponte_worker::effect::calls::{self, Update};

fn secs(n: u64) -> Duration {
    i64::try_from(n)
        .ok()
        .and_then(Duration::try_seconds)
        .unwrap_or_else(Duration::zero)
}

/// Start, end and talk seconds: what the PBX said, completed from each
/// other, and `now` when it said nothing.
fn times(call: &Call, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>, u64) {
    let length = call.talk_secs;
    let started = call
        .started_at
        .or_else(|| Some(call.finished_at? - secs(length?)))
        .or(call.finished_at)
        .unwrap_or(now);
    let finished = call
        .finished_at
        .unwrap_or_else(|| started + secs(length.unwrap_or(0)))
        .max(started);
    let duration = length.unwrap_or_else(|| (finished - started).num_seconds().max(0) as u64);
    (started, finished, duration)
}

/// The call-list entry of a call (linked to a missed-call issue when given).
pub(super) fn entry(
    ctx: &Ctx<'_>,
    call: &Call,
    issue_id: Option<i64>,
) -> Result<NewPhoneCall, ExecError> {
    let zone = desk_zone(ctx)?;
    let (started, finished, duration) = times(call, Utc::now());
    let client = call.client_phone().map(shown_phone);
    let employee = call
        .extensions
        .first()
        .cloned()
        .or_else(|| match call.direction {
            Direction::In => call.callee.as_deref().map(shown_phone),
            Direction::Out => Some(call.caller.clone()).filter(|c| !c.is_empty()),
        });
    let (source_phone, receiver_phone, direction) = match call.direction {
        Direction::In => (client, employee, 0),
        Direction::Out => (employee, client, 1),
    };
    Ok(NewPhoneCall {
        call_id: call.id.clone(),
        started_at: minutes_in(started, zone),
        finished_at: minutes_in(finished, zone),
        duration,
        direction,
        source_phone,
        receiver_phone,
        search_numbers_count: ctx.integration.telephony.search_numbers_count,
        file_url: call.recording_url.clone(),
        issue_id,
    })
}

impl OkdeskExecutor {
    pub(super) async fn log(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        call: &Call,
    ) -> Result<Outcome, ExecError> {
        let client = self.client(ctx, side)?;
        let logged = client.log_call(&entry(ctx, call, None)?).await?;
        if logged == Logged::AlreadyThere {
            tracing::info!(call = %call.id, "the call list already has this call");
        }
        calls::save(
            ctx,
            call,
            Update {
                outcome: Some(CallOutcome::Recorded),
                ..Update::default()
            },
        )
        .await?;
        Ok(Outcome {
            result: json!({
                "call": call.id,
                "logged": true,
                "already": logged == Logged::AlreadyThere,
                "recording": call.recording_url,
            }),
            ..Outcome::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("time")
    }

    #[test]
    fn times_complete_each_other() {
        let now = at("2026-05-04T09:00:00Z");
        let mut call = Call {
            started_at: Some(at("2026-05-04T07:15:30Z")),
            talk_secs: Some(95),
            ..Call::default()
        };
        assert_eq!(
            times(&call, now),
            (at("2026-05-04T07:15:30Z"), at("2026-05-04T07:17:05Z"), 95)
        );
        call.talk_secs = None;
        call.finished_at = Some(at("2026-05-04T07:16:30Z"));
        assert_eq!(times(&call, now).2, 60);
        let nothing = Call::default();
        assert_eq!(times(&nothing, now), (now, now, 0));
    }
}
