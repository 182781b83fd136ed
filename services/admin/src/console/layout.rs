//! The page shell (navigation, language switch, sign-out) and the helpers
//! every page uses to answer.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use maud::{DOCTYPE, Markup, html};
use ponte_http::ApiError;

use super::guard::Ctx;
use super::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Integrations,
    Links,
    Manual,
    DeadLetters,
    Calls,
    Fleet,
}

const NAV: [(Nav, &str, &str); 6] = [
    (Nav::Integrations, "/", "nav.integrations"),
    (Nav::Links, "/links", "nav.links"),
    (Nav::Manual, "/manual", "nav.manual"),
    (Nav::DeadLetters, "/dead-letters", "nav.dead_letters"),
    (Nav::Calls, "/calls", "nav.calls"),
    (Nav::Fleet, "/fleet", "nav.fleet"),
];

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}"#;
            title { (title) " · " (lang.t("app")) }
            link rel="stylesheet" href="/assets/console.css";
            script src="/assets/htmx.min.js" defer {}
            script src="/assets/console.js" defer {}
        }
    }
}

/// The switch to the other language, back to the same page.
pub(crate) fn lang_switch(lang: Lang, here: &str) -> Markup {
    let other = lang.other();
    let back: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    html! {
        a href={ "/lang/" (other.code()) "?back=" (back) } hreflang=(other.code()) lang=(other.code()) {
            (other.name())
        }
    }
}

/// A signed-in page.
pub(crate) fn page(ctx: &Ctx, nav: Nav, title: &str, body: Markup) -> Response {
    let l = ctx.lang;
    let markup = html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(l, title))
            body {
                a.skip href="#main" { (l.t("skip")) }
                header.top {
                    a.brand href="/" { (l.t("app")) }
                    nav aria-label=(l.t("nav.label")) {
                        ul {
                            @for (item, href, key) in NAV {
                                li { a href=(href) aria-current=[(item == nav).then_some("page")] { (l.t(key)) } }
                            }
                        }
                    }
                    div.tools {
                        (lang_switch(l, &ctx.here))
                        form.inline method="post" action="/signout" {
                            input type="hidden" name="csrf" value=(ctx.csrf);
                            button type="submit" { (l.t("signout")) }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    @if let Some(f) = &ctx.flash { p.flash role="status" { (f) } }
                    (body)
                }
            }
        }
    };
    html_response(StatusCode::OK, markup)
}

/// A page without a session (sign-in).
pub(crate) fn bare(lang: Lang, title: &str, status: StatusCode, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body { main.narrow #main { (body) } }
        }
    };
    html_response(status, markup)
}

pub(crate) fn html_response(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// An API error shown as a page with its status.
pub(crate) fn error_page(ctx: &Ctx, nav: Nav, e: ApiError) -> Response {
    let l = ctx.lang;
    let mut r = page(
        ctx,
        nav,
        l.t("err.title"),
        html! { p.errors role="alert" { (e.message) } p { a href="/" { (l.t("back")) } } },
    );
    *r.status_mut() = e.status;
    r
}

/// A 303 to `to` after a form (Post/Redirect/Get).
pub(crate) fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub(crate) fn when(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
        .replace('T', " ")
        .replace('Z', " UTC")
}

/// A path segment or query value, escaped.
pub(crate) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The hidden CSRF field every state-changing form carries.
pub(crate) fn csrf(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// Only same-site paths are followed after a language switch.
pub(crate) fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_only_goes_back_to_this_site() {
        assert_eq!(safe_back(Some("/links?q=1")), "/links?q=1");
        assert_eq!(safe_back(Some("//evil.test/")), "/");
        assert_eq!(safe_back(Some("https://evil.test/")), "/");
        assert_eq!(safe_back(None), "/");
    }
}
