//! The Movidesk simulator: the public API (`/movidesk/public/v1/...`, token in the query), trigger
//! webhooks back to the caller, and the control API (`/_sandbox/movidesk/...`).
//!
//! Rooms: `config` (domain settings), `domain` (tenant state), `model` (ticket model and its JSON),
//! `persons`, `tickets` (write rules), `surveys`, `input` (liberal body readers), `odata` + `query` (list options),
//! `gate` (auth, limits, faults, request log), `api` (public handlers), `webhooks` (trigger bodies),
//! `control` (control handlers).

pub mod api;
pub mod config;
pub mod control;
pub mod domain;
pub mod gate;
pub mod input;
pub mod model;
pub mod odata;
pub mod persons;
pub mod query;
pub mod surveys;
pub mod tickets;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::state::AppState;

/// Where the public API is mounted.
pub const API_PREFIX: &str = "/movidesk/public/v1";

/// The public API, behind the gate.
pub fn public_router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    api::router().layer(from_fn_with_state(state, gate::gate))
}
