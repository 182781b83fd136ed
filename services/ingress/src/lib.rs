//! `ponte-ingress`: providers' webhooks in, confirmed events out.
//!
//! A webhook is answered 202 only once the event is durable: confirmed by
//! the broker or, while the broker cannot confirm, fsynced in the local
//! spool (forwarded in order when the broker is back). On any failure
//! before that it is answered with an error and nothing was accepted, so
//! the provider's own retry is safe.

mod app;
mod auth;
mod heard;
mod hooks;
mod integrations;
mod metrics;
mod spool;
mod spool_forward;
mod spool_ready;

pub use app::{Ingress, Settings};
pub use spool_ready::SpoolSettings;
