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

mod noisy;
mod sweep;

/// Integration used by phase 1 (its tickets do not exist: commands park).
const INGRESS_INTEGRATION: &str = "bench-ingress";
/// Integration used by phase 2 (the real Movidesk ↔ Movidesk flow).
const E2E_INTEGRATION: &str = "bench-e2e";
/// First ticket id used in phase 1 bodies (far from any sandbox id).
const FIRST_FAKE_ID: u64 = 5_000_000;
/// Time allowed for one HTTP request of the load generator.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Interval of the memory sampler.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

#[derive(Parser, Debug, Clone)]
#[command(
    name = "ponte-bench",
    about = "Throughput, latency and memory of the real Ponte fleet on this machine"
)]
struct Args {
    /// What to measure: the fleet (ingress, drain, end to end) or the
    /// Movidesk warehouse (live and backfill, on its own fleet).
    #[arg(long, value_enum, default_value_t = Phase::Fleet)]
    phase: Phase,
    /// Tickets opened in Movidesk domain A in the end-to-end phase (and in
    /// the warehouse's domain in the warehouse phase).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    tickets: u32,
    /// Concurrent clients (ingress posts, and ticket creations).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=512))]
    concurrency: u32,
    /// Webhooks posted at the ingress in phase 1.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    webhooks: u32,
    /// Longest one phase may last before the bench gives up on it, seconds.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(5..=3600))]
    phase_timeout: u64,
    /// Tickets opened per second in phase 2; 0 opens them all at once (as
    /// fast as the sandbox answers), a burst.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    open_rate: u32,
    /// Event and work shards of the fleet (PONTE_EVENT_SHARDS and
    /// PONTE_WORK_SHARDS; the end-to-end tests use 2, production defaults to 4).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    shards: u16,
    /// Pause between two polls of domain B's ticket list, milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=5000))]
    poll_ms: u64,
    /// `--phase sweep`: the open rates tried, tickets per second, in order.
    #[arg(long, value_delimiter = ',', default_value = "25,50,100,150,200,300")]
    rates: Vec<u32>,
    /// `--phase sweep`: seconds of opening per step (rate × this tickets).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    step_secs: u64,
    /// `--phase sweep`: the p99 of Ponte's part a step must keep, ms.
    #[arg(long, default_value_t = 100.0)]
    target_p99_ms: f64,
    /// `--phase noisy`: tenant Y's tickets per round.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=5000))]
    y_tickets: u32,
    /// `--phase noisy`: tenant Y's open rate, tickets per second.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    y_rate: u32,
    /// `--phase noisy`: tenant X's burst, opened at once.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=5000))]
    x_tickets: u32,
    /// `--phase noisy`: latency of every call to X's slow target, ms.
    #[arg(long, default_value_t = 2500, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    x_latency_ms: u64,
    /// `--phase noisy`: seconds X's burst backs up before Y starts.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(0..=600))]
    x_head_start_secs: u64,
    /// Extra environment for every service, `KEY=VALUE` (repeatable), e.g.
    /// `--env PONTE_PREFETCH=16 --env RUST_LOG=info`.
    #[arg(long = "env", value_parser = parse_env)]
    service_env: Vec<(String, String)>,
    /// `--phase noisy`: how X's provider misbehaves, one round each.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "slow,limited"
    )]
    troubles: Vec<noisy::Trouble>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Fleet,
    /// The highest open rate that keeps Ponte's part within the target.
    Sweep,
    /// One tenant's slow or rate-limited provider next to another tenant.
    Noisy,
    Warehouse,
}

/// How an end-to-end round ends: when the whole fleet is quiet (nothing
/// else runs), or as soon as its own tickets are linked (another tenant's
/// work may keep the queues busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    Quiet,
    Linked,
}

impl Args {
    fn phase_deadline(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.phase_timeout)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---------------------------------------------------------------- figures

/// Latencies in milliseconds.
#[derive(Debug, Default, Clone)]
struct Latencies(Vec<f64>);

impl Latencies {
    fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1000.0);
    }
    fn push_ms(&mut self, ms: f64) {
        self.0.push(ms);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    /// Nearest-rank percentile.
    fn pct(&self, p: f64) -> Option<f64> {
        if self.0.is_empty() {
            return None;
        }
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v.get(rank.clamp(1, v.len()) - 1).copied()
    }
    fn max(&self) -> Option<f64> {
        self.0.iter().copied().reduce(f64::max)
    }
    fn mean(&self) -> Option<f64> {
        (!self.0.is_empty()).then(|| self.0.iter().sum::<f64>() / self.0.len() as f64)
    }
    /// `p50 / p95 / p99 / max` in ms.
    fn summary(&self) -> String {
        let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), ms);
        format!(
            "p50 {}  p95 {}  p99 {}  max {}  (mean {}, n={})",
            f(self.pct(50.0)),
            f(self.pct(95.0)),
            f(self.pct(99.0)),
            f(self.max()),
            f(self.mean()),
            self.len()
        )
    }
    fn cells(&self) -> [String; 4] {
        let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), ms);
        [
            f(self.pct(50.0)),
            f(self.pct(95.0)),
            f(self.pct(99.0)),
            f(self.max()),
        ]
    }
}

fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}

