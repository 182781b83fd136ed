use deadpool_redis::redis::AsyncCommands;
use ponte_core::{Link, Side};

use crate::error::{decode, encode};
use crate::{Store, StoreError};

impl Store {
    fn link_key(&self, id: &str) -> String {
        self.key(&["link", id])
    }

    pub(crate) fn ticket_key(&self, integration: &str, side: Side, ticket: &str) -> String {
        self.key(&["ticket-link", integration, side.as_str(), ticket])
    }

    /// Stores a link and its index from both tickets.
    pub async fn put_link(&self, link: &Link) -> Result<(), StoreError> {
        let mut c = self.conn().await?;
        let _: () = deadpool_redis::redis::pipe()
            .atomic()
            .del(self.key(&["link-removed", &link.id]))
            .set(self.link_key(&link.id), encode(link))
            .set(
                self.ticket_key(&link.integration, Side::Source, &link.source_ticket),
                &link.id,
            )
            .set(
                self.ticket_key(&link.integration, Side::Target, &link.target_ticket),
                &link.id,
            )
            .zadd(
                self.key(&["links", &link.integration]),
                &link.id,
                link.created_at.timestamp_millis(),
            )
            .query_async(&mut c)
            .await?;
        Ok(())
    }

    pub async fn link(&self, id: &str) -> Result<Option<Link>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.link_key(id);
        let raw: Option<String> = c.get(&key).await?;
        raw.map(|r| decode(&key, &r)).transpose()
    }

    /// The link a ticket on one side belongs to.
    pub async fn link_of(
        &self,
        integration: &str,
        side: Side,
        ticket: &str,
    ) -> Result<Option<Link>, StoreError> {
        let mut c = self.conn().await?;
        let id: Option<String> = c.get(self.ticket_key(integration, side, ticket)).await?;
        drop(c);
        match id {
            Some(id) => self.link(&id).await,
            None => Ok(None),
        }
    }

    /// Links of an integration, oldest first.
    pub async fn links(&self, integration: &str) -> Result<Vec<Link>, StoreError> {
        let mut c = self.conn().await?;
        let ids: Vec<String> = c.zrange(self.key(&["links", integration]), 0, -1).await?;
        drop(c);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(l) = self.link(&id).await? {
                out.push(l);
            }
        }
        Ok(out)
    }

    /// Whether an agent removed this pair's link (and no link was made
    /// again since).
    pub async fn link_removed(&self, id: &str) -> Result<bool, StoreError> {
        let mut c = self.conn().await?;
        Ok(c.exists(self.key(&["link-removed", id])).await?)
    }

    /// The link an agent removed, as it was (its tombstone), while the pair
    /// is not linked again. Tombstones written before they kept the link
    /// read as `None`.
    pub async fn removed_link(&self, id: &str) -> Result<Option<Link>, StoreError> {
        let mut c = self.conn().await?;
        let key = self.key(&["link-removed", id]);
        let raw: Option<String> = c.get(&key).await?;
        Ok(raw.and_then(|r| decode(&key, &r).ok()))
    }

    /// Removes a link and its indexes, leaving a tombstone (the link as it
    /// was) so the pair is not linked again by itself and its old tickets
    /// are known. Returns the removed link.
    pub async fn remove_link(&self, id: &str) -> Result<Option<Link>, StoreError> {
        let Some(link) = self.link(id).await? else {
            return Ok(None);
        };
        let mut c = self.conn().await?;
        let _: () = deadpool_redis::redis::pipe()
            .atomic()
            .del(self.link_key(id))
            .del(self.link_status_key(id))
            .del(self.ticket_key(&link.integration, Side::Source, &link.source_ticket))
            .del(self.ticket_key(&link.integration, Side::Target, &link.target_ticket))
            .zrem(self.key(&["links", &link.integration]), id)
            .set(self.key(&["link-removed", id]), encode(&link))
            .query_async(&mut c)
            .await?;
        Ok(Some(link))
    }
}
