//! `ponte`: operate a Ponte fleet.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use ponte_cli::api::AdminClient;
use ponte_cli::fleet::{Fleet, FleetOptions, Service};
use ponte_cli::output::{cell, table};
use ponte_cli::sandbox::SandboxClient;
use ponte_cli::{apply, demo, manual};
use serde_json::{Value, json};

const LOCAL_ADMIN_TOKEN: &str = "ponte-local-admin-token";

#[derive(Parser)]
#[command(
    name = "ponte",
    version,
    about = "Operate Ponte: integrations, links, dead letters, and a local fleet"
)]
struct Cli {
    /// Admin API base URL.
    #[arg(
        long,
        env = "PONTE_ADMIN_URL",
        default_value = "http://127.0.0.1:8081",
        global = true
    )]
    admin_url: String,
    /// Admin API bearer token (`ponte up` uses a local default when unset).
    #[arg(long, env = "PONTE_ADMIN_TOKEN", hide_env_values = true, global = true)]
    admin_token: Option<String>,
    /// Print raw JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create or replace the integrations declared in a TOML file.
    Apply {
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
    },
    /// The integration center.
    #[command(subcommand)]
    Integrations(IntegrationCmd),
    /// Linked tickets and their history.
    #[command(subcommand)]
    Links(LinkCmd),
    /// Call history of a telephony integration.
    #[command(subcommand)]
    Calls(CallCmd),
    /// Dead-letter queues: parked messages, their reasons, replay and purge.
    #[command(subcommand)]
    Dlq(DlqCmd),
    /// Start the whole fleet and the sandbox on this machine (Ctrl-C stops it).
    Up(UpArgs),
    /// Run a scripted scenario through the fleet (started for it unless one is running).
    Demo(UpArgs),
    /// The Movidesk warehouse: backfill and status.
    #[command(subcommand)]
    Warehouse(ponte_cli::warehouse::WarehouseCmd),
    /// Integration secrets at rest: re-encrypt with a new key, or see how they are kept.
    #[command(subcommand)]
    Secrets(ponte_cli::secrets::SecretsCmd),
}