fn rate(count: usize, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

// ------------------------------------------------------- machine and /proc

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn command_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn machine_facts() -> Vec<(String, String)> {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = read("/proc/cpuinfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_kib = read("/proc/meminfo")
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let kernel = read("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = read("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| ".".into());
    let rev = command_line("git", &["-C", &repo, "rev-parse", "--short", "HEAD"]).map(|rev| {
        let dirty = command_line("git", &["-C", &repo, "status", "--porcelain"])
            .is_some_and(|s| !s.is_empty());
        if dirty {
            format!("{rev} (with uncommitted changes)")
        } else {
            rev
        }
    });
    let rustc = command_line("rustc", &["--version"]);
    vec![
        ("CPUs (nproc)".into(), format!("{cpus} × {model}")),
        (
            "RAM".into(),
            format!("{:.1} GiB", mem_kib as f64 / 1024.0 / 1024.0),
        ),
        ("kernel".into(), kernel.trim().to_string()),
        ("load average at start".into(), load),
        (
            "git revision".into(),
            rev.unwrap_or_else(|| "unavailable".into()),
        ),
        (
            "build".into(),
            format!(
                "{} ({})",
                if cfg!(debug_assertions) {
                    "debug — numbers are not representative"
                } else {
                    "release"
                },
                rustc.unwrap_or_else(|| "rustc ?".into())
            ),
        ),
    ]
}

fn rss_kib(pid: u32) -> Option<u64> {
    read(&format!("/proc/{pid}/status"))?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = read(&format!("/proc/{pid}/stat"))?;
    // The command name is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// (busy, total) ticks of the whole machine.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = read("/proc/stat")?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

fn clock_ticks_per_sec() -> f64 {
    command_line("getconf", &["CLK_TCK"])
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// Pids of processes whose command name is `comm` (RabbitMQ, Redis).
fn pids_named(comm: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| read(&format!("/proc/{pid}/comm")).is_some_and(|c| c.trim() == comm))
        .collect()
}

/// The processes watched: Ponte's services, the sandbox, the bench itself,
/// and the broker and Redis (shared with anything else on the machine).
#[derive(Clone)]
struct Watched {
    procs: Vec<(String, Vec<u32>, bool)>,
}

impl Watched {
    fn new(t: &TestFleet) -> Watched {
        let mut procs = Vec::new();
        // Every service the fleet started, whatever the fleet's list holds.
        for svc in Svc::ALL {
            if let Some(pid) = t.fleet.pid(svc) {
                procs.push((svc.binary().to_string(), vec![pid], true));
            }
        }
        procs.push(("ponte-bench (load)".into(), vec![std::process::id()], true));
        procs.push(("rabbitmq (beam.smp)".into(), pids_named("beam.smp"), false));
        procs.push(("redis-server".into(), pids_named("redis-server"), false));
        Watched { procs }
    }

    fn rss(&self) -> BTreeMap<String, u64> {
        self.procs
            .iter()
            .filter(|(_, _, mem)| *mem)
            .map(|(name, pids, _)| {
                let kib = pids.iter().filter_map(|p| rss_kib(*p)).sum();
                (name.clone(), kib)
            })
            .collect()
    }

    fn cpu(&self) -> CpuSnapshot {
        CpuSnapshot {
            at: Instant::now(),
            per: self
                .procs
                .iter()
                .map(|(name, pids, _)| {
                    let ticks = pids.iter().filter_map(|p| cpu_ticks(*p)).sum();
                    (name.clone(), ticks)
                })
                .collect(),
            machine: machine_ticks(),
        }
    }

    fn names(&self) -> Vec<String> {
        self.procs.iter().map(|(n, _, _)| n.clone()).collect()
    }
}

struct CpuSnapshot {
    at: Instant,
    per: BTreeMap<String, u64>,
    machine: Option<(u64, u64)>,
}

/// CPU use over a phase: % of one core per process, and the machine's busy %.
#[derive(Default, Clone)]
struct CpuUse {
    per: BTreeMap<String, f64>,
    machine_busy: Option<f64>,
}

fn cpu_between(a: &CpuSnapshot, b: &CpuSnapshot, hz: f64) -> CpuUse {
    let wall = b.at.duration_since(a.at).as_secs_f64().max(1e-6);
    let per = b
        .per
        .iter()
        .map(|(name, after)| {
            let before = a.per.get(name).copied().unwrap_or(0);
            let secs = after.saturating_sub(before) as f64 / hz;
            (name.clone(), 100.0 * secs / wall)
        })
        .collect();
    let machine_busy = match (a.machine, b.machine) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => {
            Some(100.0 * (b1 - b0) as f64 / (t1 - t0) as f64)
        }
        _ => None,
    };
    CpuUse { per, machine_busy }
}

/// Samples resident memory in the background; keeps the peak per phase.
struct MemorySampler {
    phase: Arc<AtomicUsize>,
    peaks: Arc<Mutex<BTreeMap<(usize, String), u64>>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// Index of a phase in the sampler (0 is "between phases").
const P_INGRESS: usize = 1;
const P_DRAIN: usize = 2;
const P_E2E: usize = 3;

impl MemorySampler {
    fn start(watched: Watched) -> MemorySampler {
        let phase = Arc::new(AtomicUsize::new(0));
        let peaks = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (phase, peaks, stop) = (phase.clone(), peaks.clone(), stop.clone());
            async move {
                while !stop.load(Ordering::Relaxed) {
                    let p = phase.load(Ordering::Relaxed);
                    let sample = watched.rss();
                    {
                        let mut peaks = lock(&peaks);
                        for (name, kib) in sample {
                            let e = peaks.entry((p, name)).or_insert(0);
                            *e = (*e).max(kib);
                        }
                    }
                    tokio::time::sleep(SAMPLE_EVERY).await;
                }
            }
        });
        MemorySampler {
            phase,
            peaks,
            stop,
            task,
        }
    }

    fn enter(&self, phase: usize) {
        self.phase.store(phase, Ordering::Relaxed);
    }

    async fn finish(self) -> BTreeMap<(usize, String), u64> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        lock(&self.peaks).clone()
    }
}

// ------------------------------------------------------------ broker state

/// Message counts of the namespace's queues (ready messages only).
#[derive(Debug, Default, Clone, Copy)]
struct Depths {
    events: u32,
    work: u32,
    dlq: u32,
}

/// The namespace's queue names (naming only: nothing is declared here, the
/// services declare the topology).
fn topology(ns: &str, shards: u16) -> Topology {
    Topology {
        namespace: ns.to_string(),
        event_shards: shards,
        work_shards: shards,
        delivery_limit: 10,
        retry_tiers: vec![],
        quorum_initial_group_size: None,
    }
}

