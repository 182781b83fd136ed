//! Sign-in attempts: after a few wrong tokens from one address, further
//! attempts are refused for a while, so the admin token cannot be guessed
//! through the console.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) const MAX_FAILURES: usize = 5;
pub(crate) const WINDOW: Duration = Duration::from_secs(300);
const MAX_ADDRESSES: usize = 10_000;

#[derive(Default)]
pub(crate) struct SignInLimiter {
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl SignInLimiter {
    /// Ok, or how long the address must wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        let Some(times) = map.get_mut(&ip) else {
            return Ok(());
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= MAX_FAILURES {
            let oldest = times.front().copied().unwrap_or(now);
            Err(WINDOW.saturating_sub(now.duration_since(oldest)))
        } else {
            Ok(())
        }
    }

    pub fn failed(&self, ip: IpAddr) {
        self.failed_at(ip, Instant::now());
    }

    fn failed_at(&self, ip: IpAddr, now: Instant) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() >= MAX_ADDRESSES {
                map.retain(|_, t| t.back().is_some_and(|l| now.duration_since(*l) < WINDOW));
            }
            let times = map.entry(ip).or_default();
            times.push_back(now);
            while times.len() > MAX_FAILURES {
                times.pop_front();
            }
        }
    }

    pub fn succeeded(&self, ip: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_address_until_the_window_passes() {
        let l = SignInLimiter::default();
        let ip: IpAddr = [127, 0, 0, 1].into();
        let other: IpAddr = [127, 0, 0, 2].into();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(l.check_at(ip, t0).is_ok());
            l.failed_at(ip, t0);
        }
        let wait = l.check_at(ip, t0).expect_err("locked");
        assert!(wait > Duration::from_secs(290), "{wait:?}");
        assert!(
            l.check_at(other, t0).is_ok(),
            "other addresses are not locked"
        );
        assert!(l.check_at(ip, t0 + WINDOW).is_ok(), "the window passes");
        l.succeeded(ip);
        assert!(l.check_at(ip, t0).is_ok());
    }
}
