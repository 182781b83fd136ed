//! Back-pressure is a delay, never an attempt: however often a command is
//! throttled it keeps its attempt and is never parked for it.

use std::time::Instant;

use super::*;
use crate::busy::busy_delay;

fn throttled() -> ExecError {
    ExecError::Throttled {
        reason: "the account's rate budget is used up".into(),
        retry_after: Some(Duration::from_millis(30)),
    }
}

/// A 429 from a provider's client reads as back-pressure too.
fn too_many() -> ExecError {
    ExecError::Transient {
        reason: "Okdesk answered 429: slow down".into(),
        status: Some(429),
        retry_after: Some(Duration::from_millis(30)),
    }
}

#[tokio::test]
async fn throttles_delay_a_command_without_counting_attempts_and_never_park_it() {
    let mut w = World::new().await;
    let env = command("mm", "e1", "mm:7");
    let waits = 2 * MAX_ATTEMPTS;
    w.script((0..waits).map(|i| Err(if i % 2 == 0 { throttled() } else { too_many() })));

    let mut incoming = w.delivery(&env);
    for delays in 1..=waits {
        assert_eq!(w.handler.handle(incoming).await, Disposition::Ack);
        incoming = w.next_command().await;
        let back = incoming.envelope.as_ref().expect("an envelope");
        assert_eq!(
            (back.id.as_str(), back.attempt),
            (env.id.as_str(), 0),
            "a delay keeps the attempt"
        );
        assert_eq!(incoming.delays(), delays, "each delay is counted");
    }
    // The budget frees up: it runs, and is done.
    assert_eq!(w.handler.handle(incoming).await, Disposition::Ack);
    let calls = w.calls();
    assert_eq!(calls.len(), waits as usize + 1);
    assert!(calls.iter().all(|c| c.attempt == 0), "{calls:?}");
    assert!(
        w.parked().await.is_empty(),
        "a throttled command is never parked"
    );
    assert!(w.failed_lines("mm:7").await.is_empty());
    assert!(matches!(
        w.store().begin(&env.id).await.unwrap(),
        ponte_store::Intent::Done(_)
    ));
    w.no_command().await;
    w.done().await;
}

#[tokio::test]
async fn a_delayed_command_holds_its_key_until_it_is_done() {
    let mut w = World::new().await;
    let first = command("mm", "e1", "mm:7");
    let second = command("mm", "e2", "mm:7");
    w.script([Err(throttled())]);

    assert_eq!(w.handle(&first).await, Disposition::Ack);
    assert_eq!(w.handle(&second).await, Disposition::Ack, "kept behind");
    assert_eq!(w.calls().len(), 1);
    assert_eq!(w.held(&first).await, 1);

    let back = w.next_command().await;
    assert_eq!(back.envelope.as_ref().unwrap().id, first.id);
    assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    let released = w.next_command().await;
    assert_eq!(released.envelope.as_ref().unwrap().id, second.id);
    assert_eq!(w.handler.handle(released).await, Disposition::Ack);
    assert_eq!(
        w.ran(),
        [first.id.as_str(), first.id.as_str(), second.id.as_str()]
    );
    assert_eq!(w.held(&first).await, 0);
    w.done().await;
}

#[tokio::test]
async fn a_command_of_an_integration_holding_its_share_waits_and_other_tenants_run() {
    let mut w = World::new().await;
    // Busy::new(4): an integration holds at most 3 of a shard's 4 slots.
    let slots: Vec<_> = (0..3)
        .map(|_| w.handler.busy.enter(&w.queue, "mm").expect("a slot"))
        .collect();
    let env = command("mm", "e1", "mm:7");
    let mut started = Instant::now();
    assert_eq!(w.handle(&env).await, Disposition::Ack);
    assert!(w.calls().is_empty(), "refused before anything runs");
    let other = command("nn", "e2", "nn:1");
    assert_eq!(w.handle(&other).await, Disposition::Ack);
    assert_eq!(
        w.ran(),
        [other.id.as_str()],
        "another tenant takes the slot"
    );

    // Refused again, it waits longer: its delays so far are counted.
    let back = w.next_command().await;
    assert!(
        started.elapsed() >= busy_delay(0),
        "{:?}",
        started.elapsed()
    );
    let delayed = back.envelope.as_ref().unwrap();
    assert_eq!((delayed.id.as_str(), delayed.attempt), (env.id.as_str(), 0));
    assert_eq!(back.delays(), 1);
    started = Instant::now();
    assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    assert_eq!(w.calls().len(), 1, "still refused");
    let back = w.next_command().await;
    assert!(
        started.elapsed() >= busy_delay(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(back.envelope.as_ref().unwrap().attempt, 0);
    assert_eq!(back.delays(), 2, "the next refusal would wait longer still");

    drop(slots);
    assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    assert_eq!(
        w.calls().last(),
        Some(&Call {
            command_id: env.id.clone(),
            attempt: 0,
            // Refused before its intent was recorded.
            resumed: false,
        })
    );
    assert!(w.parked().await.is_empty());
    w.done().await;
}

/// A command an agent queued keeps its priority when it is sent back to
/// wait, so the account's budget still serves it after live changes; a
/// command without the header is a live change.
#[tokio::test]
async fn a_manual_command_keeps_its_priority_when_it_is_sent_back_to_wait() {
    let mut w = World::new().await;
    let env = command("mm", "e1", "mm:7");
    w.script([Err(throttled())]);
    let mut first = w.delivery(&env);
    first
        .headers
        .insert(ponte_bus::PRIORITY_HEADER.into(), "manual".into());
    assert_eq!(w.handler.handle(first).await, Disposition::Ack);
    let back = w.next_command().await;
    assert_eq!(
        back.headers
            .get(ponte_bus::PRIORITY_HEADER)
            .map(String::as_str),
        Some("manual")
    );
    assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    let live = command("mm", "e2", "mm:8");
    assert_eq!(w.handle(&live).await, Disposition::Ack);
    assert_eq!(
        w.priorities(),
        [Priority::Manual, Priority::Manual, Priority::Live]
    );
    w.done().await;
}
