//! `ponte-router`: turns webhooks and derived events into commands for the
//! provider workers. It decides, per integration, what an event means for
//! every linked ticket; it never calls a provider.

mod app;
mod handler;
mod ignored;
mod link_status;
mod metrics;
mod rules;
mod webhooks;

pub use app::{Router, Settings};
pub use rules::{Decision, Facts, plan};
