//! Commands in hand per integration, so that a slow account cannot take
//! every slot of the shard consumers. Two rules, both back-pressure (the
//! command is delayed, not failed):
//!
//! - once an integration has `limit` commands in hand that have run longer
//!   than [`SLOW`], its next commands wait and other tenants' take the slots;
//! - on each shard consumer an integration holds at most `share` of the
//!   `prefetch` slots, so a burst that turns slow only once it is in hand
//!   (every slot taken before the first call answered) still leaves room
//!   for the other tenants on that shard.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A command in hand longer than this counts as slow.
pub(crate) const SLOW: Duration = Duration::from_millis(500);

/// How long a command of a busy integration waits before it comes back
/// the first time; each later refusal doubles it, up to [`MAX_BUSY_DELAY`],
/// so a backlog of a slow tenant does not cycle through the shard queues
/// every second ahead of other tenants' commands.
pub(crate) const BUSY_DELAY: Duration = Duration::from_secs(1);
pub(crate) const MAX_BUSY_DELAY: Duration = Duration::from_secs(8);

/// The wait of a command refused `delays` times before.
pub(crate) fn busy_delay(delays: u32) -> Duration {
    BUSY_DELAY
        .saturating_mul(1 << delays.min(3))
        .min(MAX_BUSY_DELAY)
}

#[derive(Clone)]
pub(crate) struct Busy {
    limit: usize,
    share: usize,
    inner: Arc<Mutex<Inner>>,
}

/// A command in hand: when it started, and the queue (shard) it came from.
struct InHand {
    since: Instant,
    queue: String,
}

#[derive(Default)]
struct Inner {
    next: u64,
    in_hand: HashMap<String, HashMap<u64, InHand>>,
}

/// One command in hand; leaves when dropped.
pub(crate) struct Slot {
    inner: Arc<Mutex<Inner>>,
    integration: String,
    id: u64,
}

/// Why a command has to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    /// `limit` of the integration's commands in hand are slow.
    Slow(usize),
    /// The integration holds its `share` of this shard's slots.
    Share(usize),
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Full::Slow(n) => write!(f, "has {n} slow commands in hand"),
            Full::Share(n) => write!(f, "holds {n} of this shard's slots, its share"),
        }
    }
}

impl Busy {
    /// For shard consumers of `prefetch` slots each: `prefetch / 2` slow
    /// commands per integration in the process, and `prefetch` less a
    /// quarter (at least one slot left to others) per integration per shard.
    pub(crate) fn new(prefetch: usize) -> Busy {
        let prefetch = prefetch.max(1);
        let reserve = (prefetch / 4).max(1);
        Busy {
            limit: prefetch.div_ceil(2),
            share: prefetch.saturating_sub(reserve).max(1),
            inner: Arc::new(Mutex::new(Inner::default())),
        }
    }

    /// A slot for a command of `integration` from `queue`, or why it waits.
    pub(crate) fn enter(&self, queue: &str, integration: &str) -> Result<Slot, Full> {
        self.enter_at(queue, integration, Instant::now())
    }

    fn enter_at(&self, queue: &str, integration: &str, now: Instant) -> Result<Slot, Full> {
        // A poisoned lock only means another command panicked while
        // counting; the counts are still usable.
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let in_hand = inner.in_hand.entry(integration.to_string()).or_default();
        let slow = in_hand
            .values()
            .filter(|c| now.saturating_duration_since(c.since) >= SLOW)
            .count();
        if slow >= self.limit {
            return Err(Full::Slow(slow));
        }
        let here = in_hand.values().filter(|c| c.queue == queue).count();
        if here >= self.share {
            return Err(Full::Share(here));
        }
        inner.next += 1;
        let id = inner.next;
        inner
            .in_hand
            .entry(integration.to_string())
            .or_default()
            .insert(
                id,
                InHand {
                    since: now,
                    queue: queue.to_string(),
                },
            );
        Ok(Slot {
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
        // prefetch 4: 2 slow per integration, 3 of a shard's 4 slots.
        let busy = Busy::new(4);
        let t0 = Instant::now();
        // Fast commands on two shards never make an integration busy.
        let fast: Vec<Slot> = (0..6)
            .filter_map(|i| {
                busy.enter_at(if i % 2 == 0 { "q0" } else { "q1" }, "x", t0)
                    .ok()
            })
            .collect();
        assert_eq!(fast.len(), 6);
        drop(fast);
        let a = busy.enter_at("q0", "x", t0).expect("first");
        let b = busy.enter_at("q1", "x", t0).expect("second");
        let later = t0 + SLOW;
        assert_eq!(busy.enter_at("q0", "x", later).err(), Some(Full::Slow(2)));
        assert!(
            busy.enter_at("q0", "y", later).is_ok(),
            "another tenant is free"
        );
        drop(a);
        assert!(busy.enter_at("q0", "x", later).is_ok(), "a slot came free");
        drop(b);
        assert!(busy.inner.lock().expect("lock").in_hand.is_empty());
    }

    #[test]
    fn a_burst_leaves_each_shard_a_slot_for_other_tenants() {
        let busy = Busy::new(8);
        let t0 = Instant::now();
        // Eight commands of x arrive on one shard before any has answered.
        let taken: Vec<Slot> = (0..8)
            .filter_map(|_| busy.enter_at("q0", "x", t0).ok())
            .collect();
        assert_eq!(taken.len(), 6, "x holds its share: 8 less a quarter");
        assert_eq!(busy.enter_at("q0", "x", t0).err(), Some(Full::Share(6)));
        assert!(
            busy.enter_at("q1", "x", t0).is_ok(),
            "the other shard is x's too"
        );
        assert!(
            busy.enter_at("q0", "y", t0).is_ok(),
            "y gets the reserved slots"
        );
    }

    #[test]
    fn a_refused_command_waits_longer_each_time_up_to_the_cap() {
        let waits: Vec<u64> = (0..6).map(|d| busy_delay(d).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 8, 8]);
    }

    #[test]
    fn one_slot_consumers_still_run_commands() {
        let busy = Busy::new(1);
        let t0 = Instant::now();
        let a = busy.enter_at("q0", "x", t0).expect("the only slot");
        assert!(busy.enter_at("q0", "x", t0).is_err());
        drop(a);
        assert!(busy.enter_at("q0", "x", t0).is_ok());
    }
}
