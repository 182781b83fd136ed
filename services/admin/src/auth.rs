use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ponte_core::Secret;
use ponte_http::ApiError;

/// Every admin call needs `Authorization: Bearer <PONTE_ADMIN_TOKEN>`.
pub(crate) async fn require(token: Arc<Secret>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let refused = |reason: &'static str| {
        let client = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.to_string())
            .unwrap_or_else(|| "unknown".into());
        tracing::warn!(
            audit = true,
            action = "admin.sign_in",
            outcome = "refused",
            reason,
            client = %client,
            method = %req.method(),
            path = %req.uri().path().escape_debug(),
            "admin sign-in refused"
        );
    };
    match presented {
        Some(p) if token.matches(p.trim()) => next.run(req).await,
        Some(_) => {
            refused("wrong_token");
            ApiError::unauthorized("the admin token does not match").into_response()
        }
        None => {
            refused("no_token");
            ApiError::unauthorized("send the admin token as `Authorization: Bearer <token>`")
                .into_response()
        }
    }
}
