//! The narrow views of Ponte's state an executor gets from its [`Ctx`]
//! (decision 96): each handle is a `Copy` wrapper over the store that
//! exposes only what providers use of one concern, under the store's own
//! method names. An executor reads links, snapshots and call records, keeps
//! its person memory, locks and dedupe marks, and lets its client take the
//! account's rate budget; everything else it writes goes through its
//! [`Outcome`](crate::Outcome) or the [`effect`](crate::effect) sequences,
//! which alone see the whole store.
//!
//! Outside ponte-worker the store behind a [`Ctx`] cannot be reached:
//!
//! ```compile_fail,E0616
//! fn whole<'a>(ctx: &ponte_worker::Ctx<'a>) -> &'a ponte_store::Store {
//!     ctx.store
//! }
//! ```
//!
//! [`Ctx`]: crate::Ctx

use std::time::Duration;

use ponte_core::Link;
use ponte_core::Side;
use ponte_store::{CallRecord, RateAnswer, RateClaim, Store, StoreError};
use serde_json::Value;

use crate::Priority;

/// Links, read only: an executor makes and removes links through the
/// [`effect`](crate::effect) sequences.
#[derive(Clone, Copy)]
pub struct Links<'a>(pub(crate) &'a Store);

impl Links<'_> {
    pub async fn link(&self, id: &str) -> Result<Option<Link>, StoreError> {
        self.0.link(id).await
    }

    /// The link a ticket on one side belongs to.
    pub async fn link_of(
        &self,
        integration: &str,
        side: Side,
        ticket: &str,
    ) -> Result<Option<Link>, StoreError> {
        self.0.link_of(integration, side, ticket).await
    }

    /// The link an agent removed, as it was, while the pair is not linked
    /// again.
    pub async fn removed_link(&self, id: &str) -> Result<Option<Link>, StoreError> {
        self.0.removed_link(id).await
    }
}

/// Ticket snapshots, read only: a new one is written after the events are
/// published, as the outcome's [`Deferred`](crate::Deferred).
#[derive(Clone, Copy)]
pub struct Snapshots<'a>(pub(crate) &'a Store);

impl Snapshots<'_> {
    pub async fn snapshot(&self, ticket_key: &str) -> Result<Option<Value>, StoreError> {
        self.0.snapshot(ticket_key).await
    }
}

/// Call records, read only (the telephony sequences write them).
#[derive(Clone, Copy)]
pub struct Calls<'a>(pub(crate) &'a Store);

impl Calls<'_> {
    pub async fn call(
        &self,
        integration: &str,
        call_id: &str,
    ) -> Result<Option<CallRecord>, StoreError> {
        self.0.call(integration, call_id).await
    }
}

/// What Ponte remembers of a desk's people, per account.
#[derive(Clone, Copy)]
pub struct Persons<'a>(pub(crate) &'a Store);

impl Persons<'_> {
    /// The name of the lock (for [`Locks::try_lock`]) held while the
    /// person of `client_key` is created at `account`.
    pub fn person_lock(account: &str, client_key: &str) -> String {
        Store::person_lock(account, client_key)
    }

    pub async fn known_person(
        &self,
        account: &str,
        client_key: &str,
    ) -> Result<Option<String>, StoreError> {
        self.0.known_person(account, client_key).await
    }

    pub async fn remember_person(
        &self,
        account: &str,
        client_key: &str,
        id: &str,
        keep: Duration,
    ) -> Result<(), StoreError> {
        self.0.remember_person(account, client_key, id, keep).await
    }

    pub async fn forget_person(&self, account: &str, client_key: &str) -> Result<bool, StoreError> {
        self.0.forget_person(account, client_key).await
    }
}

/// Named locks with a time to live, shared by every replica.
#[derive(Clone, Copy)]
pub struct Locks<'a>(pub(crate) &'a Store);

impl Locks<'_> {
    pub async fn try_lock(&self, name: &str, ttl: Duration) -> Result<bool, StoreError> {
        self.0.try_lock(name, ttl).await
    }

    pub async fn release_lock(&self, name: &str) -> Result<(), StoreError> {
        self.0.release_lock(name).await
    }
}

/// Dedupe marks: whether something was already seen in a scope.
#[derive(Clone, Copy)]
pub struct Seen<'a>(pub(crate) &'a Store);

impl Seen<'_> {
    pub async fn was_seen(&self, scope: &str, id: &str) -> Result<bool, StoreError> {
        self.0.was_seen(scope, id).await
    }

    pub async fn mark_seen(&self, scope: &str, id: &str, ttl: Duration) -> Result<(), StoreError> {
        self.0.mark_seen(scope, id, ttl).await
    }

    /// Marks a write Ponte is about to make, so the provider's webhook
    /// about it is taken as Ponte's own (see `ponte_core::ids`).
    pub async fn mark_echo(&self, fingerprint: &str, ttl: Duration) -> Result<(), StoreError> {
        self.0.mark_echo(fingerprint, ttl).await
    }
}

