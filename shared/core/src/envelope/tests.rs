use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::ids::{command_id, derive};
use crate::{Call, Change, Emitted, Operation, Ticket, TicketRef};

fn ticket(side: Side, id: &str) -> TicketRef {
    TicketRef {
        integration: "mm".into(),
        side,
        provider: Provider::Movidesk,
        ticket_id: id.into(),
    }
}

fn command(side: Side, cause: &str, op: Operation) -> Command {
    Command {
        integration: "mm".into(),
        side,
        provider: Provider::Movidesk,
        cause: cause.into(),
        op,
    }
}

/// An envelope as versions before decision 90 wrote it (their derived
/// serialiser: fields in declaration order, the body as untyped JSON).
fn written_before(kind: &str, shard_key: &str, body: Value) -> Value {
    json!({
        "id": "0123456789abcdef0123456789abcdef",
        "kind": kind,
        "integration": "mm",
        "provider": "movidesk",
        "shard_key": shard_key,
        "occurred_at": "2026-12-04T21:00:00Z",
        "received_at": "2026-12-04T21:00:01.250Z",
        "attempt": 2,
        "body": body,
    })
}

/// What a body that only names its ticket means.
fn hint() -> Vec<Change> {
    vec![Change::Hint]
}

fn read(v: &Value) -> Result<Envelope, EnvelopeError> {
    Envelope::from_bytes(&serde_json::to_vec(v).expect("json"))
}

#[test]
fn a_webhook_written_before_reads_and_writes_back_unchanged() {
    let old = written_before(
        "webhook",
        "mm:source:42",
        json!({"side": "source", "payload": {"Id": 42, "Actions": []}}),
    );
    let env = read(&old).expect("an old webhook reads");
    assert_eq!(env.id, "0123456789abcdef0123456789abcdef");
    assert_eq!(env.kind(), MessageKind::Webhook);
    assert_eq!(env.shard_key, "mm:source:42");
    assert_eq!(env.attempt, 2);
    assert_eq!(
        env.occurred_at,
        Utc.with_ymd_and_hms(2026, 12, 4, 21, 0, 0)
            .single()
            .expect("time")
    );
    let Message::Webhook(body) = &env.message else {
        panic!("not a webhook: {env:?}");
    };
    assert_eq!(body.side, Side::Source);
    assert_eq!(body.subject, None, "old webhooks carry no subject");
    assert_eq!(body.changes, None, "nor what they mean");
    assert_eq!(body.payload, json!({"Id": 42, "Actions": []}));
    // A retry or a dead letter of an old message keeps its shape.
    let back: Value = serde_json::from_slice(&env.to_bytes()).expect("json");
    assert_eq!(back, old);
}

#[test]
fn an_event_written_before_reads_and_writes_back_unchanged() {
    let old = written_before(
        "event",
        "mm:target:7",
        json!({
            "ticket": {"integration": "mm", "side": "target", "provider": "movidesk", "ticket_id": "7"},
            "change": {"type": "hint"},
        }),
    );
    let env = read(&old).expect("an old event reads");
    let Message::Event(event) = &env.message else {
        panic!("not an event: {env:?}");
    };
    assert_eq!(event.ticket, ticket(Side::Target, "7"));
    assert_eq!(event.change, Change::Hint);
    let back: Value = serde_json::from_slice(&env.to_bytes()).expect("json");
    assert_eq!(back, old);
}

#[test]
fn a_command_written_before_reads_and_writes_back_unchanged() {
    let old = written_before(
        "command",
        "mm:source:42",
        json!({
            "integration": "mm",
            "side": "source",
            "provider": "movidesk",
            "cause": "e1",
            "op": {"type": "sync_ticket", "ticket_id": "42"},
        }),
    );
    let env = read(&old).expect("an old command reads");
    let Message::Command(c) = &env.message else {
        panic!("not a command: {env:?}");
    };
    assert_eq!(
        c,
        &command(
            Side::Source,
            "e1",
            Operation::SyncTicket {
                ticket_id: "42".into()
            }
        )
    );
    let back: Value = serde_json::from_slice(&env.to_bytes()).expect("json");
    assert_eq!(back, old);
}

