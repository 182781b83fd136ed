use chrono::{DateTime, Utc};
use deadpool_redis::redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::error::{decode, encode};
use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    CreatedAutomatically,
    CreatedManually,
    Associated,
    Removed,
    ActionMirrored,
    StatusMirrored,
    FieldsMirrored,
    Failed,
    Dropped,
}

/// One line of a link's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub kind: HistoryKind,
    pub detail: String,
    pub trace_id: Option<String>,
    /// Command or event id, so a repeat is not written twice.
    pub cause: String,
}

impl Store {
    /// Appends to a link's history once per cause and kind. The history
    /// expires `PONTE_LINK_HISTORY_RETENTION_DAYS` after its last line.
    pub async fn record(&self, link_id: &str, entry: &HistoryEntry) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let once = self.key(&[
            "history-once",
            link_id,
            &format!("{:?}", entry.kind),
            &entry.cause,
        ]);
        let fresh: bool = deadpool_redis::redis::cmd("SET")
            .arg(&once)
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(30 * 24 * 3600)
            .query_async::<Option<String>>(&mut c)
            .await?
            .is_some();
        if fresh {
            let key = self.key(&["history", link_id]);
            let _: () = deadpool_redis::redis::pipe()
                .atomic()
                .rpush(&key, encode(entry))
                .ignore()
                .expire(&key, crate::days(self.retention().link_history_days))
                .ignore()
                .query_async(&mut c)
                .await?;
        }
        Ok(())
    }

    pub async fn history(&self, link_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.key(&["history", link_id]);
        let raw: Vec<String> = c.lrange(&key, 0, -1).await?;
        raw.iter().map(|r| decode(&key, r)).collect()
    }
}
