use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ponte_core::Secret;
use ponte_http::ApiError;

/// The admin token, and during a rotation the one it replaces
/// (`PONTE_ADMIN_TOKEN_PREVIOUS`), accepted until the operator removes it.
pub(crate) struct AdminTokens {
    current: Secret,
    previous: Option<Secret>,
}

/// Which token a caller presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presented {
    Current,
    Previous,
    Wrong,
}

impl AdminTokens {
    pub(crate) fn new(current: Secret, previous: Option<Secret>) -> AdminTokens {
        AdminTokens { current, previous }
    }

    /// Compares with both tokens in constant time.
    pub(crate) fn check(&self, presented: &str) -> Presented {
        let current = self.current.matches(presented);
        let previous = self.previous.as_ref().is_some_and(|p| p.matches(presented));
        match (current, previous) {
            (true, _) => Presented::Current,
            (false, true) => {
                tracing::warn!(
                    audit = true,
                    action = "admin.sign_in",
                    "signed in with PONTE_ADMIN_TOKEN_PREVIOUS: move this client to the new token before the old one is removed"
                );
                Presented::Previous
            }
            _ => Presented::Wrong,
        }
    }

    pub(crate) fn matches(&self, presented: &str) -> bool {
        self.check(presented) != Presented::Wrong
    }
}

/// Every admin call needs `Authorization: Bearer <PONTE_ADMIN_TOKEN>` (or,
/// while a rotation runs, `PONTE_ADMIN_TOKEN_PREVIOUS`).
pub(crate) async fn require(token: Arc<AdminTokens>, req: Request, next: Next) -> Response {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_token_is_accepted_only_while_configured() {
        let rotating = AdminTokens::new(
            Secret::new("new-admin-token-0123456789"),
            Some(Secret::new("old-admin-token-0123456789")),
        );
        assert_eq!(
            rotating.check("new-admin-token-0123456789"),
            Presented::Current
        );
        assert_eq!(
            rotating.check("old-admin-token-0123456789"),
            Presented::Previous
        );
        assert_eq!(rotating.check("someone-else-0123456789"), Presented::Wrong);
        assert_eq!(rotating.check(""), Presented::Wrong);
        let done = AdminTokens::new(Secret::new("new-admin-token-0123456789"), None);
        assert!(!done.matches("old-admin-token-0123456789"));
        assert!(done.matches("new-admin-token-0123456789"));
    }
}
