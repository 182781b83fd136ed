//! Redis memory per thousand links, measured through the store's own write
//! path (docs/operations.md, "Capacity"). Not in the default run:
//!
//! ```text
//! cargo test -p ponte-store --test capacity -- --ignored --nocapture
//! ```
//!
//! Per link it writes what a mirrored pair leaves behind: the link and its
//! two ticket indexes, a snapshot of each ticket (a normalized ticket with
//! three actions), and four history lines (with their once-marks). It then
//! sums `MEMORY USAGE` over the namespace's keys.

use chrono::Utc;
use deadpool_redis::redis;
use ponte_core::{Link, LinkOrigin};
use ponte_store::{HistoryEntry, HistoryKind, Store};
use serde_json::json;

const LINKS: usize = 1000;

fn url() -> String {
    std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn snapshot(id: &str) -> serde_json::Value {
    let person = |id: &str, name: &str| json!({"id": id, "name": name, "email": format!("{id}@client.example")});
    let action = |n: usize| {
        let text = format!(
            "Action {n}: the client reports that the invoice screen shows an error after saving; attached a screenshot and the steps to reproduce it."
        );
        json!({
            "id": n.to_string(), "visibility": "public", "text": text,
            "html": format!("<p>{text}</p>"), "author": person("agent-a", "Agent A"),
            "created_at": Utc::now(), "attachments": []
        })
    };
    json!({
        "id": id, "subject": format!("Invoice screen error #{id}"), "visibility": "public",
        "status": "Em atendimento", "base_status": "in_attendance", "category": "Problema",
        "urgency": "Média", "owner": person("agent-a", "Agent A"), "owner_team": "Suporte N1",
        "services": ["Financeiro", "Notas fiscais"], "clients": [person("ana", "Ana Souza")],
        "created_by": person("ana", "Ana Souza"), "tags": [format!("ponte-acme-{id}")],
        "custom_fields": [{"id": "cf-1", "value": "ERP 7.2", "items": []}],
        "actions": [action(1), action(2), action(3)],
        "created_at": Utc::now(), "updated_at": Utc::now(), "origin": "9"
    })
}

#[tokio::test]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn redis_memory_per_thousand_links() {
    let s = Store::new(
        &url(),
        &format!("t-capacity-{}", uuid::Uuid::new_v4().simple()),
    )
    .expect("pool");
    for n in 0..LINKS {
        let source = format!("{}", 100_000 + n);
        let target = format!("{}", 500_000 + n);
        let link = Link {
            id: Link::id_for("acme", &source),
            integration: "acme".into(),
            source_ticket: source.clone(),
            target_ticket: target.clone(),
            origin: LinkOrigin::Automatic,
            created_at: Utc::now(),
        };
        s.put_link(&link).await.expect("link");
        s.put_snapshot(&format!("acme:source:{source}"), &snapshot(&source))
            .await
            .expect("snapshot");
        s.put_snapshot(&format!("acme:target:{target}"), &snapshot(&target))
            .await
            .expect("snapshot");
        for (i, kind) in [
            HistoryKind::CreatedAutomatically,
            HistoryKind::ActionMirrored,
            HistoryKind::StatusMirrored,
            HistoryKind::ActionMirrored,
        ]
        .into_iter()
        .enumerate()
        {
            let entry = HistoryEntry {
                at: Utc::now(),
                kind,
                detail: format!("action {i} mirrored to ticket {target}"),
                trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
                cause: uuid::Uuid::now_v7().to_string(),
            };
            s.record(&link.id, &entry).await.expect("history");
        }
    }
    let client = redis::Client::open(url()).expect("url");
    let mut c = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let mut cursor: u64 = 0;
    let mut by_kind: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{}:*", s.namespace()))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut c)
            .await
            .expect("SCAN");
        for key in keys {
            let bytes: Option<u64> = redis::cmd("MEMORY")
                .arg("USAGE")
                .arg(&key)
                .arg("SAMPLES")
                .arg(0)
                .query_async(&mut c)
                .await
                .expect("MEMORY USAGE");
            let kind = key.split(':').nth(1).unwrap_or("?").to_string();
            let e = by_kind.entry(kind).or_default();
            e.0 += 1;
            e.1 += bytes.unwrap_or(0);
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    let total: u64 = by_kind.values().map(|(_, b)| b).sum();
    println!("{LINKS} links:");
    for (kind, (keys, bytes)) in &by_kind {
        println!(
            "  {kind:<14} {keys:>6} keys {:>8.1} KiB",
            *bytes as f64 / 1024.0
        );
    }
    println!(
        "  total          {:>6} keys {:>8.1} MiB",
        by_kind.values().map(|(k, _)| k).sum::<u64>(),
        total as f64 / 1024.0 / 1024.0
    );
    s.wipe().await.expect("wipe");
    assert!(total > 0);
}
