//! The demo's second act: a customer on Take Blip served from a Movidesk
//! desk (seed 004).

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::demo::DemoTargets;
use crate::output::cell;
use crate::sandbox::domain_spec;

const INTEGRATION: &str = "blip-desk";

/// Polls `check` with a spinner until it gives a value.
pub(crate) async fn wait<T, F, Fut>(message: &str, check: F) -> anyhow::Result<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("   {spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(message.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    let started = Instant::now();
    let mut said = false;
    loop {
        if let Some(v) = check().await {
            pb.finish_and_clear();
            return Ok(v);
        }
        if !said && started.elapsed() > Duration::from_secs(10) {
            // The demo's sandbox accounts have Movidesk's real budget.
            pb.set_message(format!(
                "{message} (waiting for the Movidesk account's budget of 10 requests a minute; up to a minute)"
            ));
            said = true;
        }
        if started.elapsed() > Duration::from_secs(120) {
            pb.finish_and_clear();
            bail!("{message}: nothing after 120s; check `ponte dlq list` and the service logs");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn control(
    t: &DemoTargets,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let mut req =
        reqwest::Client::new().request(method, format!("{}/_sandbox/blip{path}", t.sandbox.base()));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await?;
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    if !status.is_success() && status.as_u16() != 409 {
        bail!("sandbox {path}: {status} {v}");
    }
    Ok(v)
}

fn agent_messages(ticket: &Value) -> Vec<String> {
    ticket["thread"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|m| m["direction"] == "sent")
        .map(|m| cell(&m["content"]))
        .collect()
}

pub async fn run(
    t: &DemoTargets,
    values: &BTreeMap<&'static str, String>,
    base: i64,
) -> anyhow::Result<()> {
    println!("\n== Act 2: a customer on Take Blip, served from a Movidesk desk\n");
    let person = |id: &str, name: &str| json!({"id": id, "businessName": name, "personType": 1, "profileType": 1});
    let mut desk = domain_spec(
        "demo-desk",
        &values["DESK_TOKEN"],
        &format!(
            "{}/hooks/movidesk/{INTEGRATION}?token={}",
            t.ingress_url, values["DESK_SECRET"]
        ),
        t.rate_per_minute,
        vec![
            person(&values["DESK_GENERATOR"], "Ponte (Blip)"),
            person(&values["DESK_AGENT"], "Bia (suporte)"),
        ],
    );
    desk["first_ticket_number"] = json!(base + 2_000_000);
    desk["api_person_id"] = json!(values["DESK_GENERATOR"]);
    t.sandbox.movidesk_domain(&desk).await?;
    control(
        t,
        reqwest::Method::POST,
        "/contracts",
        Some(json!({
            "name": "demo-blip", "key": values["BLIP_KEY"],
            "webhook_url": format!("{}/hooks/blip/{INTEGRATION}", t.ingress_url),
            "webhook_auth_header": "Authorization", "webhook_auth_key": values["BLIP_CHANNEL_KEY"],
            "agents": [values["BLIP_AGENT"], values["BLIP_DEFAULT_AGENT"]]
        })),
    )
    .await?;
    println!(
        "1. Blip contract `demo-blip` (its custom channel calls the ingress) and the desk domain are ready"
    );

    let opened = control(
        t,
        reqwest::Method::POST,
        "/demo-blip/tickets",
        Some(json!({"customer": "5511987654321@wa.gw.msging.net", "customer_name": "Marina", "first_message": "Oi! Meu pedido 1234 não chegou"})),
    )
    .await?;
    let blip_id = cell(&opened["id"]);
    println!("2. The customer asks for attendance on WhatsApp: Blip ticket {blip_id}");

    let tag = json!(format!("ponte-{INTEGRATION}-{blip_id}"));
    let desk_ticket = wait("3. Waiting for the desk ticket", || async {
        t.sandbox
            .movidesk_tickets("demo-desk")
            .await
            .ok()?
            .into_iter()
            .find(|tk| {
                tk["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.contains(&tag))
            })
    })
    .await?;
    let desk_id = cell(&desk_ticket["id"]);
    println!(
        "3. Desk ticket #{desk_id} \"{}\" for client {} (owner {})",
        cell(&desk_ticket["subject"]),
        cell(&desk_ticket["clients"][0]["id"]),
        cell(&desk_ticket["owner"]["id"])
    );
    let assigned = wait("4. Waiting for Blip to show the agent", || async {
        let bt = control(
            t,
            reqwest::Method::GET,
            &format!("/demo-blip/tickets/{blip_id}"),
            None,
        )
        .await
        .ok()?;
        (bt["status"] == "Open").then_some(bt)
    })
    .await?;
    println!(
        "4. Blip ticket {blip_id} is Open, attended by {}",
        cell(&assigned["agentIdentity"])
    );

    control(
        t,
        reqwest::Method::POST,
        &format!("/demo-blip/tickets/{blip_id}/messages"),
        Some(json!({"type": "text/plain", "content": "É o tênis azul, comprei dia 3"})),
    )
    .await?;
    wait("5. The customer's message reaches the desk", || async {
        let d = t
            .sandbox
            .movidesk_ticket("demo-desk", &desk_id)
            .await
            .ok()?;
        (d["actions"].as_array()?.len() >= 2).then_some(())
    })
    .await?;
    println!(
        "5. \"É o tênis azul, comprei dia 3\" is a public action from the customer on #{desk_id}"
    );

    t.sandbox
        .movidesk_ui_action("demo-desk", &desk_id, &json!({"type": 2, "description": "Olá Marina! Seu pedido sai hoje para entrega.", "createdBy": {"id": values["DESK_AGENT"]}}))
        .await?;
    t.sandbox
        .movidesk_ui_action("demo-desk", &desk_id, &json!({"type": 1, "description": "nota interna: transportadora atrasou", "createdBy": {"id": values["DESK_AGENT"]}}))
        .await?;
    let replies = wait("6. The agent's reply reaches the customer", || async {
        let bt = control(
            t,
            reqwest::Method::GET,
            &format!("/demo-blip/tickets/{blip_id}"),
            None,
        )
        .await
        .ok()?;
        let sent = agent_messages(&bt);
        (!sent.is_empty()).then_some(sent)
    })
    .await?;
    println!(
        "6. On WhatsApp the customer reads: {replies:?} (the internal note stays on the desk)"
    );

    t.sandbox
        .movidesk_ui_status("demo-desk", &desk_id, "Resolvido", &values["DESK_AGENT"])
        .await?;
    wait(
        "7. Resolving the desk ticket closes the Blip ticket",
        || async {
            let bt = control(
                t,
                reqwest::Method::GET,
                &format!("/demo-blip/tickets/{blip_id}"),
                None,
            )
            .await
            .ok()?;
            (bt["status"] == "ClosedAttendant").then_some(())
        },
    )
    .await?;
    println!("7. Desk ticket resolved → Blip ticket {blip_id} ClosedAttendant");
    let history = t
        .admin
        .get(&format!("/links/{INTEGRATION}:{blip_id}/history"))
        .await?;
    for h in history["history"].as_array().cloned().unwrap_or_default() {
        println!(
            "   history: {} {} — {}",
            cell(&h["kind"]),
            cell(&h["detail"]),
            cell(&h["trace_id"])
        );
    }
    Ok(())
}
