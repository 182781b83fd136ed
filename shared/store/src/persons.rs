//! Persons Ponte found or created at a desk, by the integration's client
//! key (an e-mail, a document...). A later ticket of the same client skips
//! the desk's search, one provider call; and a person Ponte just created
//! is found although the desk's search does not show it yet (Movidesk's
//! index lags "some minutes"), so two tickets of a new client create it
//! once. The key is hashed: no e-mail or document appears in a Redis key.

use std::time::Duration;

use deadpool_redis::redis::AsyncCommands;
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

impl Store {
    fn person_key(&self, account: &str, client_key: &str) -> String {
        self.key(&["person", account, &hashed(client_key)])
    }

    /// The name of the lock (for [`Store::try_lock`]) one command holds
    /// while it creates the person of `client_key` at `account`.
    pub fn person_lock(account: &str, client_key: &str) -> String {
        format!("person:{account}:{}", hashed(client_key))
    }

    /// The person's id at `account` remembered for `client_key`, if any.
    pub async fn known_person(
        &self,
        account: &str,
        client_key: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut c = self.conn().await?;
        Ok(c.get(self.person_key(account, client_key)).await?)
    }

    /// Remembers `id` as the person of `client_key` at `account` for `keep`.
    pub async fn remember_person(
        &self,
        account: &str,
        client_key: &str,
        id: &str,
        keep: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = c
            .set_ex(
                self.person_key(account, client_key),
                id,
                keep.as_secs().max(1),
            )
            .await?;
        Ok(())
    }

    /// Forgets the person of `client_key` (the desk may no longer know
    /// it); whether one was remembered.
    pub async fn forget_person(&self, account: &str, client_key: &str) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        let removed: u32 = c.del(self.person_key(account, client_key)).await?;
        Ok(removed > 0)
    }
}

/// The client key as it appears in Redis: hashed, case and spaces aside.
fn hashed(client_key: &str) -> String {
    let digest = Sha256::digest(client_key.trim().to_lowercase().as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}
