//! Back-pressure is a delay, never an attempt: however often a command is
//! throttled it keeps its attempt and is never parked for it.

use std::time::Instant;

use super::*;

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
async fn a_busy_integrations_command_waits_aside_until_it_has_room_and_other_tenants_run() {
    let mut w = World::new().await;
    // Busy::new(4): an integration holds at most 3 of a shard's 4 slots,
    // and has room for 2 commands sent back.
    let slots: Vec<_> = (0..3)
        .map(|_| w.handler.busy.enter(&w.queue, "mm").expect("a slot"))
        .collect();
    let env = command("mm", "e1", "mm:7");
    assert_eq!(w.handle(&env).await, Disposition::Ack);
    assert!(w.calls().is_empty(), "refused before anything runs");
    let later = command("mm", "e3", "mm:7");
    assert_eq!(w.handle(&later).await, Disposition::Ack);
    assert_eq!(
        w.held(&env).await,
        1,
        "its key's next command waits behind it"
    );
    let other = command("nn", "e2", "nn:1");
    assert_eq!(w.handle(&other).await, Disposition::Ack);
    assert_eq!(
        w.ran(),
        [other.id.as_str()],
        "another tenant takes the slot"
    );

    // While mm has no room nothing goes back to the shard queue: the
    // refused command does not cycle through it.
    let sender = w.sender();
    sender.send_on("mm").await.expect("a pass");
    w.no_command().await;
    drop(slots);
    assert_eq!(sender.send_on("mm").await.expect("a pass"), 0);
    let back = w.next_command().await;
    let sent = back.envelope.as_ref().unwrap();
    assert_eq!((sent.id.as_str(), sent.attempt), (env.id.as_str(), 0));
    assert_eq!(back.delays(), 0, "waiting aside is not a delay either");
    assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    let released = w.next_command().await;
    assert_eq!(released.envelope.as_ref().unwrap().id, later.id);
    assert_eq!(w.handler.handle(released).await, Disposition::Ack);
    assert_eq!(
        w.ran(),
        [other.id.as_str(), env.id.as_str(), later.id.as_str()],
        "mm's commands ran in order once it had room"
    );
    assert_eq!(
        w.calls()[1],
        Call {
            command_id: env.id.clone(),
            attempt: 0,
            // Refused before its intent was recorded.
            resumed: false,
        }
    );
    assert!(w.parked().await.is_empty());
    w.done().await;
}

/// The running sender sends a waiting command back as soon as a slot of its
/// integration comes free, and the command sent back is not refused again
/// however busy its integration is meanwhile: its room was counted.
#[tokio::test]
async fn a_freed_slot_sends_the_waiting_command_back_and_it_runs() {
    let mut w = World::new().await;
    let stop = CancellationToken::new();
    let running = tokio::spawn(w.sender().run(stop.clone()));
    let mut slots: Vec<_> = (0..3)
        .map(|_| w.handler.busy.enter(&w.queue, "mm").expect("a slot"))
        .collect();
    let env = command("mm", "e1", "mm:7");
    assert_eq!(w.handle(&env).await, Disposition::Ack);
    w.no_command().await;
    let started = Instant::now();
    // Two slots come free: mm has room for one command again (2 less 1).
    slots.truncate(1);
    let back = w.next_command().await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "woken by the freed slot, not the next look: {:?}",
        started.elapsed()
    );
    assert_eq!(back.envelope.as_ref().unwrap().id, env.id);
    // Busy again before it arrives: it still runs.
    slots.push(w.handler.busy.enter(&w.queue, "mm").expect("a slot"));
    assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    assert_eq!(w.ran(), [env.id.as_str()]);
    stop.cancel();
    running.await.expect("the sender stops");
    drop(slots);
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
