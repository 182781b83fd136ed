use std::time::Duration;

use ponte_core::Envelope;
use rand::Rng;

use crate::headers::{self, Headers};
use crate::{Bus, BusError, Route};

/// When a failed provider call is tried again.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay of each retry tier, shortest first; attempt `n` (1-based) uses
    /// tier `n-1`, and the last tier for every attempt after.
    pub tiers: Vec<Duration>,
    /// Total tries, the first included, before the message is parked.
    pub max_attempts: u32,
    /// ± fraction of the delay chosen at random, so retries of many
    /// messages do not arrive together.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            tiers: [1, 5, 30, 120, 600, 3600]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            max_attempts: 8,
            jitter: 0.2,
        }
    }
}

impl RetryPolicy {
    /// Tier and delay for retry number `attempt` (1 = first retry). A
    /// provider's `Retry-After` is a floor: the delay is never shorter.
    pub fn schedule(&self, attempt: u32, retry_after: Option<Duration>) -> (usize, Duration) {
        let last = self.tiers.len().saturating_sub(1);
        let by_attempt = (attempt.saturating_sub(1) as usize).min(last);
        let tier = match retry_after {
            Some(ra) => {
                let fitting = self.tiers.iter().position(|t| *t >= ra).unwrap_or(last);
                fitting.max(by_attempt)
            }
            None => by_attempt,
        };
        let base = self
            .tiers
            .get(tier)
            .copied()
            .unwrap_or(Duration::from_secs(1));
        let factor = 1.0 + rand::rng().random_range(-self.jitter..=self.jitter);
        let jittered = base.mul_f64(factor.max(0.0));
        let delay = match retry_after {
            Some(ra) => jittered.max(ra),
            None => jittered,
        };
        (tier, delay)
    }

    /// The delay of a back-pressure wait: `wait` plus up to half the
    /// policy's jitter fraction (10 % by default), never less than `wait`.
    pub fn pace(&self, wait: Duration) -> Duration {
        let spread = rand::rng().random_range(0.0..=self.jitter.max(0.0) / 2.0);
        wait.mul_f64(1.0 + spread).max(Duration::from_millis(1))
    }

    /// Whether another try is allowed after `attempt` tries failed.
    pub fn allows(&self, attempts_made: u32) -> bool {
        attempts_made < self.max_attempts
    }
}

impl Bus {
    /// Parks `envelope` in a retry tier; it comes back to `queue` when the
    /// delay expires, with `attempt` counted up. Returns the delay chosen.
    pub async fn schedule_retry(
        &self,
        envelope: &Envelope,
        queue: &str,
        retry_after: Option<Duration>,
        headers: &Headers,
    ) -> Result<Duration, BusError> {
        let mut next = envelope.clone();
        next.attempt += 1;
        let (tier, delay) = self.config.retry.schedule(next.attempt, retry_after);
        let mut h = headers.clone();
        h.insert(headers::ATTEMPT.into(), next.attempt.to_string());
        self.publish_with_expiry(
            &Route::Retry {
                tier,
                queue: queue.to_string(),
            },
            &next,
            &h,
            Some(delay),
        )
        .await?;
        Ok(delay)
    }

    /// Sends `envelope` back to `queue` after at least `wait`, without
    /// counting an attempt: back-pressure (a 429, a used-up rate budget)
    /// is a delay, not a failure. `delays_so_far` is the
    /// count the message arrived with ([`crate::Incoming::delays`]); the
    /// message leaves with one more. Returns the delay chosen.
    pub async fn schedule_delay(
        &self,
        envelope: &Envelope,
        queue: &str,
        wait: Duration,
        delays_so_far: u32,
        headers: &Headers,
    ) -> Result<Duration, BusError> {
        let (tier, _) = self.config.retry.schedule(1, Some(wait));
        // The wait itself (a little more, so that many waiters do not come
        // back at once), not the tier's length: a budget that frees up in
        // 40 s must not cost the 2-minute tier it is queued in. Messages
        // expire at the head of their tier, so one behind a longer delay
        // waits no longer than before.
        let delay = self.config.retry.pace(wait);
        let mut h = headers.clone();
        h.insert(headers::DELAYS.into(), (delays_so_far + 1).to_string());
        self.publish_with_expiry(
            &Route::Retry {
                tier,
                queue: queue.to_string(),
            },
            envelope,
            &h,
            Some(delay),
        )
        .await?;
        Ok(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_back_pressure_wait_costs_the_wait_not_its_tier() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let d = p.pace(Duration::from_secs(40));
            assert!(d >= Duration::from_secs(40), "{d:?}");
            assert!(d <= Duration::from_secs(44), "at most 10 % more: {d:?}");
        }
        assert!(p.pace(Duration::ZERO) > Duration::ZERO);
    }

    #[test]
    fn attempts_climb_the_tiers_with_jitter() {
        let p = RetryPolicy::default();
        for _ in 0..50 {
            let (t, d) = p.schedule(1, None);
            assert_eq!(t, 0);
            assert!(d >= Duration::from_millis(800) && d <= Duration::from_millis(1200));
        }
        assert_eq!(p.schedule(2, None).0, 1);
        assert_eq!(p.schedule(99, None).0, p.tiers.len() - 1);
    }

    #[test]
    fn retry_after_is_a_floor() {
        let p = RetryPolicy::default();
        let (tier, delay) = p.schedule(1, Some(Duration::from_secs(60)));
        assert_eq!(p.tiers[tier], Duration::from_secs(120));
        assert!(delay >= Duration::from_secs(60));
        let (_, delay) = p.schedule(1, Some(Duration::from_secs(4)));
        assert!(delay >= Duration::from_secs(4));
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default();
        assert!(p.allows(7));
        assert!(!p.allows(8));
    }
}