/// Reads queue depths over its own AMQP connection, with passive declares.
struct QueueProbe {
    topology: Topology,
    conn: Option<Connection>,
    channel: Option<Channel>,
}

impl QueueProbe {
    fn new(ns: &str, shards: u16) -> QueueProbe {
        QueueProbe {
            topology: topology(ns, shards),
            conn: None,
            channel: None,
        }
    }

    async fn channel(&mut self) -> Result<Channel> {
        if let Some(ch) = &self.channel
            && ch.status().connected()
        {
            return Ok(ch.clone());
        }
        if self.conn.as_ref().is_none_or(|c| !c.status().connected()) {
            let props = ConnectionProperties::default()
                .with_connection_name(format!("{}-bench-probe", self.topology.namespace).into());
            let conn = tokio::time::timeout(
                Duration::from_secs(5),
                Connection::connect(&ponte_e2e::amqp_url(), props),
            )
            .await
            .map_err(|_| anyhow!("timed out connecting to the broker"))?
            .context("cannot connect to the broker")?;
            self.conn = Some(conn);
        }
        let Some(conn) = &self.conn else {
            return Err(anyhow!("no broker connection"));
        };
        let ch = conn.create_channel().await.context("broker channel")?;
        self.channel = Some(ch.clone());
        Ok(ch)
    }

    async fn count(ch: &Channel, queue: &str) -> Result<u32> {
        let opts = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let info = ch
            .queue_declare(ShortString::from(queue), opts, FieldTable::default())
            .await
            .with_context(|| format!("queue {queue}"))?;
        Ok(info.message_count())
    }

    async fn depths(&mut self) -> Result<Depths> {
        let ch = self.channel().await?;
        let topo = self.topology.clone();
        let result: Result<Depths> = async {
            let mut d = Depths::default();
            for q in topo.events_queues() {
                d.events += Self::count(&ch, &q).await?;
            }
            for q in topo.work_queues(Provider::Movidesk) {
                d.work += Self::count(&ch, &q).await?;
            }
            d.dlq = Self::count(&ch, &topo.dlq(&Provider::Movidesk.to_string())).await?;
            Ok(d)
        }
        .await;
        if result.is_err() {
            self.channel = None;
        }
        result
    }

    /// Deletes the shard queues beyond the two `TestFleet::teardown` knows.
    async fn delete_extra_shards(&mut self) -> usize {
        let topo = self.topology.clone();
        let mut names = Vec::new();
        for shard in 2..topo.event_shards {
            names.push(topo.events_queue(shard));
        }
        for shard in 2..topo.work_shards {
            names.extend(Provider::ALL.iter().map(|p| topo.work_queue(*p, shard)));
        }
        let mut deleted = 0;
        for name in names {
            let Ok(ch) = self.channel().await else {
                break;
            };
            match ch
                .queue_delete(
                    ShortString::from(name.as_str()),
                    QueueDeleteOptions::default(),
                )
                .await
            {
                Ok(_) => deleted += 1,
                Err(_) => self.channel = None,
            }
        }
        deleted
    }

    async fn close(self) {
        if let Some(ch) = self.channel {
            let _ = ch.close(200, "bench done".into()).await;
        }
        if let Some(conn) = self.conn {
            let _ = conn.close(200, "bench done".into()).await;
        }
    }
}

// ---------------------------------------------------------------- metrics

/// Every series of a service's `/metrics` except histogram buckets.
async fn scrape(http: &reqwest::Client, base: &str) -> BTreeMap<String, f64> {
    let Ok(resp) = http
        .get(format!("{base}/metrics"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
    else {
        return BTreeMap::new();
    };
    let text = resp.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| !series.contains("_bucket"))
        .filter_map(|(series, v)| v.parse::<f64>().ok().map(|v| (series.to_string(), v)))
        .collect()
}

/// `/metrics` of the ingress, router and worker, keyed "service series".
async fn scrape_fleet(t: &TestFleet) -> BTreeMap<String, f64> {
    let Ok(http) = http_client(1) else {
        return BTreeMap::new();
    };
    let mut all = BTreeMap::new();
    for (name, svc) in [
        ("ingress", Svc::Ingress),
        ("router", Svc::Router),
        ("worker", Svc::WorkerMovidesk),
    ] {
        for (series, v) in scrape(&http, &t.url(svc)).await {
            all.insert(format!("{name} {series}"), v);
        }
    }
    all
}

/// Webhooks the ingress has accepted so far (all integrations).
async fn ingress_accepted(t: &TestFleet) -> f64 {
    let Ok(http) = http_client(1) else {
        return f64::NAN;
    };
    scrape(&http, &t.url(Svc::Ingress))
        .await
        .iter()
        .filter(|(k, _)| k.starts_with("ponte_webhooks_total") && k.contains("accepted"))
        .map(|(_, v)| v)
        .sum()
}

/// What grew between two scrapes.
fn metric_deltas(
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
) -> Vec<(String, f64)> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, d)| *d > 0.0)
        .collect()
}

// ---------------------------------------------------------------- phases

fn bar(mp: &MultiProgress, len: u64, what: &str) -> ProgressBar {
    let pb = mp.add(ProgressBar::new(len));
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix:<24} [{bar:30}] {pos}/{len} {per_sec} [{elapsed}] {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

fn http_client(concurrency: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("cannot build the HTTP client")
}

fn error_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection error".into()
    } else {
        "transport error".into()
    }
}

#[derive(Default)]
struct IngressResult {
    posted: usize,
    accepted: usize,
    duplicates: usize,
    refused: BTreeMap<String, usize>,
    latency: Latencies,
    wall: Duration,
    warmup: usize,
    timed_out: bool,
}

