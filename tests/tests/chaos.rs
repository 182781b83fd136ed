//! Processes killed with SIGKILL while tickets flow: at the end every
//! ticket has exactly one counterpart — none lost, none doubled.

use std::collections::BTreeMap;
use std::time::Duration;

use ponte_e2e::{Options, Svc, TestFleet, id_of};
use serde_json::{Value, json};

#[tokio::test]
async fn sigkilled_router_and_worker_lose_and_double_nothing() {
    let mut t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("chaos").await;
    // Slow answers from domain B widen the window between call and ack.
    t.sandbox
        .fault(&pair.b, &json!({"latency_ms": 150}))
        .await
        .expect("latency");

    let mut opened = Vec::new();
    for round in 0..6 {
        for i in 0..4 {
            opened.push(t.open_ticket(&pair, &format!("chaos {round}-{i}")).await);
        }
        tokio::time::sleep(Duration::from_millis(120 + 40 * round)).await;
        let victim = if round % 2 == 0 {
            Svc::WorkerMovidesk
        } else {
            Svc::Router
        };
        t.fleet.kill(victim).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        t.fleet
            .start_service(victim)
            .await
            .expect("restart after SIGKILL");
    }

    let expected = opened.len();
    let by_source = t
        .eventually(
            "a counterpart for every ticket",
            Duration::from_secs(90),
            || async {
                let tickets = t.sandbox.movidesk_tickets(&pair.b).await.ok()?;
                let mut by_source: BTreeMap<String, Vec<Value>> = BTreeMap::new();
                for tk in tickets {
                    for tag in tk["tags"].as_array().cloned().unwrap_or_default() {
                        if let Some(src) = tag.as_str().and_then(|s| s.strip_prefix("ponte-chaos-"))
                        {
                            by_source
                                .entry(src.to_string())
                                .or_default()
                                .push(tk.clone());
                        }
                    }
                }
                (opened.iter().all(|a| by_source.contains_key(a))).then_some(by_source)
            },
        )
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for a in &opened {
        let n = by_source.get(a).map_or(0, Vec::len);
        assert_eq!(n, 1, "ticket {a} has {n} counterparts");
    }
    let all_b = t.sandbox.movidesk_tickets(&pair.b).await.expect("b");
    assert_eq!(all_b.len(), expected, "no stray tickets in B");
    let links = t
        .admin
        .get("/links?integration=chaos")
        .await
        .expect("links");
    let links = links["links"].as_array().cloned().unwrap_or_default();
    assert_eq!(links.len(), expected, "one link per ticket");
    for l in &links {
        let target = id_of(&l["target_ticket"]);
        assert!(
            all_b.iter().any(|b| id_of(&b["id"]) == target),
            "link points at a real ticket: {l}"
        );
    }
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}
