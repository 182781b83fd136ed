//! What one effect costs in Movidesk API calls (issue 9): Movidesk admits
//! 10 calls a minute per account, so the calls per linked ticket and per
//! mirrored action decide how much work a desk can integrate. Counted in
//! the sandbox's request log of both domains, echoes of Ponte's own writes
//! included, once everything has settled. The `movidesk_calls` test guards
//! the figures with 4 tickets; `ponte-bench --phase calls` prints them for
//! `--tickets`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

use crate::rounds::{self, Tally, act, counterparts};
use crate::{Options, Pair, Svc, TestFleet};

/// What linking tickets and mirroring one action on each cost.
#[derive(Debug, Clone)]
pub struct Costs {
    pub tickets: usize,
    /// Whether the source showed its counterpart as an internal note.
    pub note: bool,
    pub per_ticket: f64,
    pub per_action: f64,
    /// Each kind of call (`SIDE METHOD path [params]`) and how often.
    pub link_calls: BTreeMap<String, usize>,
    pub action_calls: BTreeMap<String, usize>,
    pub tally: Tally,
}

impl Costs {
    /// One line per figure, with where the calls went.
    pub fn line(&self) -> String {
        format!(
            "movidesk calls (counterpart note {}): {:.2} per linked ticket {:?}; {:.2} per mirrored action {:?}",
            if self.note { "on" } else { "off" },
            self.per_ticket,
            self.link_calls,
            self.per_action,
            self.action_calls
        )
    }
}

/// Starts the fleet the measure needs.
pub async fn fleet() -> TestFleet {
    TestFleet::start(Options {
        services: vec![
            Svc::Sandbox,
            Svc::Router,
            Svc::WorkerMovidesk,
            Svc::Ingress,
            Svc::Admin,
        ],
        env: vec![],
    })
    .await
}

/// On a fresh Movidesk pair `integration`: links `tickets` tickets of one
/// client A→B (the first alone, so the client's look-up in B is paid
/// once), then mirrors one action on each. `note` ticks the counterpart's
/// note on the source, as an operator would.
pub async fn measure(t: &TestFleet, integration: &str, tickets: usize, note: bool) -> Costs {
    let pair = t.movidesk_pair(integration).await;
    if note {
        t.tick_counterpart_note(integration).await;
    }
    settle(t).await;
    let wait = Duration::from_secs(30 + tickets as u64 / 2);

    let start = calls(t, &pair).await;
    let mut opened = rounds::open(t, &pair, integration, 0, 1).await;
    counterparts(t, &pair, &opened, wait).await;
    opened.extend(rounds::open(t, &pair, integration, 1, tickets.saturating_sub(1)).await);
    counterparts(t, &pair, &opened, wait).await;
    settle(t).await;
    let linked = calls(t, &pair).await;

    act(t, &pair, &opened, 1).await;
    rounds::actions_crossed(t, &pair, 1, opened.len(), wait).await;
    settle(t).await;
    let mirrored = calls(t, &pair).await;

    let (link_total, link_calls) = grew(&start, &linked);
    let (action_total, action_calls) = grew(&linked, &mirrored);
    let n = opened.len().max(1) as f64;
    Costs {
        tickets: opened.len(),
        note,
        per_ticket: link_total as f64 / n,
        per_action: action_total as f64 / n,
        link_calls,
        action_calls,
        tally: rounds::tally(t, &pair, &opened, 1).await,
    }
}

/// `ponte-bench --phase calls`: both settings on one fleet, as Markdown.
pub async fn run(tickets: usize) -> String {
    let t = fleet().await;
    let off = measure(&t, "bench-calls", tickets, false).await;
    let on = measure(&t, "bench-calls-note", tickets, true).await;
    t.teardown().await;
    let mut out = String::from(
        "## Movidesk API calls per effect\n\n\
         | counterpart note | tickets | calls per linked ticket | calls per mirrored action | lost / doubled / stray |\n\
         |---|---:|---:|---:|---|\n",
    );
    for c in [&off, &on] {
        let _ = writeln!(
            out,
            "| {} | {} | **{:.2}** | **{:.2}** | {} / {} / {} |",
            if c.note { "on" } else { "off" },
            c.tickets,
            c.per_ticket,
            c.per_action,
            c.tally.lost,
            c.tally.doubled,
            c.tally.stray
        );
    }
    out.push('\n');
    for c in [&off, &on] {
        let _ = writeln!(out, "{}", c.line());
    }
    out
}

/// Every request each domain served so far, as `SIDE METHOD path [params]`.
async fn calls(t: &TestFleet, pair: &Pair) -> [Vec<String>; 2] {
    let mut all: [Vec<String>; 2] = Default::default();
    for (i, domain) in [&pair.a, &pair.b].into_iter().enumerate() {
        let log = t
            .sandbox
            .requests(domain)
            .await
            .unwrap_or_else(|e| panic!("request log of {domain}: {e}"));
        all[i] = log.iter().map(|r| describe(domain, pair, r)).collect();
    }
    all
}

fn describe(domain: &str, pair: &Pair, r: &Value) -> String {
    let side = if domain == pair.a { "A" } else { "B" };
    let method = r["method"].as_str().unwrap_or("?");
    let path = r["path"].as_str().unwrap_or("?");
    // The query's parameter names tell a read by id from a search.
    let params: Vec<&str> = r["query"]
        .as_str()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    format!("{side} {method} {path} [{}]", params.join(","))
}

/// How many of each call `after` holds beyond `before`, and in all.
fn grew(before: &[Vec<String>; 2], after: &[Vec<String>; 2]) -> (usize, BTreeMap<String, usize>) {
    let mut out = BTreeMap::new();
    let mut total = 0;
    for (b, a) in before.iter().zip(after) {
        for c in a.iter().skip(b.len()) {
            *out.entry(c.clone()).or_insert(0) += 1;
            total += 1;
        }
    }
    (total, out)
}

async fn settle(t: &TestFleet) {
    t.settled(Duration::from_secs(30)).await;
    // Echo webhooks of the last writes reach the ingress a moment later.
    tokio::time::sleep(Duration::from_millis(800)).await;
    t.settled(Duration::from_secs(30)).await;
}
