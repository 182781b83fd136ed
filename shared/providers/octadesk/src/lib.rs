//! Octadesk: both public APIs — the legacy one (`api.octadesk.services`,
//! access tokens from `POST /login` or `POST /login/apiToken`, cached and
//! renewed) and the newer API-key one — behind one client; the webhook
//! the ingress accepts, the normaliser (ticket → canonical events) and the
//! executor (canonical commands → API calls). Facts and their sources:
//! `../shared/providers/movidesk-octadesk.md`, Part 2.

pub mod auth;
pub mod client;
mod de;
pub mod execute;
pub mod model;
pub mod normalize;
pub mod webhook;

pub use auth::{Api, Flow, TokenCache};
pub use client::Client;
pub use execute::OctadeskExecutor;
