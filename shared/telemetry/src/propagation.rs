//! W3C trace context in message headers.

use std::collections::BTreeMap;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct MapInjector<'a>(&'a mut BTreeMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
}

struct MapExtractor<'a>(&'a BTreeMap<String, String>);

impl Extractor for MapExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// `traceparent`/`tracestate` of the current span.
pub fn inject_current() -> BTreeMap<String, String> {
    let mut headers = BTreeMap::new();
    let cx = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&cx, &mut MapInjector(&mut headers));
    });
    headers
}

/// Makes `span` a child of the trace carried in `headers`, if any.
pub fn set_parent(span: &tracing::Span, headers: &BTreeMap<String, String>) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(&MapExtractor(headers)));
    let _ = span.set_parent(cx);
}

/// The trace id of the current span, when tracing is on.
pub fn current_trace_id() -> Option<String> {
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// The trace id inside a `traceparent` header value.
pub fn trace_id_of(headers: &BTreeMap<String, String>) -> Option<String> {
    headers
        .get("traceparent")
        .and_then(|tp| tp.split('-').nth(1))
        .map(str::to_string)
}
