//! Logs, traces and metrics for every Ponte service.

mod init;
pub mod metrics;
pub mod propagation;

pub use init::{LogFormat, Telemetry, TelemetryError, init};
