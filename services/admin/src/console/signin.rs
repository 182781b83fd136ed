//! Sign-in with the admin token, sign-out, and the language switch.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Extension;
use axum::body::{Bytes, to_bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::Console;
use super::forms::FormData;
use super::guard::{Ctx, MAX_FORM};
use super::i18n::Lang;
use super::layout::{bare, lang_switch, safe_back, see_other};
use super::session::{self, IDLE, LANG_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE, set_cookie};

fn secure(console: &Console, headers: &HeaderMap) -> bool {
    console.settings.secure_cookie || session::over_tls(headers)
}

fn with_cookies(mut r: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// The sign-in form; `error` is shown next to the token field.
fn form(lang: Lang, nonce: &str, error: Option<&str>, status: StatusCode) -> Response {
    let l = lang;
    bare(
        l,
        l.t("signin.title"),
        status,
        html! {
            h1 { (l.t("app")) " — " (l.t("signin.title")) }
            p.muted { (l.t("signin.intro")) }
            form method="post" action="/signin" {
                input type="hidden" name="signin" value=(nonce);
                div.field {
                    label for="token" { (l.t("signin.token")) }
                    input #token type="password" name="token" required autocomplete="current-password"
                        autofocus aria-invalid=[error.map(|_| "true")]
                        aria-describedby=[error.map(|_| "token-error")];
                    @if let Some(e) = error { p.error #token-error role="alert" { (e) } }
                }
                p { button type="submit" { (l.t("signin.submit")) } }
            }
            p { (lang_switch(l, "/signin")) }
        },
    )
}

pub(crate) async fn page(
    AxumState(console): AxumState<Arc<Console>>,
    headers: HeaderMap,
) -> Response {
    if session::cookie(&headers, SESSION_COOKIE)
        .is_some_and(|id| console.sessions.touch(&id).is_some())
    {
        return see_other("/");
    }
    let nonce = session::random_token();
    with_cookies(
        form(Lang::of(&headers), &nonce, None, StatusCode::OK),
        &[set_cookie(
            SIGNIN_COOKIE,
            &nonce,
            IDLE,
            secure(&console, &headers),
        )],
    )
}

fn peer(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

pub(crate) async fn submit(AxumState(console): AxumState<Arc<Console>>, req: Request) -> Response {
    let ip = peer(&req);
    let headers = req.headers().clone();
    let lang = Lang::of(&headers);
    let nonce = session::cookie(&headers, SIGNIN_COOKIE).unwrap_or_default();
    if let Err(wait) = console.limiter.check(ip) {
        tracing::warn!(%ip, "console sign-in refused: too many wrong tokens");
        let mut r = form(
            lang,
            &nonce,
            Some(
                &lang
                    .t("signin.locked")
                    .replace("{secs}", &wait.as_secs().max(1).to_string()),
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let body: Bytes = match to_bytes(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(_) => {
            return form(
                lang,
                &nonce,
                Some(lang.t("err.too_large")),
                StatusCode::PAYLOAD_TOO_LARGE,
            );
        }
    };
    let f = FormData::parse(&body);
    if !session::same(&nonce, f.raw("signin").unwrap_or_default()) {
        let fresh = session::random_token();
        return with_cookies(
            form(
                lang,
                &fresh,
                Some(lang.t("err.csrf")),
                StatusCode::FORBIDDEN,
            ),
            &[set_cookie(
                SIGNIN_COOKIE,
                &fresh,
                IDLE,
                secure(&console, &headers),
            )],
        );
    }
    let token = f.raw("token").unwrap_or_default().trim();
    if !console.token.matches(token) {
        console.limiter.failed(ip);
        tracing::warn!(%ip, "console sign-in with a wrong admin token");
        return form(
            lang,
            &nonce,
            Some(lang.t("signin.wrong")),
            StatusCode::UNAUTHORIZED,
        );
    }
    console.limiter.succeeded(ip);
    let id = console.sessions.open();
    tracing::info!(%ip, "console session opened");
    let secure = secure(&console, &headers);
    with_cookies(
        see_other("/"),
        &[
            set_cookie(SESSION_COOKIE, &id, IDLE, secure),
            set_cookie(SIGNIN_COOKIE, "", std::time::Duration::ZERO, secure),
        ],
    )
}

pub(crate) async fn signout(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
) -> Response {
    console.sessions.close(&ctx.session);
    tracing::info!("console session closed");
    with_cookies(
        see_other("/signin"),
        &[set_cookie(
            SESSION_COOKIE,
            "",
            std::time::Duration::ZERO,
            secure(&console, &headers),
        )],
    )
}

#[derive(Deserialize)]
pub(crate) struct Back {
    back: Option<String>,
}

/// Remembers the chosen language in a cookie and goes back.
pub(crate) async fn switch_lang(
    AxumState(console): AxumState<Arc<Console>>,
    Path(code): Path<String>,
    Query(q): Query<Back>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return (StatusCode::NOT_FOUND, "unknown language; use en or pt-BR").into_response();
    };
    with_cookies(
        see_other(&safe_back(q.back.as_deref())),
        &[set_cookie(
            LANG_COOKIE,
            lang.code(),
            std::time::Duration::from_secs(365 * 24 * 3600),
            secure(&console, &headers),
        )],
    )
}
