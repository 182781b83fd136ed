//! Parked messages: list, inspect, replay, purge.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::ShortString;
use ponte_core::Envelope;
use serde_json::Value;

use crate::headers::{self, Headers};
use crate::{Bus, BusError, Route};

/// Facts recorded with a message when it is parked.
#[derive(Debug, Clone, Default)]
pub struct DeadLetterInfo {
    pub reason: String,
    pub attempts: u32,
    /// The HTTP status of the provider's last answer as text (`404`),
    /// when there was one; the provider's words are in `reason`. (Letters
    /// parked before decision 95 may carry `404 <words>`.)
    pub last_status: Option<String>,
    pub trace_id: Option<String>,
    /// True when retrying cannot help (validation, bad credentials).
    pub permanent: bool,
}

/// A parked message as an operator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeadLetter {
    pub id: String,
    /// `movidesk`, `router`, ...
    pub queue: String,
    pub reason: String,
    /// The reason as one of [`CATEGORIES`], for counting.
    pub category: &'static str,
    pub attempts: u32,
    pub last_status: Option<String>,
    pub trace_id: Option<String>,
    pub origin_queue: Option<String>,
    pub dead_at: Option<DateTime<Utc>>,
    pub permanent: bool,
    pub integration: Option<String>,
    pub kind: Option<String>,
    /// The parked envelope, or the raw text when it was not one.
    pub message: Value,
}

/// Why a message was parked, as a closed set: `permanent` (retrying cannot
/// help), `exhausted` (retries used up), `delivery_limit` (the broker parked
/// it after too many deliveries: a consumer crashed on it), `malformed`
/// (unreadable, rejected by its consumer), `other` (any other broker reason).
pub const CATEGORIES: [&str; 5] = [
    "permanent",
    "exhausted",
    "delivery_limit",
    "malformed",
    "other",
];

/// Which parked messages an operation applies to.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub id: Option<String>,
    pub integration: Option<String>,
    pub reason_contains: Option<String>,
    pub limit: Option<usize>,
}

impl Selection {
    fn matches(&self, dl: &DeadLetter) -> bool {
        self.id.as_ref().is_none_or(|id| &dl.id == id)
            && self
                .integration
                .as_ref()
                .is_none_or(|i| dl.integration.as_ref() == Some(i))
            && self
                .reason_contains
                .as_ref()
                .is_none_or(|r| dl.reason.contains(r.as_str()))
    }
}

impl Bus {
    /// Parks `envelope` in the dead-letter queue `name` with its reason.
    pub async fn dead_letter(
        &self,
        name: &str,
        envelope: &Envelope,
        origin_queue: &str,
        info: &DeadLetterInfo,
        trace_headers: &Headers,
    ) -> Result<(), BusError> {
        let mut h = trace_headers.clone();
        h.insert(headers::REASON.into(), info.reason.clone());
        h.insert(headers::ATTEMPT.into(), info.attempts.to_string());
        h.insert(headers::ORIGIN_QUEUE.into(), origin_queue.to_string());
        h.insert(headers::DEAD_AT.into(), Utc::now().to_rfc3339());
        h.insert(headers::PERMANENT.into(), info.permanent.to_string());
        if let Some(s) = &info.last_status {
            h.insert(headers::LAST_STATUS.into(), s.clone());
        }
        if let Some(t) = &info.trace_id {
            h.insert(headers::TRACE_ID.into(), t.clone());
        }
        self.publish(&Route::DeadLetter(name.to_string()), envelope, &h)
            .await
    }

    fn dlq_queue(&self, name: &str) -> Result<String, BusError> {
        if self.topology().dlq_names().iter().any(|n| n == name) {
            Ok(self.topology().dlq(name))
        } else {
            Err(BusError::UnknownQueue(name.to_string()))
        }
    }

    /// Reads parked messages without taking them: they stay where they are.
    pub async fn dead_letters(
        &self,
        name: &str,
        sel: &Selection,
    ) -> Result<Vec<DeadLetter>, BusError> {
        let mut out = Vec::new();
        self.walk(name, |dl| {
            if sel.matches(&dl) && sel.limit.is_none_or(|l| out.len() < l) {
                out.push(dl);
            }
            Step::Keep
        })
        .await?;
        Ok(out)
    }

