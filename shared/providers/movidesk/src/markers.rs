//! Ponte's markers on Movidesk tickets, read back in bulk: every ticket
//! carrying a tag `ponte-<integration>-…`, a page at a time, so links can be
//! rebuilt from the providers alone when Redis lost them.

use ponte_worker::ExecError;
use serde::Deserialize;

use crate::client::{Client, PAGE, escape};
use crate::de;

/// A ticket and its tags.
#[derive(Debug, Clone, Deserialize)]
pub struct Tagged {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

impl Client<'_> {
    /// One page (at most [`PAGE`]) of the tickets carrying a tag that
    /// starts with `prefix`, by ticket number, after skipping `skip`.
    pub async fn tagged_with_prefix(
        &self,
        prefix: &str,
        skip: usize,
    ) -> Result<Vec<Tagged>, ExecError> {
        let filter = format!("tags/any(t: startswith(t, '{}'))", escape(prefix));
        self.get(
            "/tickets",
            &[
                ("$select", "id,tags".into()),
                ("$filter", filter),
                ("$orderby", "id asc".into()),
                ("$top", PAGE.to_string()),
                ("$skip", skip.to_string()),
            ],
        )
        .await
    }
}
