//! Every log line names its service, and a line written inside a span
//! carries the span's trace id, so "find the trace id in the logs" works
//! with text and JSON logs alike.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Wraps an event format: text lines end with `service=… trace_id=…`;
/// JSON objects start with `"service"` and `"trace_id"`.
pub struct WithIdentity<F> {
    inner: F,
    service: &'static str,
    json: bool,
}

impl<F> WithIdentity<F> {
    pub fn text(inner: F, service: &'static str) -> Self {
        WithIdentity {
            inner,
            service,
            json: false,
        }
    }

    pub fn json(inner: F, service: &'static str) -> Self {
        WithIdentity {
            inner,
            service,
            json: true,
        }
    }
}

impl<S, N, F> FormatEvent<S, N> for WithIdentity<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // Inside a span the OpenTelemetry layer has already activated it on
        // enter, so reading its context builds nothing new.
        let trace_id = if event.is_contextual() && ctx.lookup_current().is_some() {
            crate::propagation::current_trace_id()
        } else {
            None
        };
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let line = line.trim_end_matches('\n');
        if self.json
            && let Some(rest) = line.strip_prefix('{')
        {
            write!(writer, "{{\"service\":\"{}\",", self.service)?;
            if let Some(t) = &trace_id {
                write!(writer, "\"trace_id\":\"{t}\",")?;
            }
            writeln!(writer, "{rest}")
        } else {
            write!(writer, "{line} service={}", self.service)?;
            if let Some(t) = &trace_id {
                write!(writer, " trace_id={t}")?;
            }
            writeln!(writer)
        }
    }
}
