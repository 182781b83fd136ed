//! The observer: a background task of `ponte-admin` that, every period,
//! counts what waits in the broker and publishes it as gauges — parked
//! messages by queue and reason, the oldest one's age, and the depth of the
//! event, work, retry and parking queues. Shard queues are only counted
//! with passive declares (never consumed: a nack there would count toward
//! the delivery limit); parking queues are browsed and every message given
//! back. It runs beside the API and never holds it up except that a
//! dead-letter request waits for the one parking queue being browsed.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ponte_bus::{Bus, BusError, DEAD_LETTER_CATEGORIES};
use ponte_config::{ConfigError, Source, parse_duration};
use ponte_core::Provider;
use ponte_telemetry::catalog;
use tokio_util::sync::CancellationToken;

/// `PONTE_OBSERVER_PERIOD` and `PONTE_OBSERVER_BROWSE_LIMIT`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObserverSettings {
    /// Time between passes; `None` turns the observer off (`0`).
    pub period: Option<Duration>,
    /// Messages browsed per parking queue and pass, at most.
    pub browse_limit: u64,
}

pub const DEFAULT_PERIOD: Duration = Duration::from_secs(15);
pub const DEFAULT_BROWSE_LIMIT: u64 = 10_000;

/// The `provider` of the router's input and parking queues.
const ROUTER: &str = "router";
/// The `provider` of the retry tiers, which every provider shares.
const SHARED: &str = "all";

impl ObserverSettings {
    pub fn load(source: &Source) -> Result<ObserverSettings, ConfigError> {
        let key = "PONTE_OBSERVER_PERIOD";
        let period = match source.get(key) {
            None => Some(DEFAULT_PERIOD),
            Some(raw) if raw.trim() == "0" => None,
            Some(raw) => match parse_duration(raw.trim()) {
                Some(d) if d.is_zero() => None,
                Some(d) => Some(d),
                None => {
                    return Err(ConfigError::invalid(
                        key,
                        format!(
                            "`{raw}` is not a duration like 500ms, 15s or 1m (0 turns the observer off)"
                        ),
                    ));
                }
            },
        };
        let limit_key = "PONTE_OBSERVER_BROWSE_LIMIT";
        let browse_limit = source.parse(limit_key, DEFAULT_BROWSE_LIMIT)?;
        if browse_limit == 0 {
            return Err(ConfigError::invalid(
                limit_key,
                "must be at least 1 (turn the observer off with PONTE_OBSERVER_PERIOD=0)",
            ));
        }
        Ok(ObserverSettings {
            period,
            browse_limit,
        })
    }
}

/// Registers every series of the observer at 0, so alerts have a series
/// before the first pass.
fn register(bus: &Bus) {
    for name in bus.topology().dlq_names() {
        for reason in DEAD_LETTER_CATEGORIES {
            catalog::DEAD_LETTERS.zero(&[&name, reason]);
        }
        catalog::DEAD_LETTERS_NOT_BROWSED.zero(&[&name]);
        catalog::DEAD_LETTER_OLDEST_AGE.zero(&[&name]);
        catalog::QUEUE_MESSAGES.zero(&["parking", &name]);
    }
    catalog::QUEUE_MESSAGES.zero(&["events", ROUTER]);
    for p in Provider::ALL {
        catalog::QUEUE_MESSAGES.zero(&["work", p.as_str()]);
    }
    catalog::QUEUE_MESSAGES.zero(&["retry", SHARED]);
    catalog::OBSERVER_LAST_SUCCESS.zero(&[]);
}

/// Starts the observer, unless it is off; it stops with `shutdown`.
pub fn spawn(bus: Arc<Bus>, settings: ObserverSettings, shutdown: CancellationToken) {
    let Some(period) = settings.period else {
        tracing::info!("observer off (PONTE_OBSERVER_PERIOD=0): no queue or dead-letter gauges");
        return;
    };
    register(&bus);
    tokio::spawn(async move {
        loop {
            // A pass that fails is skipped; the next one tries again, and
            // ponte_observer_last_success_timestamp_seconds shows the gap.
            tokio::select! {
                _ = shutdown.cancelled() => return,
                result = pass(&bus, settings.browse_limit) => {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "observer pass skipped: the broker did not answer");
                    }
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(period) => {}
            }
        }
    });
}

/// One look at every queue of the namespace.
async fn pass(bus: &Bus, browse_limit: u64) -> Result<(), BusError> {
    let t = bus.topology();
    let events = bus.messages_in(&t.events_queues()).await?;
    catalog::QUEUE_MESSAGES.set(&["events", ROUTER], events as f64);
    for p in Provider::ALL {
        let work = bus.messages_in(&t.work_queues(p)).await?;
        catalog::QUEUE_MESSAGES.set(&["work", p.as_str()], work as f64);
    }
    let tiers: Vec<String> = (0..t.retry_tiers.len()).map(|i| t.retry_name(i)).collect();
    let retry = bus.messages_in(&tiers).await?;
    catalog::QUEUE_MESSAGES.set(&["retry", SHARED], retry as f64);
    for name in t.dlq_names() {
        let census = bus.census(&name, browse_limit).await?;
        for (reason, n) in &census.by_category {
            catalog::DEAD_LETTERS.set(&[&name, reason], *n as f64);
        }
        catalog::DEAD_LETTERS_NOT_BROWSED.set(&[&name], census.not_browsed as f64);
        if census.not_browsed > 0 {
            tracing::warn!(
                queue = %name,
                not_browsed = census.not_browsed,
                browse_limit,
                "more parked messages than the observer browses; those beyond the limit are not counted by reason"
            );
        }
        let age = census
            .oldest
            .map(|at| (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0)
            .unwrap_or(0.0);
        catalog::DEAD_LETTER_OLDEST_AGE.set(&[&name], age);
        // The browse counts the parking queue itself: a passive declare
        // would not see messages another walk holds.
        catalog::QUEUE_MESSAGES.set(&["parking", &name], census.total() as f64);
    }
    catalog::OBSERVER_LAST_SUCCESS.set(&[], Utc::now().timestamp() as f64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<ObserverSettings, String> {
        ObserverSettings::load(&Source::from_pairs(pairs.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_period_defaults_to_15_s_and_0_turns_the_observer_off() {
        let d = load(&[]).expect("defaults");
        assert_eq!(d.period, Some(Duration::from_secs(15)));
        assert_eq!(d.browse_limit, 10_000);
        assert_eq!(
            load(&[("PONTE_OBSERVER_PERIOD", "0")]).expect("off").period,
            None
        );
        assert_eq!(
            load(&[("PONTE_OBSERVER_PERIOD", "0s")])
                .expect("off")
                .period,
            None
        );
        assert_eq!(
            load(&[("PONTE_OBSERVER_PERIOD", "250ms")])
                .expect("fast")
                .period,
            Some(Duration::from_millis(250))
        );
        let err = load(&[("PONTE_OBSERVER_PERIOD", "often")]).expect_err("refused");
        assert!(err.contains("PONTE_OBSERVER_PERIOD"), "{err}");
        let err = load(&[("PONTE_OBSERVER_BROWSE_LIMIT", "0")]).expect_err("refused");
        assert!(err.contains("PONTE_OBSERVER_BROWSE_LIMIT"), "{err}");
    }
}
