//! Links: search by ticket number on either side; a link's page with both
//! tickets, the counterpart's current status and the history timeline.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State as AxumState};
use axum::response::Response;
use maud::{Markup, html};
use ponte_core::{Link, LinkOrigin, Side, Ticket, TicketRef};
use ponte_store::{HistoryKind, SideStatus};
use serde::Deserialize;

use super::Console;
use super::guard::Ctx;
use super::i18n::Lang;
use super::layout::{Nav, csrf, enc, error_page, page, see_other, when};
use crate::body::store_error;
use crate::{integrations as api, links as api_links, manual as api_manual};

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    integration: Option<String>,
    ticket: Option<String>,
}

fn origin_label(l: Lang, o: LinkOrigin) -> &'static str {
    match o {
        LinkOrigin::Automatic => l.t("origin.automatic"),
        LinkOrigin::Manual => l.t("origin.manual"),
        LinkOrigin::Associated => l.t("origin.associated"),
    }
}

pub(crate) fn kind_label(l: Lang, k: &HistoryKind) -> &'static str {
    match k {
        HistoryKind::CreatedAutomatically => l.t("hist.created_automatically"),
        HistoryKind::CreatedManually => l.t("hist.created_manually"),
        HistoryKind::Associated => l.t("hist.associated"),
        HistoryKind::Removed => l.t("hist.removed"),
        HistoryKind::ActionMirrored => l.t("hist.action_mirrored"),
        HistoryKind::StatusMirrored => l.t("hist.status_mirrored"),
        HistoryKind::FieldsMirrored => l.t("hist.fields_mirrored"),
        HistoryKind::Failed => l.t("hist.failed"),
        HistoryKind::Dropped => l.t("hist.dropped"),
    }
}

/// A trace id, linked to the tracing UI when one is configured.
pub(crate) fn trace(console: &Console, l: Lang, id: Option<&str>) -> Markup {
    html! {
        @match id {
            Some(t) => {
                @match console.settings.trace_link(t) {
                    Some(href) => a.mono href=(href) target="_blank" rel="noopener" aria-label={ (l.t("trace")) " " (t) } { (t) },
                    None => code { (t) },
                }
            }
            None => span.muted { "—" },
        }
    }
}

fn link_rows(l: Lang, links: &[Link]) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { (l.t("link.link")) }
                th scope="col" { (l.t("link.integration")) }
                th scope="col" { (l.t("link.source_ticket")) }
                th scope="col" { (l.t("link.target_ticket")) }
                th scope="col" { (l.t("link.origin")) }
                th scope="col" { (l.t("link.created")) }
            } }
            tbody {
                @for k in links {
                    tr {
                        td { a href={ "/links/" (enc(&k.id)) } { code { (k.id) } } }
                        td { (k.integration) }
                        td { "#" (k.source_ticket) }
                        td { "#" (k.target_ticket) }
                        td { (origin_label(l, k.origin)) }
                        td { (when(&k.created_at)) }
                    }
                }
            }
        }
    }
}

/// The integration filter shared by the list pages.
pub(crate) async fn integration_select(
    console: &Console,
    l: Lang,
    selected: Option<&str>,
    any: bool,
) -> Markup {
    let ids: Vec<String> = console
        .api
        .store
        .integrations()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.id)
        .collect();
    html! {
        div {
            label for="integration" { (l.t("link.integration")) }
            select #integration name="integration" {
                @if any { option value="" { (l.t("all")) } }
                @for id in &ids { option value=(id) selected[Some(id.as_str()) == selected] { (id) } }
            }
        }
    }
}

pub(crate) async fn search(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<SearchQuery>,
) -> Response {
    let l = ctx.lang;
    let integration = q.integration.filter(|s| !s.trim().is_empty());
    let ticket = q
        .ticket
        .map(|t| t.trim().trim_start_matches('#').to_string())
        .filter(|t| !t.is_empty());
    let links = match api_links::find(&console.api, integration.clone(), ticket.clone()).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, Nav::Links, e),
    };
    let body = html! {
        form.filters method="get" action="/links" role="search" {
            (integration_select(&console, l, integration.as_deref(), true).await)
            div {
                label for="ticket" { (l.t("link.ticket")) }
                input #ticket type="search" name="ticket" value=(ticket.clone().unwrap_or_default()) inputmode="numeric";
            }
            button type="submit" { (l.t("search")) }
        }
        @if links.is_empty() { p.muted { (l.t("link.none")) } } @else { (link_rows(l, &links)) }
    };
    page(&ctx, Nav::Links, l.t("nav.links"), body)
}

