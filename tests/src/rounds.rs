//! Rounds of Movidesk tickets and actions from domain A to domain B, and
//! their count at the sandbox: what the node-loss tests (a RabbitMQ node,
//! a Redis master) drive while they break something, and what they assert.

use std::time::Duration;

use serde_json::json;

use crate::{Pair, Svc, TestFleet, action_texts};

/// The services a Movidesk ↔ Movidesk flow needs.
pub const SERVICES: [Svc; 5] = [
    Svc::Sandbox,
    Svc::Router,
    Svc::WorkerMovidesk,
    Svc::Ingress,
    Svc::Admin,
];

/// Tickets per round in the node-loss tests.
pub const PER_ROUND: usize = 6;

/// Opens `n` tickets in domain A named `{label} {round}-{i}`; their numbers.
pub async fn open(t: &TestFleet, pair: &Pair, label: &str, round: usize, n: usize) -> Vec<String> {
    let mut batch = Vec::with_capacity(n);
    for i in 0..n {
        batch.push(t.open_ticket(pair, &format!("{label} {round}-{i}")).await);
    }
    batch
}

/// An agent's public action `step {step} of {ticket}.` on each ticket in A.
pub async fn act(t: &TestFleet, pair: &Pair, tickets: &[String], step: u32) {
    for a in tickets {
        t.sandbox
            .movidesk_ui_action(
                &pair.a,
                a,
                &json!({"type": 2, "description": format!("step {step} of {a}."), "createdBy": {"id": "agent-a"}}),
            )
            .await
            .unwrap_or_else(|e| panic!("action on {a}: {e}"));
    }
}

/// Waits until every ticket of `batch` has a counterpart in B.
pub async fn counterparts(t: &TestFleet, pair: &Pair, batch: &[String], timeout: Duration) {
    t.eventually("the round's counterparts", timeout, || async {
        for a in batch {
            if t.counterparts(pair, &pair.b, a).await.is_empty() {
                return None;
            }
        }
        Some(())
    })
    .await
}

/// Waits until B holds at least `expected` actions `step N of …` for
/// steps 1..=`steps`.
pub async fn actions_crossed(
    t: &TestFleet,
    pair: &Pair,
    steps: u32,
    expected: usize,
    timeout: Duration,
) {
    t.eventually("every action on a counterpart", timeout, || async {
        let all = t.sandbox.movidesk_tickets(&pair.b).await.ok()?;
        let crossed = all
            .iter()
            .flat_map(action_texts)
            .filter(|x| (1..=steps).any(|s| x.contains(&format!("step {s} of"))))
            .count();
        (crossed >= expected).then_some(())
    })
    .await
}

/// What domain B holds for the tickets opened in A.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Tickets without a counterpart plus actions missing from one.
    pub lost: usize,
    /// Counterparts beyond the first plus repeated actions.
    pub doubled: usize,
    /// Tickets in B that belong to none of `opened`.
    pub stray: usize,
    pub tickets_in_b: usize,
}

/// Counts, for every ticket of `opened`, its counterparts in B and on the
/// first one each action `step 1..=steps of {ticket}`.
pub async fn tally(t: &TestFleet, pair: &Pair, opened: &[String], steps: u32) -> Tally {
    let all_b = t
        .sandbox
        .movidesk_tickets(&pair.b)
        .await
        .unwrap_or_else(|e| panic!("domain B's tickets: {e}"));
    let mut tally = Tally {
        tickets_in_b: all_b.len(),
        ..Tally::default()
    };
    let mut matched = 0;
    for a in opened {
        let tag = json!(format!("ponte-{}-{a}", pair.integration));
        let mine: Vec<_> = all_b
            .iter()
            .filter(|b| b["tags"].as_array().is_some_and(|t| t.contains(&tag)))
            .collect();
        matched += mine.len();
        match mine.len() {
            0 => tally.lost += 1,
            1 => {}
            n => tally.doubled += n - 1,
        }
        let Some(b) = mine.first() else { continue };
        let texts = action_texts(b);
        for step in 1..=steps {
            // The full stop keeps "of 1." from matching "of 12.".
            let needle = format!("step {step} of {a}.");
            match texts.iter().filter(|x| x.contains(&needle)).count() {
                0 => tally.lost += 1,
                1 => {}
                n => tally.doubled += n - 1,
            }
        }
    }
    tally.stray = all_b.len().saturating_sub(matched);
    tally
}
