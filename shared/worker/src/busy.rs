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
//!
//! An integration whose commands are slow has its refused commands come
//! back one after another, spaced by how long its slow commands take over
//! how many it may hold ([`Busy::wait`]), instead of all at once after the
//! same delay: a backlog refused together would otherwise return together
//! and sit in the shared shard queues ahead of other tenants' commands
//! while each is refused again (decision 112).

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

/// The longest a paced refusal is sent away for: past it, a long backlog
/// of a slow integration comes back at this horizon.
pub(crate) const MAX_PACED_WAIT: Duration = Duration::from_secs(30);

/// How long a slow command's duration paces its integration's refusals.
pub(crate) const SLOW_MEMORY: Duration = Duration::from_secs(10);

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

/// How an integration's refusals are spaced while its commands are slow.
struct Paced {
    /// How long its last slow command took, and when it answered.
    took: Duration,
    answered: Instant,
    /// When its latest refused command comes back.
    last_back: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    in_hand: HashMap<String, HashMap<u64, InHand>>,
    paced: HashMap<String, Paced>,
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

    /// How long a refused command of `integration`, refused `delays` times
    /// before, waits: [`busy_delay`] or, while the integration's commands
    /// are slow, the end of its line of refused commands, each one slow
    /// command's time over `limit` after the one before.
    pub(crate) fn wait(&self, integration: &str, delays: u32) -> Duration {
        self.wait_at(integration, delays, Instant::now())
    }

    fn wait_at(&self, integration: &str, delays: u32, now: Instant) -> Duration {
        let base = busy_delay(delays);
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(paced) = inner.paced.get_mut(integration) else {
            return base;
        };
        if now.saturating_duration_since(paced.answered) > SLOW_MEMORY {
            inner.paced.remove(integration);
            return base;
        }
        let spacing = paced.took / u32::try_from(self.limit).unwrap_or(u32::MAX).max(1);
        let earliest = now + base;
        let back = paced
            .last_back
            .map_or(earliest, |last| earliest.max(last + spacing))
            .min(now + MAX_PACED_WAIT);
        paced.last_back = Some(back);
        back.saturating_duration_since(now)
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
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let now = Instant::now();
        let Some(in_hand) = inner.in_hand.get_mut(&self.integration) else {
            return;
        };
        let took = in_hand
            .remove(&self.id)
            .map(|c| now.saturating_duration_since(c.since))
            .filter(|took| *took >= SLOW);
        if in_hand.is_empty() {
            inner.in_hand.remove(&self.integration);
        }
        if let Some(took) = took {
            let paced = inner
                .paced
                .entry(self.integration.clone())
                .or_insert(Paced {
                    took,
                    answered: now,
                    last_back: None,
                });
            paced.took = took;
            paced.answered = now;
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
    fn a_slow_integrations_refusals_come_back_one_after_another() {
        // prefetch 4: limit 2, so refusals are spaced by half a slow command.
        let busy = Busy::new(4);
        let now = Instant::now();
        assert_eq!(busy.wait_at("x", 0, now), BUSY_DELAY, "not slow yet");
        let started = now
            .checked_sub(Duration::from_secs(4))
            .expect("the clock runs longer than 4 s");
        drop(busy.enter_at("q0", "x", started).expect("a slot"));
        let now = Instant::now();
        let waits: Vec<Duration> = (0..4).map(|_| busy.wait_at("x", 0, now)).collect();
        assert_eq!(waits[0], BUSY_DELAY, "the first waits as long as ever");
        for pair in waits.windows(2) {
            let gap = pair[1].saturating_sub(pair[0]);
            assert!(
                gap >= Duration::from_secs(2) && gap < Duration::from_millis(2100),
                "spaced by the slow command's ~4 s over 2: {waits:?}"
            );
        }
        assert_eq!(busy.wait_at("y", 0, now), BUSY_DELAY, "y is not slow");
        let far: Vec<Duration> = (0..40).map(|_| busy.wait_at("x", 0, now)).collect();
        assert_eq!(
            far.last(),
            Some(&MAX_PACED_WAIT),
            "a long line stops at the horizon"
        );
        let later = now + SLOW_MEMORY + Duration::from_secs(1);
        assert_eq!(busy.wait_at("x", 0, later), BUSY_DELAY, "slow no longer");
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
