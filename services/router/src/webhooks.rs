//! What a provider's webhook means, before any rule applies. The ingress
//! read the body once and the envelope carries its subject and meaning
//! (decision 99); only a webhook an older ingress queued is read here, by
//! the same reader (`ponte_webhooks`).

use ponte_core::envelope::WebhookBody;
use ponte_core::{CanonicalEvent, Change, Envelope, Integration, Message, TicketRef};
use ponte_webhooks::reader;

/// The canonical events of an accepted webhook.
pub(crate) fn events(env: &Envelope, body: &WebhookBody) -> Result<Vec<CanonicalEvent>, String> {
    let (subject, changes) = match (&body.subject, &body.changes) {
        (Some(subject), Some(changes)) => (subject.clone(), changes.clone()),
        _ => queued_before(env, body)?,
    };
    let ticket = TicketRef {
        integration: env.integration.clone(),
        side: body.side,
        provider: env.provider,
        ticket_id: subject,
    };
    Ok(changes
        .into_iter()
        .map(|change| CanonicalEvent {
            ticket: ticket.clone(),
            change,
        })
        .collect())
}

/// A webhook an ingress before decision 99 queued (before decision 90,
/// without even its subject, which then is found in the body, never in
/// the shard key): read here, as the ingress reads one now.
fn queued_before(env: &Envelope, body: &WebhookBody) -> Result<(String, Vec<Change>), String> {
    let reader = reader(env.provider);
    let subject = match &body.subject {
        Some(subject) => subject.clone(),
        None => reader.accept(&body.payload).map_err(|e| e.0)?.subject_id,
    };
    let changes = reader
        .read(&subject, &body.payload)
        .map_err(|e| e.0)?
        .into_changes();
    Ok((subject, changes))
}

/// A webhook reporting only Ponte's own write on a linked desk, which an
/// ingress before decision 108 queued: the re-read it would cost finds
/// nothing to carry (`ponte_webhooks::own_write`).
pub(crate) fn own_write(env: &Envelope, integration: &Integration, body: &WebhookBody) -> bool {
    ponte_webhooks::own_write(integration, env.provider, body.side, &body.payload)
}

/// The mark a webhook takes if it is the echo of a write of Ponte's that
/// adds no action (decision 114): the marker tag Ponte puts on a ticket it
/// linked. Such a body names no author, so only the mark Ponte set before
/// the write tells it, for the ticket and the status it had then.
pub(crate) fn quiet_echo(env: &Envelope) -> Option<String> {
    let Message::Webhook(body) = &env.message else {
        return None;
    };
    let subject = body.subject.as_deref()?;
    ponte_webhooks::quiet_echo(
        &env.integration,
        env.provider,
        body.side,
        subject,
        &body.payload,
    )
}

#[cfg(test)]
mod tests {
    use ponte_core::{Provider, Side};
    use serde_json::json;

    use super::*;

    fn webhook(provider: Provider, subject: &str, payload: serde_json::Value) -> Envelope {
        let ticket = TicketRef {
            integration: "it".into(),
            side: Side::Source,
            provider,
            ticket_id: subject.into(),
        };
        let changes = reader(provider)
            .reading(&payload)
            .expect("the ingress accepts it")
            .changes;
        Envelope::webhook(ticket, None, payload, changes)
    }

    fn body(env: &Envelope) -> &WebhookBody {
        match &env.message {
            ponte_core::Message::Webhook(body) => body,
            other => panic!("not a webhook: {other:?}"),
        }
    }