    /// Sends the selected messages back to the queue they came from, with
    /// the attempt count reset and the same ids (so an effect that already
    /// happened is recognised and not repeated). Returns how many.
    pub async fn replay(&self, name: &str, sel: &Selection) -> Result<usize, BusError> {
        let mut chosen = Vec::new();
        self.walk(name, |dl| {
            if sel.matches(&dl) && sel.limit.is_none_or(|l| chosen.len() < l) {
                chosen.push(dl);
                Step::Take
            } else {
                Step::Keep
            }
        })
        .await
        .map(|_| chosen.len())
    }

    /// Deletes the selected messages. Returns how many.
    pub async fn purge(&self, name: &str, sel: &Selection) -> Result<usize, BusError> {
        let mut n = 0;
        self.walk(name, |dl| {
            if sel.matches(&dl) && sel.limit.is_none_or(|l| n < l) {
                n += 1;
                Step::Delete
            } else {
                Step::Keep
            }
        })
        .await?;
        Ok(n)
    }

    /// Visits each parked message once, holding them all unacked so none is
    /// seen twice; kept ones return to the queue when the channel closes.
    /// Walks of this process take turns (a message held by one walk is
    /// invisible to another). Returns how many messages were left unvisited
    /// when the visitor said [`Step::Stop`] (0 when it saw them all).
    pub(crate) async fn walk<F>(&self, name: &str, mut visit: F) -> Result<u64, BusError>
    where
        F: FnMut(DeadLetter) -> Step,
    {
        let queue = self.dlq_queue(name)?;
        let _turn = self.browse.lock().await;
        let channel = self.channel().await?;
        let mut failure = None;
        let mut unvisited = 0;
        loop {
            let got = channel
                .basic_get(
                    ShortString::from(queue.as_str()),
                    BasicGetOptions { no_ack: false },
                )
                .await?;
            let Some(message) = got else { break };
            let left = u64::from(message.message_count);
            let delivery = message.delivery;
            let table = delivery.properties.headers().as_ref();
            let dl = describe(name, &delivery.data, table);
            let origin = dl.origin_queue.clone();
            match visit(dl) {
                Step::Keep => {}
                Step::Stop => {
                    // This one and those behind it were not visited.
                    unvisited = left + 1;
                    break;
                }
                Step::Delete => {
                    delivery.ack(BasicAckOptions::default()).await?;
                }
                Step::Take => {
                    let Some(origin) = origin else {
                        failure = Some(BusError::UnknownQueue(format!(
                            "{name}: a message has no origin queue to replay into"
                        )));
                        break;
                    };
                    match Envelope::from_bytes(&delivery.data) {
                        Ok(mut env) => {
                            env.attempt = 0;
                            let mut h = headers::from_table(table);
                            for k in [
                                headers::REASON,
                                headers::DEAD_AT,
                                headers::LAST_STATUS,
                                headers::PERMANENT,
                                headers::ORIGIN_QUEUE,
                            ] {
                                h.remove(k);
                            }
                            h.retain(|k, _| {
                                !k.starts_with("x-death")
                                    && !k.starts_with("x-first-death")
                                    && !k.starts_with("x-last-death")
                            });
                            h.insert(headers::ATTEMPT.into(), "0".into());
                            h.insert("x-ponte-replayed".into(), Utc::now().to_rfc3339());
                            self.publish(&Route::Queue(origin), &env, &h).await?;
                            delivery.ack(BasicAckOptions::default()).await?;
                        }
                        Err(e) => {
                            failure = Some(BusError::Topology(format!(
                                "cannot replay a message that is not an envelope: {e}"
                            )));
                            break;
                        }
                    }
                }
            }
        }
        let _ =
            tokio::time::timeout(Duration::from_secs(5), channel.close(200, "done".into())).await;
        match failure {
            Some(e) => Err(e),
            None => Ok(unvisited),
        }
    }
}

/// What a walk does with the message it shows its visitor.
pub(crate) enum Step {
    /// Leave it in the queue.
    Keep,
    /// Send it back to the queue it came from.
    Take,
    /// Delete it.
    Delete,
    /// Leave it, and stop walking.
    Stop,
}

