//! The fleet phases' report, in Markdown.

use super::*;

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) args: Option<Args>,
    pub(crate) ns: String,
    pub(crate) ingress: Option<IngressResult>,
    /// The minimal publish-and-confirm ingress, same bodies and clients.
    pub(crate) baseline: Option<IngressResult>,
    pub(crate) drain: Option<DrainResult>,
    pub(crate) e2e: Option<E2eResult>,
    pub(crate) idle_rss: BTreeMap<String, u64>,
    pub(crate) end_rss: BTreeMap<String, u64>,
    pub(crate) peaks: BTreeMap<(usize, String), u64>,
    pub(crate) cpu: BTreeMap<usize, CpuUse>,
    pub(crate) proc_names: Vec<String>,
    pub(crate) failures: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

pub(crate) fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

impl Report {
    pub(crate) fn render(&self) -> String {
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
            if let Some(b) = &self.baseline {
                let bsecs = b.wall.as_secs_f64();
                let (ours, theirs) = (rate(r.accepted, secs), rate(b.accepted, bsecs));
                let _ = writeln!(
                    o,
                    "baseline (a minimal ingress: publish, await the confirm, 202; same bodies and clients, measured first): {}/{} at {:.0} webhooks/s, 202 latency {}\n",
                    b.accepted,
                    b.posted,
                    theirs,
                    b.latency.summary()
                );
                if theirs > 0.0 {
                    let _ = writeln!(
                        o,
                        "Ponte's ingress = {:.2} × the baseline's webhooks/s\n",
                        ours / theirs
                    );
                }
            }
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
