//! Failures: a transient one is retried with one more attempt counted
//! until the policy gives up; a permanent one, an unknown or disabled
//! integration and a message that is no command are parked at once.

use super::*;

#[tokio::test]
async fn a_transient_failure_is_retried_then_parked_when_the_attempts_run_out() {
    let mut w = World::new().await;
    let env = command("mm", "e1", "mm:7");
    w.script((0..MAX_ATTEMPTS).map(|_| {
        Err(ExecError::Transient {
            reason: "Okdesk answered 503: busy".into(),
            status: Some(503),
            retry_after: None,
        })
    }));

    assert_eq!(
        w.handle(&env).await,
        Disposition::Ack,
        "a retry is scheduled"
    );
    for attempt in 1..MAX_ATTEMPTS {
        let back = w.next_command().await;
        let retried = back.envelope.as_ref().expect("an envelope");
        assert_eq!(
            (retried.id.as_str(), retried.attempt),
            (env.id.as_str(), attempt)
        );
        assert_eq!(w.handler.handle(back).await, Disposition::Ack);
    }
    let expected: Vec<Call> = (0..MAX_ATTEMPTS)
        .map(|attempt| Call {
            command_id: env.id.clone(),
            attempt,
            // Every try after the first finds the earlier one unfinished.
            resumed: attempt > 0,
        })
        .collect();
    assert_eq!(w.calls(), expected);
    w.no_command().await;

    let parked = w.parked().await;
    assert_eq!(parked.len(), 1, "{parked:?}");
    let dl = &parked[0];
    assert_eq!(dl.id, env.id);
    assert_eq!(
        dl.reason,
        format!("gave up after {MAX_ATTEMPTS} attempts: Okdesk answered 503: busy")
    );
    assert_eq!(dl.category, "exhausted");
    assert!(!dl.permanent);
    assert_eq!(dl.attempts, MAX_ATTEMPTS);
    assert_eq!(dl.last_status.as_deref(), Some("503"));
    assert_eq!(dl.origin_queue.as_deref(), Some(w.queue.as_str()));
    let failed = w.failed_lines("mm:7").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        failed[0].detail,
        format!("assign_agent: gave up after {MAX_ATTEMPTS} attempts: Okdesk answered 503: busy")
    );
    assert_eq!(failed[0].cause, env.id);

    // Parked, it no longer holds its key: the next command runs at once.
    assert_eq!(w.held(&env).await, 0);
    let next = command("mm", "e2", "mm:7");
    assert_eq!(w.handle(&next).await, Disposition::Ack);
    assert_eq!(
        w.calls().last().map(|c| c.command_id.as_str()),
        Some(next.id.as_str())
    );
    w.done().await;
}

#[tokio::test]
async fn a_permanent_failure_is_parked_at_once_with_the_executors_reason() {
    let mut w = World::new().await;
    let env = command("mm", "e1", "mm:7");
    w.script([Err(ExecError::Permanent {
        reason: "Okdesk answered 422: subject too long".into(),
        status: Some(422),
    })]);

    assert_eq!(w.handle(&env).await, Disposition::Ack);
    assert_eq!(w.calls().len(), 1);
    w.no_command().await;
    let parked = w.parked().await;
    assert_eq!(parked.len(), 1, "{parked:?}");
    let dl = &parked[0];
    assert_eq!(
        (dl.id.as_str(), dl.reason.as_str()),
        (env.id.as_str(), "Okdesk answered 422: subject too long")
    );
    assert!(dl.permanent);
    assert_eq!(dl.category, "permanent");
    assert_eq!(dl.attempts, 1);
    assert_eq!(dl.last_status.as_deref(), Some("422"));
    let failed = w.failed_lines("mm:7").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        failed[0].detail,
        "assign_agent: Okdesk answered 422: subject too long"
    );
    w.done().await;
}

#[tokio::test]
async fn an_unknown_or_disabled_integration_is_parked_without_calling_the_executor() {
    let mut w = World::new().await;
    let gone = command("gone", "e1", "gone:1");
    let off = command("off", "e2", "off:1");
    assert_eq!(w.handle(&gone).await, Disposition::Ack);
    assert_eq!(w.handle(&off).await, Disposition::Ack);
    assert!(w.calls().is_empty(), "{:?}", w.calls());
    w.no_command().await;

    let parked = w.parked().await;
    let reason = |id: &str| {
        let dl = parked.iter().find(|d| d.id == id).expect("parked");
        assert!(dl.permanent, "{dl:?}");
        dl.reason.clone()
    };
    assert_eq!(parked.len(), 2, "{parked:?}");
    assert!(
        reason(&gone.id).contains("integration `gone` does not exist"),
        "{}",
        reason(&gone.id)
    );
    assert!(
        reason(&off.id).contains("integration `off` is disabled"),
        "{}",
        reason(&off.id)
    );
    assert_eq!(w.failed_lines("off:1").await.len(), 1);
    w.done().await;
}

#[tokio::test]
async fn a_message_that_is_no_command_is_parked_and_an_unreadable_one_rejected() {
    let w = World::new().await;
    let ticket = ponte_core::TicketRef {
        integration: "mm".into(),
        side: Side::Target,
        provider: PROVIDER,
        ticket_id: "12".into(),
    };
    let not_a_command = Envelope::reconcile_hint(ticket, Utc::now());
    assert_eq!(w.handle(&not_a_command).await, Disposition::Ack);
    let unreadable = Incoming {
        envelope: Envelope::from_bytes(b"not an envelope"),
        ..w.delivery(&not_a_command)
    };
    assert_eq!(
        w.handler.handle(unreadable).await,
        Disposition::Reject,
        "the broker parks what cannot be read"
    );
    assert!(w.calls().is_empty());
    let parked = w.parked().await;
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert!(
        parked[0].reason.contains("arrived on a command queue"),
        "{}",
        parked[0].reason
    );
    assert!(parked[0].permanent);
    w.done().await;
}