fn trigger_body(n: u64) -> Vec<u8> {
    let id = FIRST_FAKE_ID + n;
    let body = json!({
        "Id": id,
        "Type": 0,
        "Subject": format!("Bench webhook #{n}: printer {n} is out of toner"),
        "Status": "Novo",
        "Origin": 0,
        "IsDeleted": false,
        "ActionCount": 0,
        "Actions": [{
            "Id": 1, "Type": 0, "Origin": 0, "IsDeleted": false,
            "Description": format!("Customer report {n}: the device on floor {} stopped.", n % 17),
            "CreatedBy": {"Id": "ana", "PersonType": 1, "ProfileType": 2, "Email": "ana@client.test"}
        }],
        "CustomFieldValues": [],
        "WebhookEvents": [{"Criteria": 1, "Operation": 10}]
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Posts `bodies[from..to]` with `concurrency` clients.
async fn post_all(
    client: &reqwest::Client,
    url: &str,
    bodies: Arc<Vec<Vec<u8>>>,
    concurrency: usize,
    deadline: Instant,
    pb: Option<ProgressBar>,
) -> (IngressResult, bool) {
    let next = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, bodies, next, stopped, pb) = (
            client.clone(),
            url.to_string(),
            bodies.clone(),
            next.clone(),
            stopped.clone(),
            pb.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut r = IngressResult::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                if Instant::now() > deadline {
                    stopped.store(true, Ordering::Relaxed);
                    break;
                }
                let start = Instant::now();
                let sent = client
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                r.posted += 1;
                match sent {
                    Ok(resp) => {
                        let status = resp.status();
                        let answer = resp.bytes().await;
                        let took = start.elapsed();
                        match answer {
                            Ok(bytes) if status == reqwest::StatusCode::ACCEPTED => {
                                r.accepted += 1;
                                r.latency.push(took);
                                let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                                if v["duplicate"] == json!(true) {
                                    r.duplicates += 1;
                                }
                            }
                            Ok(bytes) => {
                                let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                                let code = v["error"]["code"].as_str().unwrap_or("?");
                                *r.refused
                                    .entry(format!("{} {code}", status.as_u16()))
                                    .or_default() += 1;
                            }
                            Err(e) => *r.refused.entry(error_kind(&e)).or_default() += 1,
                        }
                    }
                    Err(e) => *r.refused.entry(error_kind(&e)).or_default() += 1,
                }
                if let Some(pb) = &pb {
                    pb.inc(1);
                }
            }
            r
        }));
    }
    let mut total = IngressResult::default();
    for task in tasks {
        match task.await {
            Ok(r) => {
                total.posted += r.posted;
                total.accepted += r.accepted;
                total.duplicates += r.duplicates;
                total.latency.0.extend(r.latency.0);
                for (k, v) in r.refused {
                    *total.refused.entry(k).or_default() += v;
                }
            }
            Err(e) => {
                *total
                    .refused
                    .entry(format!("client task: {e}"))
                    .or_default() += 1
            }
        }
    }
    total.wall = started.elapsed();
    (total, stopped.load(Ordering::Relaxed))
}

async fn phase_ingress(
    t: &TestFleet,
    pair: &Pair,
    args: &Args,
    mp: &MultiProgress,
) -> Result<IngressResult> {
    let c = args.concurrency as usize;
    let m = args.webhooks as usize;
    let client = http_client(c)?;
    let url = format!(
        "{}/hooks/movidesk/{}?token={}",
        t.url(Svc::Ingress),
        pair.integration,
        pair.secret_a
    );
    // Warm-up: one request per client, to open the connections; not counted.
    let warm: Vec<Vec<u8>> = (0..c as u64).map(|i| trigger_body(m as u64 + i)).collect();
    let (warm_r, _) = post_all(
        &client,
        &url,
        Arc::new(warm),
        c,
        args.phase_deadline(),
        None,
    )
    .await;
    if warm_r.accepted == 0 {
        return Err(anyhow!(
            "the ingress accepted none of the warm-up webhooks: {:?}",
            warm_r.refused
        ));
    }
    let bodies: Vec<Vec<u8>> = (0..m as u64).map(trigger_body).collect();
    let pb = bar(mp, m as u64, "phase 1: ingress posts");
    let (mut r, timed_out) = post_all(
        &client,
        &url,
        Arc::new(bodies),
        c,
        args.phase_deadline(),
        Some(pb.clone()),
    )
    .await;
    pb.finish_and_clear();
    r.warmup = warm_r.accepted;
    r.timed_out = timed_out;
    Ok(r)
}

#[derive(Default)]
struct DrainResult {
    expected: usize,
    parked: u32,
    after_last_202: Duration,
    since_first_post: Duration,
    complete: bool,
    probe_errors: usize,
}