#[derive(Subcommand)]
enum IntegrationCmd {
    List,
    /// Export every integration (no secrets) to an XLSX or CSV file.
    Export {
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx", value_parser = ["xlsx", "csv"])]
        format: String,
        /// The file to write.
        #[arg(short = 'o', long = "output")]
        out: PathBuf,
    },
    Get {
        id: String,
    },
    Enable {
        id: String,
    },
    Disable {
        id: String,
    },
    Delete {
        id: String,
    },
    /// Copy an integration under a new id (the copy starts disabled).
    Clone {
        id: String,
        #[arg(long)]
        new_id: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Give one side a new inbound secret (generated and shown once); the old one is still
    /// accepted for the overlap, so the provider's webhook can be changed over.
    RotateSecret {
        id: String,
        /// The side whose webhooks present the secret.
        #[arg(long, value_parser = ["source", "target"])]
        side: String,
        /// How long the old secret is still accepted: 0s (a leaked secret) up to 30d.
        #[arg(long, default_value = "24h", value_parser = ponte_cli::rotate_secret::parse_overlap)]
        overlap: Duration,
        /// Read the new secret from standard input instead of having one generated.
        #[arg(long)]
        secret_stdin: bool,
    },
}

#[derive(Subcommand)]
enum CallCmd {
    /// Calls, newest first: caller, time, outcome, recording, ticket.
    List {
        #[arg(long)]
        integration: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Subcommand)]
enum LinkCmd {
    List {
        #[arg(long)]
        integration: Option<String>,
        #[arg(long)]
        ticket: Option<String>,
    },
    /// One link: both tickets and each side's current status.
    Show {
        id: String,
    },
    History {
        id: String,
    },
    /// Tickets meeting a manual integration's conditions, waiting for an agent.
    Eligible {
        #[arg(long)]
        integration: String,
    },
    /// What creating a source ticket's counterpart would send (reads the
    /// ticket from its desk first if Ponte has not seen it).
    Preview {
        #[arg(long)]
        integration: String,
        /// The source ticket's number.
        #[arg(long)]
        ticket: String,
    },
    /// Create the counterpart of a source ticket (manual mode): shows the
    /// preview, asks for confirmation, then waits for the link.
    Create {
        #[arg(long)]
        integration: String,
        /// The source ticket's number.
        #[arg(long)]
        ticket: String,
        /// Create without asking (the preview is still printed).
        #[arg(long)]
        yes: bool,
    },
    /// Link a source ticket with an existing ticket on the target (manual mode).
    Associate {
        #[arg(long)]
        integration: String,
        #[arg(long)]
        ticket: String,
        /// The target ticket's number.
        #[arg(long)]
        with: String,
    },
    /// Remove a link (the tickets stay as they are).
    Remove {
        id: String,
    },
    /// Rebuild an integration's links (both ways) from the markers on the
    /// providers' tickets, e.g. after Redis lost its data.
    Rebuild {
        #[arg(long)]
        integration: String,
    },
}

#[derive(Args, Clone)]
struct Choice {
    /// One message, by id.
    #[arg(long)]
    id: Option<String>,
    /// Messages of one integration.
    #[arg(long)]
    integration: Option<String>,
    /// Messages whose reason contains this text.
    #[arg(long)]
    reason: Option<String>,
    /// Every message of the queue.
    #[arg(long)]
    all: bool,
}

#[derive(Subcommand)]
enum DlqCmd {
    List {
        /// movidesk, octadesk, okdesk, uis, blip, warehouse or router; all when left out.
        #[arg(long)]
        queue: Option<String>,
        #[arg(long)]
        integration: Option<String>,
        /// Only messages whose reason contains this text.
        #[arg(long)]
        reason: Option<String>,
        /// At most this many messages per queue.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        limit: u32,
    },
    Show {
        queue: String,
        id: String,
    },
    /// Send parked messages back to their queue (same ids, fresh attempt count).
    Replay {
        queue: String,
        #[command(flatten)]
        choice: Choice,
    },
    Purge {
        queue: String,
        #[command(flatten)]
        choice: Choice,
    },
}

#[derive(Args, Clone)]
struct UpArgs {
    /// Prefix of every queue and Redis key.
    #[arg(long, env = "PONTE_NAMESPACE", default_value = "ponte")]
    namespace: String,
    /// Where service logs go.
    #[arg(long, default_value = ".ponte/logs")]
    log_dir: PathBuf,
    /// Requests per minute per Movidesk account (Movidesk's limit is 10).
    #[arg(long, default_value_t = 10)]
    movidesk_rate: u32,
    /// Keep the fleet running after the demo (demo only).
    #[arg(long)]
    keep_running: bool,
    /// The sandbox to use (demo only; inside compose: http://sandbox:8090).
    #[arg(long, default_value = "http://127.0.0.1:8090")]
    sandbox_url: String,
    /// The ingress the sandbox's webhooks go to (demo only; inside compose: http://ingress:8080).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    ingress_url: String,
    /// The PostgreSQL the demo's warehouse act writes into, schema `ponte_demo` (demo only).
    #[arg(
        long,
        env = "PONTE_DEMO_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// Its password, when it needs one (demo only).
    #[arg(long, env = "PONTE_DEMO_DATABASE_PASSWORD", hide_env_values = true)]
    database_password: Option<String>,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let token = cli
        .admin_token
        .clone()
        .unwrap_or_else(|| LOCAL_ADMIN_TOKEN.to_string());
    let admin = AdminClient::new(&cli.admin_url, &token);
    match cli.command {
        Cmd::Apply { file } => apply_file(&admin, &file).await,
        Cmd::Integrations(c) => integrations(&admin, (&cli.admin_url, &token), c, cli.json).await,
        Cmd::Links(c) => links(&admin, c, cli.json).await,
        Cmd::Calls(CallCmd::List { integration, limit }) => {
            let v = admin
                .get(&format!("/calls?integration={integration}&limit={limit}"))
                .await?;
            let rows = v["calls"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    vec![
                        cell(&c["call_id"]),
                        cell(&c["caller"]),
                        cell(&c["started_at"]),
                        cell(&c["outcome"]),
                        cell(&c["recording_url"]),
                        cell(&c["issue_id"]),
                        cell(&c["contact_id"]),
                    ]
                })
                .collect();
            show(
                &v,
                cli.json,
                &[
                    "call",
                    "caller",
                    "time",
                    "outcome",
                    "recording",
                    "ticket",
                    "contact",
                ],
                rows,
            );
            Ok(())
        }
        Cmd::Dlq(c) => dlq(&admin, c, cli.json).await,
        Cmd::Up(args) => up(args, &token).await,
        Cmd::Demo(args) => run_demo(args, &admin, &token).await,
        Cmd::Warehouse(c) => ponte_cli::warehouse::run(c, cli.json).await,
        Cmd::Secrets(c) => ponte_cli::secrets::run(c, cli.json).await,
    }
}

