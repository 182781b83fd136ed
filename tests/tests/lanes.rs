//! Order and back-pressure on the real fleet: a ticket's later change never
//! overtakes an earlier one waiting for its retry, and a provider's 429s
//! delay work without using up its attempts.

use std::time::Duration;

use ponte_e2e::{Options, TestFleet, action_texts, id_of};
use serde_json::{Value, json};

#[tokio::test]
async fn two_actions_back_to_back_arrive_in_order_when_the_first_fails() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("order").await;
    let a = t.open_ticket(&pair, "Order matters").await;
    let b = t.counterpart_id(&pair, &a).await;
    let back_tag = json!(format!("ponte-order-{b}"));
    t.eventually(
        "the counterpart number on ticket A",
        Duration::from_secs(15),
        || async {
            let ta = t.sandbox.movidesk_ticket(&pair.a, &a).await.ok()?;
            ta["tags"].as_array()?.contains(&back_tag).then_some(())
        },
    )
    .await;
    // B loses the next write: the first action's PATCH answers 502 and is
    // retried after its tier; the second action must not pass it.
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 1.0, "error_status": 502, "methods": ["PATCH"], "count": 1}),
        )
        .await
        .expect("fault");
    for text in ["first of two", "second of two"] {
        t.sandbox
            .movidesk_ui_action(
                &pair.a,
                &a,
                &json!({"type": 2, "description": text, "createdBy": {"id": "agent-a"}}),
            )
            .await
            .expect("action");
    }
    let texts = t
        .eventually("both actions in B", Duration::from_secs(30), || async {
            let tb = t.sandbox.movidesk_ticket(&pair.b, &b).await.ok()?;
            let texts = action_texts(&tb);
            let both = texts.iter().any(|x| x.contains("second of two"))
                && texts.iter().any(|x| x.contains("first of two"));
            both.then_some(texts)
        })
        .await;
    let at = |needle: &str| {
        let found: Vec<usize> = texts
            .iter()
            .enumerate()
            .filter(|(_, x)| x.contains(needle))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "`{needle}` once in B: {texts:#?}");
        found[0]
    };
    assert!(
        at("first of two") < at("second of two"),
        "B shows the actions in the order they were added in A: {texts:#?}"
    );
    let patches: Vec<Value> = t
        .sandbox
        .requests(&pair.b)
        .await
        .expect("requests")
        .into_iter()
        .filter(|r| r["method"] == "PATCH")
        .collect();
    assert!(
        patches.iter().any(|r| r["status"] == 502),
        "the first write to B did fail: {patches:#?}"
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

#[tokio::test]
async fn a_tenant_behind_429s_links_all_its_tickets_with_nothing_parked() {
    let t = TestFleet::start(Options::default()).await;
    let pair = t.movidesk_pair("busy").await;
    // Domain B answers its next 90 requests with 429 (retry after 1 s):
    // far more than six tries of every command, which would have parked
    // them if back-pressure counted as failure.
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 1.0, "error_status": 429, "retry_after_seconds": 1, "count": 90}),
        )
        .await
        .expect("fault");
    let mut opened = Vec::new();
    for i in 0..6 {
        opened.push(t.open_ticket(&pair, &format!("Busy tenant {i}")).await);
    }
    for a in &opened {
        let b = t
            .eventually(
                "a counterpart for every ticket",
                Duration::from_secs(120),
                || async {
                    let found = t.counterparts(&pair, &pair.b, a).await;
                    (!found.is_empty()).then_some(found)
                },
            )
            .await;
        assert_eq!(b.len(), 1, "ticket {a} has one counterpart: {b:#?}");
    }
    let throttled = t
        .sandbox
        .requests(&pair.b)
        .await
        .expect("requests")
        .into_iter()
        .filter(|r| r["status"] == 429)
        .count();
    assert_eq!(throttled, 90, "every injected 429 was met");
    let links = t.admin.get("/links?integration=busy").await.expect("links");
    let linked: Vec<String> = links["links"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| id_of(&l["source_ticket"]))
        .collect();
    for a in &opened {
        assert!(linked.contains(a), "ticket {a} is linked: {linked:?}");
    }
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}
