//! The ops console: server-rendered pages at `/` over the same functions
//! the admin API uses, signed in with the admin token. One concern per
//! file; pages are plain HTML forms, enhanced by htmx and a small script.

mod assets;
mod calls;
mod dead_letters;
mod fleet;
mod forms;
mod guard;
mod i18n;
mod integration_form;
mod integrations;
mod layout;
mod limiter;
mod links;
mod manual;
mod metrics;
mod session;
mod settings;
mod signin;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};

use crate::app::State;

pub(crate) use session::random_token;
pub use settings::ConsoleSettings;

pub(crate) struct Console {
    pub api: Arc<State>,
    pub token: Arc<crate::auth::AdminTokens>,
    pub settings: ConsoleSettings,
    pub sessions: session::Sessions,
    pub limiter: limiter::SignInLimiter,
    pub http: reqwest::Client,
    pub rates: fleet::Rates,
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// Every console route; the API stays under `/api/v1`.
pub(crate) fn router(
    api: Arc<State>,
    token: Arc<crate::auth::AdminTokens>,
    settings: ConsoleSettings,
) -> Router {
    let console = Arc::new(Console {
        api,
        token,
        settings,
        sessions: session::Sessions::default(),
        limiter: limiter::SignInLimiter::default(),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .unwrap_or_default(),
        rates: fleet::Rates::default(),
    });
    let signed_in = Router::new()
        .route("/", get(integrations::list))
        .route("/export", get(integrations::export))
        .route(
            "/integrations/new",
            get(integration_form::new_page).post(integration_form::create),
        )
        .route(
            "/integrations/{id}",
            get(integration_form::edit_page).post(integration_form::update),
        )
        .route("/integrations/{id}/enable", post(integrations::enable))
        .route("/integrations/{id}/disable", post(integrations::disable))
        .route("/integrations/{id}/clone", post(integrations::clone))
        .route(
            "/integrations/{id}/delete",
            get(integrations::delete_page).post(integrations::delete),
        )
        .route("/links", get(links::search))
        .route("/links/{id}", get(links::show))
        .route("/links/{id}/remove", post(links::remove))
        .route("/manual", get(manual::queue))
        .route("/manual/preview", get(manual::preview))
        .route("/manual/create", post(manual::create))
        .route("/manual/associate", post(manual::associate))
        .route("/dead-letters", get(dead_letters::list))
        .route("/dead-letters/act", post(dead_letters::act))
        .route("/calls", get(calls::list))
        .route("/fleet", get(fleet::show))
        .route("/fleet/panel", get(fleet::panel))
        .route("/signout", post(signin::signout))
        .layer(middleware::from_fn_with_state(
            console.clone(),
            guard::require_session,
        ));
    Router::new()
        .route("/signin", get(signin::page).post(signin::submit))
        .route("/lang/{code}", get(signin::switch_lang))
        .route("/assets/{name}", get(assets::file))
        .merge(signed_in)
        .layer(middleware::map_response(security_headers))
        .with_state(console)
}
