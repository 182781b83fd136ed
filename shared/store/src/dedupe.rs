use std::time::Duration;

use deadpool_redis::redis::AsyncCommands;

use crate::{Store, StoreError};

impl Store {
    fn dedupe_key(&self, scope: &str, id: &str) -> String {
        self.key(&["seen", scope, id])
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

    /// Marks `id` in `scope` for `ttl` and, when given, sets a cursor, in
    /// one round trip: the ingress's write after every accepted webhook.
    pub async fn mark_seen_and_cursor(
        &self,
        scope: &str,
        id: &str,
        ttl: Duration,
        cursor: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let mut pipe = deadpool_redis::redis::pipe();
        pipe.set_ex(self.dedupe_key(scope, id), 1, ttl.as_secs().max(1))
            .ignore();
        if let Some((name, value)) = cursor {
            pipe.set(self.key(&["cursor", name]), value).ignore();
        }
        let mut c = self.conn().await?;
        let _: () = pipe.query_async(&mut c).await?;
        Ok(())
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
