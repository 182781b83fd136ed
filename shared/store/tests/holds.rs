//! Per-key holds against the real Redis: a key waiting for a retry keeps its
//! later commands, in order, and releases them one at a time.

use ponte_store::{Arrival, Store};

fn store() -> Store {
    let url = std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    Store::new(&url, &format!("t-holds-{}", uuid::Uuid::new_v4().simple())).expect("pool")
}

#[tokio::test]
async fn later_commands_wait_for_the_one_in_retry_and_leave_in_order() {
    let s = store();
    let lane = "q.work.movidesk.0:mm:101";
    assert_eq!(
        s.arrive(lane, "c1", "p1").await.expect("arrive"),
        Arrival::Run
    );
    // c1 fails: the key now waits for it.
    assert!(s.hold(lane, "c1").await.expect("hold"));
    assert_eq!(
        s.arrive(lane, "c2", "p2").await.expect("arrive"),
        Arrival::Held
    );
    assert_eq!(
        s.arrive(lane, "c3", "p3").await.expect("arrive"),
        Arrival::Held
    );
    // A redelivered copy of c2 is not kept twice.
    assert_eq!(
        s.arrive(lane, "c2", "p2").await.expect("arrive"),
        Arrival::Held
    );
    assert_eq!(s.held_count(lane).await.expect("count"), 2);
    // Another key is not affected.
    assert_eq!(
        s.arrive("other", "x1", "px").await.expect("arrive"),
        Arrival::Run
    );

    // c1's retry comes back and runs (it owns the key); it fails again.
    assert_eq!(
        s.arrive(lane, "c1", "p1").await.expect("arrive"),
        Arrival::Owner
    );
    assert!(s.hold(lane, "c1").await.expect("hold"));
    // It finally succeeds: c2 is handed out, and again if the release is
    // repeated before c2 arrives (c1's ack was lost).
    assert_eq!(
        s.release(lane, "c1").await.expect("release"),
        Some("p2".into())
    );
    assert_eq!(
        s.release(lane, "c1").await.expect("release"),
        Some("p2".into())
    );
    assert_eq!(
        s.arrive(lane, "c1", "p1").await.expect("arrive"),
        Arrival::Released,
        "a redelivered c1 hands the key on again, it is not kept"
    );
    // Something new on the key still waits behind c2 and c3.
    assert_eq!(
        s.arrive(lane, "c4", "p4").await.expect("arrive"),
        Arrival::Held
    );
    assert_eq!(
        s.arrive(lane, "c2", "p2").await.expect("arrive"),
        Arrival::Owner
    );
    assert_eq!(
        s.release(lane, "c1").await.expect("release"),
        None,
        "c2 arrived"
    );
    assert_eq!(
        s.release(lane, "c2").await.expect("release"),
        Some("p3".into())
    );
    assert_eq!(
        s.arrive(lane, "c3", "p3").await.expect("arrive"),
        Arrival::Owner
    );
    assert_eq!(
        s.release(lane, "c3").await.expect("release"),
        Some("p4".into())
    );
    assert_eq!(
        s.arrive(lane, "c4", "p4").await.expect("arrive"),
        Arrival::Owner
    );
    assert_eq!(s.release(lane, "c4").await.expect("release"), None);
    // The hold is lifted: the key runs freely again.
    assert_eq!(
        s.arrive(lane, "c5", "p5").await.expect("arrive"),
        Arrival::Run
    );
    assert_eq!(s.release(lane, "c5").await.expect("release"), None);
    assert_eq!(s.held_count(lane).await.expect("count"), 0);
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn a_key_waits_for_one_command_only() {
    let s = store();
    assert!(s.hold("k", "c1").await.expect("hold"));
    assert!(s.hold("k", "c1").await.expect("hold again"));
    assert!(
        !s.hold("k", "c2").await.expect("other"),
        "c2 must wait behind c1"
    );
    s.wipe().await.expect("wipe");
}
