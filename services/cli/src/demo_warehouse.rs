//! The demo's third act: a Movidesk account copied into PostgreSQL
//! (seed 001's warehouse): a ticket opened and answered in the sandbox
//! lands in `movidesk_tickets` and its child tables seconds later, then the
//! table counts `ponte warehouse status` shows.

use std::time::{Duration, Instant};

use anyhow::Context;
use ponte_core::warehouse::parse_database_url;
use ponte_warehouse::Warehouse;
use serde_json::{Value, json};

use crate::demo::DemoTargets;
use crate::demo_blip::wait;
use crate::output::{cell, table};
use crate::sandbox::domain_spec;

const INTEGRATION: &str = "demo-warehouse";
const DOMAIN: &str = "demo-wh";

fn person(id: &str, name: &str, profile: i64) -> Value {
    json!({
        "id": id, "businessName": name, "personType": 1, "profileType": profile,
        "emails": [{"emailType": "Profissional", "email": format!("{id}@cliente.com.br"), "isDefault": true}],
        "relationships": [{"id": "org-cliente", "slaAgreement": "Ouro"}],
    })
}

/// Rows of `table` for ticket `id`, or -1 when the table cannot be read yet
/// (the worker creates the schema on its first ticket).
async fn rows(wh: &Warehouse, table: &str, column: &str, id: &str) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM {}.{table} WHERE {column} = $1",
        wh.schema()
    );
    sqlx::query_scalar::<_, i64>(&sql)
        .bind(id)
        .fetch_one(wh.pool())
        .await
        .unwrap_or(-1)
}

/// Waits until `table` holds `want` rows for ticket `id`; the time it took.
async fn landed(
    wh: &Warehouse,
    what: &str,
    (table, column, want): (&str, &str, i64),
    id: &str,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    wait(what, || async {
        (rows(wh, table, column, id).await == want).then_some(())
    })
    .await?;
    Ok(started.elapsed())
}

pub async fn run(t: &DemoTargets, base: i64) -> anyhow::Result<()> {
    println!("\n== Act 3: a Movidesk account copied into PostgreSQL, change by change\n");
    let mut address =
        parse_database_url(&t.database_url).context("the demo's --database-url is not usable")?;
    address.schema = "ponte_demo".into();
    let secret = format!("demo-warehouse-secret-{base}");
    let token = format!("demo-warehouse-token-{base}");
    let mut spec = domain_spec(
        DOMAIN,
        &token,
        &format!(
            "{}/hooks/movidesk/{INTEGRATION}?token={secret}",
            t.ingress_url
        ),
        t.rate_per_minute,
        vec![
            json!({"id": "org-cliente", "businessName": "Cliente Ltda", "personType": 2, "profileType": 2}),
            person("agente-w", "Davi (suporte)", 1),
            person("cli-rui", "Rui Alves", 2),
        ],
    );
    spec["first_ticket_number"] = json!(base + 3_000_000);
    spec["api_person_id"] = json!("agente-w");
    t.sandbox.movidesk_domain(&spec).await?;
    let url = format!(
        "{}?schema={}",
        t.database_url.split('?').next().unwrap_or_default(),
        address.schema
    );
    let mut target = json!({"provider": "warehouse", "base_url": url});
    if let Some(p) = &t.database_password {
        target["credentials"] = json!({"password": p});
    }
    t.admin
        .put(
            &format!("/integrations/{INTEGRATION}"),
            &json!({
                "id": INTEGRATION, "name": "Movidesk warehouse (demo)", "enabled": true,
                "reconcile_every_secs": 0,
                "source": {"provider": "movidesk", "base_url": t.sandbox.movidesk_api(),
                           "credentials": {"token": token}, "inbound_secret": secret},
                "target": target,
            }),
        )
        .await
        .context("applying the warehouse integration")?;
    println!(
        "1. Integration `{INTEGRATION}`: Movidesk domain `{DOMAIN}` → PostgreSQL schema `{}`",
        address.schema
    );
    let wh = Warehouse::open(&address, t.database_password.as_deref())
        .await
        .context(
            "cannot open the demo's warehouse (is PostgreSQL running? scripts/infra starts it)",
        )?;

    let created = t
        .sandbox
        .movidesk_ui_ticket(
            DOMAIN,
            &json!({
                "type": 2, "subject": "Boleto de novembro em duplicidade",
                "createdBy": {"id": "agente-w"}, "clients": [{"id": "cli-rui"}],
                "owner": {"id": "agente-w"}, "ownerTeam": "Financeiro", "category": "Cobrança", "urgency": "Alta",
                "actions": [{"type": 2, "description": "Recebi dois boletos com o mesmo valor.", "createdBy": {"id": "cli-rui"}}]
            }),
        )
        .await?;
    let id = cell(&created["id"]);
    println!("2. An agent opens ticket #{id} in `{DOMAIN}`");
    let took = landed(
        &wh,
        "3. Waiting for the ticket in movidesk_tickets",
        ("movidesk_tickets", "id", 1),
        &id,
    )
    .await?;
    println!(
        "3. Ticket #{id} landed in {:.1}s with its action, client and owner",
        took.as_secs_f64()
    );
    t.sandbox
        .movidesk_ui_action(
            DOMAIN,
            &id,
            &json!({"type": 2, "description": "O segundo boleto foi cancelado; pode ignorá-lo.", "createdBy": {"id": "agente-w"}}),
        )
        .await?;
    let took = landed(
        &wh,
        "4. Waiting for the agent's reply in movidesk_tickets__actions",
        ("movidesk_tickets__actions", "ticket_id", 2),
        &id,
    )
    .await?;
    println!(
        "4. The agent's reply landed in {:.1}s (the ticket's row updated in place)",
        took.as_secs_f64()
    );

    println!("5. `ponte warehouse status {INTEGRATION}`:");
    let counts = wh.counts().await?;
    let lag = wh.lag().await?;
    let shown: Vec<Vec<String>> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| vec![(*t).to_string(), n.to_string()])
        .collect();
    table(&["table", "rows"], &shown);
    println!(
        "   lag (largest change→landing delay of the last 100 tickets): {}",
        lag.max_delay_secs
            .map_or("-".to_string(), |s| format!("{s:.1} s"))
    );
    wh.close().await;
    Ok(())
}