async fn apply_file(admin: &AdminClient, file: &std::path::Path) -> anyhow::Result<()> {
    let path = file.display().to_string();
    let integrations = apply::load(&path)?;
    for i in &integrations {
        admin
            .put(
                &format!("/integrations/{}", i.id),
                &serde_json::to_value(i)?,
            )
            .await?;
        println!(
            "applied integration {} ({})",
            i.id,
            if i.enabled { "enabled" } else { "disabled" }
        );
    }
    Ok(())
}

fn show(v: &Value, json_out: bool, headers: &[&str], rows: Vec<Vec<String>>) {
    if json_out {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    } else {
        table(headers, &rows);
    }
}

/// One line saying what was done, or the whole answer with `--json`.
fn one_line(v: &Value, json_out: bool, line: &str) -> anyhow::Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(v)?);
    } else {
        println!("{line}");
    }
    Ok(())
}

/// `access` is the admin URL and token, for the file download.
async fn integrations(
    admin: &AdminClient,
    access: (&str, &str),
    c: IntegrationCmd,
    json_out: bool,
) -> anyhow::Result<()> {
    let v = match c {
        IntegrationCmd::List => {
            let v = admin.get("/integrations").await?;
            let rows = v["integrations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|i| {
                    vec![
                        cell(&i["id"]),
                        cell(&i["name"]),
                        cell(&i["enabled"]),
                        cell(&i["mode"]),
                        format!(
                            "{} → {}",
                            cell(&i["source"]["provider"]),
                            cell(&i["target"]["provider"])
                        ),
                    ]
                })
                .collect();
            show(
                &v,
                json_out,
                &["id", "name", "enabled", "mode", "providers"],
                rows,
            );
            return Ok(());
        }
        IntegrationCmd::Export { format, out } => {
            let bytes = ponte_cli::export::export(access.0, access.1, &format, &out).await?;
            println!("exported integrations to {} ({bytes} bytes)", out.display());
            return Ok(());
        }
        IntegrationCmd::Get { id } => admin.get(&format!("/integrations/{id}")).await?,
        IntegrationCmd::Enable { id } => {
            let v = admin
                .post(&format!("/integrations/{id}/enable"), &json!({}))
                .await?;
            return one_line(&v, json_out, &format!("enabled integration {id}"));
        }
        IntegrationCmd::Disable { id } => {
            let v = admin
                .post(&format!("/integrations/{id}/disable"), &json!({}))
                .await?;
            return one_line(&v, json_out, &format!("disabled integration {id}"));
        }
        IntegrationCmd::Delete { id } => {
            admin.delete(&format!("/integrations/{id}")).await?;
            println!("deleted integration {id}");
            return Ok(());
        }
        IntegrationCmd::Clone { id, new_id, name } => {
            let v = admin
                .post(
                    &format!("/integrations/{id}/clone"),
                    &json!({"id": new_id, "name": name}),
                )
                .await?;
            return one_line(
                &v,
                json_out,
                &format!("cloned integration {id} as {new_id} (disabled; enable it when ready)"),
            );
        }
        IntegrationCmd::RotateSecret {
            id,
            side,
            overlap,
            secret_stdin,
        } => {
            let rotation = ponte_cli::rotate_secret::Rotation {
                id,
                side,
                overlap,
                secret_stdin,
            };
            let (v, line) = ponte_cli::rotate_secret::rotate(admin, &rotation).await?;
            return one_line(&v, json_out, &line);
        }
    };
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

