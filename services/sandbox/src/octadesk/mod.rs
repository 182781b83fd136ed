//! The Octadesk simulator: the legacy API (`/octadesk/...`, login flows issuing HS256 JWT access tokens,
//! then `Authorization: Bearer`), the v1 API (`/octadesk/v1/...`, `X-API-KEY` + `octa-agent-email`), the
//! automations' webhook (`{domain, event, data}`) and the control API (`/_sandbox/octadesk/...`).
//!
//! Rooms: `config` (tenant settings), `tenant` (tenant state and registry), `model` (records), `jwt`
//! (HS256 tokens), `tokens` (credentials and issued access tokens), `errors` (`{"message"}` bodies),
//! `input` (liberal readers), `people` (persons and organizations), `tickets` (ticket writes), `render`
//! (ticket shapes per API), `filters` (v1 list queries), `webhooks` (outgoing events), `gate` (auth,
//! limits, faults, request log), `ops` (handlers shared by both APIs), `legacy` and `v1` (routes),
//! `control` (control handlers).

pub mod config;
pub mod control;
pub mod errors;
pub mod filters;
pub mod gate;
pub mod input;
pub mod jwt;
pub mod legacy;
pub mod model;
pub mod ops;
pub mod people;
pub mod render;
pub mod tenant;
pub mod tickets;
pub mod tokens;
pub mod v1;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::state::AppState;

/// Where the legacy API is mounted (instead of `https://api.octadesk.services`).
pub const API_PREFIX: &str = "/octadesk";
/// Where the v1 API is mounted (instead of `https://{account}.api00N.octadesk.services`).
pub const V1_PREFIX: &str = "/octadesk/v1";

/// Both public APIs, each behind its gate: v1 under `/v1`, the legacy API elsewhere.
pub fn public_router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let v1 = v1::router().layer(from_fn_with_state(Arc::clone(&state), gate::v1_gate));
    legacy::router()
        .layer(from_fn_with_state(state, gate::legacy_gate))
        .nest("/v1", v1)
}