fn describe(name: &str, data: &[u8], table: Option<&lapin::types::FieldTable>) -> DeadLetter {
    let h = headers::from_table(table);
    let envelope = Envelope::from_bytes(data).ok();
    let permanent = h.get(headers::PERMANENT).is_some_and(|p| p == "true");
    let (reason, category, origin) = match (h.get(headers::REASON), headers::first_death(table)) {
        // Parked by Ponte: refused for good, or retries used up.
        (Some(r), _) => (
            r.clone(),
            if permanent { "permanent" } else { "exhausted" },
            h.get(headers::ORIGIN_QUEUE).cloned(),
        ),
        (None, Some((why, queue))) if why == "delivery_limit" => (
            "delivery limit reached: the message was taken and given back too many times (a consumer crashed or could not finish it)".to_string(),
            "delivery_limit",
            Some(queue),
        ),
        // A consumer rejects only what it cannot read.
        (None, Some((why, queue))) if why == "rejected" => (
            "dead-lettered by the broker: rejected (the message could not be read)".to_string(),
            "malformed",
            Some(queue),
        ),
        (None, Some((why, queue))) => (
            format!("dead-lettered by the broker: {why}"),
            "other",
            Some(queue),
        ),
        (None, None) => ("unknown".to_string(), "other", None),
    };
    DeadLetter {
        id: envelope.as_ref().map(|e| e.id.clone()).unwrap_or_default(),
        queue: name.to_string(),
        reason,
        category,
        attempts: h
            .get(headers::ATTEMPT)
            .and_then(|a| a.parse().ok())
            .unwrap_or(0),
        last_status: h.get(headers::LAST_STATUS).cloned(),
        trace_id: h
            .get(headers::TRACE_ID)
            .cloned()
            .or_else(|| ponte_telemetry::propagation::trace_id_of(&h)),
        origin_queue: origin,
        // Ponte's own stamp, else when the broker dead-lettered it.
        dead_at: h
            .get(headers::DEAD_AT)
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&Utc))
            .or_else(|| {
                headers::first_death_time(table)
                    .and_then(|s| DateTime::from_timestamp(i64::try_from(s).ok()?, 0))
            }),
        permanent,
        integration: envelope.as_ref().map(|e| e.integration.clone()),
        kind: envelope.as_ref().map(|e| e.kind().as_str().to_string()),
        message: envelope
            .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
            .unwrap_or_else(|| Value::String(String::from_utf8_lossy(data).into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};

    use super::*;

    fn table(pairs: &[(&str, AMQPValue)]) -> FieldTable {
        let mut t = FieldTable::default();
        for (k, v) in pairs {
            t.insert(ShortString::from(*k), v.clone());
        }
        t
    }

    fn text(s: &str) -> AMQPValue {
        AMQPValue::LongString(LongString::from(s))
    }

    #[test]
    fn parked_messages_fall_in_a_closed_set_of_categories() {
        let ponte = |permanent: &str| {
            table(&[
                (headers::REASON, text("movidesk answered 404")),
                (headers::PERMANENT, text(permanent)),
                (headers::DEAD_AT, text("2026-01-02T03:04:05Z")),
            ])
        };
        let dl = describe("movidesk", b"{}", Some(&ponte("true")));
        assert_eq!(dl.category, "permanent");
        assert_eq!(
            dl.dead_at.map(|d| d.timestamp()),
            Some(1_767_323_045),
            "Ponte's own stamp"
        );
        assert_eq!(
            describe("movidesk", b"{}", Some(&ponte("false"))).category,
            "exhausted"
        );
        let broker = |why: &str| {
            let death = table(&[("time", AMQPValue::Timestamp(1_700_000_000))]);
            table(&[
                ("x-first-death-reason", text(why)),
                ("x-first-death-queue", text("ns.work.movidesk.0")),
                (
                    "x-death",
                    AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::FieldTable(death)])),
                ),
            ])
        };
        let limit = describe("movidesk", b"{}", Some(&broker("delivery_limit")));
        assert_eq!(limit.category, "delivery_limit");
        assert_eq!(
            limit.dead_at.map(|d| d.timestamp()),
            Some(1_700_000_000),
            "the broker's x-death time"
        );
        assert_eq!(limit.origin_queue.as_deref(), Some("ns.work.movidesk.0"));
        assert_eq!(
            describe("router", b"x", Some(&broker("rejected"))).category,
            "malformed"
        );
        assert_eq!(
            describe("router", b"x", Some(&broker("expired"))).category,
            "other"
        );
        let bare = describe("router", b"x", None);
        assert_eq!((bare.category, bare.dead_at), ("other", None));
        for dl in [limit, bare] {
            assert!(CATEGORIES.contains(&dl.category));
        }
    }
}
