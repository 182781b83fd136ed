//! Phase 1 (webhooks at the ingress) and the drain after it.

use super::*;

pub(crate) fn bar(mp: &MultiProgress, len: u64, what: &str) -> ProgressBar {
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

pub(crate) fn http_client(concurrency: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("cannot build the HTTP client")
}

pub(crate) fn error_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection error".into()
    } else {
        "transport error".into()
    }
}

#[derive(Default)]
pub(crate) struct IngressResult {
    pub(crate) posted: usize,
    pub(crate) accepted: usize,
    pub(crate) duplicates: usize,
    pub(crate) refused: BTreeMap<String, usize>,
    pub(crate) latency: Latencies,
    pub(crate) wall: Duration,
    pub(crate) warmup: usize,
    pub(crate) timed_out: bool,
}

pub(crate) fn trigger_body(n: u64) -> Vec<u8> {
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
pub(crate) async fn post_all(
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

pub(crate) async fn phase_ingress(
    t: &TestFleet,
    pair: &Pair,
    args: &Args,
    mp: &MultiProgress,
) -> Result<IngressResult> {
    let url = format!(
        "{}/hooks/movidesk/{}?token={}",
        t.url(Svc::Ingress),
        pair.integration,
        pair.secret_a
    );
    post_phase(&url, args, mp, "phase 1: ingress posts").await
}

/// Posts `--webhooks` distinct trigger bodies at `url` with `--concurrency`
/// clients, after one warm-up request per client (not counted).
pub(crate) async fn post_phase(
    url: &str,
    args: &Args,
    mp: &MultiProgress,
    label: &str,
) -> Result<IngressResult> {
    post_phase_from(url, args, mp, label, 0).await
}

/// [`post_phase`] with bodies numbered from `first` (the warm-up's after
/// them), so several rounds at one ingress post distinct bodies.
pub(crate) async fn post_phase_from(
    url: &str,
    args: &Args,
    mp: &MultiProgress,
    label: &str,
    first: u64,
) -> Result<IngressResult> {
    let c = args.concurrency as usize;
    let m = args.webhooks as usize;
    let client = http_client(c)?;
    let warm: Vec<Vec<u8>> = (0..c as u64)
        .map(|i| trigger_body(first + m as u64 + i))
        .collect();
    let (warm_r, _) = post_all(&client, url, Arc::new(warm), c, args.phase_deadline(), None).await;
    if warm_r.accepted == 0 {
        return Err(anyhow!(
            "{url} accepted none of the warm-up webhooks: {:?}",
            warm_r.refused
        ));
    }
    let bodies: Vec<Vec<u8>> = (first..first + m as u64).map(trigger_body).collect();
    let pb = bar(mp, m as u64, label);
    let (mut r, timed_out) = post_all(
        &client,
        url,
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
pub(crate) struct DrainResult {
    pub(crate) expected: usize,
    pub(crate) parked: u32,
    pub(crate) after_last_202: Duration,
    pub(crate) since_first_post: Duration,
    pub(crate) complete: bool,
    pub(crate) probe_errors: usize,
}

/// Waits until what phase 1 published has been disposed of: every sync
/// command parked, or every queue empty for a while.
pub(crate) async fn phase_drain(
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
