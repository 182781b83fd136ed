//! Okdesk: API models, outgoing webhooks (`{event, issue}`), a rate-limited
//! client (`api_token` query auth, wrapped bodies, `{"errors": …}` read
//! into the failure reason), the normaliser (webhook → canonical events)
//! and the executor (canonical commands → API calls): the telephony
//! commands of a UIS source (screen-pop, call list, missed-call issue) and
//! the desk commands of a ticket source. Facts and their sources are in
//! `../shared/providers/okdesk-uis-blip.md`, Part 1.

pub mod client;
mod de;
pub mod errors;
pub mod execute;
pub mod model;
pub mod normalize;
pub mod webhook;

pub use client::{Client, RateLimit};
pub use execute::OkdeskExecutor;
