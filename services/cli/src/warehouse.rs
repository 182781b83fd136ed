//! `ponte warehouse`: the backfill of a Movidesk→warehouse integration (progress bar with counts and
//! ETA, resumable) and the warehouse's status (rows per table, lag). Both read the integration
//! (with its secrets) from Ponte's state store, like the workers: `PONTE_REDIS_URL` and
//! `PONTE_NAMESPACE`.

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use ponte_core::{Integration, Provider};
use ponte_movidesk_io::{Client, RateLimit};
use ponte_store::Store;
use ponte_warehouse::backfill::{self, Object, Options, Progress};
use ponte_warehouse::{Warehouse, targets};
use ponte_worker::{Accounts, Priority};
use serde_json::json;

use crate::output::table;

#[derive(Subcommand, Debug, Clone)]
pub enum WarehouseCmd {
    /// Copy the Movidesk history into the warehouse (resumes where a stopped run left off).
    Backfill {
        /// The Movidesk→warehouse integration.
        integration: String,
        /// Only tickets changed (and survey responses given) since this date (YYYY-MM-DD or RFC 3339).
        #[arg(long)]
        since: Option<String>,
        /// What to copy (comma-separated): tickets, persons, survey_questions, survey_responses.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "tickets,persons,survey_questions,survey_responses"
        )]
        objects: Vec<String>,
        /// The account's Movidesk budget in requests per minute (Movidesk's limit is 10).
        #[arg(long, env = "PONTE_MOVIDESK_RATE_PER_MINUTE", default_value_t = 10)]
        rate: u32,
        /// Requests per minute left to the live path while the backfill runs.
        #[arg(long, default_value_t = 2)]
        reserve: u32,
    },
    /// Rows per table and how current the tickets are.
    Status {
        /// The Movidesk→warehouse integration.
        integration: String,
    },
}

fn store() -> anyhow::Result<Store> {
    let source = ponte_config::Source::from_env()?;
    let common = ponte_config::Common::load(&source)?;
    Ok(Store::from_common(&common)?)
}

async fn integration(store: &Store, id: &str) -> anyhow::Result<Integration> {
    let i = store
        .integration(id)
        .await?
        .with_context(|| format!("no integration `{id}` (is PONTE_NAMESPACE right?)"))?;
    if i.target.provider != Provider::Warehouse || i.source.provider != Provider::Movidesk {
        bail!(
            "integration `{id}` is {} → {}, not movidesk → warehouse",
            i.source.provider,
            i.target.provider
        );
    }
    Ok(i)
}

async fn open(i: &Integration) -> anyhow::Result<Warehouse> {
    let (address, password) = targets::address_of(i)?;
    Warehouse::open(&address, password.as_deref())
        .await
        .with_context(|| format!("cannot open the warehouse of `{}`", i.id))
}

pub fn parse_since(raw: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(raw) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .with_context(|| format!("--since `{raw}` is not a date (YYYY-MM-DD or RFC 3339)"))
}

pub async fn run(cmd: WarehouseCmd, json_out: bool) -> anyhow::Result<()> {
    match cmd {
        WarehouseCmd::Backfill {
            integration: id,
            since,
            objects,
            rate,
            reserve,
        } => {
            let objects = objects
                .iter()
                .map(|o| o.parse::<Object>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            let options = Options {
                since: since.as_deref().map(parse_since).transpose()?,
                objects,
            };
            backfill_cmd(&id, &options, rate, reserve, json_out).await
        }
        WarehouseCmd::Status { integration: id } => status(&id, json_out).await,
    }
}

fn bar_for(length: Option<u64>, position: u64, stage: &str) -> ProgressBar {
    let bar = match length {
        Some(len) => {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>20} [{bar:30}] {pos}/{len} ids  {msg}  eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        }
        None => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{prefix:>20} {spinner} {pos} read  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        }
    };
    bar.set_prefix(stage.to_string());
    bar.set_position(position);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

async fn backfill_cmd(
    id: &str,
    options: &Options,
    rate: u32,
    reserve: u32,
    json_out: bool,
) -> anyhow::Result<()> {
    let store = store()?;
    let i = integration(&store, id).await?;
    let wh = open(&i).await?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()?;
    // The backfill draws from the same per-account bucket as the workers, but stops `reserve`
    // short of the limit so live changes keep landing while it runs.
    let limit = if rate == 0 {
        0
    } else {
        rate.saturating_sub(reserve).max(1)
    };
    let client = Client::new(
        &http,
        &i.source,
        // The rate budget's handle: a backfill is served after live changes.
        Accounts::new(&store, Priority::Bulk),
        RateLimit {
            per_minute: limit,
            max_wait: Duration::from_secs(120),
        },
    )?;
    let mut bar: Option<ProgressBar> = None;
    let mut on = |p: Progress| match p {
        Progress::Start {
            stage,
            length,
            position,
        } => {
            if json_out {
                return;
            }
            bar = Some(bar_for(length, position, &stage));
        }
        Progress::Page {
            position, counts, ..
        } => {
            if let Some(b) = &bar {
                b.set_position(position);
                b.set_message(format!(
                    "{} stored, {} newer kept, {} refused",
                    counts.stored, counts.stale, counts.refused
                ));
            }
        }
        Progress::Done { stage, counts } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            if json_out {
                println!(
                    "{}",
                    json!({"stage": stage, "stored": counts.stored, "stale": counts.stale, "refused": counts.refused, "rows": counts.rows})
                );
            } else {
                println!(
                    "{stage}: {} stored ({} rows), {} newer kept, {} refused",
                    counts.stored, counts.rows, counts.stale, counts.refused
                );
            }
        }
    };
    let total = backfill::run(&client, &wh, options, &mut on).await?;
    if !json_out {
        println!(
            "backfill of `{id}` done: {} objects stored, {} rows",
            total.stored, total.rows
        );
    }
    wh.close().await;
    Ok(())
}

async fn status(id: &str, json_out: bool) -> anyhow::Result<()> {
    let store = store()?;
    let i = integration(&store, id).await?;
    let wh = open(&i).await?;
    let counts = wh.counts().await?;
    let lag = wh.lag().await?;
    wh.close().await;
    if json_out {
        let tables: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(t, n)| ((*t).to_string(), json!(n)))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "integration": id,
                "schema": wh.schema(),
                "tables": tables,
                "newest_change": lag.newest_change,
                "last_landed": lag.last_landed,
                "max_delay_secs": lag.max_delay_secs,
            }))?
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(t, n)| vec![(*t).to_string(), n.to_string()])
        .collect();
    println!("warehouse of `{id}` (schema {})", wh.schema());
    table(&["table", "rows"], &rows);
    let show = |d: Option<DateTime<Utc>>| d.map_or("-".to_string(), |d| d.to_rfc3339());
    println!("newest ticket change: {}", show(lag.newest_change));
    println!("last ticket landed:   {}", show(lag.last_landed));
    println!(
        "lag (largest change→landing delay of the last 100 tickets): {}",
        lag.max_delay_secs
            .map_or("-".to_string(), |s| format!("{s:.1} s"))
    );
    Ok(())
}
