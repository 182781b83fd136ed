//! Call history: what happened to each call, for `/api/v1/calls`.

use chrono::{DateTime, Utc};
use deadpool_redis::redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::error::{decode, encode};
use crate::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Ringing,
    Answered,
    Recorded,
    Lost,
}

/// One call as the desk side saw it through Ponte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    pub call_id: String,
    pub caller: String,
    pub caller_name: Option<String>,
    /// The desk's contact (or company) the caller was matched to or created as.
    pub contact_id: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub outcome: CallOutcome,
    pub recording_url: Option<String>,
    /// The desk ticket opened for a missed call.
    pub issue_id: Option<String>,
    /// Extensions whose screens showed the caller's card.
    #[serde(default)]
    pub popped_for: Vec<String>,
    /// Why something the call asked for did not happen (a card that could
    /// not be popped, an employee nobody maps), in the operator's words.
    #[serde(default)]
    pub notes: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    fn call_key(&self, integration: &str, call_id: &str) -> String {
        self.key(&["call", integration, call_id])
    }

    pub async fn call(
        &self,
        integration: &str,
        call_id: &str,
    ) -> Result<Option<CallRecord>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.call_key(integration, call_id);
        let raw: Option<String> = c.get(&key).await?;
        raw.map(|r| decode(&key, &r)).transpose()
    }

    /// Stores the record and indexes it by time, newest last. The record
    /// expires `PONTE_CALL_HISTORY_RETENTION_DAYS` after its last write;
    /// index entries older than that are trimmed, and the index itself
    /// expires when no call was written for that long.
    pub async fn put_call(&self, integration: &str, record: &CallRecord) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let score = record
            .started_at
            .unwrap_or(record.updated_at)
            .timestamp_millis();
        let ttl = crate::days(self.retention().call_history_days);
        let cutoff = chrono::Utc::now().timestamp_millis() - ttl * 1000;
        let index = self.key(&["calls", integration]);
        let _: () = deadpool_redis::redis::pipe()
            .atomic()
            .set_ex(
                self.call_key(integration, &record.call_id),
                encode(record),
                ttl as u64,
            )
            .zadd(&index, &record.call_id, score)
            .zrembyscore(&index, "-inf", format!("({cutoff}"))
            .ignore()
            .expire(&index, ttl)
            .query_async(&mut c)
            .await?;
        Ok(())
    }

    /// Calls of an integration, newest first, at most `limit`.
    pub async fn calls(
        &self,
        integration: &str,
        limit: usize,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let mut c = self.conn().await?;
        let ids: Vec<String> = c
            .zrevrange(
                self.key(&["calls", integration]),
                0,
                limit.saturating_sub(1) as isize,
            )
            .await?;
        drop(c);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.call(integration, &id).await? {
                out.push(r);
            }
        }
        Ok(out)
    }
}
