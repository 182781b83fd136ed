//! `ponte-bench`: throughput, latency and memory figures of the real fleet
//! on this machine. Not a test: it prints figures (see docs/benchmarks.md).
//!
//! It starts the real binaries in a fresh namespace (as the end-to-end
//! tests do), on the local RabbitMQ and Redis, with the provider sandbox,
//! and runs:
//!
//! 1. ingress: M distinct Movidesk trigger bodies posted by C concurrent
//!    clients at a dedicated integration; accepted/s and 202 latency;
//!    then a drain: the router and worker dispose of what phase 1
//!    published (the tickets do not exist, so the sync commands end parked
//!    as 404s) before phase 2 starts;
//! 2. end to end: N tickets opened in domain A, each measured until its
//!    counterpart exists in domain B; exactly one counterpart each.
//!
//! `--phase ingress` (alone.rs) measures the ingress without consumers
//! against the minimal one; `--phase sweep` (sweep.rs) steps the open rate up until Ponte's part
//! misses its p99 target; `--phase noisy` (noisy.rs) measures one tenant
//! while another's provider is slow or rate-limited; `--phase warehouse`
//! is in `ponte_e2e::bench::warehouse`, `--phase calls` (Movidesk API calls
//! per effect) in `ponte_e2e::bench::calls`. One file per concern: options
//! (args.rs), figures, the machine and its processes (machine.rs), queue
//! depths (broker.rs), /metrics, phase 1 and the drain (ingress.rs),
//! phase 2 (e2e.rs) and the report.
//!
//! Resident memory and CPU time of every process are sampled throughout.
//! Everything talks to 127.0.0.1 only, every wait is bounded, and the
//! namespace is removed at the end (also on Ctrl-C).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, NaiveDateTime, Utc};
use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use lapin::options::{QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, Connection, ConnectionProperties};
use ponte_bus::Topology;
use ponte_core::Provider;
use ponte_e2e::{Options, Pair, Svc, TestFleet, id_of};
use serde_json::{Value, json};

mod alone;
mod args;
mod baseline;
mod broker;
mod e2e;
mod figures;
mod ingress;
mod machine;
mod metrics;
mod noisy;
mod report;
mod sweep;

