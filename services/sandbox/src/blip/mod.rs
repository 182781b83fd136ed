//! The Take Blip simulator: the HTTP API (`/blip/commands`, `/blip/messages`, `/blip/notifications`,
//! `Authorization: Key`), the desk extension's ticket commands, the custom attendance channel's
//! webhooks back to the caller, and the control API (`/_sandbox/blip/...`).
//!
//! Rooms: `config` (contract settings), `contract` (tenant state), `ticket` (ticket document, thread,
//! state machine), `envelope` (LIME envelopes), `reason` (LIME reason codes), `ids` (GUIDs, nodes),
//! `desk` (desk commands), `messages` (agent messages, notifications), `customer` (customer simulator),
//! `webhooks` (custom-channel bodies), `throughput` (plan limits), `failures` (injected command
//! failures), `gate` (auth, limits, faults, request log), `api` (public handlers), `control`.

pub mod api;
pub mod config;
pub mod contract;
pub mod control;
pub mod customer;
pub mod desk;
pub mod envelope;
pub mod failures;
pub mod gate;
pub mod ids;
pub mod messages;
pub mod reason;
pub mod throughput;
pub mod ticket;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::state::AppState;

/// Where the HTTP API is mounted (stands in for `https://{contract}.http.msging.net`).
pub const API_PREFIX: &str = "/blip";

/// The HTTP API, behind the gate.
pub fn public_router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    api::router().layer(from_fn_with_state(state, gate::gate))
}