/// Waits until what phase 1 published has been disposed of: every sync
/// command parked, or every queue empty for a while.
async fn phase_drain(
    probe: &mut QueueProbe,
    expected: usize,
    dlq_before: u32,
    phase1_wall: Duration,
    args: &Args,
    mp: &MultiProgress,
) -> DrainResult {
    let started = Instant::now();
    let deadline = args.phase_deadline();
    let pb = bar(mp, expected as u64, "drain: parked (404)");
    let mut r = DrainResult {
        expected,
        ..Default::default()
    };
    let mut quiet_since: Option<(Instant, u32)> = None;
    loop {
        match probe.depths().await {
            Ok(d) => {
                let parked = d.dlq.saturating_sub(dlq_before);
                r.parked = parked;
                pb.set_position(u64::from(parked));
                pb.set_message(format!("events {} work {}", d.events, d.work));
                if parked as usize >= expected {
                    r.complete = true;
                    break;
                }
                if d.events == 0 && d.work == 0 {
                    match quiet_since {
                        Some((at, n)) if n == d.dlq => {
                            if at.elapsed() > Duration::from_secs(5) {
                                r.complete = true;
                                break;
                            }
                        }
                        _ => quiet_since = Some((Instant::now(), d.dlq)),
                    }
                } else {
                    quiet_since = None;
                }
            }
            Err(e) => {
                r.probe_errors += 1;
                pb.set_message(format!("broker probe failed: {e:#}"));
            }
        }
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pb.finish_and_clear();
    r.after_last_202 = started.elapsed();
    r.since_first_post = phase1_wall + r.after_last_202;
    r
}

/// One ticket opened in domain A.
struct Opened {
    id: String,
    answered: Instant,
    created: Option<DateTime<Utc>>,
    call: Duration,
}

#[derive(Default)]
struct E2eResult {
    requested: usize,
    opened: usize,
    open_errors: BTreeMap<String, usize>,
    open_wall: Duration,
    open_call: Latencies,
    linked: usize,
    none: Vec<String>,
    several: Vec<(String, usize)>,
    tickets_a: usize,
    tickets_b: usize,
    back_tagged: usize,
    /// A created → B created, sandbox clock.
    latency: Latencies,
    /// A created → A's trigger answered by the ingress, sandbox clock.
    stage_trigger: Latencies,
    /// Trigger answered → B created (router + worker), sandbox clock.
    stage_pipeline: Latencies,
    /// Create call answered → counterpart seen by a poll, bench clock.
    observed: Latencies,
    /// First A created → last B created, sandbox clock.
    span: Duration,
    polls: usize,
    poll_errors: usize,
    poll_call: Latencies,
    timed_out: bool,
    dead_letters: i64,
    /// Counters of ingress, router and worker that grew during the phase.
    metrics: Vec<(String, f64)>,
    /// Time from the last counterpart seen to a quiet fleet.
    settle: Duration,
    quiet: bool,
}

fn sandbox_time(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

fn ms_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// A ticket of domain B: its id and when the sandbox created it.
type Counterpart = (String, Option<DateTime<Utc>>);

/// Source ticket id → the B tickets carrying its link tag.
fn counterparts_by_source(tickets: &[Value], prefix: &str) -> HashMap<String, Vec<Counterpart>> {
    let mut map: HashMap<String, Vec<Counterpart>> = HashMap::new();
    for t in tickets {
        let Some(tags) = t["tags"].as_array() else {
            continue;
        };
        for tag in tags.iter().filter_map(Value::as_str) {
            if let Some(src) = tag.strip_prefix(prefix) {
                map.entry(src.to_string())
                    .or_default()
                    .push((id_of(&t["id"]), sandbox_time(&t["createdDate"])));
            }
        }
    }
    map
}

/// What the ticket openers share.
struct Opener {
    sandbox: ponte_cli::sandbox::SandboxClient,
    domain: String,
    n: usize,
    concurrency: usize,
    /// Tickets per second; 0 = as fast as the sandbox answers.
    rate: f64,
    deadline: Instant,
    pb: ProgressBar,
    out: Arc<Mutex<Vec<Opened>>>,
    errors: Arc<Mutex<BTreeMap<String, usize>>>,
}

async fn open_tickets(o: Opener) {
    let Opener {
        sandbox,
        domain,
        n,
        concurrency,
        rate,
        deadline,
        pb,
        out,
        errors,
    } = o;
    let next = Arc::new(AtomicUsize::new(0));
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (sandbox, domain, next, pb, out, errors) = (
            sandbox.clone(),
            domain.clone(),
            next.clone(),
            pb.clone(),
            out.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || Instant::now() > deadline {
                    break;
                }
                if rate > 0.0 {
                    tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate))
                        .await;
                }
                let subject = format!("Bench ticket {i}: the VPN drops every {} minutes", i % 50 + 1);
                let body = json!({
                    "type": 2, "subject": subject, "createdBy": {"id": "agent-a"}, "clients": [{"id": "ana"}],
                    "actions": [{"type": 2, "description": format!("{subject}: details from the customer"), "createdBy": {"id": "ana"}}]
                });
                let start = Instant::now();
                let result = tokio::time::timeout(
                    REQUEST_TIMEOUT,
                    sandbox.movidesk_ui_ticket(&domain, &body),
                )
                .await;
                let answered = Instant::now();
                match result {
                    Ok(Ok(t)) => lock(&out).push(Opened {
                        id: id_of(&t["id"]),
                        answered,
                        created: sandbox_time(&t["createdDate"]),
                        call: answered - start,
                    }),
                    Ok(Err(e)) => *lock(&errors).entry(e.to_string()).or_default() += 1,
                    Err(_) => *lock(&errors).entry("timeout".into()).or_default() += 1,
                }
                pb.inc(1);
            }
        }));
    }
    for task in tasks {
        if let Err(e) = task.await {
            *lock(&errors).entry(format!("task: {e}")).or_default() += 1;
        }
    }
}

