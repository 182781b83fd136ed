//! Ponte's markers on Movidesk tickets as the bulk read returns them: a
//! ticket and its tags (`ponte-<integration>-…`), so links can be rebuilt
//! from the providers alone when Redis lost them. The read itself is
//! `ponte_movidesk_io::markers`.

use serde::Deserialize;

use crate::de;

/// A ticket and its tags.
#[derive(Debug, Clone, Deserialize)]
pub struct Tagged {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}
