//! `ponte demo`: a scripted scenario through the running fleet, against the
//! sandbox, printing what happened with trace ids.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::api::AdminClient;
use crate::apply;
use crate::sandbox::{SandboxClient, domain_spec};

pub const EXAMPLE: &str = include_str!("../../../deploy/integrations.example.toml");
pub const INTEGRATION: &str = "movi-movi";

pub struct DemoTargets {
    pub admin: AdminClient,
    pub sandbox: SandboxClient,
    pub ingress_url: String,
    /// Movidesk's documented limit is on by default in the demo.
    pub rate_per_minute: u32,
    /// The PostgreSQL the warehouse act writes into (schema `ponte_demo`).
    pub database_url: String,
    pub database_password: Option<String>,
}

/// The values `deploy/integrations.example.toml` needs, pointing at the
/// sandbox.
pub fn sandbox_values(sandbox: &SandboxClient) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("MOVIDESK_A_URL", sandbox.movidesk_api()),
        ("MOVIDESK_B_URL", sandbox.movidesk_api()),
        ("MOVIDESK_A_TOKEN", "demo-token-domain-a".to_string()),
        ("MOVIDESK_B_TOKEN", "demo-token-domain-b".to_string()),
        ("PONTE_SECRET_A", "demo-inbound-secret-domain-a".to_string()),
        ("PONTE_SECRET_B", "demo-inbound-secret-domain-b".to_string()),
        ("MOVIDESK_B_GENERATOR", "gerador-b".to_string()),
        ("MOVIDESK_A_AGENT", "ponte-a".to_string()),
        ("BLIP_URL", format!("{}/blip", sandbox.base())),
        ("BLIP_KEY", "demo-blip-http-key".to_string()),
        ("BLIP_CHANNEL_KEY", "demo-blip-channel-key-0123".to_string()),
        ("BLIP_AGENT", "bia%40suporte.com.br@blip.ai".to_string()),
        (
            "BLIP_DEFAULT_AGENT",
            "plantao%40suporte.com.br@blip.ai".to_string(),
        ),
        ("DESK_URL", sandbox.movidesk_api()),
        ("DESK_TOKEN", "demo-token-desk".to_string()),
        ("DESK_SECRET", "demo-inbound-secret-desk".to_string()),
        ("DESK_GENERATOR", "ponte-desk".to_string()),
        ("DESK_AGENT", "bia".to_string()),
        ("DESK_TEAM", "Suporte".to_string()),
        // The pairs the demo applies but does not drive.
        ("OKDESK_URL", format!("{}/okdesk/api/v1", sandbox.base())),
        ("OKDESK_TOKEN", "demo-okdesk-api-token".to_string()),
        ("OKDESK_SECRET", "demo-inbound-secret-okdesk".to_string()),
        ("OKDESK_CALLERS_COMPANY", "1".to_string()),
        ("OKDESK_MISSED_CALL_ASSIGNEE", "1".to_string()),
        ("UIS_SECRET", "demo-inbound-secret-uis-okdesk".to_string()),
        (
            "UIS_OCTADESK_SECRET",
            "demo-inbound-secret-uis-octa".to_string(),
        ),
        ("OCTADESK_URL", format!("{}/octadesk", sandbox.base())),
        ("OCTADESK_API_TOKEN", "demo-octadesk-api-token".to_string()),
        (
            "OCTADESK_AGENT_EMAIL",
            "ponte@demo.octadesk.test".to_string(),
        ),
        ("OCTADESK_SUBDOMAIN", "demo".to_string()),
        (
            "OCTADESK_SECRET",
            "demo-inbound-secret-octadesk".to_string(),
        ),
        (
            "OCTADESK_SECRET_MOVI",
            "demo-inbound-secret-octa-movi".to_string(),
        ),
        (
            "OCTADESK_SECRET_SOURCE",
            "demo-inbound-secret-octa-src".to_string(),
        ),
        (
            "OCTADESK_SECRET_BLIP",
            "demo-inbound-secret-octa-blip".to_string(),
        ),
        (
            "PONTE_SECRET_MOVI_OCTA",
            "demo-inbound-secret-movi-octa".to_string(),
        ),
        (
            "PONTE_SECRET_OCTA_MOVI",
            "demo-inbound-secret-octa-to-movi".to_string(),
        ),
        (
            "BLIP_OCTADESK_CHANNEL_KEY",
            "demo-blip-octadesk-channel-key".to_string(),
        ),
    ])
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