#[test]
fn a_body_that_does_not_match_its_kind_is_an_error_naming_the_kind() {
    let webhook_body = json!({"side": "source", "payload": {"Id": 42}});
    let err = read(&written_before("command", "k", webhook_body.clone()))
        .expect_err("a webhook body is not a command");
    let text = err.to_string();
    assert!(
        text.contains("the body of a `command` envelope is not a valid command"),
        "{text}"
    );
    assert!(text.contains("missing field"), "{text}");
    assert_eq!(text.matches(" at line ").count(), 1, "one position: {text}");

    let err = read(&written_before("event", "k", webhook_body)).expect_err("not an event");
    assert!(err.to_string().contains("`event` envelope"), "{err}");

    let err = read(&written_before("webhook", "k", json!({"payload": 1}))).expect_err("no side");
    assert!(err.to_string().contains("`webhook` envelope"), "{err}");
}

#[test]
fn a_body_before_its_kind_still_reads_and_is_still_checked() {
    let text = r#"{"body": {"side": "target", "subject": "9", "payload": {}}, "id": "x",
        "integration": "mm", "provider": "movidesk", "shard_key": "mm:target:9",
        "occurred_at": "2026-12-04T21:00:00Z", "received_at": "2026-12-04T21:00:00Z",
        "attempt": 0, "kind": "webhook", "from_a_later_version": true}"#;
    let env = Envelope::from_bytes(text.as_bytes()).expect("reads");
    let Message::Webhook(body) = env.message else {
        panic!("not a webhook");
    };
    assert_eq!(body.subject.as_deref(), Some("9"));

    let wrong = text.replace(r#""kind": "webhook""#, r#""kind": "command""#);
    let err = Envelope::from_bytes(wrong.as_bytes()).expect_err("not a command");
    assert!(err.to_string().contains("`command` envelope"), "{err}");
}

#[test]
fn an_envelope_without_its_kind_or_body_is_refused() {
    let mut old = written_before("event", "k", json!({}));
    old.as_object_mut().expect("object").remove("kind");
    assert!(
        read(&old)
            .expect_err("no kind")
            .to_string()
            .contains("kind")
    );
    let mut old = written_before("event", "k", json!({}));
    old.as_object_mut().expect("object").remove("body");
    assert!(
        read(&old)
            .expect_err("no body")
            .to_string()
            .contains("body")
    );
}

#[test]
fn a_webhook_is_keyed_by_its_ticket_and_carries_its_subject() {
    let payload = json!({"Id": 42, "b": 1, "a": 2});
    let env = Envelope::webhook(ticket(Side::Source, "42"), None, payload.clone(), hint());
    // The body's text as serde_json writes it: keys sorted in a normal
    // build, in the body's order where a dev-dependency turns on
    // `preserve_order` (the workspace's test build); a provider's retry
    // sends the same body either way.
    let canonical = serde_json::to_string(&payload).expect("text");
    assert_eq!(
        env.id,
        derive(&["webhook", "movidesk", "mm", "source", &canonical])
    );
    assert_eq!(
        env.id,
        Envelope::webhook(ticket(Side::Source, "42"), None, payload.clone(), hint()).id,
        "the same body from the same side has the same id"
    );
    assert_ne!(
        env.id,
        Envelope::webhook(ticket(Side::Target, "42"), None, payload.clone(), hint()).id
    );
    assert_eq!(env.shard_key, "mm:source:42");
    assert_eq!(
        (env.integration.as_str(), env.provider),
        ("mm", Provider::Movidesk)
    );
    assert_eq!(env.attempt, 0);
    assert_eq!(
        env.message,
        Message::Webhook(WebhookBody {
            side: Side::Source,
            subject: Some("42".into()),
            changes: Some(hint()),
            payload: payload.clone(),
        })
    );

    let by_delivery = Envelope::webhook(
        ticket(Side::Source, "42"),
        Some("delivery-1"),
        payload,
        hint(),
    );
    assert_eq!(
        by_delivery.id,
        derive(&["webhook", "movidesk", "mm", "source", "delivery-1"])
    );
    // The subject survives the wire.
    let back = Envelope::from_bytes(&env.to_bytes()).expect("reads");
    assert_eq!(back, env);
}

