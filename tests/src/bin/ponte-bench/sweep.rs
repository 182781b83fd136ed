//! `--phase sweep`: the highest open rate the fleet sustains with Ponte's
//! own part (trigger answered → counterpart created) at p99 ≤ the target.
//!
//! Each step opens `rate × --step-secs` tickets in a fresh Movidesk pair at
//! that rate and waits until every one is linked and the fleet is quiet;
//! the sweep stops after the first step that misses the target or leaves a
//! ticket unlinked (or doubled).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::Result;
use indicatif::MultiProgress;
use ponte_e2e::TestFleet;

use super::{
    Args, QueueProbe, Settle, Watched, clock_ticks_per_sec, cpu_between, linking_pair, lock,
    machine_ticks, ms_opt, phase_e2e,
};

/// Runs `work` and reads the machine's CPU every second meanwhile: its
/// output, and the busiest second's share of all cores.
async fn busiest_second<F: std::future::Future>(work: F) -> (F::Output, Option<f64>) {
    tokio::pin!(work);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut last = machine_ticks();
    let mut peak: Option<f64> = None;
    loop {
        tokio::select! {
            out = &mut work => return (out, peak),
            _ = tick.tick() => {
                let now = machine_ticks();
                if let (Some((b0, t0)), Some((b1, t1))) = (last, now)
                    && t1 > t0
                {
                    let busy = b1.saturating_sub(b0) as f64 * 100.0 / (t1 - t0) as f64;
                    peak = Some(peak.map_or(busy, |p| p.max(busy)));
                }
                last = now;
            }
        }
    }
}

/// One step of the sweep.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub rate: u32,
    pub opened: usize,
    pub linked: usize,
    pub missing: usize,
    pub doubled: usize,
    /// Linked tickets per second over the step (first A → last B).
    pub throughput: f64,
    pub ponte_p50: Option<f64>,
    pub ponte_p99: Option<f64>,
    pub a_to_b_p99: Option<f64>,
    pub busy: Option<f64>,
    /// The machine's busiest second of the step: `busy` averages the
    /// settling after the last ticket too, and reads low at the limit.
    pub peak: Option<f64>,
    pub dead_letters: i64,
    /// Each watched process's CPU over the step, ms per linked ticket:
    /// steadier between runs than the rate a step holds.
    pub cpu_per_ticket: BTreeMap<String, f64>,
}

impl Step {
    fn meets(&self, target_ms: f64) -> bool {
        self.missing == 0 && self.doubled == 0 && self.ponte_p99.is_some_and(|p| p <= target_ms)
    }
}

#[derive(Default)]
pub(crate) struct SweepReport {
    pub steps: Vec<Step>,
    pub target_ms: f64,
}

/// Runs the steps on `t`, filling `report` as it goes (a Ctrl-C keeps what
/// was measured).
pub(crate) async fn run(
    t: Arc<TestFleet>,
    args: Args,
    report: Arc<std::sync::Mutex<SweepReport>>,
) -> Result<()> {
    let mp = MultiProgress::new();
    let hz = clock_ticks_per_sec();
    let watched = Watched::new(&t);
    let mut probe = QueueProbe::new(&t.ns, args.shards);
    let target = args.target_p99_ms;
    lock(&report).target_ms = target;
    for &rate in &args.rates {
        let pair = linking_pair(&t, &args, &format!("sweep-{rate}")).await;
        let tickets = (u64::from(rate) * args.step_secs).clamp(20, 20_000) as u32;
        eprintln!("sweep: {tickets} tickets at {rate}/s ...");
        let step_args = Args {
            tickets,
            open_rate: rate,
            ..args.clone()
        };
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let c0 = watched.cpu();
        let (r, peak) = busiest_second(phase_e2e(
            &t,
            &pair,
            &step_args,
            &mp,
            &mut probe,
            Settle::Quiet,
        ))
        .await;
        let c1 = watched.cpu();
        let secs = r.span.as_secs_f64();
        let used = cpu_between(&c0, &c1, hz);
        let wall = c1.at.duration_since(c0.at).as_secs_f64();
        let cpu_per_ticket = if r.linked > 0 {
            used.per
                .iter()
                .map(|(name, share)| (name.clone(), share * 10.0 * wall / r.linked as f64))
                .collect()
        } else {
            BTreeMap::new()
        };
        let step = Step {
            rate,
            opened: r.opened,
            linked: r.linked,
            missing: r.none.len() + (r.requested - r.opened),
            doubled: r.several.len(),
            throughput: if secs > 0.0 {
                r.linked as f64 / secs
            } else {
                0.0
            },
            ponte_p50: r.stage_pipeline.pct(50.0),
            ponte_p99: r.stage_pipeline.pct(99.0),
            a_to_b_p99: r.latency.pct(99.0),
            busy: used.machine_busy,
            peak,
            dead_letters: r.dead_letters,
            cpu_per_ticket,
        };
        let stop = !step.meets(target);
        lock(&report).steps.push(step);
        if stop {
            break;
        }
    }
    probe.close().await;
    Ok(())
}

