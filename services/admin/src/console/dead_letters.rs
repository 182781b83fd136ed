//! Dead letters: per queue, filtered by integration and reason; replay or
//! purge one, a selection, or everything the filter shows, each button
//! saying how many messages it touches.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State as AxumState};
use axum::response::Response;
use maud::html;
use ponte_bus::Selection;
use serde::Deserialize;

use super::Console;
use super::forms::FormData;
use super::guard::Ctx;
use super::layout::{Nav, csrf, error_page, page, see_other, when};
use super::links::{integration_select, trace};
use crate::deadletters::{bus_error, parked};

#[derive(Deserialize, Default)]
pub(crate) struct Filter {
    queue: Option<String>,
    integration: Option<String>,
    reason: Option<String>,
}

impl Filter {
    fn clean(self) -> Filter {
        let keep = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Filter {
            queue: keep(self.queue),
            integration: keep(self.integration),
            reason: keep(self.reason),
        }
    }

    fn selection(&self) -> Selection {
        Selection {
            id: None,
            integration: self.integration.clone(),
            reason_contains: self.reason.clone(),
            limit: None,
        }
    }

    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("queue", &self.queue),
            ("integration", &self.integration),
            ("reason", &self.reason),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

pub(crate) async fn list(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Query(filter): Query<Filter>,
) -> Response {
    let l = ctx.lang;
    let filter = filter.clean();
    let found = match parked(&console.api, filter.queue.clone(), &filter.selection()).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, Nav::DeadLetters, e),
    };
    let queues = console.api.bus.topology().dlq_names();
    let n = found.len();
    let body = html! {
        form.filters method="get" action="/dead-letters" role="search" {
            div {
                label for="queue" { (l.t("dl.queue")) }
                select #queue name="queue" {
                    option value="" { (l.t("all")) }
                    @for q in &queues { option value=(q) selected[filter.queue.as_deref() == Some(q.as_str())] { (q) } }
                }
            }
            (integration_select(&console, l, filter.integration.as_deref(), true).await)
            div {
                label for="reason" { (l.t("dl.reason_contains")) }
                input #reason type="search" name="reason" value=(filter.reason.clone().unwrap_or_default());
            }
            button type="submit" { (l.t("filter")) }
        }
        @if found.is_empty() {
            p.muted { (l.t("dl.none")) }
        } @else {
            form method="post" action="/dead-letters/act" data-selection {
                (csrf(&ctx))
                @if let Some(q) = &filter.queue { input type="hidden" name="queue" value=(q); }
                @if let Some(i) = &filter.integration { input type="hidden" name="integration" value=(i); }
                @if let Some(r) = &filter.reason { input type="hidden" name="reason" value=(r); }
                table {
                    thead { tr {
                        th scope="col" { input type="checkbox" data-select-all aria-label=(l.t("dl.select_all")); }
                        th scope="col" { (l.t("dl.queue")) }
                        th scope="col" { (l.t("link.integration")) }
                        th scope="col" { (l.t("dl.reason")) }
                        th scope="col" { (l.t("dl.attempts")) }
                        th scope="col" { (l.t("dl.last_answer")) }
                        th scope="col" { (l.t("trace")) }
                        th scope="col" { (l.t("dl.parked_at")) }
                        th scope="col" { (l.t("int.actions")) }
                    } }
                    tbody {
                        @for d in &found {
                            @let key = format!("{}|{}", d.queue, d.id);
                            tr {
                                td { input type="checkbox" name="id" value=(key) aria-label={ (l.t("dl.select")) " " (d.id) }; }
                                td { (d.queue) }
                                td { (d.integration.clone().unwrap_or_default()) br; span.muted { (d.kind.clone().unwrap_or_default()) } }
                                td { (d.reason) @if d.permanent { " " span.badge.bad { (l.t("dl.permanent")) } } }
                                td { (d.attempts) }
                                td { code { (d.last_status.clone().unwrap_or_default()) } }
                                td { (trace(&console, l, d.trace_id.as_deref())) }
                                td { (d.dead_at.as_ref().map(when).unwrap_or_default()) }
                                td {
                                    button.secondary type="submit" name="op" value={ "replay-one:" (key) } aria-label={ (l.t("dl.replay")) " " (d.id) } { (l.t("dl.replay")) }
                                    " "
                                    button.secondary type="submit" name="op" value={ "purge-one:" (key) } aria-label={ (l.t("dl.purge")) " " (d.id) } { (l.t("dl.purge")) }
                                }
                            }
                        }
                    }
                }
                p {
                    button type="submit" name="op" value="replay-selected" { (l.t("dl.replay_selected")) " (" span data-selected-count { "0" } ")" } " "
                    button.danger type="submit" name="op" value="purge-selected" { (l.t("dl.purge_selected")) " (" span data-selected-count { "0" } ")" }
                }
                p {
                    button type="submit" name="op" value="replay-filter" { (l.t("dl.replay_all").replace("{n}", &n.to_string())) } " "
                    button.danger type="submit" name="op" value="purge-filter" { (l.t("dl.purge_all").replace("{n}", &n.to_string())) }
                }
            }
        }
    };
    page(&ctx, Nav::DeadLetters, l.t("nav.dead_letters"), body)
}

