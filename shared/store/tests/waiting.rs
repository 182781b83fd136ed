//! An integration's waiting list against the real Redis: commands set aside
//! leave oldest first, one sender at a time, and a sender whose claim ran
//! out trims nothing (a command is sent twice at worst, never lost).

use std::time::Duration;

use ponte_store::Store;

fn store() -> Store {
    let url = std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    Store::new(
        &url,
        &format!("t-waiting-{}", uuid::Uuid::new_v4().simple()),
    )
    .expect("pool")
}

const P: &str = "movidesk";
const LONG: Duration = Duration::from_secs(10);

#[tokio::test]
async fn set_aside_commands_leave_oldest_first_through_one_sender_at_a_time() {
    let s = store();
    assert!(s.waiting_integrations(P).await.expect("set").is_empty());
    for (i, p) in ["p1", "p2", "p3"].iter().enumerate() {
        assert_eq!(
            s.set_aside(P, "x", p).await.expect("set aside"),
            i as u64 + 1
        );
    }
    assert_eq!(s.waiting_integrations(P).await.expect("set"), ["x"]);
    assert!(
        s.waiting_integrations("okdesk")
            .await
            .expect("set")
            .is_empty()
    );

    let a = s.claim_waiting(P, "x", 2, "a", LONG).await.expect("claim");
    assert_eq!(
        (a.waiting, a.entries),
        (3, vec!["p1".to_string(), "p2".into()])
    );
    // Another sender waits for the claim.
    let b = s.claim_waiting(P, "x", 2, "b", LONG).await.expect("claim");
    assert_eq!((b.waiting, b.entries.len()), (3, 0));
    // b cannot trim what a claimed.
    assert_eq!(s.sent_waiting(P, "x", 2, "b").await.expect("sent"), 3);
    // a sent only the first on (the second publish failed): it stays.
    assert_eq!(s.sent_waiting(P, "x", 1, "a").await.expect("sent"), 2);

    let b = s.claim_waiting(P, "x", 5, "b", LONG).await.expect("claim");
    assert_eq!(b.entries, ["p2", "p3"]);
    assert_eq!(s.sent_waiting(P, "x", 2, "b").await.expect("sent"), 0);
    assert!(
        s.waiting_integrations(P).await.expect("set").is_empty(),
        "an integration with nothing waiting leaves the set"
    );
    let none = s.claim_waiting(P, "x", 5, "a", LONG).await.expect("claim");
    assert_eq!((none.waiting, none.entries.len()), (0, 0));
}

#[tokio::test]
async fn a_sender_whose_claim_ran_out_trims_nothing() {
    let s = store();
    for p in ["p1", "p2", "p3"] {
        s.set_aside(P, "x", p).await.expect("set aside");
    }
    let a = s
        .claim_waiting(P, "x", 1, "a", Duration::from_millis(50))
        .await
        .expect("claim");
    assert_eq!(a.entries, ["p1"]);
    tokio::time::sleep(Duration::from_millis(120)).await;
    // a stalled past its claim; b takes over, sends p1 on and trims it.
    let b = s.claim_waiting(P, "x", 1, "b", LONG).await.expect("claim");
    assert_eq!(b.entries, ["p1"]);
    assert_eq!(s.sent_waiting(P, "x", 1, "b").await.expect("sent"), 2);
    // a's late trim would drop p2, never sent: it trims nothing.
    assert_eq!(s.sent_waiting(P, "x", 1, "a").await.expect("sent"), 2);
    let next = s.claim_waiting(P, "x", 5, "a", LONG).await.expect("claim");
    assert_eq!(next.entries, ["p2", "p3"]);
}
