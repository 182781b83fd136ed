//! `ponte-bench --phase warehouse`: the Movidesk warehouse on this machine.
//!
//! Live: tickets opened in a sandbox Movidesk domain (each opening fires a
//! trigger webhook) are followed until every one is a row in PostgreSQL;
//! figures are tickets and rows per second, the change → row delay as
//! PostgreSQL records it (`synced_at - last_update`) and the Movidesk API
//! calls Ponte made per ticket. Backfill: `ponte warehouse backfill` copies
//! the same domain into a second schema; rows per second and API calls per
//! ticket. Both at an unlimited sandbox budget, so Ponte's own cost shows.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ponte_cli::fleet::FleetOptions;
use ponte_cli::sandbox::SandboxClient;
use ponte_core::warehouse::parse_database_url;
use ponte_warehouse::Warehouse;
use serde_json::{Value, json};
use sqlx::postgres::PgPool;
use tokio::task::JoinSet;

use crate::{Options, SECRETS_KEY, Svc, TestFleet, database_url, redis_url};

const LIVE: &str = "bench-wh-live";
const BACKFILL: &str = "bench-wh-backfill";

/// What the warehouse phase measured.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub tickets: usize,
    pub live_secs: f64,
    pub live_rows: i64,
    pub live_delay_p50_ms: f64,
    pub live_delay_p99_ms: f64,
    pub live_calls: usize,
    pub backfill_secs: f64,
    pub backfill_rows: i64,
    pub backfill_calls: usize,
}

impl Figures {
    /// The phase's section of the report, in Markdown.
    pub fn render(&self) -> String {
        let per = |n: f64, secs: f64| if secs > 0.0 { n / secs } else { 0.0 };
        let t = self.tickets as f64;
        format!(
            "## Movidesk warehouse\n\n\
             | what | figure |\n|---|---|\n\
             | live: {n} tickets opened → all in PostgreSQL | {ls:.1} s = **{lt:.0} tickets/s**, {lr} rows = **{lrs:.0} rows/s** |\n\
             | live: change → row (`synced_at - last_update`) | p50 {p50:.0} ms, p99 {p99:.0} ms |\n\
             | live: Movidesk API calls per ticket | **{lc:.2}** ({lcalls} calls) |\n\
             | backfill of the same {n} tickets | {bs:.1} s, {br} rows = **{brs:.0} rows/s** |\n\
             | backfill: Movidesk API calls per ticket | **{bc:.3}** ({bcalls} calls) |\n",
            n = self.tickets,
            ls = self.live_secs,
            lt = per(t, self.live_secs),
            lr = self.live_rows,
            lrs = per(self.live_rows as f64, self.live_secs),
            p50 = self.live_delay_p50_ms,
            p99 = self.live_delay_p99_ms,
            lc = per(self.live_calls as f64, t),
            lcalls = self.live_calls,
            bs = self.backfill_secs,
            br = self.backfill_rows,
            brs = per(self.backfill_rows as f64, self.backfill_secs),
            bc = per(self.backfill_calls as f64, t),
            bcalls = self.backfill_calls,
        )
    }
}

/// Rows in every warehouse table of `schema`, as `ponte warehouse status` counts them.
async fn all_rows(schema: &str) -> Result<i64> {
    let mut address = parse_database_url(&database_url())?;
    address.schema = schema.to_string();
    let wh = Warehouse::open(&address, None).await?;
    let rows = wh.counts().await?.iter().map(|(_, n)| n).sum();
    wh.close().await;
    Ok(rows)
}

async fn tickets_in(pool: &PgPool, schema: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {schema}.movidesk_tickets"))
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}

/// Movidesk API calls the sandbox served for `domain` (webhooks excluded).
async fn calls(t: &TestFleet, domain: &str) -> usize {
    t.sandbox.requests(domain).await.map_or(0, |r| r.len())
}

fn ticket(n: usize) -> Value {
    json!({
        "type": 2, "subject": format!("Bench {n}: boleto em duplicidade"), "createdBy": {"id": "bench-agent"},
        "clients": [{"id": "bench-client"}], "owner": {"id": "bench-agent"}, "ownerTeam": "Suporte",
        "category": "Cobrança", "urgency": "Alta", "tags": ["bench"],
        "actions": [{"type": 2, "description": format!("Ticket {n}: recebi dois boletos."), "createdBy": {"id": "bench-client"}}]
    })
}