/// `replay` or `purge` on one queue.
async fn apply(
    console: &Console,
    replay: bool,
    queue: &str,
    sel: &Selection,
) -> Result<usize, ponte_http::ApiError> {
    let r = if replay {
        console.api.bus.replay(queue, sel).await
    } else {
        console.api.bus.purge(queue, sel).await
    };
    r.map_err(bus_error)
}

pub(crate) async fn act(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let l = ctx.lang;
    let f = FormData::parse(&body);
    let filter = Filter {
        queue: f.opt("queue"),
        integration: f.opt("integration"),
        reason: f.opt("reason"),
    };
    let op = f.text("op");
    let (verb, target) = op.split_once(':').unwrap_or((op.as_str(), ""));
    let replay = verb.starts_with("replay");
    let keys: Vec<String> = match verb {
        "replay-one" | "purge-one" => vec![target.to_string()],
        "replay-selected" | "purge-selected" => f.all("id"),
        "replay-filter" | "purge-filter" => vec![],
        _ => {
            return error_page(
                &ctx,
                Nav::DeadLetters,
                ponte_http::ApiError::bad_request("nothing_selected", l.t("dl.bad_op")),
            );
        }
    };
    let mut total = 0;
    if verb.ends_with("-filter") {
        let queues = match &filter.queue {
            Some(q) => vec![q.clone()],
            None => console.api.bus.topology().dlq_names(),
        };
        for q in queues {
            match apply(&console, replay, &q, &filter.selection()).await {
                Ok(n) => total += n,
                Err(e) => return error_page(&ctx, Nav::DeadLetters, e),
            }
        }
    } else {
        if keys.is_empty() {
            console
                .sessions
                .flash(&ctx.session, l.t("dl.nothing_selected"));
            return see_other(&format!("/dead-letters?{}", filter.query()));
        }
        for key in keys {
            let Some((queue, id)) = key.split_once('|') else {
                continue;
            };
            let sel = Selection {
                id: Some(id.to_string()),
                ..Selection::default()
            };
            match apply(&console, replay, queue, &sel).await {
                Ok(n) => total += n,
                Err(e) => return error_page(&ctx, Nav::DeadLetters, e),
            }
        }
    }
    let key = if replay { "dl.replayed" } else { "dl.purged" };
    tracing::info!(op = %verb, count = total, "dead letters handled from the console");
    console
        .sessions
        .flash(&ctx.session, l.t(key).replace("{n}", &total.to_string()));
    see_other(&format!("/dead-letters?{}", filter.query()))
}
