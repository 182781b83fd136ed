//! Per-key lanes inside one shard consumer: which message may start now.
//!
//! A message whose key has nothing in flight starts at once; one whose key
//! is busy waits behind the key's earlier messages. When a message
//! finishes, the next one of its key (if any) starts. Pure bookkeeping: the
//! consumer loop owns the tasks and the acks.

use std::collections::{HashMap, VecDeque};

/// How a message left its lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// Acked or rejected: the lane moves on.
    Done,
    /// Given back to the broker: the lane's waiting messages must follow it
    /// back, in order.
    GivenBack,
}

/// Keys with a message in flight, and what waits behind each.
pub(crate) struct Lanes<D, I> {
    busy: HashMap<String, VecDeque<(D, I)>>,
}

impl<D, I> Default for Lanes<D, I> {
    fn default() -> Self {
        Lanes {
            busy: HashMap::new(),
        }
    }
}

impl<D, I> Lanes<D, I> {
    /// A message arrived: returned when it may start now, else queued
    /// behind its key.
    pub(crate) fn arrive(&mut self, key: String, delivery: D, item: I) -> Option<(D, I)> {
        match self.busy.get_mut(&key) {
            Some(waiting) => {
                waiting.push_back((delivery, item));
                None
            }
            None => {
                self.busy.insert(key, VecDeque::new());
                Some((delivery, item))
            }
        }
    }

    /// The message in flight on `key` finished: the next one to start, if
    /// any; the lane closes when nothing waits.
    pub(crate) fn finish(&mut self, key: &str) -> Option<(D, I)> {
        let waiting = self.busy.get_mut(key)?;
        match waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.busy.remove(key);
                None
            }
        }
    }

    /// Closes `key`'s lane and hands back everything waiting on it, oldest
    /// first.
    pub(crate) fn drain(&mut self, key: &str) -> Vec<(D, I)> {
        self.busy.remove(key).map(Vec::from).unwrap_or_default()
    }

    /// Keys with a message in flight.
    #[cfg(test)]
    pub(crate) fn busy(&self) -> usize {
        self.busy.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_keys_start_at_once_and_one_key_waits_its_turn() {
        let mut lanes: Lanes<u32, ()> = Lanes::default();
        assert_eq!(lanes.arrive("a".into(), 1, ()), Some((1, ())));
        assert_eq!(lanes.arrive("b".into(), 2, ()), Some((2, ())));
        assert_eq!(lanes.arrive("a".into(), 3, ()), None);
        assert_eq!(lanes.arrive("a".into(), 4, ()), None);
        assert_eq!(lanes.busy(), 2);
        assert_eq!(lanes.finish("b"), None);
        assert_eq!(lanes.busy(), 1);
        assert_eq!(lanes.finish("a"), Some((3, ())));
        assert_eq!(lanes.arrive("a".into(), 5, ()), None);
        assert_eq!(lanes.finish("a"), Some((4, ())));
        assert_eq!(lanes.finish("a"), Some((5, ())));
        assert_eq!(lanes.finish("a"), None);
        assert_eq!(lanes.busy(), 0);
        assert_eq!(lanes.arrive("a".into(), 6, ()), Some((6, ())));
    }

    #[test]
    fn a_given_back_lane_returns_its_waiting_messages_in_order() {
        let mut lanes: Lanes<u32, ()> = Lanes::default();
        assert!(lanes.arrive("a".into(), 1, ()).is_some());
        assert!(lanes.arrive("a".into(), 2, ()).is_none());
        assert!(lanes.arrive("a".into(), 3, ()).is_none());
        let back: Vec<u32> = lanes.drain("a").into_iter().map(|(d, _)| d).collect();
        assert_eq!(back, vec![2, 3]);
        assert_eq!(lanes.busy(), 0);
        assert_eq!(lanes.arrive("a".into(), 4, ()), Some((4, ())));
    }
}
