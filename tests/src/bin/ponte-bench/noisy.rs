//! `--phase noisy`: one tenant's troubled provider must not delay another's.
//!
//! Tenant Y (its own Movidesk pair) opens tickets at a steady rate, first
//! alone, then while tenant X — another pair on the same fleet — has a burst
//! of tickets backed up behind a provider that is slow (every call of X's
//! target answers after `--x-latency-ms`) or rate-limited (X's target admits
//! 10 requests a minute and answers 429 beyond). Y's latency with X backed
//! up is compared with Y's alone; X's tickets are then let through and
//! counted: each linked once, none lost.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::MultiProgress;
use ponte_e2e::{Pair, TestFleet};
use serde_json::json;

use super::{
    Args, E2eResult, Opened, Opener, QueueProbe, Settle, bar, counterparts_by_source, linking_pair,
    lock, ms_opt, open_tickets, phase_e2e,
};

/// How tenant X's provider misbehaves.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trouble {
    /// No X: Y alone again, on a fresh pair (a control round: how much Y's
    /// p99 moves between two rounds with nobody else on the fleet).
    None,
    Slow,
    Limited,
}

impl Trouble {
    fn describe(self, args: &Args) -> String {
        match self {
            Trouble::None => "none: Y alone again (control)".to_string(),
            Trouble::Slow => format!(
                "slow: every call of X's target takes {} ms",
                args.x_latency_ms
            ),
            Trouble::Limited => {
                "rate-limited: X's target admits 10 requests a minute, 429 beyond".to_string()
            }
        }
    }
}

/// Tenant Y's figures for one round.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub opened: usize,
    pub linked: usize,
    pub doubled: usize,
    pub ponte_p50: Option<f64>,
    pub ponte_p99: Option<f64>,
    pub a_to_b_p99: Option<f64>,
}

impl From<&E2eResult> for Tenant {
    fn from(r: &E2eResult) -> Tenant {
        Tenant {
            opened: r.opened,
            linked: r.linked,
            doubled: r.several.len(),
            ponte_p50: r.stage_pipeline.pct(50.0),
            ponte_p99: r.stage_pipeline.pct(99.0),
            a_to_b_p99: r.latency.pct(99.0),
        }
    }
}

/// One round with X in trouble.
#[derive(Debug, Clone)]
pub(crate) struct Round {
    pub trouble: String,
    pub y: Tenant,
    pub x_opened: usize,
    /// X's tickets linked while Y's round ran.
    pub x_linked_during: usize,
    /// X's tickets linked once the trouble was lifted, and how long that took.
    pub x_linked: usize,
    pub x_doubled: usize,
    pub x_drain: Duration,
}

#[derive(Default)]
pub(crate) struct NoisyReport {
    pub alone: Option<Tenant>,
    pub rounds: Vec<Round>,
    pub failures: Vec<String>,
}

/// Runs Y alone, then one round per trouble, filling `report` as it goes.
pub(crate) async fn run(
    t: Arc<TestFleet>,
    args: Args,
    report: Arc<Mutex<NoisyReport>>,
) -> Result<()> {
    let mp = MultiProgress::new();
    let mut probe = QueueProbe::new(&t.ns, args.shards);
    let y = linking_pair(&t, &args, "noisy-y").await;
    let y_args = Args {
        tickets: args.y_tickets,
        open_rate: args.y_rate,
        ..args.clone()
    };
    eprintln!(
        "noisy: tenant Y alone, {} tickets at {}/s ...",
        args.y_tickets, args.y_rate
    );
    let alone = phase_e2e(&t, &y, &y_args, &mp, &mut probe, Settle::Quiet).await;
    lock(&report).alone = Some(Tenant::from(&alone));
    for (i, &trouble) in args.troubles.iter().enumerate() {
        // Each round has a fresh Y pair, so that Y's desks do not carry the
        // tickets of the rounds before (the sandbox's searches cost more in
        // a fuller domain).
        let y = linking_pair(&t, &args, &format!("noisy-y{}", i + 1)).await;
        if trouble == Trouble::None {
            eprintln!("noisy: tenant Y alone again (control round) ...");
            let again = phase_e2e(&t, &y, &y_args, &mp, &mut probe, Settle::Quiet).await;
            lock(&report).rounds.push(Round {
                trouble: trouble.describe(&args),
                y: Tenant::from(&again),
                x_opened: 0,
                x_linked_during: 0,
                x_linked: 0,
                x_doubled: 0,
                x_drain: Duration::ZERO,
            });
            continue;
        }
        let x = linking_pair(
            &t,
            &args,
            &format!("noisy-x-{}", format!("{trouble:?}").to_lowercase()),
        )
        .await;
        eprintln!(
            "noisy: tenant X {} with {} tickets backed up ...",
            trouble.describe(&args),
            args.x_tickets
        );
        let round = round(&t, &args, &y_args, &y, &x, trouble, &mp, &mut probe).await?;
        lock(&report).rounds.push(round);
    }
    probe.close().await;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn round(
    t: &TestFleet,
    args: &Args,
    y_args: &Args,
    y: &Pair,
    x: &Pair,
    trouble: Trouble,
    mp: &MultiProgress,
    probe: &mut QueueProbe,
) -> Result<Round> {
    match trouble {
        Trouble::None => {}
        Trouble::Slow => t
            .sandbox
            .fault(&x.b, &json!({"latency_ms": args.x_latency_ms}))
            .await
            .context("slowing X's target")?,
        Trouble::Limited => t
            .sandbox
            .patch_domain(
                &x.b,
                &json!({"rate_limit_per_minute": 10, "lockout_after_failures": 0}),
            )
            .await
            .context("limiting X's target")?,
    }
    // X's burst, left to back up.
    let opened: Arc<Mutex<Vec<Opened>>> = Arc::default();
    let errors: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let pb = bar(mp, u64::from(args.x_tickets), "tenant X: tickets opened");
    open_tickets(Opener {
        sandbox: t.sandbox.clone(),
        domain: x.a.clone(),
        n: args.x_tickets as usize,
        concurrency: args.concurrency as usize,
        rate: 0.0,
        deadline: args.phase_deadline(),
        pb: pb.clone(),
        out: opened.clone(),
        errors: errors.clone(),
    })
    .await;
    pb.finish_and_clear();
    tokio::time::sleep(Duration::from_secs(args.x_head_start_secs)).await;

    // Y while X is backed up.
    let with = phase_e2e(t, y, y_args, mp, probe, Settle::Linked).await;
    let x_ids: Vec<String> = lock(&opened).iter().map(|o| o.id.clone()).collect();
    let x_linked_during = linked_of(t, x, &x_ids).await.0;

    // Lift the trouble; X's tickets go through, each once.
    match trouble {
        Trouble::None => {}
        Trouble::Slow => t
            .sandbox
            .clear_fault(&x.b)
            .await
            .context("clearing X's fault")?,
        Trouble::Limited => t
            .sandbox
            .patch_domain(&x.b, &json!({"rate_limit_per_minute": 0}))
            .await
            .context("lifting X's limit")?,
    }
    let lifted = Instant::now();
    let deadline = args.phase_deadline();
    let (mut x_linked, mut x_doubled) = linked_of(t, x, &x_ids).await;
    while x_linked < x_ids.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        (x_linked, x_doubled) = linked_of(t, x, &x_ids).await;
    }
    Ok(Round {
        trouble: trouble.describe(args),
        y: Tenant::from(&with),
        x_opened: x_ids.len(),
        x_linked_during,
        x_linked,
        x_doubled,
        x_drain: lifted.elapsed(),
    })
}

