//! The gate in front of every console page: a live session, and on every
//! state-changing request the session's CSRF token in the form.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::forms::FormData;
use super::i18n::Lang;
use super::session::{self, SESSION_COOKIE};

/// Largest form the console accepts.
pub(crate) const MAX_FORM: usize = 1024 * 1024;

/// What every signed-in page knows.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub lang: Lang,
    pub csrf: String,
    pub session: String,
    pub flash: Option<String>,
    /// The page's path and query, for the language switch.
    pub here: String,
}

pub(crate) async fn require_session(
    AxumState(console): AxumState<Arc<Console>>,
    req: Request,
    next: Next,
) -> Response {
    let lang = Lang::of(req.headers());
    let current =
        session::cookie(req.headers(), SESSION_COOKIE).and_then(|id| console.sessions.touch(&id));
    let Some(current) = current else {
        return if req.method() == Method::GET || req.method() == Method::HEAD {
            Redirect::to("/signin").into_response()
        } else {
            refused(StatusCode::UNAUTHORIZED, lang.t("err.signed_out"))
        };
    };
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let (mut parts, body) = req.into_parts();
    let body = if parts.method == Method::GET || parts.method == Method::HEAD {
        body
    } else {
        let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
            return refused(StatusCode::PAYLOAD_TOO_LARGE, lang.t("err.too_large"));
        };
        let form = FormData::parse(&bytes);
        let presented = form.raw("csrf").unwrap_or_default();
        if !session::same(&current.csrf, presented) {
            tracing::warn!(path = %parts.uri.path(), "console form refused: CSRF token missing or wrong");
            return refused(StatusCode::FORBIDDEN, lang.t("err.csrf"));
        }
        Body::from(bytes)
    };
    let flash = if parts.method == Method::GET {
        console.sessions.take_flash(&current.id)
    } else {
        None
    };
    parts.extensions.insert(Ctx {
        lang,
        csrf: current.csrf,
        session: current.id,
        flash,
        here,
    });
    next.run(Request::from_parts(parts, body)).await
}

/// A plain refusal page (no session, so no layout).
pub(crate) fn refused(status: StatusCode, message: &str) -> Response {
    let body = maud::html! {
        (maud::DOCTYPE)
        html {
            head { meta charset="utf-8"; title { "Ponte" } link rel="stylesheet" href="/assets/console.css"; }
            body { main.narrow { h1 { (status.as_u16()) } p.error role="alert" { (message) } p { a href="/signin" { "Ponte" } } } }
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into_string(),
    )
        .into_response()
}