#[test]
fn an_event_keeps_its_derived_id_and_is_keyed_by_its_ticket() {
    let at = Utc
        .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
        .single()
        .expect("time");
    let emitted = Emitted {
        id: "ev1".into(),
        occurred_at: at,
        event: CanonicalEvent {
            ticket: ticket(Side::Target, "7"),
            change: Change::Hint,
        },
    };
    let env = Envelope::event(&emitted);
    assert_eq!(env.id, "ev1");
    assert_eq!(env.shard_key, "mm:target:7");
    assert_eq!(env.occurred_at, at);
    assert_eq!(env.message, Message::Event(emitted.event.clone()));
    assert_eq!(Envelope::from_bytes(&env.to_bytes()).expect("reads"), env);

    let hint = Envelope::reconcile_hint(ticket(Side::Source, "42"), at);
    assert_eq!(
        hint.id,
        derive(&["reconcile", "mm:source:42", &at.to_rfc3339()])
    );
    assert_eq!(hint.shard_key, "mm:source:42");
    assert_eq!(hint.occurred_at, at);
    assert_eq!(hint.kind(), MessageKind::Event);
}

#[test]
fn a_command_is_keyed_by_its_link_else_by_its_subject() {
    let at = Utc::now();
    let status = command(
        Side::Target,
        "e1",
        Operation::ChangeStatus {
            link_id: "link-1".into(),
            origin: ticket(Side::Source, "42"),
            status: "Resolvido".into(),
            base_status: Default::default(),
            changed_at: at,
            justification: None,
        },
    );
    let env = Envelope::command(status.clone(), at);
    assert_eq!(env.id, command_id("e1", "link-1", "change_status"));
    assert_eq!(env.shard_key, "link-1");
    assert_eq!(env.occurred_at, at);
    assert_eq!(env.message, Message::Command(status.clone()));
    assert_eq!(Envelope::command(status, at).id, env.id, "deterministic");

    let read = command(
        Side::Source,
        "e2",
        Operation::SyncTicket {
            ticket_id: "42".into(),
        },
    );
    let env = Envelope::command(read, at);
    assert_eq!(env.id, command_id("e2", "mm:source:42", "sync_ticket"));
    assert_eq!(env.shard_key, "mm:source:42");

    let call = Call {
        id: "call-9".into(),
        ..Call::default()
    };
    for op in [
        Operation::PopCallerCard {
            call: Box::new(call.clone()),
        },
        Operation::LogCall {
            call: Box::new(call.clone()),
        },
        Operation::OpenMissedCallTicket {
            call: Box::new(call.clone()),
        },
    ] {
        let name = op.name();
        let env = Envelope::command(command(Side::Target, "e3", op), at);
        assert_eq!(env.shard_key, "mm:call:call-9", "{name}");
        assert_eq!(env.id, command_id("e3", "mm:call:call-9", name));
    }

    let create = command(
        Side::Target,
        "e4",
        Operation::CreateTicket {
            link_id: "link-2".into(),
            source: ticket(Side::Source, "42"),
            ticket: Box::new(Ticket::default()),
            how: crate::LinkOrigin::Automatic,
        },
    );
    let env = Envelope::command(create, at);
    assert_eq!(env.shard_key, "link-2");
    assert_eq!(env.id, command_id("e4", "link-2", "create_ticket"));
    assert_eq!(Envelope::from_bytes(&env.to_bytes()).expect("reads"), env);
}
