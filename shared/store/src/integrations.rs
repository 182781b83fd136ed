use deadpool_redis::redis::AsyncCommands;
use ponte_core::Integration;

use crate::error::{decode, encode};
use crate::{Store, StoreError};

impl Store {
    pub(crate) fn integration_key(&self, id: &str) -> String {
        self.key(&["integration", id])
    }

    pub(crate) fn integrations_version_key(&self) -> String {
        self.key(&["integrations", "version"])
    }

    /// A number that changes whenever any integration is created, replaced
    /// or deleted: caches of integrations compare it to know they are stale.
    pub async fn integrations_version(&self) -> Result<u64, StoreError> {
        let mut c = self.conn().await?;
        let v: Option<u64> = c.get(self.integrations_version_key()).await?;
        Ok(v.unwrap_or(0))
    }

    /// Stores (creates or replaces) an integration, encrypted when a key is
    /// configured. Returns true when it is new.
    pub async fn put_integration(&self, integration: &Integration) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        let key = self.integration_key(&integration.id);
        let existed: bool = c.exists(&key).await?;
        let _: () = deadpool_redis::redis::pipe()
            .atomic()
            .set(
                &key,
                self.keys().seal(&integration.id, &encode(integration)),
            )
            .sadd(self.key(&["integrations"]), &integration.id)
            .incr(self.integrations_version_key(), 1)
            .ignore()
            .query_async(&mut c)
            .await?;
        Ok(!existed)
    }

    pub async fn integration(&self, id: &str) -> Result<Option<Integration>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.integration_key(id);
        let raw: Option<String> = c.get(&key).await?;
        raw.map(|r| self.open_integration(id, &key, &r)).transpose()
    }

    /// An integration from its stored form, sealed or (from before
    /// encryption) plain.
    pub(crate) fn open_integration(
        &self,
        id: &str,
        key: &str,
        raw: &str,
    ) -> Result<Integration, StoreError> {
        let (plain, _) = self
            .keys()
            .open(id, raw)
            .map_err(|reason| StoreError::Sealed {
                id: id.to_string(),
                reason,
            })?;
        decode(key, &plain)
    }

    pub async fn integrations(&self) -> Result<Vec<Integration>, StoreError> {
        let mut c = self.conn().await?;
        let mut ids: Vec<String> = c.smembers(self.key(&["integrations"])).await?;
        ids.sort();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let key = self.integration_key(&id);
            let raw: Option<String> = c.get(&key).await?;
            if let Some(r) = raw {
                out.push(self.open_integration(&id, &key, &r)?);
            }
        }
        Ok(out)
    }

    /// Returns false when there was no such integration.
    pub async fn delete_integration(&self, id: &str) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        let (removed, _): (u32, u32) = deadpool_redis::redis::pipe()
            .atomic()
            .del(self.integration_key(id))
            .srem(self.key(&["integrations"]), id)
            .incr(self.integrations_version_key(), 1)
            .ignore()
            .query_async(&mut c)
            .await?;
        Ok(removed > 0)
    }
}