async fn ticket_status(
    console: &Console,
    link: &Link,
    side: Side,
    provider: ponte_core::Provider,
) -> Option<Ticket> {
    let key = TicketRef {
        integration: link.integration.clone(),
        side,
        provider,
        ticket_id: link.ticket_on(side).to_string(),
    }
    .key();
    console
        .api
        .store
        .snapshot(&key)
        .await
        .ok()
        .flatten()
        .and_then(|v| serde_json::from_value(v).ok())
}

fn ticket_card(
    l: Lang,
    title: &str,
    provider: ponte_core::Provider,
    number: &str,
    t: Option<&Ticket>,
    current: Option<&SideStatus>,
) -> Markup {
    // The link's own record of the side's status is the freshest; the
    // snapshot's is shown when the link has none yet.
    let status = current
        .map(|c| c.status.as_str())
        .or(t.map(|t| t.status.as_str()));
    html! {
        section.card aria-label=(title) {
            h2 { (title) }
            dl.facts {
                dt { (l.t("link.provider")) } dd { (provider) }
                dt { (l.t("link.number")) } dd { "#" (number) }
                @if let Some(t) = t { dt { (l.t("link.subject")) } dd { (t.subject) } }
                @if let Some(status) = status {
                    dt { (l.t("link.status")) } dd { strong { (status) } }
                } @else {
                    dt { (l.t("link.status")) } dd.muted { (l.t("link.not_read")) }
                }
                @if let Some(c) = current {
                    dt { (l.t("link.updated")) } dd { (when(&c.at)) }
                } @else if let Some(u) = t.and_then(|t| t.updated_at.as_ref()) {
                    dt { (l.t("link.updated")) } dd { (when(u)) }
                }
            }
        }
    }
}

pub(crate) async fn show(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let l = ctx.lang;
    let link = match console.api.store.link(&id).await {
        Ok(Some(link)) => link,
        Ok(None) => {
            return error_page(
                &ctx,
                Nav::Links,
                ponte_http::ApiError::not_found(l.t("link.missing").replace("{id}", &id)),
            );
        }
        Err(e) => return error_page(&ctx, Nav::Links, store_error(e)),
    };
    let integration = match api::load(&console.api, &link.integration).await {
        Ok(i) => i,
        Err(e) => return error_page(&ctx, Nav::Links, e),
    };
    let history = match console.api.store.history(&id).await {
        Ok(h) => h,
        Err(e) => return error_page(&ctx, Nav::Links, store_error(e)),
    };
    let source = ticket_status(&console, &link, Side::Source, integration.source.provider).await;
    let target = ticket_status(&console, &link, Side::Target, integration.target.provider).await;
    let current = match console.api.store.link_status(&id).await {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, Nav::Links, store_error(e)),
    };
    let body = html! {
        p { (l.t("link.integration")) ": " a href={ "/integrations/" (enc(&link.integration)) } { (link.integration) }
            " · " (origin_label(l, link.origin)) " · " (when(&link.created_at)) }
        div.cards {
            (ticket_card(l, l.t("link.source_ticket"), integration.source.provider, &link.source_ticket, source.as_ref(), current.on(Side::Source)))
            (ticket_card(l, l.t("link.counterpart"), integration.target.provider, &link.target_ticket, target.as_ref(), current.on(Side::Target)))
        }
        h2 #history { (l.t("link.history")) }
        @if history.is_empty() { p.muted { (l.t("link.no_history")) } }
        ol.timeline aria-labelledby="history" {
            @for h in &history {
                @let failed = matches!(h.kind, HistoryKind::Failed | HistoryKind::Dropped);
                li class=[failed.then_some("failed")] {
                    strong class=[failed.then_some("bad")] { (kind_label(l, &h.kind)) }
                    " · " time datetime=(h.at.to_rfc3339()) { (when(&h.at)) }
                    br;
                    (h.detail)
                    br;
                    span.muted { (l.t("trace")) ": " } (trace(&console, l, h.trace_id.as_deref()))
                }
            }
        }
        h2 { (l.t("link.remove_title")) }
        form method="post" action={ "/links/" (enc(&link.id)) "/remove" } {
            (csrf(&ctx))
            p.muted { (l.t("link.remove_hint")) }
            button.danger type="submit" { (l.t("link.remove")) }
        }
    };
    page(
        &ctx,
        Nav::Links,
        &l.t("link.title").replace("{id}", &link.id),
        body,
    )
}

pub(crate) async fn remove(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    match api_manual::unlink(&console.api, &id).await {
        Ok(link) => {
            console.sessions.flash(
                &ctx.session,
                ctx.lang
                    .t("link.was_removed")
                    .replace("{a}", &link.source_ticket)
                    .replace("{b}", &link.target_ticket),
            );
            see_other(&format!("/links?integration={}", enc(&link.integration)))
        }
        Err(e) => error_page(&ctx, Nav::Links, e),
    }
}
