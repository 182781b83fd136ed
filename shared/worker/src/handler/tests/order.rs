//! Per-key order across retries: while a command waits for its retry, the
//! later commands of its key wait behind it (durably, in Redis) and are sent
//! on one at a time when it finishes; other keys run meanwhile.

use super::*;

#[tokio::test]
async fn a_key_waiting_for_a_retry_holds_its_later_commands_and_not_other_keys() {
    let mut w = World::new().await;
    let first = command("mm", "e1", "mm:7");
    let second = command("mm", "e2", "mm:7");
    let other_key = command("mm", "e3", "mm:8");
    w.script([Err(transient("Okdesk answered 502"))]);

    assert_eq!(w.handle(&first).await, Disposition::Ack, "retry scheduled");
    assert_eq!(w.handle(&second).await, Disposition::Ack, "kept behind");
    assert_eq!(
        w.handle(&second).await,
        Disposition::Ack,
        "delivered twice, kept once"
    );
    assert_eq!(w.held(&first).await, 1);
    assert_eq!(w.handle(&other_key).await, Disposition::Ack);
    assert_eq!(
        w.ran(),
        [first.id.as_str(), other_key.id.as_str()],
        "the held command did not run; the other key did"
    );

    // The retry comes back first (the held command is not on the queue).
    let retry = w.next_command().await;
    assert_eq!(retry.envelope.as_ref().unwrap().id, first.id);
    assert_eq!(w.handler.handle(retry).await, Disposition::Ack);
    let released = w.next_command().await;
    let env = released.envelope.as_ref().unwrap();
    assert_eq!((env.id.as_str(), env.attempt), (second.id.as_str(), 0));
    assert_eq!(w.handler.handle(released).await, Disposition::Ack);
    assert_eq!(
        w.ran(),
        [
            first.id.as_str(),
            other_key.id.as_str(),
            first.id.as_str(),
            second.id.as_str()
        ]
    );
    assert_eq!(w.calls()[3].attempt, 0);
    assert_eq!(w.held(&first).await, 0);

    // The hold is lifted: a new command of the key runs at once.
    let third = command("mm", "e4", "mm:7");
    assert_eq!(w.handle(&third).await, Disposition::Ack);
    assert_eq!(w.ran().last(), Some(&third.id));
    w.no_command().await;
    w.done().await;
}

#[tokio::test]
async fn a_finished_owner_delivered_again_sends_the_next_command_on_again_and_it_runs_once() {
    let mut w = World::new().await;
    let first = command("mm", "e1", "mm:7");
    let second = command("mm", "e2", "mm:7");
    w.script([Err(transient("Okdesk answered 502"))]);
    assert_eq!(w.handle(&first).await, Disposition::Ack);
    assert_eq!(w.handle(&second).await, Disposition::Ack);
    let retry = w.next_command().await;
    let retried = retry.envelope.as_ref().unwrap().clone();
    assert_eq!(w.handler.handle(retry).await, Disposition::Ack);
    let released = w.next_command().await;

    // Its ack was lost: the finished command comes again before the one it
    // released has run. It runs no more, and sends the next on again.
    assert_eq!(w.handle(&retried).await, Disposition::Ack);
    let copy = w.next_command().await;
    for incoming in [released, copy] {
        assert_eq!(incoming.envelope.as_ref().unwrap().id, second.id);
        assert_eq!(w.handler.handle(incoming).await, Disposition::Ack);
    }
    assert_eq!(
        w.ran(),
        [first.id.as_str(), first.id.as_str(), second.id.as_str()],
        "each ran to its end once"
    );
    assert_eq!(w.held(&first).await, 0);
    w.no_command().await;
    w.done().await;
}
