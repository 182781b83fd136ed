//! Manual mode: the queue of eligible tickets; create the counterpart after
//! a preview of what will be sent, or associate an existing ticket.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State as AxumState};
use axum::response::Response;
use maud::html;
use ponte_core::Visibility;
use serde::Deserialize;

use super::Console;
use super::forms::FormData;
use super::guard::Ctx;
use super::i18n::Lang;
use super::layout::{Nav, csrf, enc, error_page, page, see_other, when};
use super::links::integration_select;
use crate::body::store_error;
use crate::integrations as api;
use crate::manual::{LinkAction, LinkRequest, queue_link};
use crate::preview::{Preview, source_ticket};

#[derive(Deserialize)]
pub(crate) struct Which {
    integration: Option<String>,
    ticket: Option<String>,
}

pub(crate) async fn queue(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Which>,
) -> Response {
    let l = ctx.lang;
    let all = console.api.store.integrations().await.unwrap_or_default();
    let chosen = q.integration.filter(|s| !s.is_empty()).or_else(|| {
        all.iter()
            .find(|i| i.mode == ponte_core::Mode::Manual)
            .map(|i| i.id.clone())
    });
    let eligible = match &chosen {
        Some(id) => match console.api.store.eligible(id).await {
            Ok(v) => v,
            Err(e) => return error_page(&ctx, Nav::Manual, store_error(e)),
        },
        None => vec![],
    };
    let body = html! {
        form.filters method="get" action="/manual" {
            (integration_select(&console, l, chosen.as_deref(), false).await)
            button type="submit" { (l.t("show")) }
        }
        p.muted { (l.t("manual.intro")) }
        @if let Some(id) = &chosen {
            form.filters method="get" action="/manual/preview" {
                input type="hidden" name="integration" value=(id);
                label for="by-number" { (l.t("manual.by_number")) }
                input #by-number type="text" name="ticket" required size="8" inputmode="numeric";
                button type="submit" { (l.t("manual.preview")) }
            }
            @if eligible.is_empty() { p.muted { (l.t("manual.none")) } } @else {
                table {
                    thead { tr {
                        th scope="col" { (l.t("link.number")) }
                        th scope="col" { (l.t("link.subject")) }
                        th scope="col" { (l.t("link.status")) }
                        th scope="col" { (l.t("manual.client")) }
                        th scope="col" { (l.t("manual.since")) }
                        th scope="col" { (l.t("int.actions")) }
                    } }
                    tbody {
                        @for e in &eligible {
                            tr {
                                td { "#" (e.ticket_id) }
                                td { (e.subject) }
                                td { (e.status) }
                                td { (e.client.clone().unwrap_or_default()) }
                                td { (when(&e.since)) }
                                td {
                                    a.button href={ "/manual/preview?integration=" (enc(id)) "&ticket=" (enc(&e.ticket_id)) }
                                        aria-label={ (l.t("manual.preview")) " #" (e.ticket_id) } { (l.t("manual.preview")) }
                                    " "
                                    form.inline method="post" action="/manual/associate" {
                                        (csrf(&ctx))
                                        input type="hidden" name="integration" value=(id);
                                        input type="hidden" name="ticket" value=(e.ticket_id);
                                        input type="text" name="target" required size="8" inputmode="numeric"
                                            placeholder=(l.t("manual.target_number"))
                                            aria-label={ (l.t("manual.target_number")) " (#" (e.ticket_id) ")" };
                                        button.secondary type="submit" aria-label={ (l.t("manual.associate")) " #" (e.ticket_id) } { (l.t("manual.associate")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } @else {
            p.muted { (l.t("manual.no_integration")) }
        }
    };
    page(&ctx, Nav::Manual, l.t("nav.manual"), body)
}

fn visibility(l: Lang, v: Visibility) -> &'static str {
    match v {
        Visibility::Public => l.t("ticket.public"),
        Visibility::Internal => l.t("ticket.internal"),
    }
}

/// A preview field's label in the console's language.
fn label(l: Lang, field: &str) -> String {
    match field {
        "category" => l.t("corr.category").into(),
        "urgency" => l.t("corr.urgency").into(),
        "agent" => l.t("corr.agent").into(),
        "custom_fields" => l.t("corr.custom_fields").into(),
        other => other.to_string(),
    }
}

pub(crate) async fn preview(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Which>,
) -> Response {
    let l = ctx.lang;
    let (Some(id), Some(number)) = (q.integration, q.ticket) else {
        return see_other("/manual");
    };
    let integration = match api::load(&console.api, &id).await {
        Ok(i) => i,
        Err(e) => return error_page(&ctx, Nav::Manual, e),
    };
    let t = match source_ticket(&console.api, &integration, &number).await {
        Ok(Some(t)) => t,
        Ok(None) => return reading(&ctx, &id, &number),
        Err(e) => return error_page(&ctx, Nav::Manual, e),
    };
    let p = Preview::of(&integration, &t);
    let body = html! {
        p { (l.t("manual.preview_intro").replace("{provider}", integration.target.provider.as_str())) }
        section.card aria-labelledby="preview-title" {
            h2 #preview-title { "#" (p.source_ticket) " — " (p.subject) }
            dl.facts {
                dt { (l.t("ticket.type")) } dd { (visibility(l, p.visibility)) }
                dt { (l.t("manual.client")) } dd { (p.client.clone().unwrap_or_default()) }
                dt { (l.t("ticket.first_action")) } dd { (p.first_action.as_deref().unwrap_or("—")) }
                @for f in &p.fields {
                    dt { (label(l, &f.field)) }
                    dd {
                        @match (&f.value, &f.problem) {
                            (_, Some(problem)) => { "⚠ " (problem) }
                            (Some(v), None) => { (v) }
                            (None, None) => { "—" }
                        }
                    }
                }
            }
        }
        form method="post" action="/manual/create" {
            (csrf(&ctx))
            input type="hidden" name="integration" value=(id);
            input type="hidden" name="ticket" value=(number);
            p {
                button type="submit" { (l.t("manual.create")) } " "
                a.button.secondary href={ "/manual?integration=" (enc(&id)) } { (l.t("cancel")) }
            }
        }
    };
    page(
        &ctx,
        Nav::Manual,
        &l.t("manual.preview_title").replace("{n}", &number),
        body,
    )
}

/// The page shown while the desk is asked for a ticket Ponte has not read;
/// it reloads itself until the ticket is known.
fn reading(ctx: &Ctx, id: &str, number: &str) -> Response {
    let l = ctx.lang;
    let again = format!(
        "/manual/preview?integration={}&ticket={}",
        enc(id),
        enc(number)
    );
    let body = html! {
        meta http-equiv="refresh" content=(format!("{}", crate::preview::RETRY_AFTER_SECS));
        p role="status" { (l.t("manual.reading").replace("{n}", number)) }
        p {
            a.button href=(again) { (l.t("manual.check_again")) } " "
            a.button.secondary href={ "/manual?integration=" (enc(id)) } { (l.t("cancel")) }
        }
    };
    page(
        ctx,
        Nav::Manual,
        &l.t("manual.preview_title").replace("{n}", number),
        body,
    )
}

async fn link(console: &Console, ctx: &Ctx, body: &Bytes, action: LinkAction) -> Response {
    let l = ctx.lang;
    let f = FormData::parse(body);
    let integration = f.text("integration");
    let req = LinkRequest {
        integration: integration.clone(),
        source_ticket: f.text("ticket"),
        action,
        target_ticket: f.opt("target"),
    };
    match queue_link(&console.api, req).await {
        Ok(q) => {
            console.sessions.flash(
                &ctx.session,
                l.t("manual.queued").replace("{link}", &q.link_id),
            );
            see_other(&format!("/manual?integration={}", enc(&integration)))
        }
        Err(e) => error_page(ctx, Nav::Manual, e),
    }
}

pub(crate) async fn create(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    link(&console, &ctx, &body, LinkAction::Create).await
}

pub(crate) async fn associate(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    link(&console, &ctx, &body, LinkAction::Associate).await
}
