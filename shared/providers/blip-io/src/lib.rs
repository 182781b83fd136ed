//! Take Blip's I/O: a throughput-limited client for the desk extension's
//! commands and messages, and the executor (canonical commands → commands
//! and messages). What the JSON means is `ponte-blip`. Facts and sources:
//! `../shared/providers/okdesk-uis-blip.md`, Part 3.

pub mod client;
pub mod execute;

pub use client::{Client, Throughput};
pub use execute::BlipExecutor;
