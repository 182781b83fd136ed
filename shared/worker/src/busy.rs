//! Commands in hand per integration, so that a slow account cannot take
//! every slot of the shard consumers: once an integration has `limit`
//! commands in hand that have run longer than [`SLOW`], its next commands
//! are delayed (back-pressure, not an attempt) and other tenants' commands
//! take the slots.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A command in hand longer than this counts as slow.
pub(crate) const SLOW: Duration = Duration::from_millis(500);

/// How long a command of a busy integration waits before it comes back.
pub(crate) const BUSY_DELAY: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub(crate) struct Busy {
    limit: usize,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    in_hand: HashMap<String, HashMap<u64, Instant>>,
}

/// One command in hand; leaves when dropped.
pub(crate) struct Slot {
    inner: Arc<Mutex<Inner>>,
    integration: String,
    id: u64,
}

impl Busy {
    /// `limit` slow commands per integration (at least 1).
    pub(crate) fn new(limit: usize) -> Busy {
        Busy {
            limit: limit.max(1),
            inner: Arc::new(Mutex::new(Inner::default())),
        }
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// A slot for a command of `integration`, or `None` when it already has
    /// `limit` slow commands in hand.
    pub(crate) fn enter(&self, integration: &str) -> Option<Slot> {
        self.enter_at(integration, Instant::now())
    }

    fn enter_at(&self, integration: &str, now: Instant) -> Option<Slot> {
        let mut inner = self.inner.lock().ok()?;
        let in_hand = inner.in_hand.entry(integration.to_string()).or_default();
        let slow = in_hand
            .values()
            .filter(|started| now.saturating_duration_since(**started) >= SLOW)
            .count();
        if slow >= self.limit {
            return None;
        }
        inner.next += 1;
        let id = inner.next;
        inner
            .in_hand
            .entry(integration.to_string())
            .or_default()
            .insert(id, now);
        Some(Slot {
            inner: self.inner.clone(),
            integration: integration.to_string(),
            id,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.inner.lock()
            && let Some(in_hand) = inner.in_hand.get_mut(&self.integration)
        {
            in_hand.remove(&self.id);
            if in_hand.is_empty() {
                inner.in_hand.remove(&self.integration);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slow_commands_fill_an_integrations_share() {
        let busy = Busy::new(2);
        let t0 = Instant::now();
        // Fast commands never make an integration busy.
        let fast: Vec<Slot> = (0..5).filter_map(|_| busy.enter_at("x", t0)).collect();
        assert_eq!(fast.len(), 5);
        drop(fast);
        let a = busy.enter_at("x", t0).expect("first");
        let b = busy.enter_at("x", t0).expect("second");
        let later = t0 + SLOW;
        assert!(busy.enter_at("x", later).is_none(), "two slow in hand");
        assert!(
            busy.enter_at("y", later).is_some(),
            "another tenant is free"
        );
        drop(a);
        assert!(busy.enter_at("x", later).is_some(), "a slot came free");
        drop(b);
        assert!(busy.inner.lock().expect("lock").in_hand.is_empty());
    }
}
