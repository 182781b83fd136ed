//! `--phase ingress`: Ponte's ingress alone against the minimal one.
//!
//! The fleet runs without a router or workers, so nothing consumes what
//! either ingress publishes and both pay the broker the same: a
//! persistent publish to a quorum queue and its confirm. Each round posts
//! `--webhooks` fresh bodies with `--concurrency` clients at the minimal
//! ingress, then the same number at Ponte's; the figures are per round,
//! so a slow first round (caches, JIT-less but cold Redis) shows as such.

use super::*;

/// Rounds of baseline-then-Ponte.
const ROUNDS: u64 = 3;

pub(crate) struct Round {
    pub(crate) baseline: IngressResult,
    pub(crate) baseline_cpu: CpuUse,
    pub(crate) ponte: IngressResult,
    pub(crate) ponte_cpu: CpuUse,
}

#[derive(Default)]
pub(crate) struct AloneReport {
    pub(crate) rounds: Vec<Round>,
    pub(crate) failures: Vec<String>,
}

/// The services this phase runs: enough to register the integration and
/// accept its webhooks.
pub(crate) const SERVICES: [Svc; 3] = [Svc::Sandbox, Svc::Ingress, Svc::Admin];

pub(crate) async fn run(
    t: Arc<TestFleet>,
    args: Args,
    report: Arc<Mutex<AloneReport>>,
) -> Result<()> {
    let mp = MultiProgress::new();
    let hz = clock_ticks_per_sec();
    let pair = t.movidesk_pair(INGRESS_INTEGRATION).await;
    let url = format!(
        "{}/hooks/movidesk/{}?token={}",
        t.url(Svc::Ingress),
        pair.integration,
        pair.secret_a
    );
    let watched = Watched::new(&t);
    // Each round's bodies and warm-up bodies are distinct from every
    // other round's: a repeat would be answered as a duplicate.
    let span = u64::from(args.webhooks) + u64::from(args.concurrency);
    for round in 0..ROUNDS {
        eprintln!("round {}: the minimal ingress ...", round + 1);
        let b = baseline::Baseline::start(&t.ns).await?;
        let seen = watched.clone_with(b.pid().map(|p| ("baseline".to_string(), p)));
        let c0 = seen.cpu();
        let baseline = post_phase_from(&b.url, &args, &mp, "baseline posts", round * span).await;
        let c1 = seen.cpu();
        b.stop().await;
        let baseline = baseline?;
        tokio::time::sleep(Duration::from_millis(500)).await;

        eprintln!("round {}: Ponte's ingress ...", round + 1);
        let p0 = watched.cpu();
        let ponte = post_phase_from(&url, &args, &mp, "ingress posts", round * span).await?;
        let p1 = watched.cpu();
        for (who, r) in [("baseline", &baseline), ("ponte", &ponte)] {
            if r.accepted < r.posted || r.timed_out || r.duplicates > 0 {
                lock(&report).failures.push(format!(
                    "round {}: {who}: {} of {} accepted, {} duplicates ({:?})",
                    round + 1,
                    r.accepted,
                    r.posted,
                    r.duplicates,
                    r.refused
                ));
            }
        }
        lock(&report).rounds.push(Round {
            baseline,
            baseline_cpu: cpu_between(&c0, &c1, hz),
            ponte,
            ponte_cpu: cpu_between(&p0, &p1, hz),
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

impl AloneReport {
    pub(crate) fn render(&self, args: &Args) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "## Ingress alone against the minimal ingress\n\n{} webhooks per round, {} clients; no router or worker consuming.\n",
            args.webhooks, args.concurrency
        );
        let _ = writeln!(
            o,
            "| round | minimal: webhooks/s | p50 | p99 | Ponte: webhooks/s | p50 | p99 | ratio | CPU: minimal / Ponte's ingress | RabbitMQ CPU (Ponte / minimal) | Redis CPU | machine busy | CPU µs per webhook: minimal / Ponte's ingress + Redis |"
        );
        let _ = writeln!(
            o,
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        let cpu = |u: &CpuUse, name: &str| {
            u.per
                .get(name)
                .map_or_else(|| "—".to_string(), |v| format!("{v:.0} %"))
        };
        // A share of a core (percent) at `per_s` webhooks/s, as µs each.
        let per_webhook = |u: &CpuUse, name: &str, per_s: f64| match u.per.get(name) {
            Some(share) if per_s > 0.0 => format!("{:.0}", share * 1e4 / per_s),
            _ => "—".to_string(),
        };
        for (i, r) in self.rounds.iter().enumerate() {
            let theirs = rate(r.baseline.accepted, r.baseline.wall.as_secs_f64());
            let ours = rate(r.ponte.accepted, r.ponte.wall.as_secs_f64());
            let ratio = if theirs > 0.0 { ours / theirs } else { 0.0 };
            let f = |v: Option<f64>| ms_opt(v);
            let _ = writeln!(
                o,
                "| {} | {theirs:.0} | {} | {} | {ours:.0} | {} | {} | {ratio:.2}× | {} / {} | {} / {} | {} | {} | {} / {} + {} |",
                i + 1,
                f(r.baseline.latency.pct(50.0)),
                f(r.baseline.latency.pct(99.0)),
                f(r.ponte.latency.pct(50.0)),
                f(r.ponte.latency.pct(99.0)),
                cpu(&r.baseline_cpu, "baseline"),
                cpu(&r.ponte_cpu, "ponte-ingress"),
                cpu(&r.ponte_cpu, "rabbitmq (beam.smp)"),
                cpu(&r.baseline_cpu, "rabbitmq (beam.smp)"),
                cpu(&r.ponte_cpu, "redis-server"),
                r.ponte_cpu
                    .machine_busy
                    .map_or_else(|| "—".to_string(), |v| format!("{v:.0} %")),
                per_webhook(&r.baseline_cpu, "baseline", theirs),
                per_webhook(&r.ponte_cpu, "ponte-ingress", ours),
                per_webhook(&r.ponte_cpu, "redis-server", ours),
            );
        }
        let _ = writeln!(o, "\n(latencies in ms; CPU in % of one core)");
        o
    }
}
