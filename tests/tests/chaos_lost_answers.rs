//! A long chaos run, by hand (ignored in CI):
//!
//! ```text
//! cargo build --bins && CHAOS_TICKETS=200 cargo test -p ponte-e2e --test chaos_lost_answers -- --ignored --nocapture
//! ```
//!
//! Tickets are opened in domain A in rounds of ten, then each gets two agent actions;
//! about 30 % of domain B's calls are applied and then answered 502 (a lost
//! answer); the worker and the router are SIGKILLed after every round. Counted
//! at the sandbox: every ticket has one counterpart, every action is on it
//! once and in order, nothing is left parked. Figures go to docs/reliability.md.

use std::time::{Duration, Instant};

use ponte_e2e::{Options, Svc, TestFleet, action_texts};
use serde_json::json;

#[tokio::test]
#[ignore = "a long chaos run; see the module for the command"]
async fn lost_answers_and_sigkills_lose_double_and_reorder_nothing() {
    let tickets: usize = std::env::var("CHAOS_TICKETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let mut t = TestFleet::start(Options {
        env: vec![("PONTE_MAX_ATTEMPTS".into(), "30".into())],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("chaos-lost").await;
    t.sandbox
        .fault(
            &pair.b,
            &json!({"error_rate": 0.3, "error_status": 502, "after_effect": true}),
        )
        .await
        .expect("fault");
    let started = Instant::now();
    let mut opened = Vec::new();
    let mut kills = 0;
    // Rounds of ten tickets; the actions come once a round's counterparts
    // exist (what a ticket holds when Ponte first reads it is its baseline).
    for round in opened_rounds(tickets) {
        let mut batch = Vec::new();
        for i in round {
            batch.push(t.open_ticket(&pair, &format!("chaos-lost {i}")).await);
        }
        for a in &batch {
            t.counterpart_id(&pair, a).await;
        }
        for n in 1..=2 {
            for a in &batch {
                t.sandbox
                    .movidesk_ui_action(
                        &pair.a,
                        a,
                        &json!({"type": 2, "description": format!("step {n} of {a}"), "createdBy": {"id": "agent-a"}}),
                    )
                    .await
                    .expect("action");
            }
        }
        opened.extend(batch);
        let victim = if kills % 2 == 0 {
            Svc::WorkerMovidesk
        } else {
            Svc::Router
        };
        t.fleet.kill(victim).await;
        kills += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
        t.fleet.start_service(victim).await.expect("restart");
    }
    // Wait for the last actions to cross, then stop losing answers and let
    // every retry finish.
    let limit = Duration::from_secs(120 + 4 * tickets as u64);
    t.eventually("every action on a counterpart", limit, || async {
        let all = t.sandbox.movidesk_tickets(&pair.b).await.ok()?;
        let crossed = all
            .iter()
            .flat_map(action_texts)
            .filter(|x| x.contains("step 2 of"))
            .count();
        (crossed >= tickets).then_some(())
    })
    .await;
    t.sandbox.clear_fault(&pair.b).await.expect("clear");
    t.settled(limit).await;
    let elapsed = started.elapsed();

    let all_b = t.sandbox.movidesk_tickets(&pair.b).await.expect("b");
    let (mut lost, mut doubled, mut out_of_order) = (0, 0, 0);
    for a in &opened {
        let tag = json!(format!("ponte-chaos-lost-{a}"));
        let mine: Vec<_> = all_b
            .iter()
            .filter(|b| b["tags"].as_array().is_some_and(|t| t.contains(&tag)))
            .collect();
        match mine.len() {
            0 => lost += 1,
            1 => {}
            _ => doubled += 1,
        }
        let Some(b) = mine.first() else { continue };
        let texts = action_texts(b);
        let at = |n: u32| {
            let needle = format!("step {n} of {a}");
            let hits: Vec<usize> = texts
                .iter()
                .enumerate()
                .filter(|(_, x)| x.contains(&needle))
                .map(|(i, _)| i)
                .collect();
            hits
        };
        let (one, two) = (at(1), at(2));
        lost += usize::from(one.is_empty()) + usize::from(two.is_empty());
        doubled += one.len().saturating_sub(1) + two.len().saturating_sub(1);
        if let (Some(x), Some(y)) = (one.first(), two.first())
            && x > y
        {
            out_of_order += 1;
        }
    }
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    println!(
        "chaos: {tickets} tickets, {} actions, {kills} SIGKILLs, ~30% lost answers at B, {:.0?}: \
         lost {lost}, doubled {doubled}, out of order {out_of_order}, parked: {}",
        tickets * 2,
        elapsed,
        if dlq.contains("(none)") { "none" } else { &dlq }
    );
    assert_eq!((lost, doubled), (0, 0), "nothing lost or doubled");
    assert_eq!(out_of_order, 0, "actions in order");
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

/// Ticket numbers in rounds of ten.
fn opened_rounds(tickets: usize) -> Vec<std::ops::Range<usize>> {
    (0..tickets)
        .step_by(10)
        .map(|start| start..(start + 10).min(tickets))
        .collect()
}
