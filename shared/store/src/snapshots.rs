use deadpool_redis::redis::AsyncCommands;
use serde_json::Value;

use crate::error::{decode, encode};
use crate::{Store, StoreError};

impl Store {
    /// The last state Ponte saw of a ticket (`integration:side:ticket`).
    pub async fn snapshot(&self, ticket_key: &str) -> Result<Option<Value>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.key(&["snapshot", ticket_key]);
        let raw: Option<String> = c.get(&key).await?;
        raw.map(|r| decode(&key, &r)).transpose()
    }

    /// Stores the snapshot; it expires `PONTE_SNAPSHOT_RETENTION_DAYS`
    /// after its last write.
    pub async fn put_snapshot(&self, ticket_key: &str, snapshot: &Value) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let ttl = crate::days(self.retention().snapshot_days);
        let _: () = c
            .set_ex(
                self.key(&["snapshot", ticket_key]),
                encode(snapshot),
                ttl as u64,
            )
            .await?;
        Ok(())
    }
}
