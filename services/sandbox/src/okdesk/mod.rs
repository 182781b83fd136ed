//! The Okdesk simulator: the public API (`/okdesk/api/v1/...`, `api_token` in the query, wrapped
//! bodies, `{"errors": …}`), outgoing webhooks (`{event, issue}`) and the control API
//! (`/_sandbox/okdesk/...`).
//!
//! Rooms: `config` (account settings), `account` (tenant state and registry), `errors` (error bodies),
//! `input` (liberal readers, phones, dates), `people` (employees, contacts, companies), `issues`
//! (issues and comments), `issue_list` (`/issues/list` and `/issues/count` filters), `telephony` (screen-pops and phone calls), `webhooks` (outgoing bodies),
//! `gate` (auth, limits, faults, request log), `api` (public handlers), `control` (control handlers).

pub mod account;
pub mod api;
pub mod config;
pub mod control;
pub mod errors;
pub mod gate;
pub mod input;
pub mod issue_list;
pub mod issues;
pub mod people;
pub mod telephony;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::state::AppState;

/// Where the public API is mounted (instead of `https://{account}.okdesk.ru/api/v1`).
pub const API_PREFIX: &str = "/okdesk/api/v1";

/// The public API, behind the gate.
pub fn public_router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    api::router().layer(from_fn_with_state(state, gate::gate))
}
