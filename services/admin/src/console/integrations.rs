//! The integration center: the list with state, pair, mode, last webhook
//! seen and counts; enable/disable, clone, delete with a typed
//! confirmation, and the export.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use ponte_bus::Selection;
use ponte_core::{Integration, Mode};
use serde::Deserialize;

use super::Console;
use super::forms::FormData;
use super::guard::Ctx;
use super::i18n::Lang;
use super::layout::{Nav, csrf, enc, error_page, page, see_other, when};
use crate::body::store_error;
use crate::{deadletters, export, integrations as api};

/// The key under which the ingress notes the last webhook it accepted for
/// an integration.
pub(crate) fn last_webhook_cursor(integration: &str) -> String {
    format!("last_webhook:{integration}")
}

/// The URL each side's provider must call, without its secret: the secret
/// goes in `?token=`, `Authorization: Bearer` or `X-Ponte-Token`.
pub(crate) fn webhook_urls(console: &Console, i: &Integration) -> Vec<(&'static str, String)> {
    let base = console
        .settings
        .ingress_url
        .clone()
        .unwrap_or_else(|| "<PONTE_INGRESS_URL>".to_string());
    let mut out = vec![(
        "source",
        format!("{base}/hooks/{}/{}", i.source.provider, enc(&i.id)),
    )];
    if !i.target.provider.is_channel() && !i.target.provider.is_telephony() {
        out.push((
            "target",
            format!("{base}/hooks/{}/{}", i.target.provider, enc(&i.id)),
        ));
    }
    out
}

pub(crate) fn webhook_block(console: &Console, l: Lang, i: &Integration) -> Markup {
    html! {
        @for (n, (side, url)) in webhook_urls(console, i).into_iter().enumerate() {
            @let id = format!("hook-{}-{n}", i.id);
            div.url {
                span { (l.t(if side == "source" { "form.source" } else { "form.target" })) ": " }
                code #(id) { (url) }
                button.secondary type="button" hidden data-copy={ "#" (id) } data-done=(l.t("copied"))
                    aria-label={ (l.t("copy")) " " (l.t(if side == "source" { "form.source" } else { "form.target" })) " " (i.id) } {
                    (l.t("copy"))
                }
            }
        }
        p.hint.muted { (l.t("hooks.hint")) }
    }
}

pub(crate) fn mode_label(l: Lang, m: Mode) -> &'static str {
    match m {
        Mode::Automatic => l.t("mode.automatic"),
        Mode::Manual => l.t("mode.manual"),
    }
}

