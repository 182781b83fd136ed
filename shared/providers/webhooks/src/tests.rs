use ponte_core::{Change, Provider, Side};
use serde_json::{Value, json};

use super::*;

fn accepted(provider: Provider, body: &Value) -> Accepted {
    reader(provider).accept(body).expect("accepted")
}

#[test]
fn each_reader_finds_the_subject_and_the_delivery_id() {
    let movidesk = accepted(Provider::Movidesk, &json!({"Id": 42}));
    assert_eq!(
        movidesk,
        Accepted {
            subject_id: "42".into(),
            dedupe_key: None
        }
    );
    let blip = json!({"type": "application/vnd.iris.ticket+json", "content": {"id": "t1", "status": "Waiting"}, "id": "Ticket:t1:Waiting", "from": "t1@desk.msging.net/Webhook"});
    let blip = accepted(Provider::Blip, &blip);
    assert_eq!(
        (blip.subject_id.as_str(), blip.dedupe_key.as_deref()),
        ("t1", Some("Ticket:t1:Waiting"))
    );
    let uis = json!({"call_id": 237859081, "action": "wait", "phone": "79991234567", "extension_phone_number": "101"});
    let uis = accepted(Provider::Uis, &uis);
    assert_eq!(
        (uis.subject_id.as_str(), uis.dedupe_key.as_deref()),
        ("237859081", Some("237859081:wait:101"))
    );
    let okdesk = accepted(
        Provider::Okdesk,
        &json!({"event": {"event_type": "new_ticket"}, "issue": {"id": "153"}}),
    );
    assert_eq!(okdesk.subject_id, "153");
    let octadesk = accepted(
        Provider::Octadesk,
        &json!({"domain": "ticket", "event": "ticket.updated", "data": {"number": 1042}}),
    );
    assert_eq!(octadesk.subject_id, "1042");
}

#[test]
fn refusals_name_the_provider_and_the_field() {
    let e = reader(Provider::Movidesk)
        .accept(&json!({"Subject": "x"}))
        .expect_err("no Id");
    assert!(e.0.starts_with("Movidesk trigger body: `Id`"), "{e}");
    let e = reader(Provider::Okdesk)
        .accept(&json!({}))
        .expect_err("no event");
    assert!(e.0.starts_with("Okdesk webhook: `event`"), "{e}");
    let e = reader(Provider::Warehouse)
        .accept(&json!({"Id": 1}))
        .expect_err("no webhooks");
    assert!(e.0.contains("a warehouse sends no webhooks"), "{e}");
    assert!(
        reader(Provider::Warehouse)
            .read("1", &json!({"Id": 1}))
            .is_err()
    );
}

#[test]
fn a_movidesk_trigger_is_a_hint_about_its_subject_read_without_a_second_parse() {
    // The subject comes from the ingress; the body is not read again.
    assert_eq!(
        reader(Provider::Movidesk).read("42", &json!({"Id": 42})),
        Ok(Meaning::Hint)
    );
}

#[test]
fn bodies_that_say_what_happened_read_as_changes() {
    let uis = json!({"call_id": 237859081, "action": "wait", "phone": "79991234567", "extension_phone_number": "101"});
    let Ok(Meaning::Changes(changes)) = reader(Provider::Uis).read("237859081", &uis) else {
        panic!("not read");
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].name(), "call_ringing");
    let okdesk = json!({"event": {"event_type": "new_ticket"}, "issue": {"id": "153", "title": "t", "status": {"code": "opened"}}});
    let Ok(Meaning::Changes(changes)) = reader(Provider::Okdesk).read("153", &okdesk) else {
        panic!("not read");
    };
    assert_eq!(changes[0].name(), "ticket_created");
}

#[test]
fn only_movidesk_recognises_its_own_writes() {
    let body = json!({"Id": 42, "Actions": [{"Description": "x ponte ref 0123456789ab", "CreatedBy": {"Id": "7"}}]});
    assert!(!reader(Provider::Okdesk).written_by(&body, "7"));
    assert_eq!(
        reader(Provider::Movidesk).written_by(&body, "7"),
        ponte_movidesk::webhook::written_by(&body, "7")
    );
}

