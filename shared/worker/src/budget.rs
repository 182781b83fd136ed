//! An account's rate budget, shared by every replica through Redis, taken
//! before each provider call. A short wait is spent in the command's lane;
//! a longer one sends the command back to wait ([`ExecError::Throttled`]):
//! a delay, never a failed attempt, so a busy account never parks work.
//!
//! Calls are served by [`Priority`]: while a live change waits for the
//! account's next call, a manual action, a reconciliation poll or bulk
//! work asking for it yields (decision 102).

use std::time::Duration;

use ponte_core::Provider;
use ponte_store::RateAnswer;
use ponte_telemetry::catalog;

use crate::ExecError;
use crate::handles::Accounts;

/// Who a provider call is for, in the order an account's budget serves
/// them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// A change that happened at a desk (a webhook, and what it leads to).
    #[default]
    Live,
    /// A command an agent asked for in the console or the CLI.
    Manual,
    /// A reconciliation pass or a warehouse refresh looking for missed
    /// changes.
    Poll,
    /// A backfill or a rebuild scan reading an account's history.
    Bulk,
}

impl Priority {
    /// The `x-ponte-priority` header's value and the metrics' `class`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Live => "live",
            Priority::Manual => "manual",
            Priority::Poll => "poll",
            Priority::Bulk => "bulk",
        }
    }

    /// The priority a header names; anything else is live.
    pub fn from_header(value: Option<&str>) -> Priority {
        [Priority::Manual, Priority::Poll, Priority::Bulk]
            .into_iter()
            .find(|p| Some(p.as_str()) == value)
            .unwrap_or_default()
    }

    /// The store's class: 0 is served first.
    pub(crate) fn class(self) -> u8 {
        self as u8
    }
}

/// A provider account's budget: `limit` calls per `window`.
#[derive(Debug, Clone, Copy)]
pub struct RateBudget {
    pub provider: Provider,
    /// Calls per window; 0 turns the budget off.
    pub limit: u32,
    pub window: Duration,
    /// Longest wait spent in the command's lane before it is sent back.
    pub max_wait: Duration,
}

impl RateBudget {
    /// `limit` calls a second.
    pub fn per_second(provider: Provider, limit: u32, max_wait: Duration) -> Self {
        RateBudget {
            provider,
            limit,
            window: Duration::from_secs(1),
            max_wait,
        }
    }

    /// Takes one call from `bucket` (the account, as Redis keys it),
    /// waiting at most `max_wait` for it.
    pub async fn take(&self, accounts: Accounts<'_>, bucket: &str) -> Result<(), ExecError> {
        if self.limit == 0 {
            return Ok(());
        }
        let labels = [self.provider.as_str(), bucket, accounts.priority().as_str()];
        let mut waited = Duration::ZERO;
        loop {
            let (wait, yielded) = match accounts.take_rate(bucket, self.limit, self.window).await? {
                RateAnswer::Go => {
                    catalog::RATE_BUDGET_TAKEN.inc(&labels);
                    return Ok(());
                }
                RateAnswer::Full(wait) => (wait, false),
                RateAnswer::Yield(wait) => {
                    catalog::RATE_BUDGET_YIELDED.inc(&labels);
                    (wait, true)
                }
            };
            if waited + wait > self.max_wait {
                catalog::RATE_BUDGET_DELAYS.inc(&labels);
                let budget = format!(
                    "{} rate budget of {} requests per {}",
                    self.provider.title(),
                    self.limit,
                    window_name(self.window)
                );
                let reason = if yielded {
                    format!(
                        "{budget} is kept for calls of a higher priority than {} waiting for it",
                        accounts.priority().as_str()
                    )
                } else {
                    format!("{budget} is used up")
                };
                return Err(ExecError::Throttled {
                    reason,
                    retry_after: Some(wait),
                });
            }
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                provider = self.provider.as_str(),
                yielded,
                "waiting for the account's rate budget"
            );
            catalog::RATE_BUDGET_WAIT.observe(&labels, wait);
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }
}

fn window_name(window: Duration) -> String {
    match window.as_secs() {
        1 => "second".into(),
        60 => "minute".into(),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use ponte_store::Store;

    fn store() -> Store {
        let url =
            std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let ns = format!("wb{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        Store::new(&url, &ns).unwrap()
    }

    #[tokio::test]
    async fn a_used_up_budget_sends_the_command_back_to_wait_it_is_not_a_failure() {
        let store = store();
        let budget = RateBudget {
            provider: Provider::Movidesk,
            limit: 2,
            window: Duration::from_secs(60),
            max_wait: Duration::from_millis(100),
        };
        budget
            .take(Accounts::new(&store, Priority::Live), "acct")
            .await
            .unwrap();
        budget
            .take(Accounts::new(&store, Priority::Live), "acct")
            .await
            .unwrap();
        match budget
            .take(Accounts::new(&store, Priority::Live), "acct")
            .await
        {
            Err(ExecError::Throttled {
                reason,
                retry_after: Some(wait),
            }) => {
                assert_eq!(
                    reason,
                    "Movidesk rate budget of 2 requests per minute is used up"
                );
                assert!(wait > Duration::from_secs(30), "{wait:?}");
            }
            other => panic!("expected a delay, got {other:?}"),
        }
        // Another account's budget is its own.
        budget
            .take(Accounts::new(&store, Priority::Live), "other")
            .await
            .unwrap();
        let _ = store.wipe().await;
    }

    #[tokio::test]
    async fn bulk_work_yields_the_next_call_to_a_live_command_sent_back_to_wait() {
        let store = store();
        let budget = RateBudget {
            provider: Provider::Movidesk,
            limit: 1,
            window: Duration::from_secs(1),
            max_wait: Duration::from_millis(100),
        };
        let bulk = Accounts::new(&store, Priority::Bulk);
        let live = Accounts::for_command(&store, Priority::Live, "cmd-1");
        budget.take(bulk, "acct").await.unwrap();
        let Err(ExecError::Throttled {
            retry_after: Some(wait),
            ..
        }) = budget.take(live, "acct").await
        else {
            panic!("the window is full")
        };
        tokio::time::sleep(wait + Duration::from_millis(100)).await;
        match budget.take(bulk, "acct").await {
            Err(ExecError::Throttled { reason, .. }) => assert_eq!(
                reason,
                "Movidesk rate budget of 1 requests per second is kept for calls of a higher priority than bulk waiting for it"
            ),
            other => panic!("the bulk call should yield, got {other:?}"),
        }
        budget.take(live, "acct").await.unwrap();
        let _ = store.wipe().await;
    }

    #[tokio::test]
    async fn a_short_wait_is_spent_in_the_lane() {
        let store = store();
        let budget = RateBudget::per_second(Provider::Okdesk, 1, Duration::from_secs(3));
        budget
            .take(Accounts::new(&store, Priority::Live), "acct")
            .await
            .unwrap();
        let started = std::time::Instant::now();
        budget
            .take(Accounts::new(&store, Priority::Live), "acct")
            .await
            .unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(500),
            "it waited for the next second's call"
        );
        let off = RateBudget::per_second(Provider::Okdesk, 0, Duration::ZERO);
        for _ in 0..10 {
            off.take(Accounts::new(&store, Priority::Live), "acct")
                .await
                .unwrap();
        }
        let _ = store.wipe().await;
    }
}