use args::*;
use broker::*;
use e2e::*;
use figures::*;
use ingress::*;
use machine::*;
use metrics::*;
use report::*;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn bench(t: Arc<TestFleet>, args: Args, report: Arc<Mutex<Report>>) -> Result<()> {
    let mp = MultiProgress::new();
    let hz = clock_ticks_per_sec();
    eprintln!("registering the two Movidesk pairs in the sandbox and the admin API ...");
    let p_ingress = t.movidesk_pair(INGRESS_INTEGRATION).await;
    let p_e2e = linking_pair(&t, &args, E2E_INTEGRATION).await;
    let watched = Watched::new(&t);
    lock(&report).proc_names = watched.names();
    let mut probe = QueueProbe::new(&t.ns, args.shards);

    // Idle: the fleet up, integrations applied, nothing flowing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    lock(&report).idle_rss = watched.rss();
    let sampler = MemorySampler::start(watched.clone());
    let dlq_before = probe.depths().await.map(|d| d.dlq).unwrap_or(0);

    // The minimal ingress first, on the idle fleet: the yardstick for
    // phase 1.
    eprintln!(
        "baseline: {} webhooks at a minimal publish-and-confirm ingress ...",
        args.webhooks
    );
    match baseline::Baseline::start(&t.ns).await {
        Ok(b) => {
            let r = post_phase(&b.url, &args, &mp, "baseline ingress posts").await;
            b.stop().await;
            match r {
                Ok(r) => lock(&report).baseline = Some(r),
                Err(e) => lock(&report)
                    .warnings
                    .push(format!("baseline ingress: {e:#}")),
            }
        }
        Err(e) => lock(&report)
            .warnings
            .push(format!("baseline ingress not measured: {e:#}")),
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Phase 1.
    eprintln!(
        "phase 1: {} webhooks at the ingress with {} clients ...",
        args.webhooks, args.concurrency
    );
    sampler.enter(P_INGRESS);
    let c0 = watched.cpu();
    let ingress = phase_ingress(&t, &p_ingress, &args, &mp).await;
    let c1 = watched.cpu();
    let ingress = match ingress {
        Ok(r) => r,
        Err(e) => {
            lock(&report).failures.push(format!("phase 1: {e:#}"));
            let peaks = sampler.finish().await;
            lock(&report).peaks = peaks;
            probe.close().await;
            return Ok(());
        }
    };
    {
        let mut rep = lock(&report);
        rep.cpu.insert(P_INGRESS, cpu_between(&c0, &c1, hz));
        if ingress.accepted < ingress.posted || ingress.timed_out {
            rep.failures.push(format!(
                "phase 1: {} of {} webhooks not accepted{} ({:?})",
                ingress.posted - ingress.accepted,
                args.webhooks,
                if ingress.timed_out {
                    ", phase timed out"
                } else {
                    ""
                },
                ingress.refused
            ));
        }
        if ingress.duplicates > 0 {
            rep.warnings.push(format!(
                "phase 1: {} distinct bodies were answered as duplicates",
                ingress.duplicates
            ));
        }
    }
    let expected = ingress.accepted + ingress.warmup;
    let phase1_wall = ingress.wall;
    lock(&report).ingress = Some(ingress);

    // Drain: let the router and worker dispose of phase 1's events before
    // phase 2, so they do not compete with it.
    eprintln!("drain: waiting for the router and worker to dispose of phase 1's events ...");
    sampler.enter(P_DRAIN);
    let d0 = watched.cpu();
    let drain = phase_drain(&mut probe, expected, dlq_before, phase1_wall, &args, &mp).await;
    let d1 = watched.cpu();
    {
        let mut rep = lock(&report);
        rep.cpu.insert(P_DRAIN, cpu_between(&d0, &d1, hz));
        if !drain.complete {
            rep.warnings.push(format!(
                "drain: only {} of {} phase-1 events disposed of within {} s; phase 2 shares the fleet with the rest",
                drain.parked, drain.expected, args.phase_timeout
            ));
        } else if (drain.parked as usize) < drain.expected {
            rep.warnings.push(format!(
                "drain: the queues emptied with {} of {} events parked",
                drain.parked, drain.expected
            ));
        }
        if drain.probe_errors > 0 {
            rep.warnings.push(format!(
                "drain: {} broker probes failed",
                drain.probe_errors
            ));
        }
        rep.drain = Some(drain);
    }

    // Phase 2.
    eprintln!(
        "phase 2: {} tickets opened in domain A, waiting for their counterparts in B ...",
        args.tickets
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    sampler.enter(P_E2E);
    let e0 = watched.cpu();
    let e2e = phase_e2e(&t, &p_e2e, &args, &mp, &mut probe, Settle::Quiet).await;
    let e1 = watched.cpu();
    sampler.enter(0);
    {
        let mut rep = lock(&report);
        rep.cpu.insert(P_E2E, cpu_between(&e0, &e1, hz));
        if e2e.opened < e2e.requested {
            rep.failures.push(format!(
                "phase 2: {} of {} tickets could not be opened in A ({:?})",
                e2e.requested - e2e.opened,
                e2e.requested,
                e2e.open_errors
            ));
        }
        if !e2e.none.is_empty() {
            let shown: Vec<_> = e2e.none.iter().take(10).collect();
            rep.failures.push(format!(
                "phase 2: {} tickets ended with no counterpart in B{} (e.g. {shown:?})",
                e2e.none.len(),
                if e2e.timed_out {
                    format!(" within {} s", args.phase_timeout)
                } else {
                    String::new()
                }
            ));
        }
        if !e2e.several.is_empty() {
            let shown: Vec<_> = e2e.several.iter().take(10).collect();
            rep.failures.push(format!(
                "phase 2: {} tickets ended with more than one counterpart in B (e.g. {shown:?})",
                e2e.several.len()
            ));
        }
        if e2e.tickets_a != e2e.opened || e2e.tickets_b != e2e.opened {
            rep.warnings.push(format!(
                "phase 2: A holds {} tickets and B {}, for {} opened (echo?)",
                e2e.tickets_a, e2e.tickets_b, e2e.opened
            ));
        }
        if !e2e.quiet {
            rep.warnings.push(format!(
                "phase 2: the fleet was still busy {:.0} s after the last counterpart; the counts may miss late effects",
                e2e.settle.as_secs_f64()
            ));
        }
        if e2e.dead_letters != 0 {
            rep.warnings.push(format!(
                "phase 2: {} dead letters appeared; see `ponte dlq list`",
                e2e.dead_letters
            ));
        }
        rep.e2e = Some(e2e);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let end_rss = watched.rss();
    let peaks = sampler.finish().await;
    {
        let mut rep = lock(&report);
        rep.end_rss = end_rss;
        rep.peaks = peaks;
    }
    probe.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let facts = machine_facts();
    println!("# Ponte benchmark\n");
    for (k, v) in &facts {
        println!("{k:>22}: {v}");
    }
    if args.counterpart_note {
        println!(
            "{:>22}: ticked on the linking pairs' source (--counterpart-note)",
            "counterpart's note"
        );
    }
    println!();
    if args.phase == Phase::Warehouse {
        return warehouse_phase(&args).await;
    }
    if args.phase == Phase::Calls {
        println!(
            "{}",
            ponte_e2e::bench::calls::run(args.tickets as usize).await
        );
        return ExitCode::SUCCESS;
    }

    let bin_dir = ponte_cli::fleet::FleetOptions::default_bin_dir();
    eprintln!("starting the fleet (binaries in {}) ...", bin_dir.display());
    // Panics with the fleet's own message (missing binary, not ready...).
    let t = TestFleet::start(Options {
        services: if args.phase == Phase::Ingress {
            alone::SERVICES.to_vec()
        } else {
            Svc::ALL.to_vec()
        },
        env: vec![
            ("RUST_LOG".into(), "warn".into()),
            ("PONTE_LOG_FORMAT".into(), "text".into()),
            ("PONTE_EVENT_SHARDS".into(), args.shards.to_string()),
            ("PONTE_WORK_SHARDS".into(), args.shards.to_string()),
        ]
        .into_iter()
        .chain(args.service_env.iter().cloned())
        .collect(),
    })
    .await;
    let ns = t.ns.clone();
    eprintln!(
        "fleet up in namespace {ns}; logs in {}",
        t.fleet
            .log_path(Svc::Ingress)
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );
    let (shards, phase) = (args.shards, args.phase);
    let t = Arc::new(t);
    let (text, failures) = match phase {
        Phase::Sweep => {
            let report = Arc::new(Mutex::new(sweep::SweepReport::default()));
            let outcome = until_ctrl_c(sweep::run(t.clone(), args, report.clone())).await;
            let report = lock(&report);
            let mut failures = report.failures();
            failures.extend(outcome.err().map(|e| format!("{e:#}")));
            (report.render(), failures)
        }
        Phase::Ingress => {
            let report = Arc::new(Mutex::new(alone::AloneReport::default()));
            let outcome = until_ctrl_c(alone::run(t.clone(), args.clone(), report.clone())).await;
            let report = lock(&report);
            let mut failures = report.failures.clone();
            failures.extend(outcome.err().map(|e| format!("{e:#}")));
            (report.render(&args), failures)
        }
        Phase::Noisy => {
            let report = Arc::new(Mutex::new(noisy::NoisyReport::default()));
            let outcome = until_ctrl_c(noisy::run(t.clone(), args, report.clone())).await;
            let mut report = lock(&report);
            report.check();
            let mut failures = report.failures.clone();
            failures.extend(outcome.err().map(|e| format!("{e:#}")));
            (report.render(), failures)
        }
        Phase::Fleet | Phase::Warehouse | Phase::Calls => {
            let report = Arc::new(Mutex::new(Report {
                args: Some(args.clone()),
                ns: ns.clone(),
                ..Default::default()
            }));
            if let Err(e) = until_ctrl_c(bench(t.clone(), args, report.clone())).await {
                lock(&report).failures.push(format!("{e:#}"));
            }
            let report = lock(&report);
            (report.render(), report.failures.clone())
        }
    };
    eprintln!("tearing down namespace {ns} ...");
    match Arc::try_unwrap(t) {
        Ok(t) => t.teardown().await,
        Err(_) => eprintln!("cannot tear down {ns}: the fleet is still in use"),
    }
    if shards > 2 {
        let mut probe = QueueProbe::new(&ns, shards);
        probe.delete_extra_shards().await;
        probe.close().await;
    }
    println!("{text}");
    // The fleet's report lists its own failures.
    if !matches!(phase, Phase::Fleet | Phase::Warehouse | Phase::Calls) {
        for f in &failures {
            println!("FAILED: {f}");
        }
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs `work` on its own task until it ends or Ctrl-C (what it measured
/// so far stays in its report).
async fn until_ctrl_c(
    work: impl std::future::Future<Output = Result<()>> + Send + 'static,
) -> Result<()> {
    let mut run = tokio::spawn(work);
    tokio::select! {
        r = &mut run => match r {
            Ok(r) => r,
            Err(e) => Err(anyhow!("the bench stopped: {e}")),
        },
        _ = tokio::signal::ctrl_c() => {
            run.abort();
            let _ = run.await;
            Err(anyhow!("interrupted"))
        }
    }
}

/// `--phase warehouse`: its own fleet, its figures, its exit code.
async fn warehouse_phase(args: &Args) -> ExitCode {
    let run = ponte_e2e::bench::warehouse::run(
        args.tickets as usize,
        args.concurrency as usize,
        Duration::from_secs(args.phase_timeout),
    );
    match run.await {
        Ok(figures) => {
            println!("{}", figures.render());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("the warehouse phase failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
