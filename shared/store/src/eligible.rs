//! Manual mode: source tickets that meet the conditions and wait for an
//! agent to create or associate their counterpart.

use chrono::{DateTime, Utc};
use deadpool_redis::redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::error::{decode, encode};
use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligible {
    pub ticket_id: String,
    pub subject: String,
    pub status: String,
    pub client: Option<String>,
    pub since: DateTime<Utc>,
}

impl Store {
    pub async fn put_eligible(&self, integration: &str, e: &Eligible) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let key = self.key(&["eligible", integration]);
        let existing: Option<String> = c.hget(&key, &e.ticket_id).await?;
        // Keep the first time it became eligible.
        let since = existing
            .and_then(|raw| decode::<Eligible>(&key, &raw).ok())
            .map_or(e.since, |old| old.since);
        let record = Eligible { since, ..e.clone() };
        let _: () = c.hset(&key, &e.ticket_id, encode(&record)).await?;
        Ok(())
    }

    pub async fn remove_eligible(
        &self,
        integration: &str,
        ticket_id: &str,
    ) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c
            .hdel(self.key(&["eligible", integration]), ticket_id)
            .await?;
        Ok(())
    }

    /// Eligible tickets of an integration, oldest first.
    pub async fn eligible(&self, integration: &str) -> Result<Vec<Eligible>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.key(&["eligible", integration]);
        let all: Vec<String> = c.hvals(&key).await?;
        let mut out: Vec<Eligible> = all
            .iter()
            .map(|r| decode(&key, r))
            .collect::<Result<_, _>>()?;
        out.sort_by(|a, b| a.since.cmp(&b.since).then(a.ticket_id.cmp(&b.ticket_id)));
        Ok(out)
    }
}