async fn phase_e2e(
    t: &TestFleet,
    pair: &Pair,
    args: &Args,
    mp: &MultiProgress,
    probe: &mut QueueProbe,
    settle: Settle,
) -> E2eResult {
    let n = args.tickets as usize;
    let deadline = args.phase_deadline();
    let prefix = format!("ponte-{}-", pair.integration);
    let dlq_before = probe.depths().await.map(|d| d.dlq).ok();
    let metrics_before = scrape_fleet(t).await;
    let opened: Arc<Mutex<Vec<Opened>>> = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let errors = Arc::new(Mutex::new(BTreeMap::new()));
    let pb_open = bar(mp, n as u64, "phase 2: tickets opened");
    let pb_link = bar(mp, n as u64, "phase 2: linked in B");
    let started = Instant::now();
    let opener = tokio::spawn(open_tickets(Opener {
        sandbox: t.sandbox.clone(),
        domain: pair.a.clone(),
        n,
        concurrency: args.concurrency as usize,
        rate: f64::from(args.open_rate),
        deadline,
        pb: pb_open.clone(),
        out: opened.clone(),
        errors: errors.clone(),
    }));
    let mut r = E2eResult {
        requested: n,
        ..Default::default()
    };
    let mut first_seen: HashMap<String, Instant> = HashMap::new();
    let mut open_done_at: Option<Instant> = None;
    // Poll B (one list call per poll) until every opened ticket has a
    // counterpart, or the deadline.
    loop {
        if open_done_at.is_none() && opener.is_finished() {
            open_done_at = Some(Instant::now());
            pb_open.finish();
        }
        let poll_start = Instant::now();
        let listed = t.sandbox.movidesk_tickets(&pair.b).await;
        r.polls += 1;
        r.poll_call.push(poll_start.elapsed());
        match listed {
            Ok(list) => {
                let now = Instant::now();
                for src in counterparts_by_source(&list, &prefix).into_keys() {
                    first_seen.entry(src).or_insert(now);
                }
            }
            Err(_) => r.poll_errors += 1,
        }
        let ids: Vec<String> = lock(&opened).iter().map(|o| o.id.clone()).collect();
        let linked = ids.iter().filter(|id| first_seen.contains_key(*id)).count();
        pb_link.set_position(linked as u64);
        if open_done_at.is_some() && linked == ids.len() {
            break;
        }
        if Instant::now() > deadline {
            r.timed_out = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms)).await;
    }
    pb_link.finish_and_clear();
    pb_open.finish_and_clear();
    if !opener.is_finished() {
        opener.abort();
    }
    let _ = opener.await;
    let opened: Vec<Opened> = std::mem::take(&mut *lock(&opened));
    r.open_errors = lock(&errors).clone();
    r.opened = opened.len();
    r.open_wall = open_done_at.unwrap_or_else(Instant::now) - started;
    for o in &opened {
        r.open_call.push(o.call);
    }

    // Settle: let the counterpart numbers reach A, the follow-up webhooks
    // (A's tag change, B's creation) be handled, and any duplicate appear.
    // Quiet = no webhook accepted by the ingress and no message waiting in
    // the event and work queues for 1.5 s.
    let back_prefix = prefix.clone();
    let settle_start = Instant::now();
    let settle_deadline = deadline.max(settle_start + Duration::from_secs(15));
    let (mut list_a, mut list_b) = (Vec::new(), Vec::new());
    let mut last_accepted = f64::NAN;
    let mut quiet_polls = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let (Ok(a), Ok(b)) = (
            t.sandbox.movidesk_tickets(&pair.a).await,
            t.sandbox.movidesk_tickets(&pair.b).await,
        ) {
            list_a = a;
            list_b = b;
        }
        let tagged = list_a
            .iter()
            .filter(|tk| {
                tk["tags"].as_array().is_some_and(|tags| {
                    tags.iter()
                        .filter_map(Value::as_str)
                        .any(|s| s.starts_with(&back_prefix))
                })
            })
            .count();
        r.back_tagged = tagged;
        let accepted = ingress_accepted(t).await;
        let idle = probe
            .depths()
            .await
            .is_ok_and(|d| d.events == 0 && d.work == 0);
        if idle && accepted == last_accepted {
            quiet_polls += 1;
        } else {
            quiet_polls = 0;
        }
        last_accepted = accepted;
        let waited = settle_start.elapsed();
        if settle == Settle::Linked && tagged >= opened.len() {
            r.quiet = true;
            break;
        }
        if tagged >= opened.len() && quiet_polls >= 3 && waited >= Duration::from_secs(2) {
            r.quiet = true;
            break;
        }
        if Instant::now() > settle_deadline {
            break;
        }
    }
    r.settle = settle_start.elapsed();
    r.tickets_a = list_a.len();
    r.tickets_b = list_b.len();

    // Exactly one counterpart each, and the latencies.
    let found = counterparts_by_source(&list_b, &prefix);
    let webhooks_a = t
        .sandbox
        .movidesk_webhooks(&pair.a)
        .await
        .unwrap_or_default();
    let mut trigger_answered: HashMap<String, DateTime<Utc>> = HashMap::new();
    for w in &webhooks_a {
        let ok = w["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s));
        if let (true, Some(at)) = (ok, sandbox_time(&w["at"])) {
            let id = id_of(&w["body"]["Id"]);
            trigger_answered
                .entry(id)
                .and_modify(|t| *t = (*t).min(at))
                .or_insert(at);
        }
    }
    let (mut first_a, mut last_b): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    for o in &opened {
        let cps = found.get(&o.id).map(Vec::as_slice).unwrap_or_default();
        match cps.len() {
            0 => r.none.push(o.id.clone()),
            1 => r.linked += 1,
            k => {
                r.linked += 1;
                r.several.push((o.id.clone(), k));
            }
        }
        let b_created = cps.iter().filter_map(|(_, c)| *c).min();
        if let (Some(a), Some(b)) = (o.created, b_created) {
            r.latency.push_ms(ms_between(a, b));
            first_a = Some(first_a.map_or(a, |f| f.min(a)));
            last_b = Some(last_b.map_or(b, |l| l.max(b)));
            if let Some(hook) = trigger_answered.get(&o.id) {
                r.stage_trigger.push_ms(ms_between(a, *hook));
                r.stage_pipeline.push_ms(ms_between(*hook, b));
            }
        }
        if let Some(seen) = first_seen.get(&o.id) {
            r.observed.push(seen.saturating_duration_since(o.answered));
        }
    }
    if let (Some(a), Some(b)) = (first_a, last_b) {
        r.span = (b - a).to_std().unwrap_or_default();
    }
    if let (Some(before), Ok(after)) = (dlq_before, probe.depths().await) {
        r.dead_letters = i64::from(after.dlq) - i64::from(before);
    }
    r.metrics = metric_deltas(&metrics_before, &scrape_fleet(t).await);
    r
}

// ---------------------------------------------------------------- report

