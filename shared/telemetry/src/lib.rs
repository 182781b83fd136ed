//! Logs, traces and metrics for every Ponte service.

mod init;
mod logline;
pub mod metrics;
pub mod propagation;

pub use init::{LogFormat, Telemetry, TelemetryError, init};
