//! Take Blip's custom attendance channel (provider `Webhook`): LIME
//! envelopes, the desk extension's commands, a throughput-limited client,
//! the normaliser (envelope → canonical events) and the executor (canonical
//! commands → commands and messages). Facts and sources:
//! `../shared/providers/okdesk-uis-blip.md`, Part 3.

pub mod client;
pub mod content;
pub mod execute;
pub mod model;
pub mod normalize;
pub mod webhook;

pub use client::{Client, Throughput};
pub use execute::BlipExecutor;