#[derive(Default)]
struct Report {
    args: Option<Args>,
    ns: String,
    ingress: Option<IngressResult>,
    drain: Option<DrainResult>,
    e2e: Option<E2eResult>,
    idle_rss: BTreeMap<String, u64>,
    end_rss: BTreeMap<String, u64>,
    peaks: BTreeMap<(usize, String), u64>,
    cpu: BTreeMap<usize, CpuUse>,
    proc_names: Vec<String>,
    failures: Vec<String>,
    warnings: Vec<String>,
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

impl Report {
    fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "\n# Ponte benchmark — results\n");
        if let Some(a) = &self.args {
            let _ = writeln!(
                o,
                "sizes: --webhooks {} --concurrency {} --tickets {} --open-rate {} --shards {}   (namespace {})\n",
                a.webhooks, a.concurrency, a.tickets, a.open_rate, a.shards, self.ns
            );
        }
        if let Some(r) = &self.ingress {
            let secs = r.wall.as_secs_f64();
            let _ = writeln!(o, "## Phase 1 — ingress\n");
            let _ = writeln!(
                o,
                "accepted {}/{} in {:.2} s → {:.0} webhooks/s (202 after the broker's confirm); duplicates {}; warm-up {} not counted",
                r.accepted,
                r.posted,
                secs,
                rate(r.accepted, secs),
                r.duplicates,
                r.warmup
            );
            if !r.refused.is_empty() {
                let _ = writeln!(o, "NOT accepted: {:?}", r.refused);
            }
            let _ = writeln!(o, "202 latency: {}\n", r.latency.summary());
        }
        if let Some(d) = &self.drain {
            let _ = writeln!(o, "## Drain after phase 1 (router + worker)\n");
            let _ = writeln!(
                o,
                "{} of {} sync commands parked as 404 in {:.2} s after the last 202 ({:.0}/s over {:.2} s since the first post){}\n",
                d.parked,
                d.expected,
                d.after_last_202.as_secs_f64(),
                rate(d.parked as usize, d.since_first_post.as_secs_f64()),
                d.since_first_post.as_secs_f64(),
                if d.complete { "" } else { " — INCOMPLETE" }
            );
        }
        if let Some(e) = &self.e2e {
            let _ = writeln!(o, "## Phase 2 — end to end (A → B)\n");
            let _ = writeln!(
                o,
                "opened {}/{} tickets in A in {:.2} s ({:.0}/s); create call {}",
                e.opened,
                e.requested,
                e.open_wall.as_secs_f64(),
                rate(e.opened, e.open_wall.as_secs_f64()),
                e.open_call.summary()
            );
            let _ = writeln!(
                o,
                "linked {}/{} in {:.2} s from the first A ticket to the last B ticket → {:.1} tickets linked/s",
                e.linked,
                e.opened,
                e.span.as_secs_f64(),
                rate(e.linked, e.span.as_secs_f64())
            );
            let _ = writeln!(
                o,
                "latency A created → B created (sandbox clock): {}",
                e.latency.summary()
            );
            let _ = writeln!(
                o,
                "  of which A created → A's trigger answered 202: {}",
                e.stage_trigger.summary()
            );
            let _ = writeln!(
                o,
                "  of which 202 → B created (router + worker):    {}",
                e.stage_pipeline.summary()
            );
            let _ = writeln!(
                o,
                "latency seen by the client (create answered → seen in B's list): {}",
                e.observed.summary()
            );
            let _ = writeln!(
                o,
                "polls of B: {} (list call {}), {} failed",
                e.polls,
                e.poll_call.summary(),
                e.poll_errors
            );
            let _ = writeln!(
                o,
                "counterparts: {} with one, {} with none, {} with several; A holds {} tickets, B holds {}; {} A tickets carry the B number; dead letters added: {}",
                e.linked - e.several.len(),
                e.none.len(),
                e.several.len(),
                e.tickets_a,
                e.tickets_b,
                e.back_tagged,
                e.dead_letters
            );
            let _ = writeln!(
                o,
                "fleet {} {:.1} s after the last counterpart was seen (follow-up webhooks handled; counts above taken then)\n",
                if e.quiet { "quiet" } else { "still busy" },
                e.settle.as_secs_f64()
            );
        }

        // Summary table.
        let _ = writeln!(o, "## Summary\n");
        let _ = writeln!(
            o,
            "| phase | measure | throughput | p50 | p95 | p99 | max |\n|---|---|---:|---:|---:|---:|---:|"
        );
        if let Some(r) = &self.ingress {
            let [p50, p95, p99, max] = r.latency.cells();
            let _ = writeln!(
                o,
                "| 1 ingress | POST → 202 ({} clients) | {:.0} webhooks/s | {p50} | {p95} | {p99} | {max} |",
                self.args.as_ref().map_or(0, |a| a.concurrency),
                rate(r.accepted, r.wall.as_secs_f64())
            );
        }
        if let Some(d) = &self.drain {
            let _ = writeln!(
                o,
                "| 1 drain | event → parked sync command | {:.0} events/s | | | | |",
                rate(d.parked as usize, d.since_first_post.as_secs_f64())
            );
        }
        if let Some(e) = &self.e2e {
            let rows = [
                (
                    "A created → B created",
                    &e.latency,
                    format!("{:.1} tickets/s", rate(e.linked, e.span.as_secs_f64())),
                ),
                ("… A created → trigger 202", &e.stage_trigger, String::new()),
                (
                    "… trigger 202 → B created",
                    &e.stage_pipeline,
                    String::new(),
                ),
                (
                    "opening a ticket in A (sandbox)",
                    &e.open_call,
                    format!("{:.0} tickets/s", rate(e.opened, e.open_wall.as_secs_f64())),
                ),
            ];
            for (what, lat, thr) in rows {
                let [p50, p95, p99, max] = lat.cells();
                let _ = writeln!(
                    o,
                    "| 2 end to end | {what} | {thr} | {p50} | {p95} | {p99} | {max} |"
                );
            }
        }

