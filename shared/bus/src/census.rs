//! Counting without consuming: how many messages wait in the namespace's
//! queues (passive declares, which never take a message) and what the
//! parking queues hold, by reason (a browse that gives every message back).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lapin::options::QueueDeclareOptions;
use lapin::types::{FieldTable, ShortString};

use crate::deadletter::{CATEGORIES, Step};
use crate::{Bus, BusError};

/// What one parking queue holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Census {
    /// Browsed messages by [`CATEGORIES`] (every category present, 0 when none).
    pub by_category: BTreeMap<&'static str, u64>,
    /// When the oldest browsed message was parked.
    pub oldest: Option<DateTime<Utc>>,
    /// Messages beyond the browse limit, left uncounted by reason.
    pub not_browsed: u64,
}

impl Census {
    fn empty() -> Census {
        Census {
            by_category: CATEGORIES.iter().map(|c| (*c, 0)).collect(),
            ..Census::default()
        }
    }

    fn count(&mut self, category: &'static str, dead_at: Option<DateTime<Utc>>) {
        *self.by_category.entry(category).or_default() += 1;
        if let Some(at) = dead_at
            && self.oldest.is_none_or(|o| at < o)
        {
            self.oldest = Some(at);
        }
    }

    /// Every message in the queue: browsed plus those beyond the limit.
    pub fn total(&self) -> u64 {
        self.by_category.values().sum::<u64>() + self.not_browsed
    }
}

impl Bus {
    /// Counts the parking queue `name` by reason, browsing at most `limit`
    /// messages (from the head, where the oldest are) and giving each back.
    pub async fn census(&self, name: &str, limit: u64) -> Result<Census, BusError> {
        let mut census = Census::empty();
        let mut browsed = 0;
        census.not_browsed = self
            .walk(name, |dl| {
                if browsed >= limit {
                    return Step::Stop;
                }
                browsed += 1;
                census.count(dl.category, dl.dead_at);
                Step::Keep
            })
            .await?;
        Ok(census)
    }

    /// Messages ready in `queues`, summed, as the broker counts them with a
    /// passive declare: nothing is consumed, so nothing counts toward a
    /// shard queue's delivery limit. A queue the broker cannot find (or
    /// whose node is down) is an error naming it.
    pub async fn messages_in(&self, queues: &[String]) -> Result<u64, BusError> {
        let channel = self.channel().await?;
        let mut total = 0;
        let mut failure = None;
        for q in queues {
            let passive = QueueDeclareOptions {
                passive: true,
                ..Default::default()
            };
            match channel
                .queue_declare(
                    ShortString::from(q.as_str()),
                    passive,
                    FieldTable::default(),
                )
                .await
            {
                Ok(info) => total += u64::from(info.message_count()),
                Err(e) => {
                    // The broker closed the channel with its refusal.
                    failure = Some(BusError::Topology(format!("{q}: {e}")));
                    break;
                }
            }
        }
        if failure.is_none() {
            let _ = channel.close(200, "counted".into()).await;
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_census_counts_every_category_and_keeps_the_oldest() {
        let mut c = Census::empty();
        assert_eq!(c.by_category.len(), CATEGORIES.len());
        let early = DateTime::from_timestamp(1_700_000_000, 0);
        let late = DateTime::from_timestamp(1_700_000_100, 0);
        c.count("permanent", late);
        c.count("delivery_limit", early);
        c.count("permanent", None);
        c.not_browsed = 7;
        assert_eq!(c.by_category["permanent"], 2);
        assert_eq!(c.by_category["delivery_limit"], 1);
        assert_eq!(c.by_category["exhausted"], 0);
        assert_eq!(c.oldest, early);
        assert_eq!(c.total(), 10);
    }
}
