//! `ponte_http_request_duration_seconds` for a router's routes: method,
//! the route template that matched (never the raw path, which is the
//! caller's text) and the status class.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use ponte_telemetry::catalog::HTTP_REQUEST_SECONDS;

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Status classes, as the `status_class` label spells them.
pub const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Times every request `router` answers (apply before merging the ops
/// endpoints, which scrapes and probes would otherwise fill).
pub fn timed<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(middleware::from_fn(track))
}

/// Registers the series of `routes` (method, template) at zero, for the
/// classes an alert watches (2xx, 4xx, 5xx).
pub fn register_routes(routes: &[(&str, &str)]) {
    HTTP_REQUEST_SECONDS.0.describe();
    for (method, route) in routes {
        for class in ["2xx", "4xx", "5xx"] {
            HTTP_REQUEST_SECONDS.zero(&[method, route, class]);
        }
    }
}

async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    // A matched path is shared text: keeping it costs no copy.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let response = next.run(req).await;
    let class = status_class(response.status().as_u16());
    HTTP_REQUEST_SECONDS.observe(
        &[
            method,
            route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
            class,
        ],
        started.elapsed(),
    );
    response
}

/// The method when it is a standard one, else `other` (a closed set).
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => STATUS_CLASSES[0],
        200..=299 => STATUS_CLASSES[1],
        300..=399 => STATUS_CLASSES[2],
        400..=499 => STATUS_CLASSES[3],
        _ => STATUS_CLASSES[4],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_closed_sets() {
        assert_eq!(status_class(202), "2xx");
        assert_eq!(status_class(404), "4xx");
        assert_eq!(status_class(503), "5xx");
        assert_eq!(status_class(999), "5xx");
        assert_eq!(method_label(&Method::POST), "POST");
        let odd = Method::from_bytes(b"BREW").expect("a method");
        assert_eq!(method_label(&odd), "other");
    }
}
