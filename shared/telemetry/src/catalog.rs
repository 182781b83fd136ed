//! Every metric a Ponte service emits, declared once: name, help, type and
//! label names. Call sites give only label values; each service registers
//! its closed label sets at start (see `register` in each service).
//! `ponte_build_info` and `process_*` are read at scrape time and live in
//! [`crate::process`]. docs/operations.md lists them all (a test checks).

use crate::metrics::{Counter, Gauge, Histogram, Metric};

// ---- every service -------------------------------------------------------

pub static BROKER_CONNECTED: Gauge = Gauge::new(
    "ponte_broker_connected",
    "1 when the broker answered this process's last check (every scrape and /readyz), else 0",
    &[],
);
pub static REDIS_CONNECTED: Gauge = Gauge::new(
    "ponte_redis_connected",
    "1 when Redis answered this process's last check (every scrape and /readyz), else 0",
    &[],
);
pub static CONSUMERS: Gauge = Gauge::new(
    "ponte_consumers",
    "Queue consumers this process has attached to the broker",
    &[],
);
pub static HTTP_REQUEST_SECONDS: Histogram = Histogram::new(
    "ponte_http_request_duration_seconds",
    "Time to answer an HTTP request of the ingress or the admin API/console, by method, route template and status class",
    &["method", "route", "status_class"],
);

// ---- ingress --------------------------------------------------------------

pub static WEBHOOKS: Counter = Counter::new(
    "ponte_webhooks_total",
    "Webhooks received, by provider and outcome (accepted, duplicate, or the error code answered)",
    &["provider", "outcome"],
);
pub static SPOOL_APPENDED: Counter = Counter::new(
    "ponte_spool_appended_total",
    "Webhooks written to the ingress spool while the broker could not confirm",
    &[],
);
pub static SPOOL_FORWARDED: Counter = Counter::new(
    "ponte_spool_forwarded_total",
    "Spooled webhooks the broker confirmed",
    &[],
);
pub static SPOOL_DEPTH: Gauge = Gauge::new(
    "ponte_spool_depth",
    "Webhooks waiting in the ingress spool for the broker",
    &[],
);
pub static SPOOL_BYTES: Gauge = Gauge::new(
    "ponte_spool_bytes",
    "Bytes the ingress spool takes on disk",
    &[],
);

// ---- router ---------------------------------------------------------------

pub static DUPLICATES: Counter = Counter::new(
    "ponte_duplicates_total",
    "Repeated events dropped",
    &["stage"],
);
pub static EVENTS_IGNORED: Counter = Counter::new(
    "ponte_events_ignored_total",
    "Events that needed nothing done, by reason",
    &["reason"],
);
pub static ECHOES_DROPPED: Counter = Counter::new(
    "ponte_echoes_dropped_total",
    "Ponte's own writes recognised in webhooks",
    &["kind"],
);
pub static COMMANDS_SENT: Counter = Counter::new(
    "ponte_commands_sent_total",
    "Commands sent to provider workers",
    &["provider", "op"],
);

// ---- router and workers ---------------------------------------------------

pub static DEAD_LETTERED: Counter = Counter::new(
    "ponte_dead_lettered_total",
    "Messages parked in a dead-letter queue, by queue (provider or router) and reason",
    &["provider", "reason"],
);

// ---- workers --------------------------------------------------------------