pub(crate) async fn list(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let l = ctx.lang;
    let all = match console.api.store.integrations().await {
        Ok(all) => all,
        Err(e) => return error_page(&ctx, Nav::Integrations, store_error(e)),
    };
    // One walk of the dead-letter queues for every integration's count.
    let parked: Option<BTreeMap<String, usize>> =
        deadletters::parked(&console.api, None, &Selection::default())
            .await
            .ok()
            .map(|dls| {
                let mut m = BTreeMap::new();
                for dl in dls {
                    *m.entry(dl.integration.unwrap_or_default()).or_default() += 1;
                }
                m
            });
    let mut rows = Vec::new();
    for i in &all {
        let links = console.api.store.links(&i.id).await.map(|v| v.len()).ok();
        let last = console
            .api
            .store
            .cursor(&last_webhook_cursor(&i.id))
            .await
            .ok()
            .flatten()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| when(&t.to_utc()));
        rows.push((i, links, last));
    }
    let body = html! {
        p {
            a.button href="/integrations/new" { (l.t("int.new")) } " "
            a.button.secondary href="/export?format=xlsx" download { (l.t("int.export_xlsx")) } " "
            a.button.secondary href="/export?format=csv" download { (l.t("int.export_csv")) }
        }
        @if all.is_empty() {
            p.muted { (l.t("int.none")) }
        } @else {
            table {
                caption.muted { (l.t("int.caption")) }
                thead { tr {
                    th scope="col" { (l.t("int.name")) }
                    th scope="col" { (l.t("int.state")) }
                    th scope="col" { (l.t("int.pair")) }
                    th scope="col" { (l.t("form.mode")) }
                    th scope="col" { (l.t("int.last_webhook")) }
                    th scope="col" { (l.t("int.links")) }
                    th scope="col" { (l.t("int.parked")) }
                    th scope="col" { (l.t("int.actions")) }
                } }
                tbody {
                    @for (i, links, last) in &rows {
                        tr {
                            td {
                                a href={ "/integrations/" (enc(&i.id)) } { strong { (i.name) } } br;
                                code { (i.id) }
                                details { summary { (l.t("int.webhooks")) } (webhook_block(&console, l, i)) }
                            }
                            td { @if i.enabled { span.badge.ok { (l.t("int.enabled")) } } @else { span.badge.bad { (l.t("int.disabled")) } } }
                            td { (i.source.provider) " ↔ " (i.target.provider) }
                            td { (mode_label(l, i.mode)) }
                            td { @match last { Some(t) => (t), None => span.muted { (l.t("never")) } } }
                            td { a href={ "/links?integration=" (enc(&i.id)) } { (links.map(|n| n.to_string()).unwrap_or_else(|| "?".into())) } }
                            td {
                                @let n = parked.as_ref().map(|m| m.get(&i.id).copied().unwrap_or(0));
                                a href={ "/dead-letters?integration=" (enc(&i.id)) } class=[n.filter(|n| *n > 0).map(|_| "bad")] {
                                    (n.map(|n| n.to_string()).unwrap_or_else(|| "?".into()))
                                }
                            }
                            td {
                                a.button.secondary href={ "/integrations/" (enc(&i.id)) } aria-label={ (l.t("int.edit")) " " (i.id) } { (l.t("int.edit")) } " "
                                @let (action, label) = if i.enabled { ("disable", l.t("int.disable")) } else { ("enable", l.t("int.enable")) };
                                form.inline method="post" action={ "/integrations/" (enc(&i.id)) "/" (action) } {
                                    (csrf(&ctx))
                                    button.secondary type="submit" aria-label={ (label) " " (i.id) } { (label) }
                                }
                                form.inline method="post" action={ "/integrations/" (enc(&i.id)) "/clone" } {
                                    (csrf(&ctx))
                                    input type="text" name="new_id" required size="12" placeholder=(l.t("int.clone_id"))
                                        aria-label={ (l.t("int.clone_id")) " (" (i.id) ")" };
                                    button.secondary type="submit" aria-label={ (l.t("int.clone")) " " (i.id) } { (l.t("int.clone")) }
                                }
                                a.button.secondary href={ "/integrations/" (enc(&i.id)) "/delete" } aria-label={ (l.t("int.delete")) " " (i.id) } { (l.t("int.delete")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&ctx, Nav::Integrations, l.t("nav.integrations"), body)
}

#[derive(Deserialize)]
pub(crate) struct ExportQuery {
    format: Option<String>,
}

pub(crate) async fn export(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ExportQuery>,
) -> Response {
    match export::download(&console.api, q.format.as_deref()).await {
        Ok(r) => r,
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}

async fn switch(console: &Console, ctx: &Ctx, id: &str, on: bool) -> Response {
    match api::set_enabled(&console.api, id, on).await {
        Ok(_) => {
            let key = if on {
                "int.was_enabled"
            } else {
                "int.was_disabled"
            };
            console
                .sessions
                .flash(&ctx.session, ctx.lang.t(key).replace("{id}", id));
            see_other("/")
        }
        Err(e) => error_page(ctx, Nav::Integrations, e),
    }
}

pub(crate) async fn enable(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    switch(&console, &ctx, &id, true).await
}

pub(crate) async fn disable(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    switch(&console, &ctx, &id, false).await
}

pub(crate) async fn clone(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = FormData::parse(&body);
    let new_id = f.text("new_id");
    match api::copy(&console.api, &id, &new_id, f.opt("name")).await {
        Ok(copy) => {
            console.sessions.flash(
                &ctx.session,
                ctx.lang.t("int.was_cloned").replace("{id}", &copy.id),
            );
            see_other(&format!("/integrations/{}", enc(&copy.id)))
        }
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}

fn delete_form(ctx: &Ctx, id: &str, error: Option<&str>, status: StatusCode) -> Response {
    let l = ctx.lang;
    let mut r = page(
        ctx,
        Nav::Integrations,
        &l.t("del.title").replace("{id}", id),
        html! {
            p { (l.t("del.warning")) }
            form method="post" action={ "/integrations/" (enc(id)) "/delete" } {
                (csrf(ctx))
                div.field {
                    label for="confirm" { (l.t("del.type").replace("{id}", id)) }
                    input #confirm type="text" name="confirm" required autocomplete="off"
                        data-confirm=(id) data-confirm-button="delete-button"
                        aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "confirm-error")];
                    @if let Some(e) = error { p.error #confirm-error role="alert" { (e) } }
                }
                p {
                    button.danger #delete-button type="submit" { (l.t("int.delete")) } " "
                    a.button.secondary href="/" { (l.t("cancel")) }
                }
            }
        },
    );
    *r.status_mut() = status;
    r
}

pub(crate) async fn delete_page(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    match api::load(&console.api, &id).await {
        Ok(_) => delete_form(&ctx, &id, None, StatusCode::OK),
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}

pub(crate) async fn delete(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f = FormData::parse(&body);
    if f.get("confirm") != Some(id.as_str()) {
        let msg = ctx.lang.t("del.mismatch").replace("{id}", &id);
        return delete_form(&ctx, &id, Some(&msg), StatusCode::UNPROCESSABLE_ENTITY);
    }
    match api::remove(&console.api, &id).await {
        Ok(()) => {
            console.sessions.flash(
                &ctx.session,
                ctx.lang.t("int.was_deleted").replace("{id}", &id),
            );
            see_other("/")
        }
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}
