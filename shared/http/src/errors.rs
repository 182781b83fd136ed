//! Every error answer carries the JSON error body, also the ones no handler
//! writes: an unknown path (404), a wrong method (405) and headers too large
//! to read (431).

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// Largest total size of a request's headers (names and values), in bytes.
/// Larger requests get 431 with the JSON body before any handler runs.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// `router` with JSON answers for unknown paths, wrong methods and
/// oversized headers.
pub fn with_json_errors(router: Router) -> Router {
    router
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn(limit_headers))
}

async fn unknown_path(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint `{}`; see the README for the routes",
        uri.path().escape_debug()
    ))
}

async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{method} is not allowed on `{}`; see the README for the routes",
            uri.path().escape_debug()
        ),
    )
}

async fn limit_headers(request: Request, next: Next) -> Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if size > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request's headers take {size} bytes; this service reads at most {MAX_HEADER_BYTES}"
            ),
        )
        .into_response();
    }
    next.run(request).await
}
