//! Phase 2: tickets opened in domain A until their counterparts exist in B.

use super::*;

/// One ticket opened in domain A.
pub(crate) struct Opened {
    pub(crate) id: String,
    pub(crate) answered: Instant,
    pub(crate) created: Option<DateTime<Utc>>,
    pub(crate) call: Duration,
}

#[derive(Default)]
pub(crate) struct E2eResult {
    pub(crate) requested: usize,
    pub(crate) opened: usize,
    pub(crate) open_errors: BTreeMap<String, usize>,
    pub(crate) open_wall: Duration,
    pub(crate) open_call: Latencies,
    pub(crate) linked: usize,
    pub(crate) none: Vec<String>,
    pub(crate) several: Vec<(String, usize)>,
    pub(crate) tickets_a: usize,
    pub(crate) tickets_b: usize,
    pub(crate) back_tagged: usize,
    /// A created → B created, sandbox clock.
    pub(crate) latency: Latencies,
    /// A created → A's trigger answered by the ingress, sandbox clock.
    pub(crate) stage_trigger: Latencies,
    /// Trigger answered → B created (router + worker), sandbox clock.
    pub(crate) stage_pipeline: Latencies,
    /// Create call answered → counterpart seen by a poll, bench clock.
    pub(crate) observed: Latencies,
    /// First A created → last B created, sandbox clock.
    pub(crate) span: Duration,
    pub(crate) polls: usize,
    pub(crate) poll_errors: usize,
    pub(crate) poll_call: Latencies,
    pub(crate) timed_out: bool,
    pub(crate) dead_letters: i64,
    /// Counters of ingress, router and worker that grew during the phase.
    pub(crate) metrics: Vec<(String, f64)>,
    /// Time from the last counterpart seen to a quiet fleet.
    pub(crate) settle: Duration,
    pub(crate) quiet: bool,
}

pub(crate) fn sandbox_time(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

pub(crate) fn ms_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// A ticket of domain B: its id and when the sandbox created it.
pub(crate) type Counterpart = (String, Option<DateTime<Utc>>);

/// Source ticket id → the B tickets carrying its link tag.
pub(crate) fn counterparts_by_source(
    tickets: &[Value],
    prefix: &str,
) -> HashMap<String, Vec<Counterpart>> {
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
pub(crate) struct Opener {
    pub(crate) sandbox: ponte_cli::sandbox::SandboxClient,
    pub(crate) domain: String,
    pub(crate) n: usize,
    pub(crate) concurrency: usize,
    /// Tickets per second; 0 = as fast as the sandbox answers.
    pub(crate) rate: f64,
    pub(crate) deadline: Instant,
    pub(crate) pb: ProgressBar,
    pub(crate) out: Arc<Mutex<Vec<Opened>>>,
    pub(crate) errors: Arc<Mutex<BTreeMap<String, usize>>>,
}

pub(crate) async fn open_tickets(o: Opener) {
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

/// A Movidesk pair that the fleet, sweep and noisy phases link tickets
/// through, with the counterpart's note ticked when `--counterpart-note`.
pub(crate) async fn linking_pair(t: &TestFleet, args: &Args, integration: &str) -> Pair {
    let pair = t.movidesk_pair(integration).await;
    if args.counterpart_note {
        t.tick_counterpart_note(integration).await;
    }
    pair
}

pub(crate) async fn phase_e2e(
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
    // Poll B (one list call per poll, of the tickets numbered above the
    // highest seen: a counterpart carries its marker from its creation)
    // until every opened ticket has a counterpart, or the deadline.
    let mut seen_up_to = 0u64;
    loop {
        if open_done_at.is_none() && opener.is_finished() {
            open_done_at = Some(Instant::now());
            pb_open.finish();
        }
        let poll_start = Instant::now();
        let listed = t.sandbox.movidesk_tickets_after(&pair.b, seen_up_to).await;
        r.polls += 1;
        r.poll_call.push(poll_start.elapsed());
        match listed {
            Ok(list) => {
                let now = Instant::now();
                seen_up_to = list
                    .iter()
                    .filter_map(|tk| id_of(&tk["id"]).parse::<u64>().ok())
                    .fold(seen_up_to, u64::max);
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
