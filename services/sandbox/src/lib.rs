//! `ponte-sandbox`: faithful in-memory simulators of the provider APIs Ponte talks to.
//!
//! It is "a product, not a mock": each simulator behaves like the provider's documented API — auth,
//! shapes, rate limits, error codes, webhooks back to the caller — so that a misunderstanding in a
//! client shows up against it. It shares no types with Ponte's provider crates.
//!
//! Providers: Movidesk (`/movidesk/public/v1`). A control API under `/_sandbox/` registers tenants,
//! acts as an agent in the provider's web UI, injects faults and exposes state for assertions.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ponte_sandbox::SandboxError> {
//! let sandbox = ponte_sandbox::Sandbox::start("127.0.0.1:0".parse().unwrap(), None).await?;
//! println!("Movidesk API at {}", sandbox.movidesk_api_url());
//! sandbox.shutdown().await
//! # }
//! ```

mod common;
mod error;
pub mod movidesk;
mod seed;
mod server;
mod state;

pub use error::SandboxError;
pub use movidesk::config::{BaseStatus, DomainSpec, StatusSpec};
pub use seed::{MovideskSeed, SeedConfig};
pub use server::{RunningSandbox, Sandbox};