/// How many of `ids` have a counterpart in X's B, and how many several.
async fn linked_of(t: &TestFleet, x: &Pair, ids: &[String]) -> (usize, usize) {
    let list = t.sandbox.movidesk_tickets(&x.b).await.unwrap_or_default();
    let found: HashMap<String, Vec<_>> =
        counterparts_by_source(&list, &format!("ponte-{}-", x.integration));
    let linked = ids.iter().filter(|id| found.contains_key(*id)).count();
    let doubled = ids
        .iter()
        .filter(|id| found.get(*id).is_some_and(|c| c.len() > 1))
        .count();
    (linked, doubled)
}

impl NoisyReport {
    pub(crate) fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "\n## Noisy neighbour\n");
        let _ = writeln!(
            o,
            "| tenant X | Y linked | Y Ponte p50 ms | Y Ponte p99 ms | Y A→B p99 ms | p99 vs alone | X linked during Y | X linked after | X doubled | X drain s |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        if let Some(a) = &self.alone {
            let _ = writeln!(
                o,
                "| (none: Y alone) | {}/{} | {} | {} | {} | 1.00 | — | — | — | — |",
                a.linked,
                a.opened,
                ms_opt(a.ponte_p50),
                ms_opt(a.ponte_p99),
                ms_opt(a.a_to_b_p99)
            );
        }
        let base = self.alone.as_ref().and_then(|a| a.ponte_p99);
        for r in &self.rounds {
            let ratio = match (r.y.ponte_p99, base) {
                (Some(w), Some(b)) if b > 0.0 => format!("{:.2}", w / b),
                _ => "—".into(),
            };
            let x = if r.x_opened == 0 {
                "— | — | — | —".to_string()
            } else {
                format!(
                    "{}/{} | {}/{} | {} | {:.1}",
                    r.x_linked_during,
                    r.x_opened,
                    r.x_linked,
                    r.x_opened,
                    r.x_doubled,
                    r.x_drain.as_secs_f64()
                )
            };
            let _ = writeln!(
                o,
                "| {} | {}/{} | {} | {} | {} | {ratio} | {x} |",
                r.trouble,
                r.y.linked,
                r.y.opened,
                ms_opt(r.y.ponte_p50),
                ms_opt(r.y.ponte_p99),
                ms_opt(r.y.a_to_b_p99),
            );
        }
        o
    }

    /// Tickets lost or doubled, of either tenant.
    pub(crate) fn check(&mut self) {
        let mut failures = Vec::new();
        if let Some(a) = &self.alone
            && (a.linked < a.opened || a.doubled > 0)
        {
            failures.push(format!(
                "Y alone: {}/{} linked, {} doubled",
                a.linked, a.opened, a.doubled
            ));
        }
        for r in &self.rounds {
            if r.y.linked < r.y.opened || r.y.doubled > 0 {
                failures.push(format!(
                    "Y with X {}: {}/{} linked, {} doubled",
                    r.trouble, r.y.linked, r.y.opened, r.y.doubled
                ));
            }
            if r.x_linked < r.x_opened || r.x_doubled > 0 {
                failures.push(format!(
                    "X {}: {}/{} linked after the trouble was lifted, {} doubled",
                    r.trouble, r.x_linked, r.x_opened, r.x_doubled
                ));
            }
        }
        self.failures = failures;
    }
}
