use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_redis::redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{decode, encode};
use crate::{Store, StoreError};

/// Results and intents are kept this long; a redelivery after that is
/// treated as new (and still guarded by the provider-side lookup).
const KEEP: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where a command stands before a worker acts on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Never started: go ahead.
    Fresh,
    /// Started before and never finished (a crash, a lost response): the
    /// effect may have happened; look it up before repeating it.
    Unfinished {
        started_at: DateTime<Utc>,
        tries: u32,
    },
    /// Finished; this is its recorded result.
    Done(Value),
}

#[derive(Serialize, Deserialize)]
struct IntentRecord {
    started_at: DateTime<Utc>,
    tries: u32,
}

impl Store {
    /// Records that the command is about to act, and says what happened to
    /// it before. Call before every provider call that has an effect.
    pub async fn begin(&self, command_id: &str) -> Result<Intent, StoreError> {
        let mut c = self.conn().await?;
        let result_key = self.key(&["result", command_id]);
        let raw: Option<String> = c.get(&result_key).await?;
        if let Some(r) = raw {
            return Ok(Intent::Done(decode(&result_key, &r)?));
        }
        let intent_key = self.key(&["intent", command_id]);
        let previous: Option<String> = c.get(&intent_key).await?;
        let previous: Option<IntentRecord> =
            previous.map(|p| decode(&intent_key, &p)).transpose()?;
        let record = IntentRecord {
            started_at: previous.as_ref().map_or_else(Utc::now, |p| p.started_at),
            tries: previous.as_ref().map_or(1, |p| p.tries + 1),
        };
        let _: () = c
            .set_ex(&intent_key, encode(&record), KEEP.as_secs())
            .await?;
        Ok(match previous {
            None => Intent::Fresh,
            Some(p) => Intent::Unfinished {
                started_at: p.started_at,
                tries: p.tries,
            },
        })
    }

    /// Records the command's result; later deliveries see [`Intent::Done`].
    pub async fn finish(&self, command_id: &str, result: &Value) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = deadpool_redis::redis::pipe()
            .atomic()
            .set_ex(
                self.key(&["result", command_id]),
                encode(result),
                KEEP.as_secs(),
            )
            .del(self.key(&["intent", command_id]))
            .query_async(&mut c)
            .await?;
        Ok(())
    }
}
