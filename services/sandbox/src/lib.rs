//! `ponte-sandbox`: faithful in-memory simulators of the provider APIs Ponte talks to.
//!
//! It is "a product, not a mock": each simulator behaves like the provider's documented API — auth,
//! shapes, rate limits, error codes, webhooks back to the caller — so that a misunderstanding in a
//! client shows up against it. It shares no types with Ponte's provider crates.
//!
//! Providers: Movidesk (`/movidesk/public/v1`), Take Blip (`/blip`). A control API under
//! `/_sandbox/` registers tenants, acts as an agent or a customer in the provider's UI, injects faults
//! and exposes state for assertions.
//!
//! Also Okdesk (`/okdesk/api/v1`, `api_token` in the query) and UIS, a cloud PBX that posts call
//! notifications from user templates to configured URLs (recordings served at `/uis/media`).
//!
//! And Octadesk: the legacy API (`/octadesk`, login flows issuing JWT access tokens) and the v1 API
//! (`/octadesk/v1`, `X-API-KEY`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), ponte_sandbox::SandboxError> {
//! let sandbox = ponte_sandbox::Sandbox::start("127.0.0.1:0".parse().unwrap(), None).await?;
//! println!("Movidesk API at {}", sandbox.movidesk_api_url());
//! sandbox.shutdown().await
//! # }
//! ```

pub mod blip;
mod common;
mod error;
pub mod movidesk;
pub mod octadesk;
pub mod okdesk;
mod seed;
mod server;
mod state;
pub mod uis;

pub use blip::config::ContractSpec;
pub use error::SandboxError;
pub use movidesk::config::{BaseStatus, DomainSpec, StatusSpec};
pub use seed::{BlipSeed, MovideskSeed, OctadeskSeed, OkdeskSeed, SeedConfig, UisSeed};
pub use server::{RunningSandbox, Sandbox};
