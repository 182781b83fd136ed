//! Small guards: the newest change applied per link and field (so a late
//! or retried change never overwrites a newer one), consume-once echo
//! marks, reconciliation cursors and a lock shared by replicas.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_redis::redis::AsyncCommands;

use crate::{Store, StoreError};

impl Store {
    fn applied_key(&self, link: &str, side: &str, field: &str) -> String {
        self.key(&["applied", link, side, field])
    }

    /// When the change last applied to this link, side and field happened
    /// at the source.
    pub async fn applied_at(
        &self,
        link: &str,
        side: &str,
        field: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut c = self.conn().await?;
        let raw: Option<String> = c.get(self.applied_key(link, side, field)).await?;
        Ok(raw
            .and_then(|r| DateTime::parse_from_rfc3339(&r).ok())
            .map(|d| d.with_timezone(&Utc)))
    }

    /// Records that a change from `at` was applied, unless a newer one was.
    pub async fn set_applied_at(
        &self,
        link: &str,
        side: &str,
        field: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self
            .applied_at(link, side, field)
            .await?
            .is_some_and(|prev| prev > at)
        {
            return Ok(());
        }
        let mut c = self.conn().await?;
        let _: () = c
            .set(self.applied_key(link, side, field), at.to_rfc3339())
            .await?;
        Ok(())
    }

    /// True once for a mark set by [`Store::mark_echo`]: the mark is removed.
    pub async fn take_echo(&self, fingerprint: &str) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        let removed: u32 = c.del(self.echo_key(fingerprint)).await?;
        Ok(removed > 0)
    }

    pub async fn cursor(&self, name: &str) -> Result<Option<String>, StoreError> {
        let mut c = self.conn().await?;
        Ok(c.get(self.key(&["cursor", name])).await?)
    }

    pub async fn set_cursor(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c.set(self.key(&["cursor", name]), value).await?;
        Ok(())
    }

    /// Takes a lock for `ttl` if nobody holds it; replicas use it so one of
    /// them runs a periodic job.
    pub async fn try_lock(&self, name: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        let got: Option<String> = deadpool_redis::redis::cmd("SET")
            .arg(self.key(&["lock", name]))
            .arg(std::process::id())
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64)
            .query_async(&mut c)
            .await?;
        Ok(got.is_some())
    }

    /// Gives a lock taken with [`Store::try_lock`] back before its time.
    pub async fn release_lock(&self, name: &str) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: i64 = c.del(self.key(&["lock", name])).await?;
        Ok(())
    }
}
