//! One connection pool per warehouse integration, opened (and migrated) on first use and reopened
//! when the integration's database address changes.

use std::collections::HashMap;

use ponte_core::Integration;
use ponte_core::warehouse::parse_database_url;
use tokio::sync::Mutex;

use crate::db::{DbError, Warehouse};

#[derive(Debug, Default)]
pub struct Targets {
    open: Mutex<HashMap<String, (String, Warehouse)>>,
}

/// The integration's warehouse address and password.
pub fn address_of(
    integration: &Integration,
) -> Result<(ponte_core::warehouse::DatabaseAddress, Option<String>), DbError> {
    let address = parse_database_url(&integration.target.base_url)
        .map_err(|e| DbError::Url(e.to_string()))?;
    let password = integration
        .target
        .credential("password")
        .map(|s| s.expose().to_string());
    Ok((address, password))
}

impl Targets {
    pub async fn for_integration(&self, integration: &Integration) -> Result<Warehouse, DbError> {
        let (address, password) = address_of(integration)?;
        let fingerprint = format!(
            "{}|{}|{}",
            address.url,
            address.schema,
            password.as_deref().map_or(0, str::len)
        );
        let mut open = self.open.lock().await;
        if let Some((f, w)) = open.get(&integration.id)
            && *f == fingerprint
        {
            return Ok(w.clone());
        }
        let w = Warehouse::open(&address, password.as_deref()).await?;
        if let Some((_, old)) = open.insert(integration.id.clone(), (fingerprint, w.clone())) {
            old.close().await;
        }
        Ok(w)
    }
}
