//! `ponte-admin`: the integration center, links and their history, and the
//! dead-letter queues, over HTTP with an admin bearer token.

mod app;
mod auth;
mod body;
mod calls;
mod console;
mod deadletters;
mod export;
mod integrations;
mod links;
mod manual;
mod observer;
mod preview;
mod rebuild;
mod rebuild_scan;
mod rotate;

pub use app::{Admin, Settings};
pub use console::ConsoleSettings;
pub use observer::ObserverSettings;
