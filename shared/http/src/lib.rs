//! HTTP pieces every Ponte service shares: the JSON error body, the
//! `/healthz`, `/readyz` and `/metrics` endpoints, serving with graceful
//! shutdown, and the process signal handler.

mod announce;
mod error;
mod errors;
mod ops;
mod shutdown;
mod timing;

pub use announce::{ADDR_FILE_ENV, INSTANCE_ENV, Identity, announce, identity, set_service};
pub use error::ApiError;
pub use errors::{MAX_HEADER_BYTES, with_json_errors};
pub use ops::{
    PROBE_TIMEOUT, ReadyCheck, ReadyReport, bus_and_store_ready, ops_router, ops_router_reporting,
    probe_broker, probe_redis,
};
pub use shutdown::{serve, shutdown_on_signal};
pub use timing::{STATUS_CLASSES, UNMATCHED, method_label, register_routes, status_class, timed};

/// Installs logging and tracing as the shared configuration says.
pub fn init_telemetry(
    service: &'static str,
    common: &ponte_config::Common,
) -> Result<ponte_telemetry::Telemetry, ponte_telemetry::TelemetryError> {
    announce::set_service(service);
    ponte_telemetry::catalog::register_common();
    let format = match common.log_format {
        ponte_config::LogFormat::Text => ponte_telemetry::LogFormat::Text,
        ponte_config::LogFormat::Json => ponte_telemetry::LogFormat::Json,
    };
    ponte_telemetry::init(service, format, common.otlp_endpoint.as_deref())
}
