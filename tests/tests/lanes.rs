//! Order and back-pressure on the real fleet: a ticket's later change never
//! overtakes an earlier one waiting for its retry, a provider's 429s delay
//! work without using up its attempts, and a slow tenant's backlog waits in
//! its own list while other tenants' tickets link.

use std::time::Duration;

use ponte_e2e::{Options, Svc, TestFleet, action_texts, id_of};
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

/// Tenant X's target answers every call in 1.5 s and X opens a burst: its
/// commands beyond what it may hold are set aside in X's own waiting list,
/// and tenant Y's ticket links while they wait. The worker is then killed
/// with X's commands still waiting; the one started after it finds them,
/// and once X's target is fast again every X ticket has one counterpart and
/// nothing is parked.
#[tokio::test]
async fn a_slow_tenants_backlog_waits_aside_while_another_links_and_survives_a_killed_worker() {
    // Prefetch 4: X holds at most 2 slow commands in the worker, 3 per shard.
    let mut t = TestFleet::start(Options {
        env: vec![("PONTE_PREFETCH".into(), "4".into())],
        ..Options::default()
    })
    .await;
    let x = t.movidesk_pair("slowx").await;
    let y = t.movidesk_pair("fasty").await;
    t.sandbox
        .fault(&x.b, &json!({"latency_ms": 1500}))
        .await
        .expect("latency");
    let mut burst = Vec::new();
    for i in 0..16 {
        burst.push(t.open_ticket(&x, &format!("Slow tenant {i}")).await);
    }
    let set_aside = r#"integration="slowx""#;
    t.eventually(
        "X's commands set aside in its waiting list",
        Duration::from_secs(30),
        || async {
            let n = t
                .metric_sum(Svc::WorkerMovidesk, "ponte_commands_waiting{", set_aside)
                .await;
            (n >= 3.0).then_some(())
        },
    )
    .await;

    let y_ticket = t.open_ticket(&y, "Fast tenant meanwhile").await;
    let y_opened = std::time::Instant::now();
    t.eventually("Y's counterpart", Duration::from_secs(20), || async {
        (!t.counterparts(&y, &y.b, &y_ticket).await.is_empty()).then_some(())
    })
    .await;
    let y_took = y_opened.elapsed();
    let waiting = t
        .metric_sum(Svc::WorkerMovidesk, "ponte_commands_waiting{", set_aside)
        .await;
    let linked_x = t
        .admin
        .get("/links?integration=slowx")
        .await
        .expect("links")["links"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(
        waiting >= 1.0 && linked_x < burst.len(),
        "Y linked while X's backlog still waited ({waiting} waiting, {linked_x} of X linked)"
    );
    assert_eq!(
        t.metric_sum(
            Svc::WorkerMovidesk,
            "ponte_commands_set_aside_total{",
            r#"integration="fasty""#
        )
        .await,
        0.0,
        "Y never waited aside"
    );

    println!(
        "slow tenant: Y's ticket linked {y_took:.1?} after it was opened while {waiting} of X's commands waited \
         aside and {linked_x} of X's {} tickets were linked; worker SIGKILLed next",
        burst.len()
    );
    let killed = std::time::Instant::now();
    t.fleet.kill(Svc::WorkerMovidesk).await;
    t.sandbox.clear_fault(&x.b).await.expect("clear");
    t.fleet
        .start_service(Svc::WorkerMovidesk)
        .await
        .expect("worker restarts");
    for a in &burst {
        let b = t
            .eventually(
                "a counterpart for every X ticket",
                Duration::from_secs(120),
                || async {
                    let found = t.counterparts(&x, &x.b, a).await;
                    (!found.is_empty()).then_some(found)
                },
            )
            .await;
        assert_eq!(b.len(), 1, "ticket {a} has one counterpart: {b:#?}");
    }
    let x_done = killed.elapsed();
    t.eventually(
        "the restarted worker sent every waiting command back",
        Duration::from_secs(30),
        || async {
            let sent = t
                .metric_sum(
                    Svc::WorkerMovidesk,
                    "ponte_commands_sent_back_total{",
                    "movidesk",
                )
                .await;
            let waiting = t
                .metric_sum(Svc::WorkerMovidesk, "ponte_commands_waiting{", set_aside)
                .await;
            (sent >= 1.0 && waiting == 0.0).then_some(())
        },
    )
    .await;
    println!(
        "slow tenant: all {} X tickets linked once, {x_done:.1?} after the kill (target fast again)",
        burst.len()
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}
