//! Plan throughput limits: at most N admitted envelopes of a kind in any rolling second.
//!
//! Blip documents the limits per plan (messages 3/50, notifications 6/100, commands 48/200 per second)
//! but not what happens when they are exceeded; the sandbox answers `429 Too Many Requests` with
//! `Retry-After: 1`. Refused requests do not count.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(1);

/// The kind of envelope a request carries (one limit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Notification,
    Command,
}

/// One rolling-second window.
#[derive(Debug, Default)]
pub struct Window {
    admitted: VecDeque<Instant>,
}

impl Window {
    /// Admits one envelope (counting it) unless `per_second` were already admitted in the last second.
    /// A limit of 0 admits everything.
    pub fn admit(&mut self, per_second: u32, now: Instant) -> bool {
        while self
            .admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.admitted.pop_front();
        }
        if per_second > 0 && self.admitted.len() >= per_second as usize {
            return false;
        }
        if per_second > 0 {
            self.admitted.push_back(now);
        }
        true
    }
}

/// The three windows of a contract.
#[derive(Debug, Default)]
pub struct Throughput {
    messages: Window,
    notifications: Window,
    commands: Window,
}

impl Throughput {
    pub fn window(&mut self, kind: Kind) -> &mut Window {
        match kind {
            Kind::Message => &mut self.messages,
            Kind::Notification => &mut self.notifications,
            Kind::Command => &mut self.commands,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_rolls_each_second() {
        let mut w = Window::default();
        let t0 = Instant::now();
        assert!(w.admit(2, t0));
        assert!(w.admit(2, t0 + Duration::from_millis(100)));
        assert!(!w.admit(2, t0 + Duration::from_millis(900)));
        assert!(w.admit(2, t0 + Duration::from_millis(1000)));
        assert!(!w.admit(2, t0 + Duration::from_millis(1050)));
        for _ in 0..1000 {
            assert!(w.admit(0, t0));
        }
    }
}
