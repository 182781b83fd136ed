//! When an effect was last attempted at a provider, per subject (a link's
//! counterpart creation): a provider whose search lags behind its writes
//! cannot yet show what that attempt created, so a repeat waits the lag out
//! before trusting a search that finds nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_redis::redis::AsyncCommands;

use crate::{Store, StoreError};

impl Store {
    fn attempt_key(&self, kind: &str, subject: &str) -> String {
        self.key(&["attempt", kind, subject])
    }

    /// Records that an attempt of `kind` on `subject` is about to reach the
    /// provider; kept for `keep` (at least a second).
    pub async fn note_attempt(
        &self,
        kind: &str,
        subject: &str,
        keep: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c
            .set_ex(
                self.attempt_key(kind, subject),
                Utc::now().to_rfc3339(),
                keep.as_secs().max(1),
            )
            .await?;
        Ok(())
    }

    /// How long ago the last recorded attempt began; `None` when none is
    /// remembered (never, expired, or unreadable).
    pub async fn attempt_age(
        &self,
        kind: &str,
        subject: &str,
    ) -> Result<Option<Duration>, StoreError> {
        let mut c = self.conn().await?;
        let raw: Option<String> = c.get(self.attempt_key(kind, subject)).await?;
        Ok(raw
            .and_then(|r| DateTime::parse_from_rfc3339(&r).ok())
            .map(|at| {
                (Utc::now() - at.with_timezone(&Utc))
                    .to_std()
                    .unwrap_or_default()
            }))
    }

    /// Forgets the attempt: it was refused before the provider wrote.
    pub async fn forget_attempt(&self, kind: &str, subject: &str) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c.del(self.attempt_key(kind, subject)).await?;
        Ok(())
    }
}
