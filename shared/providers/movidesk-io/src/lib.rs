//! Movidesk's I/O: a rate-limited client, the executor (canonical commands
//! → API calls) and reconciliation of lost webhooks. What the JSON means is
//! `ponte-movidesk`. Facts and their sources are in
//! `../shared/providers/movidesk-octadesk.md`, Part 1.

pub mod client;
pub mod execute;
pub mod markers;
pub mod reconcile;

pub use client::{Client, RateLimit};
pub use execute::MovideskExecutor;
