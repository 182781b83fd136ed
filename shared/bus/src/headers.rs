use std::collections::BTreeMap;

use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

/// Message headers as plain strings (trace context, retry and dead-letter
/// facts).
pub type Headers = BTreeMap<String, String>;

pub const ATTEMPT: &str = "x-ponte-attempt";
pub const REASON: &str = "x-ponte-reason";
pub const LAST_STATUS: &str = "x-ponte-last-status";
pub const TRACE_ID: &str = "x-ponte-trace-id";
pub const ORIGIN_QUEUE: &str = "x-ponte-origin-queue";
pub const DEAD_AT: &str = "x-ponte-dead-at";
pub const PERMANENT: &str = "x-ponte-permanent";
/// Back-pressure delays a message has been through (not attempts).
pub const DELAYS: &str = "x-ponte-delays";
/// Whom a command's provider calls are for (`manual`, `poll`, `bulk`; none
/// is a live change): the account's budget serves live changes first.
pub const PRIORITY: &str = "x-ponte-priority";
/// Set on a command sent back from its integration's waiting list: its room
/// was counted when it was sent, so it is not refused again.
pub const SENT_BACK: &str = "x-ponte-sent-back";

pub fn to_table(headers: &Headers) -> FieldTable {
    let mut table = FieldTable::default();
    for (k, v) in headers {
        table.insert(
            ShortString::from(k.as_str()),
            AMQPValue::LongString(LongString::from(v.as_str())),
        );
    }
    table
}

pub fn from_table(table: Option<&FieldTable>) -> Headers {
    let mut out = Headers::new();
    let Some(table) = table else {
        return out;
    };
    for (k, v) in table.inner() {
        if let Some(text) = value_text(v) {
            out.insert(k.to_string(), text);
        }
    }
    out
}

fn value_text(v: &AMQPValue) -> Option<String> {
    Some(match v {
        AMQPValue::LongString(s) => s.to_string(),
        AMQPValue::ShortString(s) => s.to_string(),
        AMQPValue::LongLongInt(i) => i.to_string(),
        AMQPValue::LongInt(i) => i.to_string(),
        AMQPValue::LongUInt(i) => i.to_string(),
        AMQPValue::ShortInt(i) => i.to_string(),
        AMQPValue::ShortUInt(i) => i.to_string(),
        AMQPValue::Timestamp(t) => t.to_string(),
        AMQPValue::Boolean(b) => b.to_string(),
        _ => return None,
    })
}

/// The first-death facts RabbitMQ records when it dead-letters a message
/// itself (delivery limit reached, expiry, rejection).
pub fn first_death(table: Option<&FieldTable>) -> Option<(String, String)> {
    let table = table?.inner();
    let reason = table.get(&ShortString::from("x-first-death-reason"))?;
    let queue = table.get(&ShortString::from("x-first-death-queue"))?;
    Some((value_text(reason)?, value_text(queue)?))
}

/// When the broker first dead-lettered a message (the earliest `time` in
/// its `x-death` entries, Unix seconds); `None` when it never did.
pub fn first_death_time(table: Option<&FieldTable>) -> Option<u64> {
    let deaths = table?.inner().get(&ShortString::from("x-death"))?;
    let AMQPValue::FieldArray(deaths) = deaths else {
        return None;
    };
    deaths
        .as_slice()
        .iter()
        .filter_map(|d| match d {
            AMQPValue::FieldTable(t) => match t.inner().get(&ShortString::from("time"))? {
                AMQPValue::Timestamp(at) => Some(*at),
                _ => None,
            },
            _ => None,
        })
        .min()
}
