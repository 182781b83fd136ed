//! Command-line options and the phase choice.

use super::*;

/// Integration used by phase 1 (its tickets do not exist: commands park).
pub(crate) const INGRESS_INTEGRATION: &str = "bench-ingress";
/// Integration used by phase 2 (the real Movidesk ↔ Movidesk flow).
pub(crate) const E2E_INTEGRATION: &str = "bench-e2e";
/// First ticket id used in phase 1 bodies (far from any sandbox id).
pub(crate) const FIRST_FAKE_ID: u64 = 5_000_000;
/// Time allowed for one HTTP request of the load generator.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Interval of the memory sampler.
pub(crate) const SAMPLE_EVERY: Duration = Duration::from_millis(100);

#[derive(Parser, Debug, Clone)]
#[command(
    name = "ponte-bench",
    about = "Throughput, latency and memory of the real Ponte fleet on this machine"
)]
pub(crate) struct Args {
    /// What to measure: the fleet (ingress, drain, end to end) or the
    /// Movidesk warehouse (live and backfill, on its own fleet).
    #[arg(long, value_enum, default_value_t = Phase::Fleet)]
    pub(crate) phase: Phase,
    /// Tickets opened in Movidesk domain A in the end-to-end phase (and in
    /// the warehouse's domain in the warehouse phase).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub(crate) tickets: u32,
    /// Concurrent clients (ingress posts, and ticket creations).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub(crate) concurrency: u32,
    /// Webhooks posted at the ingress in phase 1.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) webhooks: u32,
    /// Longest one phase may last before the bench gives up on it, seconds.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub(crate) phase_timeout: u64,
    /// Tickets opened per second in phase 2; 0 opens them all at once (as
    /// fast as the sandbox answers), a burst.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub(crate) open_rate: u32,
    /// Event and work shards of the fleet (PONTE_EVENT_SHARDS and
    /// PONTE_WORK_SHARDS; the end-to-end tests use 2, production defaults to 4).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) shards: u16,
    /// Pause between two polls of domain B's ticket list, milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=5000))]
    pub(crate) poll_ms: u64,
    /// Tick the counterpart's note on the source of the Movidesk pairs that
    /// the fleet, sweep and noisy phases link tickets through, as the
    /// console's form does for a new integration: the marker's PATCH then
    /// carries the note and its echo is not read (4 Movidesk calls per
    /// linked ticket instead of 5, and two messages fewer).
    #[arg(long)]
    pub(crate) counterpart_note: bool,
    /// `--phase sweep`: the open rates tried, tickets per second, in order.
    #[arg(long, value_delimiter = ',', default_value = "25,50,100,150,200,300")]
    pub(crate) rates: Vec<u32>,
    /// `--phase sweep`: seconds of opening per step (rate × this tickets).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) step_secs: u64,
    /// `--phase sweep`: the p99 of Ponte's part a step must keep, ms.
    #[arg(long, default_value_t = 100.0)]
    pub(crate) target_p99_ms: f64,
    /// `--phase noisy`: tenant Y's tickets per round (400: p99 is not one
    /// ticket's luck).
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub(crate) y_tickets: u32,
    /// `--phase noisy`: tenant Y's open rate, tickets per second.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) y_rate: u32,
    /// `--phase noisy`: tenant X's burst, opened at once (600: still backed
    /// up at the end of Y's default round).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub(crate) x_tickets: u32,
    /// `--phase noisy`: latency of every call to X's slow target, ms.
    #[arg(long, default_value_t = 2500, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub(crate) x_latency_ms: u64,
    /// `--phase noisy`: seconds X's burst backs up before Y starts.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub(crate) x_head_start_secs: u64,
    /// Extra environment for every service, `KEY=VALUE` (repeatable), e.g.
    /// `--env PONTE_PREFETCH=16 --env RUST_LOG=info`.
    #[arg(long = "env", value_parser = parse_env)]
    pub(crate) service_env: Vec<(String, String)>,
    /// `--phase noisy`: how X's provider misbehaves, one round each.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "slow,limited"
    )]
    pub(crate) troubles: Vec<noisy::Trouble>,
}

pub(crate) fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Fleet,
    /// Ponte's ingress alone (no router or worker) against the minimal
    /// ingress, in three rounds of `--webhooks`.
    Ingress,
    /// The highest open rate that keeps Ponte's part within the target.
    Sweep,
    /// One tenant's slow or rate-limited provider next to another tenant.
    Noisy,
    Warehouse,
    /// Movidesk API calls per linked ticket and per mirrored action, with
    /// and without the counterpart's note (`--tickets` of one client).
    Calls,
}

/// How an end-to-end round ends: when the whole fleet is quiet (nothing
/// else runs), or as soon as its own tickets are linked (another tenant's
/// work may keep the queues busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settle {
    Quiet,
    Linked,
}

impl Args {
    pub(crate) fn phase_deadline(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.phase_timeout)
    }
}
