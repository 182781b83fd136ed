//! Per-tenant request budget (rolling-window rate limit) and failed-request lockout.
//!
//! Both follow Movidesk's documented behaviour and are configurable so other providers can reuse them:
//! * at most `per_minute` admitted requests in any rolling 60 s window, else `429` with `retry-after`;
//! * after `lockout_after` consecutive error answers (4xx/5xx other than 429) the tenant is locked for
//!   `lockout_seconds`: every request gets `429 Too many failed requests` with `retry-after`. Each
//!   further series before a success locks longer, as Movidesk's block escalates 60 s → 120 s → 300 s:
//!   ×1, ×2, then ×5 of `lockout_seconds`. A success resets the count and the escalation. Rejected (429)
//!   requests neither count in the window nor as failures.
//!
//! A value of 0 switches the corresponding mechanism off.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

/// Limits of one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitSettings {
    pub rate_limit_per_minute: u32,
    pub lockout_after_failures: u32,
    pub lockout_seconds: u64,
}

/// Why a request was turned away before reaching the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The rolling window is full; retry after the given number of seconds.
    RateLimited { retry_after_secs: u64 },
    /// The tenant is locked after consecutive failures; retry after the given number of seconds.
    LockedOut { retry_after_secs: u64 },
}

/// Mutable limit state of one tenant.
#[derive(Debug)]
pub struct AccessGuard {
    settings: LimitSettings,
    admitted: VecDeque<Instant>,
    consecutive_failures: u32,
    locked_until: Option<Instant>,
    /// Lockouts since the last success: each locks longer.
    lockouts: u32,
}

/// How much longer each successive lockout lasts (Movidesk: 60, 120, 300 s).
const ESCALATION: [u64; 3] = [1, 2, 5];

fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

impl AccessGuard {
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            settings,
            admitted: VecDeque::new(),
            consecutive_failures: 0,
            locked_until: None,
            lockouts: 0,
        }
    }

    pub fn settings(&self) -> LimitSettings {
        self.settings
    }

    /// Changes the limits; the current window and lockout are kept (a lockout switched off is lifted).
    pub fn update(&mut self, settings: LimitSettings) {
        self.settings = settings;
        if settings.lockout_after_failures == 0 {
            self.locked_until = None;
            self.consecutive_failures = 0;
        }
    }

    /// Seconds left in the current lockout, if any.
    pub fn locked_for(&self, now: Instant) -> Option<u64> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| ceil_secs(until - now))
    }

    /// Admits a request (counting it in the window) or says why not.
    pub fn admit(&mut self, now: Instant) -> Result<(), Rejection> {
        if let Some(retry_after_secs) = self.locked_for(now) {
            return Err(Rejection::LockedOut { retry_after_secs });
        }
        self.locked_until = None;
        while self
            .admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.admitted.pop_front();
        }
        let limit = self.settings.rate_limit_per_minute as usize;
        if limit > 0 && self.admitted.len() >= limit {
            let oldest = self.admitted.front().copied().unwrap_or(now);
            let retry_after_secs = ceil_secs((oldest + WINDOW).saturating_duration_since(now));
            return Err(Rejection::RateLimited { retry_after_secs });
        }
        self.admitted.push_back(now);
        Ok(())
    }

    /// Records the outcome of an admitted request. Returns true when this failure started a lockout.
    pub fn record(&mut self, status: u16, counts_as_failure: bool, now: Instant) -> bool {
        if status == 429 {
            return false;
        }
        if status < 400 {
            self.consecutive_failures = 0;
            self.lockouts = 0;
            return false;
        }
        if !counts_as_failure || self.settings.lockout_after_failures == 0 {
            return false;
        }
        self.consecutive_failures += 1;
        if self.consecutive_failures >= self.settings.lockout_after_failures {
            self.consecutive_failures = 0;
            let factor = ESCALATION[(self.lockouts as usize).min(ESCALATION.len() - 1)];
            self.lockouts = self.lockouts.saturating_add(1);
            self.locked_until = Some(
                now + Duration::from_secs(self.settings.lockout_seconds.saturating_mul(factor)),
            );
            return true;
        }
        false
    }

    /// Lifts a lockout and forgets the window (used by the control API).
    pub fn clear(&mut self) {
        self.admitted.clear();
        self.consecutive_failures = 0;
        self.locked_until = None;
        self.lockouts = 0;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn guard(rate: u32, fails: u32) -> AccessGuard {
        AccessGuard::new(LimitSettings {
            rate_limit_per_minute: rate,
            lockout_after_failures: fails,
            lockout_seconds: 60,
        })
    }

    #[test]
    fn window_rolls() {
        let mut g = guard(2, 0);
        let t0 = Instant::now();
        assert!(g.admit(t0).is_ok());
        assert!(g.admit(t0 + Duration::from_secs(10)).is_ok());
        assert_eq!(
            g.admit(t0 + Duration::from_secs(20)),
            Err(Rejection::RateLimited {
                retry_after_secs: 40
            })
        );
        assert!(g.admit(t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn lockout_after_consecutive_failures_and_success_resets() {
        let mut g = guard(0, 3);
        let t0 = Instant::now();
        g.record(400, true, t0);
        g.record(500, true, t0);
        g.record(200, true, t0);
        g.record(404, true, t0);
        assert!(g.admit(t0).is_ok());
        g.record(400, true, t0);
        assert!(g.record(400, true, t0));
        assert_eq!(
            g.admit(t0 + Duration::from_secs(1)),
            Err(Rejection::LockedOut {
                retry_after_secs: 59
            })
        );
        assert!(g.admit(t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn successive_lockouts_escalate_until_a_success() {
        let mut g = guard(0, 3);
        let mut now = Instant::now();
        let lock = |g: &mut AccessGuard, now: Instant| {
            for _ in 0..3 {
                g.record(400, true, now);
            }
            match g.admit(now) {
                Err(Rejection::LockedOut { retry_after_secs }) => retry_after_secs,
                other => panic!("not locked: {other:?}"),
            }
        };
        let mut seen = Vec::new();
        for _ in 0..4 {
            let secs = lock(&mut g, now);
            seen.push(secs);
            now += Duration::from_secs(secs);
            assert!(g.admit(now).is_ok(), "the lock ends after {secs} s");
        }
        assert_eq!(seen, vec![60, 120, 300, 300]);
        // A success starts over at 60 s.
        g.record(200, true, now);
        assert_eq!(lock(&mut g, now), 60);
    }

    #[test]
    fn zero_switches_off() {
        let mut g = guard(0, 0);
        let t0 = Instant::now();
        for _ in 0..100 {
            assert!(g.admit(t0).is_ok());
            g.record(500, true, t0);
        }
    }
}