pub static COMMANDS_DONE: Counter = Counter::new(
    "ponte_commands_done_total",
    "Commands carried out",
    &["provider", "op"],
);
pub static COMMAND_SECONDS: Histogram = Histogram::new(
    "ponte_command_seconds",
    "Time to carry out a command",
    &["provider", "op"],
);
pub static RETRIES: Counter = Counter::new(
    "ponte_retries_total",
    "Retries scheduled",
    &["provider", "op"],
);
pub static BACKPRESSURE_DELAYS: Counter = Counter::new(
    "ponte_backpressure_delays_total",
    "Commands delayed by back-pressure (429, rate budget), not counted as attempts",
    &["provider", "integration"],
);
pub static COMMANDS_SET_ASIDE: Counter = Counter::new(
    "ponte_commands_set_aside_total",
    "Commands of a busy integration set aside in its waiting list until it has room, not counted as attempts",
    &["provider", "integration"],
);
pub static COMMANDS_WAITING: Gauge = Gauge::new(
    "ponte_commands_waiting",
    "Commands in an integration's waiting list at this process's last look",
    &["provider", "integration"],
);
pub static COMMANDS_SENT_BACK: Counter = Counter::new(
    "ponte_commands_sent_back_total",
    "Waiting commands sent back to their shard queue as their integration had room",
    &["provider"],
);
pub static COMMANDS_HELD: Counter = Counter::new(
    "ponte_commands_held_total",
    "Commands kept behind an earlier command of their key that waits for a retry",
    &["provider"],
);
pub static COMMANDS_RELEASED: Counter = Counter::new(
    "ponte_commands_released_total",
    "Held commands sent on after the command they waited for finished",
    &["provider"],
);
pub static COMMANDS_REPEATED: Counter = Counter::new(
    "ponte_commands_repeated_total",
    "Commands delivered again after they were done",
    &["provider"],
);
pub static PROVIDER_SECONDS: Histogram = Histogram::new(
    "ponte_provider_seconds",
    "Provider API call latency, by HTTP status (or error)",
    &["provider", "outcome"],
);

// ---- admin: the observer (what the broker holds) ------------------------

pub static DEAD_LETTERS: Gauge = Gauge::new(
    "ponte_dead_letters",
    "Messages parked in a dead-letter queue at the observer's last pass, by queue (provider or router) and reason",
    &["provider", "reason"],
);
pub static DEAD_LETTERS_NOT_BROWSED: Gauge = Gauge::new(
    "ponte_dead_letters_not_browsed",
    "Parked messages beyond the observer's browse limit, not counted by reason in ponte_dead_letters",
    &["provider"],
);
pub static DEAD_LETTER_OLDEST_AGE: Gauge = Gauge::new(
    "ponte_dead_letter_oldest_age_seconds",
    "Age of the oldest parked message of a dead-letter queue at the observer's last pass (0 when empty)",
    &["provider"],
);
pub static QUEUE_MESSAGES: Gauge = Gauge::new(
    "ponte_queue_messages",
    "Messages ready in the namespace's queues at the observer's last pass, by kind (events, work, retry, parking) and provider",
    &["kind", "provider"],
);
pub static OBSERVER_LAST_SUCCESS: Gauge = Gauge::new(
    "ponte_observer_last_success_timestamp_seconds",
    "When the admin's observer last finished a pass over the broker's queues (Unix seconds; 0 before the first)",
    &[],
);

// ---- provider-specific ----------------------------------------------------

pub static RATE_BUDGET_TAKEN: Counter = Counter::new(
    "ponte_rate_budget_taken_total",
    "Provider calls taken from an account's rate budget, by the priority they were served at",
    &["provider", "account", "class"],
);
pub static RATE_BUDGET_WAIT: Histogram = Histogram::new(
    "ponte_rate_budget_wait_seconds",
    "Short waits for an account's rate budget spent in the command's lane",
    &["provider", "account", "class"],
);
pub static RATE_BUDGET_DELAYS: Counter = Counter::new(
    "ponte_rate_budget_delays_total",
    "Commands sent back to wait for an account's rate budget (not attempts)",
    &["provider", "account", "class"],
);
pub static RATE_BUDGET_YIELDED: Counter = Counter::new(
    "ponte_rate_budget_yielded_total",
    "Times a call found its account's budget kept for a waiting call of a higher priority",
    &["provider", "account", "class"],
);
pub static CUSTOM_FIELDS_DROPPED: Counter = Counter::new(
    "ponte_custom_fields_dropped_total",
    "Custom-field values the correlation could not map, left out of a mirrored action",
    &["provider"],
);
pub static RECONCILED: Counter = Counter::new(
    "ponte_reconciled_total",
    "Changes found by reconciliation, not by a webhook",
    &["provider"],
);
pub static OCTADESK_TOKEN_RENEWALS: Counter = Counter::new(
    "ponte_octadesk_token_renewals_total",
    "Access tokens renewed after a 401",
    &[],
);
pub static CALL_POPS_SKIPPED: Counter = Counter::new(
    "ponte_call_pops_skipped_total",
    "Ringing calls whose caller card could not be popped, by reason",
    &["provider", "reason"],
);