        // Work per ticket.
        if let Some(e) = self.e2e.as_ref().filter(|e| !e.metrics.is_empty()) {
            let _ = writeln!(
                o,
                "\n## Work done for phase 2 (counters that grew, from /metrics)\n"
            );
            let _ = writeln!(
                o,
                "| service series | total | per linked ticket |\n|---|---:|---:|"
            );
            let counts: BTreeMap<&str, f64> =
                e.metrics.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            for (series, total) in &e.metrics {
                let per = if let Some(base) = series.split_once("_sum").map(|(a, _)| a) {
                    let rest = series.split_once("_sum").map_or("", |(_, b)| b);
                    let n = counts
                        .get(format!("{base}_count{rest}").as_str())
                        .copied()
                        .unwrap_or(0.0);
                    if n > 0.0 {
                        format!("mean {} per call", ms(1000.0 * total / n))
                    } else {
                        String::new()
                    }
                } else if e.linked > 0 {
                    format!("{:.2}", total / e.linked as f64)
                } else {
                    String::new()
                };
                let shown = if series.contains("_sum") {
                    format!("{total:.2} s")
                } else {
                    format!("{total:.0}")
                };
                let _ = writeln!(o, "| {series} | {shown} | {per} |");
            }
        }

        // Memory.
        let _ = writeln!(o, "\n## Resident memory (VmRSS, MiB)\n");
        let _ = writeln!(
            o,
            "| process | idle | peak phase 1 | peak drain | peak phase 2 | after |\n|---|---:|---:|---:|---:|---:|"
        );
        for (name, idle) in &self.idle_rss {
            let peak = |p: usize| {
                self.peaks
                    .get(&(p, name.clone()))
                    .map_or_else(|| "-".into(), |k| mib(*k))
            };
            let end = self
                .end_rss
                .get(name)
                .map_or_else(|| "-".into(), |k| mib(*k));
            let _ = writeln!(
                o,
                "| {name} | {} | {} | {} | {} | {end} |",
                mib(*idle),
                peak(P_INGRESS),
                peak(P_DRAIN),
                peak(P_E2E)
            );
        }

        // CPU.
        if !self.cpu.is_empty() {
            let _ = writeln!(
                o,
                "\n## CPU (% of one core, averaged over the phase; the machine has {} cores)\n",
                std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
            );
            let _ = writeln!(
                o,
                "| process | phase 1 | drain | phase 2 |\n|---|---:|---:|---:|"
            );
            let cell = |p: usize, name: &str| {
                self.cpu
                    .get(&p)
                    .and_then(|c| c.per.get(name))
                    .map_or_else(|| "-".into(), |v| format!("{v:.0}%"))
            };
            for name in &self.proc_names {
                let _ = writeln!(
                    o,
                    "| {name} | {} | {} | {} |",
                    cell(P_INGRESS, name),
                    cell(P_DRAIN, name),
                    cell(P_E2E, name)
                );
            }
            let busy = |p: usize| {
                self.cpu
                    .get(&p)
                    .and_then(|c| c.machine_busy)
                    .map_or_else(|| "-".into(), |v| format!("{v:.0}%"))
            };
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            let rest = |p: usize| {
                self.cpu
                    .get(&p)
                    .and_then(|c| {
                        let busy = c.machine_busy? * cores as f64;
                        Some(busy - c.per.values().sum::<f64>())
                    })
                    .map_or_else(|| "-".into(), |v| format!("{:.0}%", v.max(0.0)))
            };
            let _ = writeln!(
                o,
                "| everything else (kernel, other processes) | {} | {} | {} |",
                rest(P_INGRESS),
                rest(P_DRAIN),
                rest(P_E2E)
            );
            let _ = writeln!(
                o,
                "| whole machine busy (% of all {cores} cores) | {} | {} | {} |",
                busy(P_INGRESS),
                busy(P_DRAIN),
                busy(P_E2E)
            );
        }

        let _ = writeln!(o);
        for w in &self.warnings {
            let _ = writeln!(o, "WARNING: {w}");
        }
        if self.failures.is_empty() {
            let _ = writeln!(o, "RESULT: OK");
        } else {
            for f in &self.failures {
                let _ = writeln!(o, "FAILED: {f}");
            }
            let _ = writeln!(o, "RESULT: FAILED");
        }
        o
    }
}

// ---------------------------------------------------------------- main

async fn bench(t: Arc<TestFleet>, args: Args, report: Arc<Mutex<Report>>) -> Result<()> {
    let mp = MultiProgress::new();
    let hz = clock_ticks_per_sec();
    eprintln!("registering the two Movidesk pairs in the sandbox and the admin API ...");
    let p_ingress = t.movidesk_pair(INGRESS_INTEGRATION).await;
    let p_e2e = t.movidesk_pair(E2E_INTEGRATION).await;
    let watched = Watched::new(&t);
    lock(&report).proc_names = watched.names();
    let mut probe = QueueProbe::new(&t.ns, args.shards);

    // Idle: the fleet up, integrations applied, nothing flowing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    lock(&report).idle_rss = watched.rss();
    let sampler = MemorySampler::start(watched.clone());
    let dlq_before = probe.depths().await.map(|d| d.dlq).unwrap_or(0);

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
    println!();
    if args.phase == Phase::Warehouse {
        return warehouse_phase(&args).await;
    }

    let bin_dir = ponte_cli::fleet::FleetOptions::default_bin_dir();
    eprintln!("starting the fleet (binaries in {}) ...", bin_dir.display());
    // Panics with the fleet's own message (missing binary, not ready...).
    let t = TestFleet::start(Options {
        services: Svc::ALL.to_vec(),
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
        Phase::Noisy => {
            let report = Arc::new(Mutex::new(noisy::NoisyReport::default()));
            let outcome = until_ctrl_c(noisy::run(t.clone(), args, report.clone())).await;
            let mut report = lock(&report);
            report.check();
            let mut failures = report.failures.clone();
            failures.extend(outcome.err().map(|e| format!("{e:#}")));
            (report.render(), failures)
        }
        Phase::Fleet | Phase::Warehouse => {
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
    if !matches!(phase, Phase::Fleet | Phase::Warehouse) {
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
