use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::logline::WithIdentity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("cannot build the OTLP span exporter: {0}")]
    Exporter(String),
    #[error("cannot install the log subscriber: {0}")]
    Subscriber(String),
}

/// Keeps the trace pipeline alive; flushes spans when dropped.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    pub fn shutdown(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.force_flush();
            let _ = provider.shutdown();
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Installs logging (text or JSON, filtered by `RUST_LOG`, default `info`)
/// and, when `otlp_endpoint` is set, OTLP/HTTP span export. The batch
/// processor exports from its own thread, which has no Tokio runtime; the
/// exporter's client ([`crate::export::ExportClient`]) runs each request on
/// the runtime `init` is called from, which must be a multi-thread one (every
/// service's `#[tokio::main]`), else `init` fails when an endpoint is set.
pub fn init(
    service: &'static str,
    format: LogFormat,
    otlp_endpoint: Option<&str>,
) -> Result<Telemetry, TelemetryError> {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let fmt_layer = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_target(false)
            .map_event_format(|f| WithIdentity::text(f.with_ansi(tty), service))
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .map_event_format(|f| WithIdentity::json(f, service))
            .boxed(),
    };

    // Spans always get W3C trace ids (they travel in message headers and
    // appear in link history and dead letters); they leave the process only
    // when an OTLP endpoint is configured.
    let mut builder = SdkTracerProvider::builder()
        .with_resource(Resource::builder().with_service_name(service).build());
    if otlp_endpoint.is_some() {
        // Endpoint and protocol come from OTEL_EXPORTER_OTLP_* variables.
        builder = builder.with_batch_exporter(crate::export::span_exporter()?);
    }
    let provider = builder.build();
    let otel_layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(service))
        .with_filter(EnvFilter::new("info"));
    let provider = Some(provider);

    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
    Ok(Telemetry { provider })
}
