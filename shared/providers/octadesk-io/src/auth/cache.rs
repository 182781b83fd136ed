//! Access tokens per account, shared by every task of the worker: one
//! login per account however many commands need a token at once, reused
//! until its JWT `exp` comes near (or, without `exp`, until Octadesk
//! refuses it), and forgotten once when Octadesk answers 401 so the next
//! caller logs in again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Mutex;

use super::jwt;

/// Renewal starts this long before `exp` at most (10 % of the token's life
/// when that is shorter), so no call carries a token about to die.
const MAX_MARGIN: Duration = Duration::seconds(30);

#[derive(Clone)]
struct Cached {
    token: String,
    /// When to log in again; `None` for a token that says nothing.
    renew_at: Option<DateTime<Utc>>,
}

impl Cached {
    fn new(token: String, now: DateTime<Utc>) -> Cached {
        let renew_at = jwt::claims(&token).and_then(|c| {
            let exp = c.expires_at?;
            let issued = c.issued_at.filter(|i| *i <= now).unwrap_or(now);
            let margin = ((exp - issued) / 10).clamp(Duration::zero(), MAX_MARGIN);
            Some(exp - margin)
        });
        Cached { token, renew_at }
    }

    fn fresh(&self, now: DateTime<Utc>) -> bool {
        self.renew_at.is_none_or(|at| now < at)
    }
}

type Slot = Arc<Mutex<Option<Cached>>>;

#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Slot>>,
    logins: AtomicU64,
}

impl TokenCache {
    pub fn new() -> TokenCache {
        TokenCache::default()
    }

    async fn slot(&self, account: &str) -> Slot {
        self.slots
            .lock()
            .await
            .entry(account.to_string())
            .or_default()
            .clone()
    }

    /// The account's token: the cached one while it is fresh, else the one
    /// `login` gets — a single login that every caller waiting on the same
    /// account shares.
    pub async fn token<F, Fut, E>(&self, account: &str, login: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, E>>,
    {
        let slot = self.slot(account).await;
        let mut held = slot.lock().await;
        if let Some(c) = held.as_ref()
            && c.fresh(Utc::now())
        {
            return Ok(c.token.clone());
        }
        let token = login().await?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        let cached = Cached::new(token, Utc::now());
        if let Some(at) = cached.renew_at {
            tracing::debug!(renew_at = %at, "Octadesk access token cached until its expiry");
        }
        let token = cached.token.clone();
        *held = Some(cached);
        Ok(token)
    }

    /// Forgets `stale` after Octadesk refused it. A token another caller
    /// already renewed is kept, so simultaneous 401s cause one login.
    pub async fn forget(&self, account: &str, stale: &str) {
        let slot = self.slot(account).await;
        let mut held = slot.lock().await;
        if held.as_ref().is_some_and(|c| c.token == stale) {
            *held = None;
        }
    }

    /// Logins made since the worker started (for tests and metrics).
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::convert::Infallible;

    fn jwt_expiring_in(secs: i64) -> String {
        let now = Utc::now().timestamp();
        jwt::unsigned(&json!({"exp": now + secs, "iat": now}))
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused_and_an_expiring_one_renewed() {
        let cache = TokenCache::new();
        let long = jwt_expiring_in(3600);
        for _ in 0..3 {
            let t = cache
                .token("a", || async { Ok::<_, Infallible>(long.clone()) })
                .await;
            assert_eq!(t.as_deref(), Ok(long.as_str()));
        }
        assert_eq!(cache.logins(), 1);
        // Five seconds left of a 100-second life: inside the 10 % margin.
        let now = Utc::now().timestamp();
        let short = jwt::unsigned(&json!({"exp": now + 5, "iat": now - 95}));
        let cache = TokenCache::new();
        for _ in 0..2 {
            let _ = cache
                .token("a", || async { Ok::<_, Infallible>(short.clone()) })
                .await;
        }
        assert_eq!(cache.logins(), 2, "renewed before it dies");
    }

    #[tokio::test]
    async fn forgetting_is_per_token_and_opaque_tokens_live_until_refused() {
        let cache = TokenCache::new();
        let _ = cache
            .token("a", || async {
                Ok::<_, Infallible>("opaque-1".to_string())
            })
            .await;
        cache.forget("a", "some-older-token").await;
        let t = cache
            .token("a", || async {
                Ok::<_, Infallible>("opaque-2".to_string())
            })
            .await;
        assert_eq!(t.as_deref(), Ok("opaque-1"));
        cache.forget("a", "opaque-1").await;
        let t = cache
            .token("a", || async {
                Ok::<_, Infallible>("opaque-2".to_string())
            })
            .await;
        assert_eq!(t.as_deref(), Ok("opaque-2"));
        assert_eq!(cache.logins(), 2);
    }

    #[tokio::test]
    async fn accounts_are_separate_and_a_failed_login_caches_nothing() {
        let cache = TokenCache::new();
        let e = cache
            .token("a", || async { Err::<String, _>("refused") })
            .await;
        assert_eq!(e, Err("refused"));
        let _ = cache
            .token("a", || async { Ok::<_, &str>("t1".into()) })
            .await;
        let b = cache
            .token("b", || async { Ok::<_, &str>("t2".into()) })
            .await;
        assert_eq!(b.as_deref(), Ok("t2"));
        assert_eq!(cache.logins(), 2);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_login() {
        let cache = Arc::new(TokenCache::new());
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let cache = cache.clone();
            tasks.spawn(async move {
                cache
                    .token("a", || async {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Ok::<_, Infallible>("shared".to_string())
                    })
                    .await
            });
        }
        while let Some(r) = tasks.join_next().await {
            assert_eq!(r.ok().and_then(Result::ok).as_deref(), Some("shared"));
        }
        assert_eq!(cache.logins(), 1);
    }
}