async fn links(admin: &AdminClient, c: LinkCmd, json_out: bool) -> anyhow::Result<()> {
    match c {
        LinkCmd::List {
            integration,
            ticket,
        } => {
            let mut q = Vec::new();
            if let Some(i) = integration {
                q.push(format!("integration={i}"));
            }
            if let Some(t) = ticket {
                q.push(format!("ticket={t}"));
            }
            let v = admin.get(&format!("/links?{}", q.join("&"))).await?;
            let rows = v["links"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|l| {
                    vec![
                        cell(&l["id"]),
                        cell(&l["source_ticket"]),
                        cell(&l["target_ticket"]),
                        cell(&l["origin"]),
                        cell(&l["created_at"]),
                    ]
                })
                .collect();
            show(
                &v,
                json_out,
                &["link", "source", "target", "how", "created"],
                rows,
            );
        }
        LinkCmd::Show { id } => {
            let v = admin.get(&format!("/links/{id}")).await?;
            if !json_out {
                println!(
                    "link {} ({}, created {})",
                    cell(&v["id"]),
                    cell(&v["origin"]),
                    cell(&v["created_at"])
                );
            }
            let rows = [("source", "source_ticket"), ("target", "target_ticket")]
                .iter()
                .map(|(side, ticket)| {
                    let status = &v["status"][side];
                    vec![
                        side.to_string(),
                        format!("#{}", cell(&v[ticket])),
                        cell(&status["status"]),
                        cell(&status["at"]),
                    ]
                })
                .collect();
            show(&v, json_out, &["side", "ticket", "status", "since"], rows);
        }
        LinkCmd::History { id } => {
            let v = admin.get(&format!("/links/{id}/history")).await?;
            // No history and no such link: a mistyped id, not an empty story.
            if v["history"].as_array().is_none_or(Vec::is_empty)
                && admin.get(&format!("/links/{id}")).await.is_err()
            {
                bail!(
                    "no link `{id}`; link ids are `<integration>:<source ticket>` (see `ponte links list`)"
                );
            }
            let rows = v["history"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|h| {
                    vec![
                        cell(&h["at"]),
                        cell(&h["kind"]),
                        cell(&h["detail"]),
                        cell(&h["trace_id"]),
                    ]
                })
                .collect();
            show(&v, json_out, &["at", "what", "detail", "trace"], rows);
        }
        LinkCmd::Eligible { integration } => {
            let v = admin
                .get(&format!("/integrations/{integration}/eligible"))
                .await?;
            let rows: Vec<Vec<String>> = v["eligible"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    vec![
                        cell(&e["ticket_id"]),
                        cell(&e["subject"]),
                        cell(&e["status"]),
                        cell(&e["client"]),
                        cell(&e["since"]),
                    ]
                })
                .collect();
            let empty = rows.is_empty();
            show(
                &v,
                json_out,
                &["ticket", "subject", "status", "client", "eligible since"],
                rows,
            );
            if empty
                && !json_out
                && let Some(note) = v["note"].as_str()
            {
                println!("{note}");
            }
        }
        LinkCmd::Preview {
            integration,
            ticket,
        } => {
            let p = manual::preview(admin, &integration, &ticket, Duration::from_secs(60)).await?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print!("{}", manual::render_preview(&p));
            }
        }
        LinkCmd::Create {
            integration,
            ticket,
            yes,
        } => {
            let p = manual::preview(admin, &integration, &ticket, Duration::from_secs(60)).await?;
            print!("{}", manual::render_preview(&p));
            if !yes && !manual::confirm(&format!("Create it on {}?", cell(&p["target_provider"])))?
            {
                println!("nothing created");
                return Ok(());
            }
            let link = manual::link(
                admin,
                manual::create_request(&integration, &ticket),
                Duration::from_secs(60),
            )
            .await?;
            println!(
                "linked: #{} ↔ #{} ({})",
                cell(&link["source_ticket"]),
                cell(&link["target_ticket"]),
                cell(&link["id"])
            );
        }
        LinkCmd::Associate {
            integration,
            ticket,
            with,
        } => {
            let link = manual::link(
                admin,
                manual::associate_request(&integration, &ticket, &with),
                Duration::from_secs(60),
            )
            .await?;
            println!(
                "associated: #{} ↔ #{} ({})",
                cell(&link["source_ticket"]),
                cell(&link["target_ticket"]),
                cell(&link["id"])
            );
        }
        LinkCmd::Remove { id } => {
            admin.delete(&format!("/links/{id}")).await?;
            println!("removed link {id}");
        }
        LinkCmd::Rebuild { integration } => {
            let p = ponte_cli::rebuild::links(admin, &integration).await?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                println!("rebuilt {integration}: {}", ponte_cli::rebuild::line(&p));
                for list in [&p["sides_skipped"], &p["conflicts"]] {
                    for why in list.as_array().into_iter().flatten() {
                        println!("  {}", why.as_str().unwrap_or_default());
                    }
                }
            }
        }
    }
    Ok(())
}

