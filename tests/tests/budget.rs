//! The real Movidesk budget on: Ponte's shared limiter and the sandbox's
//! own (10 requests in any rolling minute, 429 beyond, the failed-request
//! lockout armed), for Movidesk ↔ Movidesk and for a Blip channel served by
//! a Movidesk desk. More work than one minute's budget is queued; it all
//! crosses once, and the provider never had to refuse a request.

use std::time::Duration;

use ponte_e2e::Svc;
use ponte_e2e::budget;
use ponte_e2e::{action_texts, id_of, series_sum};
use reqwest::Method;
use serde_json::{Value, json};

const PER_MINUTE: usize = budget::MOVIDESK_PER_MINUTE;

#[tokio::test]
async fn with_the_movidesk_budget_on_nothing_is_refused_and_everything_links() {
    let t = budget::budgeted_fleet().await;
    let pair = t.movidesk_pair("budget").await;
    for domain in [&pair.a, &pair.b] {
        budget::movidesk_budget_on(&t, domain).await;
    }
    let mut opened = Vec::new();
    for i in 0..6 {
        opened.push(t.open_ticket(&pair, &format!("Budgeted {i}")).await);
    }
    for a in &opened {
        let found = t
            .eventually(
                "a counterpart for every ticket, within the budget",
                Duration::from_secs(240),
                || async {
                    let found = t.counterparts(&pair, &pair.b, a).await;
                    (!found.is_empty()).then_some(found)
                },
            )
            .await;
        assert_eq!(found.len(), 1, "ticket {a}: one counterpart");
        // And the source shows its counterpart (the marker's read and
        // PATCH on A): all of this is more than a minute's budget of A.
        let b = id_of(&found[0]["id"]);
        t.eventually(
            "every source marked with its counterpart, within the budget",
            Duration::from_secs(240),
            || async {
                let marked = t.counterparts(&pair, &pair.a, &b).await;
                marked.iter().any(|x| &id_of(&x["id"]) == a).then_some(())
            },
        )
        .await;
    }
    let mut most = 0;
    for domain in [&pair.a, &pair.b] {
        most = most.max(budget::movidesk_within_budget(&t, domain).await);
    }
    assert!(
        most > PER_MINUTE,
        "the work needed more than one minute's budget ({most} requests)"
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

/// Seed 004 with the desk's real Movidesk budget on, Ponte's limiter and
/// the sandbox's (10 a minute, the failed-request lockout armed): a Blip
/// conversation needs more than a minute's calls, and it all crosses once,
/// in order, without the desk ever refusing a request.
#[tokio::test]
async fn a_blip_conversation_with_the_desk_budget_on_drains_without_a_refusal() {
    let t = budget::budgeted_fleet().await;
    let b = t.blip_desk("blip-budget").await;
    budget::movidesk_budget_on(&t, &b.desk).await;
    let opened = t
        .blip(
        Method::POST,
        &b.contract,
        "/tickets",
        Some(json!({"customer": "5511999990002@wa.gw.msging.net", "first_message": "Sem sinal desde ontem"})),
    )
    .await;
    let blip_id = opened["id"].as_str().expect("ticket id").to_string();
    let customer = ["Já reiniciei o roteador", "Continua sem sinal"];
    for text in customer {
        t.blip(
            Method::POST,
            &b.contract,
            &format!("/tickets/{blip_id}/messages"),
            Some(json!({"type": "text/plain", "content": text})),
        )
        .await;
    }
    let tag = json!(format!("ponte-{}-{blip_id}", b.integration));
    let desk = t
        .eventually(
            "the desk ticket with the customer's messages, within the budget",
            Duration::from_secs(240),
            || async {
                t.sandbox
                    .movidesk_tickets(&b.desk)
                    .await
                    .ok()?
                    .into_iter()
                    .find(|tk| {
                        tk["tags"]
                            .as_array()
                            .is_some_and(|tags| tags.contains(&tag))
                            && tk["actions"].as_array().is_some_and(|a| a.len() >= 3)
                    })
            },
        )
        .await;
    let desk_id = id_of(&desk["id"]);
    let replies = ["Vou verificar", "Pode testar agora?"];
    for text in replies {
        t.sandbox
            .movidesk_ui_action(
                &b.desk,
                &desk_id,
                &json!({"type": 2, "description": text, "createdBy": {"id": "agent-b"}}),
            )
            .await
            .expect("reply");
    }
    let sent = |ticket: &Value| -> Vec<String> {
        ticket["thread"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["direction"] == "sent")
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .collect()
    };
    let on_blip = t
        .eventually(
            "the agent's replies on Blip, within the budget",
            Duration::from_secs(240),
            || async {
                let bt = t
                    .blip(
                        Method::GET,
                        &b.contract,
                        &format!("/tickets/{blip_id}"),
                        None,
                    )
                    .await;
                (sent(&bt).len() >= replies.len()).then_some(bt)
            },
        )
        .await;
    t.settled(Duration::from_secs(120)).await;

    assert_eq!(sent(&on_blip), replies, "each reply once, in order");
    let desk = t
        .sandbox
        .movidesk_ticket(&b.desk, &desk_id)
        .await
        .expect("desk ticket");
    let texts = action_texts(&desk);
    for (i, text) in customer.iter().enumerate() {
        assert_eq!(
            texts.iter().filter(|x| x.contains(text)).count(),
            1,
            "`{text}` once on the desk: {texts:?}"
        );
        assert!(texts[i + 1].contains(text), "in order: {texts:?}");
    }
    let requests = budget::movidesk_within_budget(&t, &b.desk).await;
    assert!(
        requests > PER_MINUTE,
        "the conversation needed more than one minute's budget ({requests} requests)"
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

/// An agent's create, queued through the CLI, is served as `manual` within the account's budget
/// (live changes first, decision 102): the Movidesk worker's `/metrics` counts the create's calls
/// under `class="manual"`, and the webhook's read of the new ticket under `class="live"`.
#[tokio::test]
async fn an_agents_create_takes_the_budget_as_manual_and_a_webhook_as_live() {
    let t = budget::budgeted_fleet().await;
    let pair = t
        .movidesk_pair_with("by-hand", json!({"mode": "manual"}), json!({}))
        .await;
    let first = t.open_ticket(&pair, "Pedido feito à mão").await;
    t.eventually("the ticket eligible", Duration::from_secs(60), || async {
        let (ok, out) = t
            .cli(&["links", "eligible", "--integration", "by-hand"])
            .await;
        (ok && out.contains(&first)).then_some(())
    })
    .await;
    let (ok, out) = t
        .cli(&[
            "links",
            "create",
            "--integration",
            "by-hand",
            "--ticket",
            &first,
            "--yes",
        ])
        .await;
    assert!(ok, "{out}");
    let found = t
        .eventually("the counterpart", Duration::from_secs(120), || async {
            let found = t.counterparts(&pair, &pair.b, &first).await;
            (!found.is_empty()).then_some(found)
        })
        .await;
    assert_eq!(found.len(), 1);

    let page = t.metrics_page(Svc::WorkerMovidesk).await;
    let taken = |class: &str| -> f64 {
        series_sum(
            &page,
            "ponte_rate_budget_taken_total{",
            &format!("class=\"{class}\""),
        )
    };
    assert!(
        taken("manual") >= 1.0,
        "the create's calls are manual:\n{page}"
    );
    assert!(taken("live") >= 1.0, "the webhook's read is live:\n{page}");
    for domain in [&pair.a, &pair.b] {
        budget::movidesk_within_budget(&t, domain).await;
    }
    t.teardown().await;
}
