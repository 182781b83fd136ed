//! Commands in hand per integration, so that a slow account cannot take
//! every slot of the shard consumers. Two rules, both back-pressure (the
//! command waits, it does not fail):
//!
//! - once an integration has `limit` commands in hand that have run longer
//!   than [`SLOW`], its next commands wait and other tenants' take the slots;
//! - on each shard consumer an integration holds at most `share` of the
//!   `prefetch` slots, so a burst that turns slow only once it is in hand
//!   (every slot taken before the first call answered) still leaves room
//!   for the other tenants on that shard.
//!
//! A refused command waits in its integration's waiting list (decision 113),
//! out of the shard queues; [`Busy::room`] says how many may be sent back,
//! and [`Busy::freed`] wakes the sender when one of a waiting integration's
//! commands leaves.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// A command in hand longer than this counts as slow.
pub(crate) const SLOW: Duration = Duration::from_millis(500);

/// How long a command sent back from the waiting list counts against its
/// integration's room before it arrives (it may arrive at another process,
/// which this one would never hear of).
const ON_ITS_WAY: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub(crate) struct Busy {
    limit: usize,
    share: usize,
    inner: Arc<Mutex<Inner>>,
    freed: Arc<Notify>,
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
    /// Commands sent back from a waiting list and not arrived yet, by
    /// integration and command id.
    on_its_way: HashMap<String, HashMap<String, Instant>>,
    /// Integrations with commands in a waiting list: a slot of theirs that
    /// comes free wakes the sender.
    waiting: HashSet<String>,
}

/// One command in hand; leaves when dropped.
pub(crate) struct Slot {
    inner: Arc<Mutex<Inner>>,
    freed: Arc<Notify>,
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
            freed: Arc::new(Notify::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another command panicked while
        // counting; the counts are still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for a command of `integration` from `queue`, or why it waits.
    pub(crate) fn enter(&self, queue: &str, integration: &str) -> Result<Slot, Full> {
        self.enter_at(queue, integration, Instant::now())
    }

    fn enter_at(&self, queue: &str, integration: &str, now: Instant) -> Result<Slot, Full> {
        let mut inner = self.lock();
        if let Some(in_hand) = inner.in_hand.get(integration) {
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
        }
        Ok(self.take(&mut inner, queue, integration, now))
    }

    /// A slot for `command_id`, sent back from its integration's waiting
    /// list: always given, its room was counted when it was sent.
    pub(crate) fn enter_sent_back(&self, queue: &str, integration: &str, command_id: &str) -> Slot {
        let mut inner = self.lock();
        if let Some(way) = inner.on_its_way.get_mut(integration) {
            way.remove(command_id);
            if way.is_empty() {
                inner.on_its_way.remove(integration);
            }
        }
        self.take(&mut inner, queue, integration, Instant::now())
    }

    fn take(&self, inner: &mut Inner, queue: &str, integration: &str, now: Instant) -> Slot {
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
        Slot {
            inner: self.inner.clone(),
            freed: self.freed.clone(),
            integration: integration.to_string(),
            id,
        }
    }

    /// How many of `integration`'s waiting commands may be sent back now:
    /// its slow limit less its commands in hand and on their way.
    pub(crate) fn room(&self, integration: &str) -> usize {
        self.room_at(integration, Instant::now())
    }

    fn room_at(&self, integration: &str, now: Instant) -> usize {
        let mut inner = self.lock();
        let on_its_way = match inner.on_its_way.get_mut(integration) {
            Some(way) => {
                way.retain(|_, sent| now.saturating_duration_since(*sent) < ON_ITS_WAY);
                way.len()
            }
            None => 0,
        };
        let in_hand = inner.in_hand.get(integration).map_or(0, HashMap::len);
        self.limit.saturating_sub(in_hand + on_its_way)
    }

    /// `command_id` of `integration` was sent back from its waiting list.
    pub(crate) fn sent_back(&self, integration: &str, command_id: &str) {
        self.lock()
            .on_its_way
            .entry(integration.to_string())
            .or_default()
            .insert(command_id.to_string(), Instant::now());
    }

    /// `integration` has a command set aside now: wakes the sender.
    pub(crate) fn add_waiting(&self, integration: &str) {
        self.lock().waiting.insert(integration.to_string());
        self.freed.notify_one();
    }

    /// `integrations` have commands waiting (found in Redis).
    pub(crate) fn add_all_waiting(&self, integrations: impl IntoIterator<Item = String>) {
        self.lock().waiting.extend(integrations);
    }

    /// Nothing of `integration` waits any more.
    pub(crate) fn remove_waiting(&self, integration: &str) {
        self.lock().waiting.remove(integration);
    }

    /// The integrations known to have commands waiting.
    pub(crate) fn waiting_now(&self) -> Vec<String> {
        self.lock().waiting.iter().cloned().collect()
    }

    /// Woken when a waiting integration's slot comes free.
    pub(crate) fn freed(&self) -> &Notify {
        &self.freed
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(in_hand) = inner.in_hand.get_mut(&self.integration) {
            in_hand.remove(&self.id);
            if in_hand.is_empty() {
                inner.in_hand.remove(&self.integration);
            }
        }
        if inner.waiting.contains(&self.integration) {
            self.freed.notify_one();
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
        assert!(busy.lock().in_hand.is_empty());
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
    fn room_counts_commands_in_hand_and_on_their_way() {
        // prefetch 8: room for 4 commands of an integration.
        let busy = Busy::new(8);
        let t0 = Instant::now();
        let a = busy.enter_at("q0", "x", t0).expect("a slot");
        assert_eq!(busy.room_at("x", t0), 3);
        busy.sent_back("x", "c1");
        busy.sent_back("x", "c2");
        assert_eq!(busy.room_at("x", t0), 1);
        assert_eq!(busy.room_at("y", t0), 4, "another tenant's room is its own");
        // c1 arrives: in hand now, no longer on its way.
        let c1 = busy.enter_sent_back("q1", "x", "c1");
        assert_eq!(busy.room_at("x", t0), 1);
        drop((a, c1));
        assert_eq!(busy.room_at("x", t0), 3);
        // c2 went to another process: after a while it no longer counts.
        assert_eq!(busy.room_at("x", t0 + ON_ITS_WAY + SLOW), 4);
    }

    #[test]
    fn a_command_sent_back_enters_even_when_its_integration_is_busy() {
        let busy = Busy::new(4);
        let t0 = Instant::now();
        let _slow: Vec<Slot> = (0..2)
            .filter_map(|_| busy.enter_at("q0", "x", t0).ok())
            .collect();
        assert!(busy.enter_at("q0", "x", t0 + SLOW).is_err());
        let _back = busy.enter_sent_back("q0", "x", "c1");
        assert_eq!(busy.room_at("x", t0), 0);
    }

    #[tokio::test]
    async fn a_freed_slot_wakes_the_sender_only_for_a_waiting_integration() {
        let busy = Busy::new(4);
        let y = busy.enter("q0", "y").expect("a slot");
        drop(y);
        let woken = tokio::time::timeout(Duration::from_millis(50), busy.freed().notified()).await;
        assert!(woken.is_err(), "nothing of y waits");
        let x = busy.enter("q0", "x").expect("a slot");
        busy.add_waiting("x");
        // Setting a command aside wakes the sender once.
        tokio::time::timeout(Duration::from_secs(1), busy.freed().notified())
            .await
            .expect("woken by the command set aside");
        drop(x);
        tokio::time::timeout(Duration::from_secs(1), busy.freed().notified())
            .await
            .expect("x's freed slot wakes the sender");
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
