//! The fleet at a glance: each service's health, readiness and version,
//! rates of webhooks, commands and provider calls (from each service's own
//! `/metrics`), and the depth of every queue. The panel refreshes itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Extension;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::Response;
use lapin::options::QueueDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use maud::{Markup, html};
use ponte_core::Provider;
use serde_json::Value;

use super::Console;
use super::guard::Ctx;
use super::i18n::Lang;
use super::layout::{Nav, html_response, page};
use super::metrics::sum;

/// Series read from every service, with the label the page shows.
const SERIES: [(&str, &str); 4] = [
    ("ponte_webhooks_total", "fleet.webhooks"),
    ("ponte_commands_sent_total", "fleet.commands_sent"),
    ("ponte_commands_done_total", "fleet.commands"),
    ("ponte_provider_seconds_count", "fleet.provider_calls"),
];

/// `(service, series)` → when it was read and its total.
type Readings = HashMap<(String, &'static str), (Instant, f64)>;

/// The previous reading of each counter, to turn totals into rates.
#[derive(Default)]
pub(crate) struct Rates {
    last: Mutex<Readings>,
}

impl Rates {
    /// Per-second rate since the previous reading, None on the first.
    fn rate(&self, service: &str, series: &'static str, total: f64) -> Option<f64> {
        let now = Instant::now();
        let mut last = self.last.lock().ok()?;
        let prev = last.insert((service.to_string(), series), (now, total));
        let (then, before) = prev?;
        let secs = now.duration_since(then).as_secs_f64();
        (secs > 0.0 && total >= before).then(|| (total - before) / secs)
    }
}

struct ServiceView {
    name: String,
    alive: bool,
    ready: Result<(), String>,
    version: Option<String>,
    series: Vec<(&'static str, f64, Option<f64>)>,
}

async fn probe(console: &Console, name: &str, url: &str) -> ServiceView {
    let get = |path: &str| console.http.get(format!("{url}{path}")).send();
    let health = get("/healthz").await.ok();
    let alive = health.as_ref().is_some_and(|r| r.status().is_success());
    let version = match health {
        Some(r) => r
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v["version"].as_str().map(str::to_string)),
        None => None,
    };
    let ready = match get("/readyz").await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(r
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| "not ready".into())),
        Err(_) => Err("unreachable".into()),
    };
    let text = match get("/metrics").await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let series = SERIES
        .iter()
        .filter_map(|(s, label)| {
            sum(&text, s).map(|total| (*label, total, console.rates.rate(name, s, total)))
        })
        .collect();
    ServiceView {
        name: name.to_string(),
        alive,
        ready,
        version,
        series,
    }
}

/// `(queue, messages)`; None where the broker did not answer.
async fn depths(console: &Console) -> Vec<(String, Option<u32>)> {
    let t = console.api.bus.topology().clone();
    let mut names = t.events_queues();
    for p in Provider::ALL {
        names.extend(t.work_queues(p));
    }
    names.extend(t.dlq_names().iter().map(|n| t.dlq(n)));
    let mut out = Vec::new();
    let mut channel = console.api.bus.channel().await.ok();
    for q in names {
        let mut depth = None;
        if let Some(ch) = &channel {
            let opts = QueueDeclareOptions {
                passive: true,
                ..Default::default()
            };
            match ch
                .queue_declare(ShortString::from(q.as_str()), opts, FieldTable::default())
                .await
            {
                Ok(info) => depth = Some(info.message_count()),
                // A failed passive declare closes the channel: take another.
                Err(_) => channel = console.api.bus.channel().await.ok(),
            }
        }
        let short = q
            .strip_prefix(&format!("{}.", t.namespace))
            .unwrap_or(&q)
            .to_string();
        out.push((short, depth));
    }
    if let Some(ch) = channel {
        let _ = ch.close(200, "fleet page".into()).await;
    }
    out
}

fn rate_text(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2}/s")).unwrap_or_else(|| "—".into())
}

async fn panel_markup(console: &Console, l: Lang) -> Markup {
    let mut views = vec![ServiceView {
        name: "admin".into(),
        alive: true,
        ready: console
            .api
            .bus
            .check()
            .await
            .map_err(|e| e.to_string())
            .and(console.api.store.ping().await.map_err(|e| e.to_string())),
        version: Some(env!("CARGO_PKG_VERSION").to_string()),
        series: vec![],
    }];
    for (name, url) in &console.settings.services {
        if name != "admin" {
            views.push(probe(console, name, url).await);
        }
    }
    let queues = depths(console).await;
    let dead: u32 = queues
        .iter()
        .filter(|(q, _)| q.starts_with("dlq."))
        .filter_map(|(_, d)| *d)
        .sum();
    html! {
        div #fleet-panel hx-get="/fleet/panel" hx-trigger="every 5s" hx-swap="outerHTML" aria-live="polite" {
            p.muted { (l.t("fleet.refresh")) " · " (super::layout::when(&chrono::Utc::now())) }
            @if console.settings.services.is_empty() { p.muted { (l.t("fleet.no_services")) } }
            div.cards {
                @for v in &views {
                    section.card aria-label=(v.name) {
                        h2 { (v.name) }
                        dl.facts {
                            dt { (l.t("fleet.health")) }
                            dd { @if v.alive { span.badge.ok { (l.t("fleet.up")) } } @else { span.badge.bad { (l.t("fleet.down")) } } }
                            dt { (l.t("fleet.ready")) }
                            dd { @match &v.ready { Ok(()) => span.badge.ok { (l.t("fleet.ready_yes")) }, Err(e) => span.badge.bad title=(e) { (l.t("fleet.ready_no")) ": " (e) } } }
                            dt { (l.t("fleet.version")) } dd { (v.version.clone().unwrap_or_else(|| "—".into())) }
                            @for (label, total, rate) in &v.series {
                                dt { (l.t(label)) } dd { (rate_text(*rate)) " " span.muted { "(" (total) ")" } }
                            }
                        }
                    }
                }
            }
            h2 { (l.t("fleet.queues")) " " span.muted { "· " (l.t("fleet.dead_total")) ": " (dead) } }
            table {
                thead { tr { th scope="col" { (l.t("dl.queue")) } th scope="col" { (l.t("fleet.depth")) } } }
                tbody {
                    @for (q, d) in &queues {
                        tr {
                            td { code { (q) } }
                            td class=[d.filter(|d| *d > 0 && q.starts_with("dlq.")).map(|_| "bad")] {
                                (d.map(|d| d.to_string()).unwrap_or_else(|| "?".into()))
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) async fn show(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let l = ctx.lang;
    let panel = panel_markup(&console, l).await;
    page(&ctx, Nav::Fleet, l.t("nav.fleet"), panel)
}

pub(crate) async fn panel(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    html_response(StatusCode::OK, panel_markup(&console, ctx.lang).await)
}
