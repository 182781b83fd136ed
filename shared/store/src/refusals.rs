//! What a provider account was found to refuse (a field its API documents
//! as read-only and rejects, say), remembered per account so later writes
//! leave it out instead of failing once more first.

use deadpool_redis::redis::AsyncCommands;

use crate::{Store, StoreError};

impl Store {
    fn refusal_key(&self, account: &str, what: &str) -> String {
        self.key(&["refuses", account, what])
    }

    /// True when `account` was found to refuse `what`.
    pub async fn refuses(&self, account: &str, what: &str) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        Ok(c.exists(self.refusal_key(account, what)).await?)
    }

    /// Remembers that `account` refuses `what`.
    pub async fn note_refusal(&self, account: &str, what: &str) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c.set(self.refusal_key(account, what), 1).await?;
        Ok(())
    }
}
