use std::time::Duration;

use deadpool_redis::redis::AsyncCommands;

use crate::{Store, StoreError};

impl Store {
    pub(crate) fn dedupe_key(&self, scope: &str, id: &str) -> String {
        self.key(&["seen", scope, id])
    }

    /// Where [`Store::mark_echo`] keeps a mark, for those that take it.
    pub(crate) fn echo_key(&self, fingerprint: &str) -> String {
        self.dedupe_key("echo", fingerprint)
    }

    /// Whether `id` was already marked in `scope`.
    pub async fn was_seen(&self, scope: &str, id: &str) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        Ok(c.exists(self.dedupe_key(scope, id)).await?)
    }

    /// Marks `id` in `scope` for `ttl`.
    pub async fn mark_seen(&self, scope: &str, id: &str, ttl: Duration) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c
            .set_ex(self.dedupe_key(scope, id), 1, ttl.as_secs().max(1))
            .await?;
        Ok(())
    }

    /// Marks `id` in `scope` for `ttl` unless it is marked already and,
    /// when given, sets a cursor, in one round trip. `true` when this call
    /// marked it first.
    pub async fn mark_first_and_cursor(
        &self,
        scope: &str,
        id: &str,
        ttl: Duration,
        cursor: Option<(&str, &str)>,
    ) -> Result<bool, StoreError> {
        let mut pipe = deadpool_redis::redis::pipe();
        pipe.cmd("SET")
            .arg(self.dedupe_key(scope, id))
            .arg(1)
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .arg("NX");
        if let Some((name, value)) = cursor {
            pipe.set(self.key(&["cursor", name]), value).ignore();
        }
        let mut c = self.conn().await?;
        let (set,): (Option<String>,) = pipe.query_async(&mut c).await?;
        Ok(set.is_some())
    }

    /// Remembers a write Ponte made (a fingerprint of ticket and content),
    /// so the provider's webhook about it is recognised as an echo.
    pub async fn mark_echo(&self, fingerprint: &str, ttl: Duration) -> Result<(), StoreError> {
        self.mark_seen("echo", fingerprint, ttl).await
    }

    pub async fn is_echo(&self, fingerprint: &str) -> Result<bool, StoreError> {
        self.was_seen("echo", fingerprint).await
    }
}
