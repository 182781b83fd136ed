//! When each integration last heard from a provider, for the console's
//! "last webhook" column: written to Redis at most once per
//! [`NOTE_EVERY`] per integration, so a busy integration's webhooks do
//! not each pay a write for a time shown to the second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The finest the console needs.
pub(crate) const NOTE_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct LastHeard {
    noted: Mutex<HashMap<String, Instant>>,
}

impl LastHeard {
    /// Whether this webhook's time should be written: the first for the
    /// integration, or the first after [`NOTE_EVERY`]. Counts it as written.
    pub(crate) fn due(&self, integration: &str, now: Instant) -> bool {
        let mut noted = self
            .noted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match noted.get_mut(integration) {
            Some(at) if now.duration_since(*at) < NOTE_EVERY => false,
            Some(at) => {
                *at = now;
                true
            }
            None => {
                noted.insert(integration.to_string(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_integration_is_noted_at_most_once_a_second() {
        let heard = LastHeard::default();
        let t0 = Instant::now();
        assert!(heard.due("a", t0));
        assert!(!heard.due("a", t0 + Duration::from_millis(999)));
        assert!(heard.due("b", t0 + Duration::from_millis(10)));
        assert!(heard.due("a", t0 + NOTE_EVERY));
        assert!(!heard.due("a", t0 + NOTE_EVERY + Duration::from_millis(500)));
    }
}