async fn integration(
    t: &TestFleet,
    id: &str,
    domain: &str,
    secret: &str,
    schema: &str,
) -> Result<()> {
    let body = json!({
        "id": id, "name": "bench warehouse", "enabled": true, "reconcile_every_secs": 0,
        "source": {"provider": "movidesk", "base_url": t.sandbox.movidesk_api(),
                   "credentials": {"token": format!("token-{domain}")}, "inbound_secret": secret},
        "target": {"provider": "warehouse", "base_url": format!("{}?schema={schema}", database_url())},
    });
    t.admin
        .put(&format!("/integrations/{id}"), &body)
        .await
        .with_context(|| format!("the admin API refused integration {id}"))?;
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Runs the phase on its own fleet; `tickets` are opened `concurrency` at a time.
pub async fn run(tickets: usize, concurrency: usize, timeout: Duration) -> Result<Figures> {
    let t = TestFleet::start(Options {
        services: vec![
            Svc::Sandbox,
            Svc::Admin,
            Svc::Router,
            Svc::WorkerWarehouse,
            Svc::Ingress,
        ],
        env: vec![
            ("RUST_LOG".into(), "warn".into()),
            ("PONTE_MOVIDESK_RATE_PER_MINUTE".into(), "0".into()),
        ],
    })
    .await;
    let pool = PgPool::connect(&database_url())
        .await
        .context("PostgreSQL (scripts/infra starts it)")?;
    let (live_schema, backfill_schema) = (format!("wh_{}", t.ns), format!("whb_{}", t.ns));
    let outcome = measure(
        &t,
        &pool,
        (&live_schema, &backfill_schema),
        tickets,
        concurrency,
        timeout,
    )
    .await;
    for s in [&live_schema, &backfill_schema] {
        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"))
            .execute(&pool)
            .await;
    }
    pool.close().await;
    t.teardown().await;
    outcome
}

async fn measure(
    t: &TestFleet,
    pool: &PgPool,
    (live_schema, backfill_schema): (&str, &str),
    tickets: usize,
    concurrency: usize,
    timeout: Duration,
) -> Result<Figures> {
    let domain = format!("{}-wh", t.ns);
    let secret = format!("bench-wh-secret-{}", t.ns);
    let persons = vec![
        json!({"id": "bench-agent", "businessName": "Agente", "personType": 1, "profileType": 1}),
        json!({"id": "bench-client", "businessName": "Cliente", "personType": 1, "profileType": 2,
               "emails": [{"emailType": "Profissional", "email": "cliente@bench.test", "isDefault": true}]}),
    ];
    let mut spec = ponte_cli::sandbox::domain_spec(
        &domain,
        &format!("token-{domain}"),
        &format!(
            "{}/hooks/movidesk/{LIVE}?token={secret}",
            t.url(Svc::Ingress)
        ),
        0,
        persons,
    );
    spec["api_person_id"] = json!("bench-agent");
    t.sandbox.movidesk_domain(&spec).await?;
    integration(t, LIVE, &domain, &secret, live_schema).await?;
    integration(
        t,
        BACKFILL,
        &domain,
        &format!("{secret}-b"),
        backfill_schema,
    )
    .await?;

    // Live.
    eprintln!("warehouse phase: opening {tickets} tickets, {concurrency} at a time ...");
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut openers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (next, domain) = (next.clone(), domain.clone());
        let sandbox = SandboxClient::new(&t.url(Svc::Sandbox));
        openers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= tickets {
                    return Ok::<(), anyhow::Error>(());
                }
                sandbox
                    .movidesk_ui_ticket(&domain, &ticket(n))
                    .await
                    .with_context(|| format!("opening ticket {n}"))?;
            }
        });
    }
    while let Some(done) = openers.join_next().await {
        done??;
    }
    let deadline = started + timeout;
    loop {
        let n = tickets_in(pool, live_schema).await;
        if n as usize >= tickets {
            break;
        }
        if Instant::now() > deadline {
            bail!("only {n} of {tickets} tickets reached the warehouse in {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let live_secs = started.elapsed().as_secs_f64();
    let mut delays: Vec<f64> = sqlx::query_scalar(&format!(
        "SELECT (extract(epoch FROM synced_at - last_update) * 1000)::float8 FROM {live_schema}.movidesk_tickets"
    ))
    .fetch_all(pool)
    .await?;
    delays.sort_by(f64::total_cmp);
    let live_rows = all_rows(live_schema).await?;
    let live_calls = calls(t, &domain).await;

    // Backfill, into the second schema.
    eprintln!("warehouse phase: backfilling the same {tickets} tickets ...");
    let _ = t
        .http
        .delete(format!("{}/_sandbox/requests", t.url(Svc::Sandbox)))
        .send()
        .await;
    let started = Instant::now();
    let out = tokio::process::Command::new(FleetOptions::default_bin_dir().join("ponte"))
        .args([
            "warehouse",
            "backfill",
            BACKFILL,
            "--rate",
            "0",
            "--objects",
            "tickets",
        ])
        .env("PONTE_NAMESPACE", &t.ns)
        .env("PONTE_REDIS_URL", redis_url())
        .env("PONTE_SECRETS_KEY", SECRETS_KEY)
        .output()
        .await
        .context("cannot run `ponte warehouse backfill`")?;
    if !out.status.success() {
        bail!(
            "ponte warehouse backfill failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let backfill_secs = started.elapsed().as_secs_f64();
    Ok(Figures {
        tickets,
        live_secs,
        live_rows,
        live_delay_p50_ms: percentile(&delays, 0.5),
        live_delay_p99_ms: percentile(&delays, 0.99),
        live_calls,
        backfill_secs,
        backfill_rows: all_rows(backfill_schema).await?,
        backfill_calls: calls(t, &domain).await,
    })
}