/// Every declared metric, for documentation checks.
pub fn all() -> Vec<&'static Metric> {
    vec![
        &BROKER_CONNECTED.0,
        &REDIS_CONNECTED.0,
        &CONSUMERS.0,
        &HTTP_REQUEST_SECONDS.0,
        &WEBHOOKS.0,
        &SPOOL_APPENDED.0,
        &SPOOL_FORWARDED.0,
        &SPOOL_DEPTH.0,
        &SPOOL_BYTES.0,
        &DUPLICATES.0,
        &EVENTS_IGNORED.0,
        &ECHOES_DROPPED.0,
        &COMMANDS_SENT.0,
        &DEAD_LETTERED.0,
        &DEAD_LETTERS.0,
        &DEAD_LETTERS_NOT_BROWSED.0,
        &DEAD_LETTER_OLDEST_AGE.0,
        &QUEUE_MESSAGES.0,
        &OBSERVER_LAST_SUCCESS.0,
        &COMMANDS_DONE.0,
        &COMMAND_SECONDS.0,
        &RETRIES.0,
        &BACKPRESSURE_DELAYS.0,
        &COMMANDS_SET_ASIDE.0,
        &COMMANDS_WAITING.0,
        &COMMANDS_SENT_BACK.0,
        &COMMANDS_HELD.0,
        &COMMANDS_RELEASED.0,
        &COMMANDS_REPEATED.0,
        &PROVIDER_SECONDS.0,
        &RATE_BUDGET_TAKEN.0,
        &RATE_BUDGET_WAIT.0,
        &RATE_BUDGET_DELAYS.0,
        &RATE_BUDGET_YIELDED.0,
        &CUSTOM_FIELDS_DROPPED.0,
        &RECONCILED.0,
        &OCTADESK_TOKEN_RENEWALS.0,
        &CALL_POPS_SKIPPED.0,
    ]
}

/// The series every service has from its start: connection state and
/// consumers at zero until the first check says otherwise.
pub fn register_common() {
    BROKER_CONNECTED.zero(&[]);
    REDIS_CONNECTED.zero(&[]);
    CONSUMERS.zero(&[]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Kind;

    #[test]
    fn names_follow_the_prometheus_conventions() {
        let mut seen = std::collections::BTreeSet::new();
        for m in all() {
            assert!(seen.insert(m.name), "{} declared twice", m.name);
            assert!(m.name.starts_with("ponte_"), "{}", m.name);
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                m.name
            );
            match m.kind {
                Kind::Counter => assert!(m.name.ends_with("_total"), "{}", m.name),
                Kind::Histogram => assert!(m.name.ends_with("_seconds"), "{}", m.name),
                Kind::Gauge => assert!(!m.name.ends_with("_total"), "{}", m.name),
            }
            assert!(!m.help.is_empty() && !m.help.contains('\n'), "{}", m.name);
        }
    }

    #[test]
    fn every_metric_is_documented_in_the_operations_guide() {
        let guide = include_str!("../../../docs/operations.md");
        let mut missing: Vec<&str> = all()
            .iter()
            .map(|m| m.name)
            .chain(crate::process::NAMES)
            .filter(|name| !guide.contains(&format!("`{name}`")))
            .collect();
        missing.sort();
        assert!(
            missing.is_empty(),
            "docs/operations.md does not list {missing:?}"
        );
    }
}