impl SweepReport {
    pub(crate) fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "\n## Sustained-rate sweep\n");
        let _ = writeln!(
            o,
            "| open rate /s | opened | linked | missing | doubled | linked/s | Ponte p50 ms | Ponte p99 ms | A→B p99 ms | machine busy | busiest second | parked |"
        );
        let _ = writeln!(
            o,
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for s in &self.steps {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
                s.rate,
                s.opened,
                s.linked,
                s.missing,
                s.doubled,
                s.throughput,
                ms_opt(s.ponte_p50),
                ms_opt(s.ponte_p99),
                ms_opt(s.a_to_b_p99),
                s.busy.map_or_else(|| "—".into(), |b| format!("{b:.0} %")),
                s.peak.map_or_else(|| "—".into(), |b| format!("{b:.0} %")),
                s.dead_letters
            );
        }
        self.render_cpu(&mut o);
        let best = self
            .steps
            .iter()
            .filter(|s| s.meets(self.target_ms))
            .max_by_key(|s| s.rate);
        let _ = writeln!(
            o,
            "\nsustained: {}",
            match best {
                Some(s) => format!(
                    "{} tickets/s opened ({:.1} linked/s) with Ponte's part p99 {} ms ≤ {:.0} ms, machine {} busy",
                    s.rate,
                    s.throughput,
                    ms_opt(s.ponte_p99),
                    self.target_ms,
                    s.busy.map_or_else(|| "—".into(), |b| format!("{b:.0} %"))
                ),
                None => format!(
                    "no step kept Ponte's part at p99 ≤ {:.0} ms",
                    self.target_ms
                ),
            }
        );
        o
    }

    /// Where each step's CPU went, per linked ticket.
    fn render_cpu(&self, o: &mut String) {
        let mut names: Vec<&String> = self
            .steps
            .iter()
            .flat_map(|s| s.cpu_per_ticket.keys())
            .collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            return;
        }
        let _ = writeln!(
            o,
            "\nCPU per linked ticket over each step, ms (the step's CPU time, its settling included, over the tickets linked):\n"
        );
        let head: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        let _ = writeln!(o, "| open rate /s | {} | all |", head.join(" | "));
        let _ = writeln!(o, "|---:|{}---:|", "---:|".repeat(names.len()));
        for s in &self.steps {
            let cells: Vec<String> = names
                .iter()
                .map(|n| {
                    s.cpu_per_ticket
                        .get(*n)
                        .map_or_else(|| "—".into(), |v| format!("{v:.2}"))
                })
                .collect();
            let all: f64 = s.cpu_per_ticket.values().sum();
            let _ = writeln!(o, "| {} | {} | {all:.2} |", s.rate, cells.join(" | "));
        }
    }

    /// Whether every step linked every ticket once (a missed latency target
    /// is a figure, not a failure).
    pub(crate) fn failures(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.missing > 0 || s.doubled > 0)
            .map(|s| {
                format!(
                    "sweep at {}/s: {} tickets without a counterpart, {} with several",
                    s.rate, s.missing, s.doubled
                )
            })
            .collect()
    }
}