#[test]
fn a_quiet_movidesk_body_names_the_mark_of_its_ticket_side_and_status() {
    let quiet = json!({"Id": 42, "Status": "Novo", "Actions": []});
    assert_eq!(
        quiet_echo("mm", Provider::Movidesk, Side::Source, "42", &quiet),
        Some(ponte_core::ids::quiet_echo("mm", "source", "42", "Novo"))
    );
    let written =
        json!({"Id": 42, "Status": "Novo", "Actions": [{"Id": 2, "CreatedBy": {"Id": "7"}}]});
    assert_eq!(
        quiet_echo("mm", Provider::Movidesk, Side::Source, "42", &written),
        None
    );
    for (provider, body) in samples() {
        if provider != Provider::Movidesk {
            assert_eq!(
                quiet_echo("mm", provider, Side::Source, "42", &body),
                None,
                "{provider:?}"
            );
        }
    }
}

/// Bodies of every provider that reads its webhooks, as the sandbox and
/// the providers' documents send them.
fn samples() -> Vec<(Provider, Value)> {
    vec![
        (Provider::Movidesk, json!({"Id": 42})),
        (
            Provider::Blip,
            json!({"type": "application/vnd.iris.ticket+json", "content": {"id": "t1", "status": "Waiting"}, "id": "Ticket:t1:Waiting", "from": "t1@desk.msging.net/Webhook"}),
        ),
        (
            Provider::Blip,
            json!({"type": "text/plain", "content": "the printer is off", "id": "fwd:fwd:m1", "from": "t1@desk.msging.net/Webhook"}),
        ),
        (
            Provider::Uis,
            json!({"call_id": 237859081, "action": "wait", "phone": "79991234567", "extension_phone_number": "101"}),
        ),
        (
            Provider::Okdesk,
            json!({"event": {"event_type": "new_ticket"}, "issue": {"id": "153", "title": "t", "status": {"code": "opened"}}}),
        ),
        (
            Provider::Octadesk,
            json!({"domain": "ticket", "event": "ticket.updated", "data": {"number": 1042}}),
        ),
    ]
}

/// Changes without the time a channel's message was read at.
fn timeless(mut changes: Vec<Change>) -> Vec<Change> {
    for change in &mut changes {
        if let Change::ActionAdded { action, .. } = change {
            action.created_at = None;
        }
    }
    changes
}

/// The ingress's one pass gives what accepting and then reading give.
#[test]
fn one_reading_is_accepting_and_reading() {
    for (provider, body) in samples() {
        let reader = reader(provider);
        let read = reader.reading(&body).expect("read whole");
        let accepted = reader.accept(&body).expect("accepted");
        let meaning = reader
            .read(&accepted.subject_id, &body)
            .expect("means something");
        assert_eq!(read.accepted, accepted, "{provider}");
        assert_eq!(
            timeless(read.changes),
            timeless(meaning.into_changes()),
            "{provider}"
        );
        assert!(!accepted.subject_id.is_empty());
    }
}

/// A body that passes the acceptance checks but whose meaning cannot be
/// read is refused whole at the ingress, naming what was wrong.
#[test]
fn a_body_whose_meaning_cannot_be_read_is_refused_whole() {
    let bad_ticket = json!({"type": "application/vnd.iris.ticket+json", "content": {"id": "t1", "status": "Waiting", "agentIdentity": 5}, "id": "Ticket:t1:Waiting", "from": "t1@desk.msging.net/Webhook"});
    let blip = reader(Provider::Blip);
    assert!(blip.accept(&bad_ticket).is_ok(), "the checks alone pass it");
    let e = blip.reading(&bad_ticket).expect_err("refused whole");
    assert!(e.0.starts_with("Blip envelope: `content`"), "{e}");
    let warehouse = reader(Provider::Warehouse).reading(&json!({"Id": 1}));
    assert!(warehouse.is_err_and(|e| e.0.contains("a warehouse sends no webhooks")));
}
