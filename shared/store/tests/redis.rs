//! Against the real Redis on this machine.

use std::time::Duration;

use chrono::Utc;
use ponte_core::{Link, LinkOrigin, Side};
use ponte_store::{HistoryEntry, HistoryKind, Intent, RateAnswer, RateClaim, Store};

fn store() -> Store {
    let url = std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    Store::new(&url, &format!("t-store-{}", uuid::Uuid::new_v4().simple())).expect("pool")
}

/// Integration `mm`'s automatic link of source ticket 101 to target 7.
fn link_101_to_7() -> Link {
    Link {
        id: Link::id_for("mm", "101"),
        integration: "mm".into(),
        source_ticket: "101".into(),
        target_ticket: "7".into(),
        origin: LinkOrigin::Automatic,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn intents_tell_fresh_unfinished_and_done() {
    let s = store();
    assert_eq!(s.begin("c1").await.expect("begin"), Intent::Fresh);
    assert!(matches!(
        s.begin("c1").await.expect("begin"),
        Intent::Unfinished { tries: 1, .. }
    ));
    s.finish("c1", &serde_json::json!({"ticket": "42"}))
        .await
        .expect("finish");
    assert_eq!(
        s.begin("c1").await.expect("begin"),
        Intent::Done(serde_json::json!({"ticket": "42"}))
    );
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn links_are_found_from_both_tickets_and_removed_whole() {
    let s = store();
    let link = link_101_to_7();
    s.put_link(&link).await.expect("put");
    assert_eq!(
        s.link_of("mm", Side::Source, "101").await.expect("get"),
        Some(link.clone())
    );
    assert_eq!(
        s.link_of("mm", Side::Target, "7").await.expect("get"),
        Some(link.clone())
    );
    assert_eq!(s.links("mm").await.expect("list").len(), 1);
    assert_eq!(s.remove_link(&link.id).await.expect("rm"), Some(link));
    assert_eq!(s.link_of("mm", Side::Target, "7").await.expect("get"), None);
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn a_links_status_keeps_the_newest_reading_of_each_side() {
    let s = store();
    let id = "mm:101";
    assert_eq!(s.link_status(id).await.expect("read"), Default::default());
    let t0 = Utc::now();
    let later = t0 + chrono::Duration::seconds(5);
    assert!(
        s.set_link_status(id, Side::Target, "Novo", t0)
            .await
            .expect("set")
    );
    assert!(
        s.set_link_status(id, Side::Target, "Em atendimento", later)
            .await
            .expect("set")
    );
    assert!(
        !s.set_link_status(id, Side::Target, "Novo", t0)
            .await
            .expect("set"),
        "an older reading arriving late is dropped"
    );
    assert!(
        !s.set_link_status(id, Side::Source, "", t0)
            .await
            .expect("set")
    );
    let status = s.link_status(id).await.expect("read");
    assert_eq!(
        status.on(Side::Target).map(|x| x.status.as_str()),
        Some("Em atendimento")
    );
    assert_eq!(status.source, None);
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn history_records_each_cause_once() {
    let s = store();
    let e = HistoryEntry {
        at: Utc::now(),
        kind: HistoryKind::CreatedAutomatically,
        detail: "created 7".into(),
        trace_id: None,
        cause: "cmd-1".into(),
    };
    s.record("mm:101", &e).await.expect("record");
    s.record("mm:101", &e).await.expect("record again");
    assert_eq!(s.history("mm:101").await.expect("history").len(), 1);
    s.wipe().await.expect("wipe");
}

/// A claim of `class` (0 is served first) by `waiter`.
fn claim(class: u8, waiter: &str) -> RateClaim<'_> {
    RateClaim {
        class,
        waiter,
        hold: Duration::from_millis(500),
    }
}

#[tokio::test]
async fn the_rate_limit_is_shared_and_says_how_long_to_wait() {
    let s = store();
    let window = Duration::from_secs(60);
    for _ in 0..10 {
        assert_eq!(
            s.take_rate("acct", 10, window, claim(0, "a"))
                .await
                .expect("take"),
            RateAnswer::Go
        );
    }
    match s
        .take_rate("acct", 10, window, claim(0, "b"))
        .await
        .expect("take")
    {
        RateAnswer::Full(wait) => {
            assert!(wait > Duration::from_secs(50) && wait <= window, "{wait:?}")
        }
        other => panic!("expected to wait for the window, got {other:?}"),
    }
    s.wipe().await.expect("wipe");
}

/// Bulk work fills an account's window; a live call then waits for the
/// next free call and gets it, though a manual one and the bulk work ask
/// for it first; the manual one goes next, the bulk work last.
#[tokio::test]
async fn a_waiting_call_of_a_higher_class_is_served_first() {
    let s = store();
    let window = Duration::from_millis(1000);
    let take = |class, waiter| {
        let s = &s;
        async move {
            s.take_rate("acct", 2, window, claim(class, waiter))
                .await
                .expect("take")
        }
    };
    assert_eq!(take(3, "backfill").await, RateAnswer::Go);
    assert_eq!(take(3, "backfill").await, RateAnswer::Go);
    let RateAnswer::Full(wait) = take(0, "cmd-live").await else {
        panic!("the window is full")
    };
    tokio::time::sleep(wait + Duration::from_millis(100)).await;

    // The window has room again; it is kept for the live call.
    assert!(matches!(take(3, "backfill").await, RateAnswer::Yield(_)));
    assert!(matches!(take(1, "cmd-manual").await, RateAnswer::Yield(_)));
    assert_eq!(take(0, "cmd-live").await, RateAnswer::Go);
    // The manual call waits now, ahead of the bulk work.
    assert!(matches!(take(3, "backfill").await, RateAnswer::Yield(_)));
    assert_eq!(take(1, "cmd-manual").await, RateAnswer::Go);
    // Nobody above it waits; the window is full again.
    assert!(matches!(take(3, "backfill").await, RateAnswer::Full(_)));
    s.wipe().await.expect("wipe");
}

/// A caller that never comes back for the call it waited for (its
/// integration was disabled, say) keeps it from the classes below only
/// until its wait and its hold are over.
#[tokio::test]
async fn a_demand_nobody_comes_back_for_lapses() {
    let s = store();
    let window = Duration::from_millis(1000);
    let asked = std::time::Instant::now();
    assert_eq!(
        s.take_rate("acct", 1, window, claim(3, "backfill"))
            .await
            .expect("take"),
        RateAnswer::Go
    );
    let RateAnswer::Full(wait) = s
        .take_rate("acct", 1, window, claim(0, "cmd-gone"))
        .await
        .expect("take")
    else {
        panic!("the window is full")
    };
    tokio::time::sleep(wait + Duration::from_millis(100)).await;
    assert!(matches!(
        s.take_rate("acct", 1, window, claim(3, "backfill"))
            .await
            .expect("take"),
        RateAnswer::Yield(_)
    ));
    // The demand stood for the wait, a tenth of it and the 500 ms hold.
    let lapsed = wait + wait / 10 + Duration::from_millis(500 + 300);
    tokio::time::sleep(lapsed.saturating_sub(asked.elapsed())).await;
    assert_eq!(
        s.take_rate("acct", 1, window, claim(3, "backfill"))
            .await
            .expect("take"),
        RateAnswer::Go
    );
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn unreachable_redis_is_reported_as_such() {
    let s = Store::new("redis://127.0.0.1:1", "t-down").expect("pool");
    let err = s.ping().await.unwrap_err();
    assert!(err.to_string().contains("unreachable"), "{err}");
}

#[tokio::test]
async fn a_late_change_does_not_move_the_applied_time_back() {
    let s = store();
    let newer = Utc::now();
    let older = newer - chrono::Duration::seconds(30);
    s.set_applied_at("l", "target", "status", newer)
        .await
        .expect("set");
    s.set_applied_at("l", "target", "status", older)
        .await
        .expect("set");
    assert_eq!(
        s.applied_at("l", "target", "status")
            .await
            .expect("get")
            .map(|d| d.timestamp_millis()),
        Some(newer.timestamp_millis())
    );
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn the_first_mark_of_an_id_is_told_apart_from_a_repeat() {
    let s = store();
    let week = Duration::from_secs(7 * 24 * 3600);
    assert!(
        s.mark_first_and_cursor("event", "e1", week, Some(("heard:x", "t1")))
            .await
            .expect("mark")
    );
    assert!(s.was_seen("event", "e1").await.expect("seen"));
    assert_eq!(
        s.cursor("heard:x").await.expect("cursor").as_deref(),
        Some("t1")
    );
    // A repeat is told so, and the cursor still moves.
    assert!(
        !s.mark_first_and_cursor("event", "e1", week, Some(("heard:x", "t2")))
            .await
            .expect("mark again")
    );
    assert_eq!(
        s.cursor("heard:x").await.expect("cursor").as_deref(),
        Some("t2")
    );
    assert!(
        s.mark_first_and_cursor("event", "e2", week, None)
            .await
            .expect("another id")
    );
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn echo_marks_are_taken_once_and_locks_exclude() {
    let s = store();
    s.mark_echo("fp", Duration::from_secs(60))
        .await
        .expect("mark");
    assert!(s.take_echo("fp").await.expect("take"));
    assert!(!s.take_echo("fp").await.expect("take"));
    assert!(
        s.try_lock("job", Duration::from_secs(5))
            .await
            .expect("lock")
    );
    assert!(
        !s.try_lock("job", Duration::from_secs(5))
            .await
            .expect("lock")
    );
    s.wipe().await.expect("wipe");
}

/// Another server's record, written as a server Ponte saw before would have.
async fn pretend_the_record_names(ns: &str, identity: &str) {
    let url = std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let client = deadpool_redis::redis::Client::open(url).expect("url");
    let mut c = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let _: () = deadpool_redis::redis::cmd("HSET")
        .arg(format!("{ns}:redis-kept"))
        .arg("identity")
        .arg(identity)
        .query_async(&mut c)
        .await
        .expect("hset");
}

#[tokio::test]
async fn writes_are_kept_since_ponte_first_saw_the_server_and_a_new_server_starts_again() {
    let s = store();
    let before = Utc::now();
    let first = s
        .writes_kept_since()
        .await
        .expect("info")
        .expect("this Redis never evicts");
    assert!(first >= before - chrono::Duration::seconds(1));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        s.writes_kept_since().await.expect("info"),
        Some(first),
        "the same server keeps its start"
    );

    // What a restart or a failover looks like: the record names another run.
    pretend_the_record_names(s.namespace(), "an-earlier-run/an-earlier-history").await;
    let restarted = s.writes_kept_since().await.expect("info").expect("kept");
    assert!(restarted > first, "{restarted} after {first}");

    // A wiped namespace forgets the record with everything else.
    tokio::time::sleep(Duration::from_millis(20)).await;
    s.wipe().await.expect("wipe");
    let wiped = s.writes_kept_since().await.expect("info").expect("kept");
    assert!(wiped > restarted, "{wiped} after {restarted}");
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn a_redis_that_refuses_info_proves_nothing_and_fails_nothing() {
    let url = std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let client = deadpool_redis::redis::Client::open(url.clone()).expect("url");
    let mut admin = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let user = format!("ponte-noinfo-{}", uuid::Uuid::new_v4().simple());
    let _: () = deadpool_redis::redis::cmd("ACL")
        .arg(&["SETUSER", &user, "on", ">secret-pw", "~*", "+@all", "-info"][..])
        .query_async(&mut admin)
        .await
        .expect("acl setuser");
    let limited = url.replacen("redis://", &format!("redis://{user}:secret-pw@"), 1);
    let s = Store::new(
        &limited,
        &format!("t-store-{}", uuid::Uuid::new_v4().simple()),
    )
    .expect("pool");
    let answer = s.writes_kept_since().await;
    let _: () = deadpool_redis::redis::cmd("ACL")
        .arg(&["DELUSER", &user][..])
        .query_async(&mut admin)
        .await
        .expect("acl deluser");
    assert_eq!(answer.expect("a refusal is no failure"), None);
}

/// The router's one read tells a repeat, the integrations' version and the
/// ticket's link; an integration is served from the cache only at the
/// version it was read at, so a change is seen by the very next event.
#[tokio::test]
async fn the_routers_read_serves_an_integration_from_memory_until_any_changes() {
    let s = store();
    let cache = ponte_store::IntegrationCache::default();
    let mut integration: ponte_core::Integration = serde_json::from_value(serde_json::json!({
        "id": "mm", "name": "first",
        "source": {"provider": "movidesk", "base_url": "http://a"},
        "target": {"provider": "movidesk", "base_url": "http://b"},
    }))
    .expect("integration");
    s.put_integration(&integration).await.expect("put");
    let link = link_101_to_7();
    s.put_link(&link).await.expect("link");

    let read = s
        .route_read("e1", Some(("mm", Side::Target, "7")), None)
        .await
        .expect("read");
    assert!(!read.routed);
    assert_eq!(read.link_id.as_deref(), Some(link.id.as_str()));
    let unlinked = s
        .route_read("e1", Some(("mm", Side::Source, "999")), None)
        .await
        .expect("read");
    assert_eq!(unlinked.link_id, None);
    let first = s
        .integration_as_of(&cache, "mm", read.version)
        .await
        .expect("integration")
        .expect("exists");
    assert_eq!(first.name, "first");

    // Nothing changed: the same copy, not a new read.
    let again = s.route_read("e2", None, None).await.expect("read");
    assert_eq!(again.version, read.version);
    let cached = s
        .integration_as_of(&cache, "mm", again.version)
        .await
        .expect("integration")
        .expect("exists");
    assert!(std::sync::Arc::ptr_eq(&first, &cached));

    // A change moves the version; the next event reads the new one.
    integration.name = "renamed".into();
    integration.enabled = false;
    s.put_integration(&integration).await.expect("replace");
    let after = s.route_read("e3", None, None).await.expect("read");
    assert_ne!(after.version, read.version);
    let fresh = s
        .integration_as_of(&cache, "mm", after.version)
        .await
        .expect("integration")
        .expect("exists");
    assert_eq!((fresh.name.as_str(), fresh.enabled), ("renamed", false));
    // A worker's read (the version, then the copy) agrees.
    let now = s
        .integration_cached(&cache, "mm")
        .await
        .expect("integration")
        .expect("exists");
    assert!(std::sync::Arc::ptr_eq(&fresh, &now));

    // Deleted: gone at the next version, and not served from memory.
    s.delete_integration("mm").await.expect("delete");
    let gone = s.route_read("e4", None, None).await.expect("read");
    assert_eq!(
        s.integration_as_of(&cache, "mm", gone.version)
            .await
            .expect("read"),
        None
    );

    // A routed event is told so.
    s.mark_seen("routed", "e1", Duration::from_secs(60))
        .await
        .expect("mark");
    assert!(s.route_read("e1", None, None).await.expect("read").routed);
    s.wipe().await.expect("wipe");
}

#[tokio::test]
async fn the_routers_read_takes_a_quiet_echo_once_and_only_its_own() {
    let s = store();
    let mark = ponte_core::ids::quiet_echo("mm", "source", "12", "Novo");
    let other = ponte_core::ids::quiet_echo("mm", "source", "12", "Resolvido");
    let none = s
        .route_read("e1", Some(("mm", Side::Source, "12")), Some(&mark))
        .await
        .expect("read");
    assert!(!none.quiet_echo, "nothing was marked");
    s.mark_echo(&mark, Duration::from_secs(60))
        .await
        .expect("mark");
    let elsewhere = s
        .route_read("e2", Some(("mm", Side::Source, "12")), Some(&other))
        .await
        .expect("read");
    assert!(!elsewhere.quiet_echo, "another status is not Ponte's write");
    assert!(
        !s.route_read("e3", None, None)
            .await
            .expect("read")
            .quiet_echo
    );
    let taken = s
        .route_read("e4", Some(("mm", Side::Source, "12")), Some(&mark))
        .await
        .expect("read");
    assert!(taken.quiet_echo);
    assert_eq!(taken.link_id, None);
    let again = s
        .route_read("e5", Some(("mm", Side::Source, "12")), Some(&mark))
        .await
        .expect("read");
    assert!(!again.quiet_echo, "taken once");
    s.wipe().await.expect("wipe");
}
