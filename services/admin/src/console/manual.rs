//! Manual mode: the queue of eligible tickets; create the counterpart after
//! a preview of what will be sent, or associate an existing ticket.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State as AxumState};
use axum::response::Response;
use maud::html;
use ponte_core::{Integration, Side, Ticket, TicketRef, Visibility};
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

/// The correlated fields the counterpart will get, or why one cannot be.
fn correlated(l: Lang, i: &Integration, t: &Ticket) -> Vec<(String, String)> {
    let c = &i.correlation;
    let show = |r: Result<String, ponte_core::correlation::Unmapped>| match r {
        Ok(v) => v,
        Err(e) => format!("⚠ {e}"),
    };
    let mut out = vec![(
        "status".to_string(),
        show(c.status(Side::Source, &t.status)),
    )];
    if let Some(cat) = &t.category {
        out.push((l.t("corr.category").into(), show(c.category(cat))));
    }
    if let Some(u) = &t.urgency {
        out.push((l.t("corr.urgency").into(), show(c.urgency(u))));
    }
    let owner = t.owner.as_ref().and_then(|o| o.id.as_deref());
    match c.agent(owner) {
        Ok(Some(a)) => out.push((
            l.t("corr.agent").into(),
            a.team
                .map(|team| format!("{} ({team})", a.id))
                .unwrap_or(a.id),
        )),
        Ok(None) => {}
        Err(e) => out.push((l.t("corr.agent").into(), format!("⚠ {e}"))),
    }
    match c.custom_fields(Side::Source, &t.custom_fields) {
        Ok(fields) => {
            for f in fields {
                let value = f
                    .field
                    .value
                    .clone()
                    .unwrap_or_else(|| f.field.items.join(", "));
                out.push((format!("custom_field:{}", f.field.id), value));
            }
        }
        Err(e) => out.push((l.t("corr.custom_fields").into(), format!("⚠ {e}"))),
    }
    out
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
    let key = TicketRef {
        integration: id.clone(),
        side: Side::Source,
        provider: integration.source.provider,
        ticket_id: number.clone(),
    }
    .key();
    let ticket: Option<Ticket> = console
        .api
        .store
        .snapshot(&key)
        .await
        .ok()
        .flatten()
        .and_then(|v| serde_json::from_value(v).ok());
    let Some(t) = ticket else {
        return error_page(
            &ctx,
            Nav::Manual,
            ponte_http::ApiError::not_found(l.t("manual.unknown_ticket").replace("{n}", &number)),
        );
    };
    let client = t
        .client()
        .map(|c| {
            [c.name.as_deref(), c.email.as_deref(), c.phone.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default();
    let body = html! {
        p { (l.t("manual.preview_intro").replace("{provider}", integration.target.provider.as_str())) }
        section.card aria-labelledby="preview-title" {
            h2 #preview-title { "#" (t.id) " — " (t.subject) }
            dl.facts {
                dt { (l.t("ticket.type")) } dd { (visibility(l, t.visibility)) }
                dt { (l.t("manual.client")) } dd { (client) }
                dt { (l.t("ticket.first_action")) } dd { (t.first_action().map(|a| a.text.as_str()).unwrap_or("—")) }
                @for (field, value) in correlated(l, &integration, &t) {
                    dt { (field) } dd { (value) }
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
