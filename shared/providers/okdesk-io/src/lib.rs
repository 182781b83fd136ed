//! Okdesk's I/O: a rate-limited client (`api_token` query auth, wrapped
//! bodies, `{"errors": …}` read into the failure reason) and the executor
//! (canonical commands → API calls): the telephony commands of a UIS source
//! (screen-pop, call list, missed-call issue) and the desk commands of a
//! ticket source. What the JSON means is `ponte-okdesk`. Facts and their
//! sources are in `../shared/providers/okdesk-uis-blip.md`, Part 1.

pub mod client;
pub mod errors;
pub mod execute;

pub use client::{Client, RateLimit};
pub use execute::OkdeskExecutor;