fn choice_body(c: &Choice) -> anyhow::Result<Value> {
    if c.id.is_none() && c.integration.is_none() && c.reason.is_none() && !c.all {
        bail!("say which messages: --id, --integration, --reason, or --all");
    }
    Ok(json!({"id": c.id, "integration": c.integration, "reason": c.reason, "all": c.all}))
}

async fn dlq(admin: &AdminClient, c: DlqCmd, json_out: bool) -> anyhow::Result<()> {
    match c {
        DlqCmd::List {
            queue,
            integration,
            reason,
            limit,
        } => {
            let mut url = reqwest::Url::parse("http://admin/dead-letters")?;
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("limit", &limit.to_string());
                for (key, value) in [
                    ("queue", queue),
                    ("integration", integration),
                    ("reason", reason),
                ] {
                    if let Some(v) = value {
                        q.append_pair(key, &v);
                    }
                }
            }
            let v = admin
                .get(&format!(
                    "/dead-letters?{}",
                    url.query().unwrap_or_default()
                ))
                .await?;
            let rows = v["dead_letters"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|d| {
                    vec![
                        cell(&d["queue"]),
                        cell(&d["id"]),
                        cell(&d["integration"]),
                        cell(&d["attempts"]),
                        ponte_cli::output::age(&d["dead_at"], chrono::Utc::now()),
                        cell(&d["last_status"]),
                        cell(&d["reason"]),
                        cell(&d["trace_id"]),
                    ]
                })
                .collect();
            show(
                &v,
                json_out,
                &[
                    "queue",
                    "id",
                    "integration",
                    "attempts",
                    "parked",
                    "last answer",
                    "reason",
                    "trace",
                ],
                rows,
            );
        }
        DlqCmd::Show { queue, id } => {
            let v = admin.get(&format!("/dead-letters/{queue}/{id}")).await?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        DlqCmd::Replay { queue, choice } => {
            let v = admin
                .post(
                    &format!("/dead-letters/{queue}/replay"),
                    &choice_body(&choice)?,
                )
                .await?;
            if let Some(id) = &choice.id
                && v["replayed"].as_u64() == Some(0)
            {
                bail!("no parked message `{id}` in {queue}; see `ponte dlq list --queue {queue}`");
            }
            println!("replayed {} message(s) from {queue}", cell(&v["replayed"]));
        }
        DlqCmd::Purge { queue, choice } => {
            let v = admin
                .post(
                    &format!("/dead-letters/{queue}/purge"),
                    &choice_body(&choice)?,
                )
                .await?;
            println!("purged {} message(s) from {queue}", cell(&v["purged"]));
        }
    }
    Ok(())
}

