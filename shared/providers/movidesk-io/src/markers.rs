//! Ponte's markers on Movidesk tickets, read back in bulk: every ticket
//! carrying a tag `ponte-<integration>-…`, a page at a time, so links can be
//! rebuilt from the providers alone when Redis lost them.

use ponte_movidesk::markers::Tagged;
use ponte_worker::ExecError;

use crate::client::{Client, PAGE, escape};

impl Client<'_> {
    /// One page (at most [`PAGE`]) of the tickets carrying a tag that
    /// starts with `prefix`, by ticket number, after skipping `skip`.
    pub async fn tagged_with_prefix(
        &self,
        prefix: &str,
        skip: usize,
    ) -> Result<Vec<Tagged>, ExecError> {
        let filter = format!("tags/any(t: startswith(t, '{}'))", escape(prefix));
        self.api
            .get(
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
