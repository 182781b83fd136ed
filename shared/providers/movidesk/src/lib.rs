//! Movidesk: API models, trigger webhooks, a rate-limited client, the
//! normaliser (ticket → canonical events) and the executor (canonical
//! commands → API calls). Facts and their sources are in
//! `../shared/providers/movidesk-octadesk.md`, Part 1.

pub mod client;
mod de;
pub mod execute;
pub mod markers;
pub mod model;
pub mod normalize;
pub mod reconcile;
pub mod webhook;

pub use client::{Client, RateLimit};
pub use execute::MovideskExecutor;