fn fleet_options(args: &UpArgs, token: &str) -> FleetOptions {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for key in [
        "PONTE_AMQP_URL",
        "PONTE_REDIS_URL",
        "PONTE_LOG_FORMAT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "RUST_LOG",
        "PONTE_EVENT_SHARDS",
        "PONTE_WORK_SHARDS",
        "PONTE_RETRY_TIERS",
    ] {
        if let Ok(v) = std::env::var(key) {
            env.insert(key.into(), v);
        }
    }
    env.insert("PONTE_NAMESPACE".into(), args.namespace.clone());
    env.insert("PONTE_ADMIN_TOKEN".into(), token.into());
    env.insert(
        "PONTE_MOVIDESK_RATE_PER_MINUTE".into(),
        args.movidesk_rate.to_string(),
    );
    FleetOptions {
        bin_dir: FleetOptions::default_bin_dir(),
        log_dir: args.log_dir.clone(),
        env,
        ports: Service::ALL
            .iter()
            .map(|s| (*s, s.default_port()))
            .collect(),
        services: Service::ALL.to_vec(),
        ready_timeout: Duration::from_secs(60),
    }
}

async fn start_fleet(args: &UpArgs, token: &str) -> anyhow::Result<Fleet> {
    let options = fleet_options(args, token);
    println!(
        "starting the fleet (namespace `{}`, logs in {})…",
        args.namespace,
        args.log_dir.display()
    );
    let fleet = Fleet::start(options)
        .await
        .context("the fleet did not start")?;
    for s in Service::ALL {
        println!("  {:<24} {}", s.binary(), fleet.url(s));
    }
    Ok(fleet)
}

async fn up(args: UpArgs, token: &str) -> anyhow::Result<()> {
    let fleet = start_fleet(&args, token).await?;
    println!(
        "\nwebhooks: {}/hooks/{{provider}}/{{integration}}",
        fleet.url(Service::Ingress)
    );
    println!(
        "admin API: {} (token from PONTE_ADMIN_TOKEN, default `{LOCAL_ADMIN_TOKEN}`)",
        fleet.url(Service::Admin)
    );
    println!("Ctrl-C stops everything.");
    tokio::signal::ctrl_c().await?;
    println!("stopping…");
    fleet.shutdown().await;
    Ok(())
}

async fn run_demo(args: UpArgs, admin: &AdminClient, token: &str) -> anyhow::Result<()> {
    let sandbox = SandboxClient::new(&format!(
        "http://127.0.0.1:{}",
        Service::Sandbox.default_port()
    ));
    let running = admin.get("/integrations").await.is_ok() && sandbox.ok().await;
    let fleet = if running {
        println!("using the running fleet (sandbox {})", args.sandbox_url);
        None
    } else {
        Some(start_fleet(&args, token).await?)
    };
    let targets = demo::DemoTargets {
        admin: admin.clone(),
        sandbox,
        ingress_url: args.ingress_url.clone(),
        rate_per_minute: args.movidesk_rate,
        database_url: args.database_url.clone(),
        database_password: args.database_password.clone(),
    };
    let result = demo::run(&targets).await;
    if let Some(fleet) = fleet {
        if args.keep_running {
            // Also after a failure: that is when the fleet is worth a look.
            match &result {
                Ok(()) => println!("\nthe fleet keeps running; Ctrl-C stops it."),
                Err(e) => println!(
                    "\nthe demo failed ({e:#}); the fleet keeps running for inspection (logs in {}, `ponte dlq list`); Ctrl-C stops it.",
                    args.log_dir.display()
                ),
            }
            tokio::signal::ctrl_c().await?;
        }
        fleet.shutdown().await;
    }
    result
}
