//! A command that succeeds: run once, everything it derived kept, a repeat
//! acknowledged without running it again.

use ponte_core::{CanonicalEvent, Change, Emitted, Message, TicketRef};
use ponte_store::Intent;

use super::*;
use crate::Deferred;

fn outcome(cause: &str) -> (Outcome, Emitted, HistoryEntry, Command) {
    let ticket = TicketRef {
        integration: "mm".into(),
        side: Side::Target,
        provider: PROVIDER,
        ticket_id: "12".into(),
    };
    let emitted = Emitted {
        id: "ev-derived-1".into(),
        occurred_at: Utc::now(),
        event: CanonicalEvent {
            ticket: ticket.clone(),
            change: Change::Hint,
        },
    };
    let line = HistoryEntry {
        at: Utc::now(),
        kind: HistoryKind::FieldsMirrored,
        detail: "owner → agent 5".into(),
        trace_id: None,
        cause: cause.into(),
    };
    // The source (Movidesk) marked by its own worker.
    let follow_up = Command::new(
        &integration("mm", true),
        Side::Source,
        "counterpart-1",
        Operation::MarkLinked {
            link_id: "mm:7".into(),
            ticket_id: "7".into(),
            counterpart: "12".into(),
        },
    );
    let outcome = Outcome {
        result: json!({"assigned": "5"}),
        events: vec![emitted.clone()],
        commands: vec![follow_up.clone()],
        deferred: vec![Deferred::Snapshot {
            ticket_key: ticket.key(),
            value: json!({"id": "12", "owner": "5"}),
        }],
        history: vec![("mm:7".into(), line.clone())],
    };
    (outcome, emitted, line, follow_up)
}

#[tokio::test]
async fn a_success_runs_once_and_keeps_its_result_history_snapshot_and_events() {
    let mut w = World::new().await;
    let env = command("mm", "e1", "mm:7");
    let (out, emitted, line, follow_up) = outcome(&env.id);
    w.script([Ok(out)]);

    assert_eq!(w.handle(&env).await, Disposition::Ack);
    assert_eq!(
        w.calls(),
        [Call {
            command_id: env.id.clone(),
            attempt: 0,
            resumed: false
        }]
    );
    assert_eq!(
        w.store().begin(&env.id).await.unwrap(),
        Intent::Done(json!({"assigned": "5"})),
        "the result is recorded"
    );
    assert_eq!(w.history("mm:7").await, [line]);
    assert_eq!(
        w.store().snapshot("mm:target:12").await.unwrap(),
        Some(json!({"id": "12", "owner": "5"})),
        "the deferred snapshot is written"
    );
    let event = w.next_event().await;
    assert_eq!(event.id, emitted.id);
    assert_eq!(event.shard_key, "mm:target:12");
    assert!(
        matches!(&event.message, Message::Event(e) if *e == emitted.event),
        "{event:?}"
    );
    let queued = w.next_follow_up().await;
    assert_eq!(queued.provider, Provider::Movidesk);
    assert_eq!(queued.shard_key, "mm:7", "on the pair's shard");
    assert_eq!(queued.message, Message::Command(follow_up.clone()));
    assert_eq!(
        queued.id,
        Envelope::command(follow_up, Utc::now()).id,
        "its id is its cause's: a repeat is one"
    );

    // The broker delivers it again (a lost ack): nothing runs twice.
    let mut again = w.delivery(&env);
    again.redelivered = true;
    assert_eq!(w.handler.handle(again).await, Disposition::Ack);
    assert_eq!(w.calls().len(), 1, "the executor ran once");
    assert_eq!(w.history("mm:7").await.len(), 1);
    w.no_command().await;
    w.no_follow_up().await;
    assert!(w.parked().await.is_empty());
    w.done().await;
}