/// What a provider client keeps per account: its rate budget and what the
/// account was found to refuse, and who is asking: the [`Priority`] its
/// calls are served at, and the name its demand waits under. Code outside
/// an executor (reconciliation, the admin's scans, the warehouse refresh,
/// the CLI) builds it with [`Accounts::new`] and its own priority.
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    store: &'a Store,
    priority: Priority,
    waiter: Option<&'a str>,
}

impl<'a> Accounts<'a> {
    /// The handle of a caller that is not a command: its demand waits
    /// under its priority's and this process's name.
    pub fn new(store: &'a Store, priority: Priority) -> Self {
        Accounts {
            store,
            priority,
            waiter: None,
        }
    }

    /// The handle of the command `id`: its demand keeps its name when it is
    /// sent back to wait and comes back.
    pub fn for_command(store: &'a Store, priority: Priority, id: &'a str) -> Self {
        Accounts {
            store,
            priority,
            waiter: Some(id),
        }
    }

    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// Takes one call from the bucket at this handle's priority, or says how
    /// long to wait and why.
    pub async fn take_rate(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateAnswer, StoreError> {
        let process;
        let waiter = match self.waiter {
            Some(w) => w,
            None => {
                process = format!("{}-{}", self.priority.as_str(), std::process::id());
                &process
            }
        };
        let claim = RateClaim {
            class: self.priority.class(),
            waiter,
            hold: DEMAND_HOLD,
        };
        self.store.take_rate(bucket, limit, window, claim).await
    }

    /// True when `account` was found to refuse `what`.
    pub async fn refuses(&self, account: &str, what: &str) -> Result<bool, StoreError> {
        self.store.refuses(account, what).await
    }

    /// Remembers that `account` refuses `what`.
    pub async fn note_refusal(&self, account: &str, what: &str) -> Result<(), StoreError> {
        self.store.note_refusal(account, what).await
    }
}

/// How long a waiting caller's demand outlives the wait it was told: a
/// command sent back to wait comes back through the broker a little after
/// its delay.
const DEMAND_HOLD: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use ponte_core::Integration;
    use serde_json::json;

    use super::*;
    use crate::Ctx;

    /// Each handle reads and writes what the store's own method does: the
    /// narrowing changes the type, not the behaviour.
    #[tokio::test]
    async fn the_handles_reach_the_same_state_as_the_store() {
        let url =
            std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let ns = format!("wh{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let store = Store::new(&url, &ns).unwrap();
        let integration: Integration = serde_json::from_value(json!({
            "id": "hh", "name": "test",
            "source": {"provider": "movidesk", "base_url": "http://a"},
            "target": {"provider": "okdesk", "base_url": "http://b"},
        }))
        .unwrap();
        let ctx = Ctx::new(&store, &integration, "cmd-1", 0, false);
        let ttl = Duration::from_secs(60);

        assert!(ctx.locks().try_lock("l", ttl).await.unwrap());
        assert!(!store.try_lock("l", ttl).await.unwrap());
        ctx.locks().release_lock("l").await.unwrap();
        assert!(store.try_lock("l", ttl).await.unwrap());

        ctx.persons()
            .remember_person("acct", "key:a", "p-1", ttl)
            .await
            .unwrap();
        assert_eq!(
            store
                .known_person("acct", "key:a")
                .await
                .unwrap()
                .as_deref(),
            Some("p-1")
        );
        assert!(ctx.persons().forget_person("acct", "key:a").await.unwrap());
        assert_eq!(
            ctx.persons().known_person("acct", "key:a").await.unwrap(),
            None
        );
        assert_eq!(
            Persons::person_lock("acct", "k"),
            Store::person_lock("acct", "k")
        );

        ctx.seen().mark_seen("scope", "x", ttl).await.unwrap();
        assert!(store.was_seen("scope", "x").await.unwrap());
        assert!(ctx.seen().was_seen("scope", "x").await.unwrap());

        let accounts = Accounts::new(&store, Priority::Bulk);
        assert!(!accounts.refuses("acct", "origin").await.unwrap());
        ctx.accounts().note_refusal("acct", "origin").await.unwrap();
        assert!(store.refuses("acct", "origin").await.unwrap());
        assert_eq!(
            accounts.take_rate("b", 1, ttl).await.unwrap(),
            RateAnswer::Go,
            "the first call of the window is free"
        );
        assert!(matches!(
            ctx.accounts().take_rate("b", 1, ttl).await.unwrap(),
            RateAnswer::Full(_)
        ));

        assert_eq!(ctx.links().link("hh:1").await.unwrap(), None);
        assert_eq!(ctx.snapshots().snapshot("hh:source:1").await.unwrap(), None);
        assert!(ctx.calls().call("hh", "c-1").await.unwrap().is_none());
        let _ = store.wipe().await;
    }
}