    #[test]
    fn a_webhook_is_about_the_subject_the_ingress_found() {
        let env = webhook(Provider::Movidesk, "42", json!({"Id": 42}));
        let read = events(&env, body(&env)).expect("read");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].change, Change::Hint);
        assert_eq!(read[0].ticket.ticket_id, "42");
        assert_eq!(read[0].ticket.side, Side::Source);

        let okdesk = json!({"event": {"event_type": "new_ticket"}, "issue": {"id": "153", "title": "t", "status": {"code": "opened"}}});
        let env = webhook(Provider::Okdesk, "153", okdesk);
        let read = events(&env, body(&env)).expect("read");
        assert_eq!(read[0].change.name(), "ticket_created");
        assert_eq!(read[0].ticket.ticket_id, "153");
    }

    /// The router takes the meaning the ingress read; it does not parse the
    /// body again (a body it could not read still routes what it carries).
    #[test]
    fn the_meaning_the_ingress_read_is_routed_without_reading_the_body() {
        let ticket = TicketRef {
            integration: "it".into(),
            side: Side::Target,
            provider: Provider::Okdesk,
            ticket_id: "153".into(),
        };
        let env = Envelope::webhook(ticket, None, json!({"not": "okdesk"}), vec![Change::Hint]);
        let read = events(&env, body(&env)).expect("routed as carried");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].change, Change::Hint);
        assert_eq!(read[0].ticket.side, Side::Target);
    }

    /// A webhook an ingress between decisions 90 and 99 queued carries its
    /// subject but not its meaning: the body is read here.
    #[test]
    fn a_webhook_queued_without_its_meaning_is_read_from_its_body() {
        let old = json!({
            "id": "e0", "kind": "webhook", "integration": "it", "provider": "okdesk",
            "shard_key": "it:source:153", "occurred_at": "2026-12-04T21:00:00Z",
            "received_at": "2026-12-04T21:00:00Z", "attempt": 0,
            "body": {"side": "source", "subject": "153", "payload": {"event": {"event_type": "new_ticket"}, "issue": {"id": "153", "title": "t", "status": {"code": "opened"}}}},
        });
        let env = Envelope::from_bytes(old.to_string().as_bytes()).expect("reads");
        let read = events(&env, body(&env)).expect("read");
        assert_eq!(read[0].change.name(), "ticket_created");
        assert_eq!(read[0].ticket.ticket_id, "153");
    }

    /// A webhook an ingress before decision 90 queued has no subject: the
    /// reader finds it in the body, never in the shard key.
    #[test]
    fn a_webhook_queued_before_the_subject_travelled_is_read_from_its_body() {
        let old = json!({
            "id": "e1", "kind": "webhook", "integration": "it", "provider": "movidesk",
            "shard_key": "not-a-ticket-key", "occurred_at": "2026-12-04T21:00:00Z",
            "received_at": "2026-12-04T21:00:00Z", "attempt": 0,
            "body": {"side": "target", "payload": {"Id": 77}},
        });
        let env = Envelope::from_bytes(old.to_string().as_bytes()).expect("reads");
        let read = events(&env, body(&env)).expect("read");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].ticket.ticket_id, "77");
        assert_eq!(read[0].ticket.side, Side::Target);

        let bad = json!({
            "id": "e2", "kind": "webhook", "integration": "it", "provider": "movidesk",
            "shard_key": "it:target:77", "occurred_at": "2026-12-04T21:00:00Z",
            "received_at": "2026-12-04T21:00:00Z", "attempt": 0,
            "body": {"side": "target", "payload": {"Subject": "no id"}},
        });
        let env = Envelope::from_bytes(bad.to_string().as_bytes()).expect("reads");
        let err = events(&env, body(&env)).expect_err("no ticket number");
        assert!(err.contains("`Id`"), "{err}");
    }

    #[test]
    fn a_movidesk_webhook_without_actions_asks_for_its_tickets_quiet_echo() {
        let quiet = webhook(
            Provider::Movidesk,
            "42",
            json!({"Id": 42, "Status": "Novo", "Actions": []}),
        );
        assert_eq!(
            quiet_echo(&quiet),
            Some(ponte_core::ids::quiet_echo("it", "source", "42", "Novo"))
        );
        let written = webhook(
            Provider::Movidesk,
            "42",
            json!({"Id": 42, "Status": "Novo", "Actions": [{"Id": 2, "CreatedBy": {"Id": "ana"}}]}),
        );
        assert_eq!(quiet_echo(&written), None);
    }
}