fn person(id: &str, name: &str, email: &str, profile: i64) -> Value {
    json!({
        "id": id, "businessName": name, "personType": 1, "profileType": profile,
        "emails": [{"emailType": "Profissional", "email": email, "isDefault": true}]
    })
}

pub async fn run(t: &DemoTargets) -> anyhow::Result<()> {
    let values = sandbox_values(&t.sandbox);
    println!(
        "== Ponte demo: a ticket opened in Movidesk domain A is created and linked in domain B\n"
    );

    println!("1. Sandbox: two Movidesk domains whose triggers call the ingress");
    // Each run numbers its tickets from its own range, so a sandbox that
    // starts again at the same numbers never meets the state a previous
    // run left in Redis.
    let base = 100_000 + (chrono::Utc::now().timestamp() % 800_000) * 10;
    let hook = |secret: &str| {
        format!(
            "{}/hooks/movidesk/{INTEGRATION}?token={secret}",
            t.ingress_url
        )
    };
    let mut spec_a = domain_spec(
        "demo-a",
        &values["MOVIDESK_A_TOKEN"],
        &hook(&values["PONTE_SECRET_A"]),
        t.rate_per_minute,
        vec![
            person("agente-a", "Carla (agente A)", "carla@dominio-a.com.br", 1),
            person("cli-ana", "Ana Souza", "ana@cliente.com.br", 2),
            person("ponte-a", "Ponte (integração)", "ponte@dominio-a.com.br", 1),
        ],
    );
    spec_a["first_ticket_number"] = json!(base);
    spec_a["api_person_id"] = json!("ponte-a");
    t.sandbox.movidesk_domain(&spec_a).await?;
    let mut spec_b = domain_spec(
        "demo-b",
        &values["MOVIDESK_B_TOKEN"],
        &hook(&values["PONTE_SECRET_B"]),
        t.rate_per_minute,
        vec![
            person(
                "gerador-b",
                "Integração domínio A",
                "integracao@dominio-b.com.br",
                1,
            ),
            person("b-ana", "Ana Souza", "ana@cliente.com.br", 2),
        ],
    );
    spec_b["first_ticket_number"] = json!(base + 5_000_000);
    spec_b["api_person_id"] = json!("gerador-b");
    t.sandbox.movidesk_domain(&spec_b).await?;
    println!(
        "   domain A and domain B ready (rate limit {} req/min each)",
        t.rate_per_minute
    );

    println!("2. Apply deploy/integrations.example.toml with the sandbox's values");
    let integrations = apply::parse("deploy/integrations.example.toml", EXAMPLE, |n| {
        values.get(n).cloned()
    })?;
    for i in &integrations {
        t.admin
            .put(
                &format!("/integrations/{}", i.id),
                &serde_json::to_value(i)?,
            )
            .await
            .with_context(|| format!("applying integration {}", i.id))?;
        println!(
            "   integration `{}` ({:?}, client key {:?})",
            i.id, i.mode, i.client_key
        );
    }

    println!("3. An agent opens a ticket in domain A");
    let subject = format!(
        "Impressora do financeiro não imprime ({})",
        chrono::Utc::now().format("%H:%M:%S")
    );
    let created = t
        .sandbox
        .movidesk_ui_ticket(
            "demo-a",
            &json!({
                "type": 2,
                "subject": subject,
                "createdBy": {"id": "agente-a"},
                "clients": [{"id": "cli-ana"}],
                "actions": [{"type": 2, "description": "A impressora HP mostra o erro 49. Já reiniciamos duas vezes.", "createdBy": {"id": "cli-ana"}}]
            }),
        )
        .await?;
    let a_id = crate::output::cell(&created["id"]);
    println!("   ticket A #{a_id}: \"{subject}\"");

    let pb = spinner("4. Waiting for Ponte: webhook → ingress → router → worker → Movidesk B");
    let tag = format!("ponte-{INTEGRATION}-{a_id}");
    let started = Instant::now();
    let b_ticket = loop {
        let tickets = t.sandbox.movidesk_tickets("demo-b").await?;
        if let Some(found) = tickets.into_iter().find(|tk| {
            tk["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|x| x == &json!(tag)))
        }) {
            break found;
        }
        if started.elapsed() > Duration::from_secs(90) {
            pb.finish_and_clear();
            bail!(
                "no counterpart in domain B after 90s; check `ponte dlq list` and the service logs"
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    pb.finish_and_clear();
    let b_id = crate::output::cell(&b_ticket["id"]);
    println!(
        "4. Counterpart created in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let first = &b_ticket["actions"][0];
    println!(
        "   ticket B #{b_id}: \"{}\"",
        crate::output::cell(&b_ticket["subject"])
    );
    println!(
        "     type {} (mirrored), client {} ({}), created by {}",
        crate::output::cell(&b_ticket["type"]),
        crate::output::cell(&b_ticket["clients"][0]["id"]),
        crate::output::cell(&b_ticket["clients"][0]["businessName"]),
        crate::output::cell(&b_ticket["createdBy"]["id"])
    );
    println!(
        "     first action (type {}): {}",
        crate::output::cell(&first["type"]),
        crate::output::cell(&first["description"])
    );

    let back = format!("ponte-{INTEGRATION}-{b_id}");
    let mut a_tags = Value::Null;
    for _ in 0..40 {
        let a = t.sandbox.movidesk_ticket("demo-a", &a_id).await?;
        a_tags = a["tags"].clone();
        if a_tags
            .as_array()
            .is_some_and(|tags| tags.iter().any(|x| x == &json!(back)))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "   counterpart numbers written on both tickets: A tags {a_tags}, B tags {}",
        b_ticket["tags"]
    );

    println!("5. The link, as `ponte links` shows it");
    let link_id = format!("{INTEGRATION}:{a_id}");
    let link = t.admin.get(&format!("/links/{link_id}")).await?;
    println!(
        "   {} : A #{} ↔ B #{} ({}, {})",
        link_id,
        crate::output::cell(&link["source_ticket"]),
        crate::output::cell(&link["target_ticket"]),
        crate::output::cell(&link["origin"]),
        crate::output::cell(&link["created_at"])
    );
    let history = t.admin.get(&format!("/links/{link_id}/history")).await?;
    for h in history["history"].as_array().cloned().unwrap_or_default() {
        println!(
            "   history: {} {} — {} (trace {})",
            crate::output::cell(&h["at"]),
            crate::output::cell(&h["kind"]),
            crate::output::cell(&h["detail"]),
            crate::output::cell(&h["trace_id"])
        );
    }
    let hooks_a = t
        .sandbox
        .movidesk_webhooks("demo-a")
        .await
        .unwrap_or_default();
    let hooks_b = t
        .sandbox
        .movidesk_webhooks("demo-b")
        .await
        .unwrap_or_default();
    println!(
        "   webhooks fired by the sandbox: {} from A, {} from B (B's about the ticket Ponte made are recognised, no loop)",
        hooks_a.len(),
        hooks_b.len()
    );
    let dead = t.admin.get("/dead-letters").await?;
    println!(
        "   dead letters: {}",
        dead["dead_letters"].as_array().map_or(0, Vec::len)
    );
    crate::demo_blip::run(t, &values, base).await?;
    crate::demo_warehouse::run(t, base).await?;
    println!(
        "\nDone. Try: ponte links list · ponte links history {link_id} · ponte warehouse status demo-warehouse · ponte dlq list"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_covers_every_provider_pair_ponte_supports() {
        let sandbox = SandboxClient::new("http://127.0.0.1:1");
        let values = sandbox_values(&sandbox);
        let integrations = apply::parse("deploy/integrations.example.toml", EXAMPLE, |n| {
            values.get(n).cloned()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let pairs: Vec<String> = integrations
            .iter()
            .map(|i| format!("{}→{}", i.source.provider, i.target.provider))
            .collect();
        for pair in [
            "movidesk→movidesk",
            "blip→movidesk",
            "blip→octadesk",
            "uis→okdesk",
            "uis→octadesk",
            "movidesk→octadesk",
            "octadesk→movidesk",
        ] {
            assert!(pairs.iter().any(|p| p == pair), "{pair} missing: {pairs:?}");
        }
        let uis = integrations
            .iter()
            .find(|i| i.id == "uis-okdesk")
            .unwrap_or_else(|| panic!("uis-okdesk"));
        assert_eq!(uis.telephony.missed_call_assignee.as_deref(), Some("1"));
    }
}
