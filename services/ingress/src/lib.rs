//! `ponte-ingress`: providers' webhooks in, confirmed events out.
//!
//! A webhook is answered 202 only after the broker confirmed the event; on
//! any failure before that it is answered with an error and nothing was
//! accepted, so the provider's own retry is safe.

mod accept;
mod app;
mod auth;
mod hooks;
mod integrations;

pub use app::{Ingress, Settings};
