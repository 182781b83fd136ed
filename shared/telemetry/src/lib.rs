//! Logs, traces and metrics for every Ponte service.

pub mod catalog;
pub mod export;
mod init;
mod logline;
pub mod metrics;
pub mod process;
pub mod propagation;

pub use init::{LogFormat, Telemetry, TelemetryError, init};
