//! OTLP/HTTP span export over Ponte's own HTTP client (decision 92).

mod client;
mod tls;

use std::time::Duration;

use opentelemetry_otlp::{
    OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT_DEFAULT,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, SpanExporter, WithExportConfig, WithHttpConfig,
};

pub use client::{ClientError, ExportClient};

/// The span exporter `init` installs: endpoint, protocol and headers come
/// from the `OTEL_EXPORTER_OTLP_*` variables, as before; the transport is an
/// [`ExportClient`] on the calling Tokio runtime, with the exporter's timeout.
pub(crate) fn span_exporter() -> Result<SpanExporter, crate::TelemetryError> {
    let timeout = export_timeout();
    let client =
        ExportClient::new(timeout).map_err(|e| crate::TelemetryError::Exporter(e.to_string()))?;
    SpanExporter::builder()
        .with_http()
        .with_http_client(client)
        .with_timeout(timeout)
        .build()
        .map_err(|e| crate::TelemetryError::Exporter(e.to_string()))
}

/// The exporter's timeout, resolved as opentelemetry-otlp resolves it
/// (`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, then `OTEL_EXPORTER_OTLP_TIMEOUT`, in
/// milliseconds, else 10 s), so the client and the exporter agree on it.
fn export_timeout() -> Duration {
    timeout_from(|key| std::env::var(key).ok())
}

fn timeout_from(var: impl Fn(&str) -> Option<String>) -> Duration {
    [
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
        OTEL_EXPORTER_OTLP_TIMEOUT,
    ]
    .into_iter()
    .find_map(|key| var(key)?.parse::<u64>().ok())
    .map(Duration::from_millis)
    .unwrap_or(OTEL_EXPORTER_OTLP_TIMEOUT_DEFAULT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signal_timeout_wins_then_the_general_one_then_ten_seconds() {
        let both = |key: &str| match key {
            OTEL_EXPORTER_OTLP_TRACES_TIMEOUT => Some("1500".to_string()),
            OTEL_EXPORTER_OTLP_TIMEOUT => Some("3000".to_string()),
            _ => None,
        };
        assert_eq!(timeout_from(both), Duration::from_millis(1500));
        let general = |key: &str| (key == OTEL_EXPORTER_OTLP_TIMEOUT).then(|| "3000".to_string());
        assert_eq!(timeout_from(general), Duration::from_millis(3000));
        let garbage = |_: &str| Some("soon".to_string());
        assert_eq!(timeout_from(garbage), Duration::from_secs(10));
        assert_eq!(timeout_from(|_| None), Duration::from_secs(10));
    }

    #[test]
    fn the_exporter_is_refused_outside_a_tokio_runtime() {
        let err = span_exporter().err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("Tokio runtime")),
            "{err:?}"
        );
    }
}
