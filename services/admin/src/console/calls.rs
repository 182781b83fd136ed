//! Calls: a telephony integration's history (caller, time, outcome,
//! recording, the ticket opened for a missed call).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State as AxumState};
use axum::response::Response;
use maud::html;
use ponte_store::CallOutcome;
use serde::Deserialize;

use super::Console;
use super::guard::Ctx;
use super::i18n::Lang;
use super::layout::{Nav, error_page, page, when};
use super::links::integration_select;
use crate::body::store_error;

#[derive(Deserialize)]
pub(crate) struct Which {
    integration: Option<String>,
}

fn outcome(l: Lang, o: CallOutcome) -> (&'static str, &'static str) {
    match o {
        CallOutcome::Ringing => (l.t("call.ringing"), "warn"),
        CallOutcome::Answered => (l.t("call.answered"), "ok"),
        CallOutcome::Recorded => (l.t("call.recorded"), "ok"),
        CallOutcome::Lost => (l.t("call.lost"), "bad"),
    }
}

pub(crate) async fn list(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<Which>,
) -> Response {
    let l = ctx.lang;
    let all = console.api.store.integrations().await.unwrap_or_default();
    let chosen = q.integration.filter(|s| !s.is_empty()).or_else(|| {
        all.iter()
            .find(|i| i.source.provider.is_telephony())
            .map(|i| i.id.clone())
    });
    let calls = match &chosen {
        Some(id) => match console.api.store.calls(id, 200).await {
            Ok(v) => v,
            Err(e) => return error_page(&ctx, Nav::Calls, store_error(e)),
        },
        None => vec![],
    };
    let body = html! {
        form.filters method="get" action="/calls" {
            (integration_select(&console, l, chosen.as_deref(), false).await)
            button type="submit" { (l.t("show")) }
        }
        @if calls.is_empty() { p.muted { (l.t("call.none")) } } @else {
            table {
                thead { tr {
                    th scope="col" { (l.t("call.caller")) }
                    th scope="col" { (l.t("call.time")) }
                    th scope="col" { (l.t("call.outcome")) }
                    th scope="col" { (l.t("call.recording")) }
                    th scope="col" { (l.t("call.ticket")) }
                } }
                tbody {
                    @for c in &calls {
                        @let (label, class) = outcome(l, c.outcome);
                        tr {
                            td { (c.caller) @if let Some(n) = &c.caller_name { br; span.muted { (n) } } }
                            td { (c.started_at.as_ref().map(when).unwrap_or_else(|| when(&c.updated_at))) }
                            td { span.badge class=(class) { (label) } }
                            td { @if let Some(u) = &c.recording_url { a href=(u) rel="noopener noreferrer" { (l.t("call.listen")) } } @else { span.muted { "—" } } }
                            td { @if let Some(i) = &c.issue_id { "#" (i) } @else { span.muted { "—" } } }
                        }
                    }
                }
            }
        }
    };
    page(&ctx, Nav::Calls, l.t("nav.calls"), body)
}
