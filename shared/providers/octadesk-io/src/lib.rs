//! Octadesk's I/O for both public APIs — the legacy one
//! (`api.octadesk.services`, access tokens from `POST /login` or
//! `POST /login/apiToken`, cached and renewed) and the newer API-key one —
//! behind one client, and the executor (canonical commands → API calls).
//! What the JSON means is `ponte-octadesk`. Facts and their sources:
//! `../shared/providers/movidesk-octadesk.md`, Part 2.

pub mod auth;
pub mod client;
pub mod execute;

pub use auth::{Api, Flow, TokenCache};
pub use client::Client;
pub use execute::OctadeskExecutor;
