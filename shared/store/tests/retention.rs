//! Retention (decision 56): snapshots, call history and link history carry
//! a Redis TTL from their retention setting, refreshed on every write.
//! Against the real Redis on this machine.

use chrono::Utc;
use deadpool_redis::redis;
use ponte_config::{Retention, Source};
use ponte_store::{CallOutcome, CallRecord, HistoryEntry, HistoryKind, Store};

fn url() -> String {
    std::env::var("PONTE_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn ttl(key: &str) -> i64 {
    let client = redis::Client::open(url()).expect("url");
    let mut c = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    redis::cmd("TTL")
        .arg(key)
        .query_async(&mut c)
        .await
        .expect("TTL")
}

const DAY: i64 = 24 * 3600;

/// Within a minute of `days` days: the TTL was set (or refreshed) just now.
fn about(ttl: i64, days: i64) -> bool {
    (days * DAY - 60..=days * DAY).contains(&ttl)
}

#[tokio::test]
async fn written_history_keys_expire_after_their_configured_retention() {
    let retention = Retention::load(&Source::from_pairs([
        ("PONTE_SNAPSHOT_RETENTION_DAYS", "30"),
        ("PONTE_CALL_HISTORY_RETENTION_DAYS", "7"),
        ("PONTE_LINK_HISTORY_RETENTION_DAYS", "400"),
    ]))
    .expect("valid retention");
    let s = Store::new(
        &url(),
        &format!("t-retention-{}", uuid::Uuid::new_v4().simple()),
    )
    .expect("pool")
    .with_retention(retention);
    let ns = s.namespace().to_string();

    s.put_snapshot("mm:source:101", &serde_json::json!({"id": "101"}))
        .await
        .expect("snapshot");
    let t = ttl(&format!("{ns}:snapshot:mm:source:101")).await;
    assert!(about(t, 30), "snapshot TTL {t}");

    let call = CallRecord {
        call_id: "c1".into(),
        caller: "+5511999990000".into(),
        caller_name: None,
        contact_id: None,
        started_at: Some(Utc::now()),
        outcome: CallOutcome::Ringing,
        recording_url: None,
        issue_id: None,
        popped_for: vec![],
        notes: vec![],
        updated_at: Utc::now(),
    };
    s.put_call("uis", &call).await.expect("call");
    for key in [format!("{ns}:call:uis:c1"), format!("{ns}:calls:uis")] {
        let t = ttl(&key).await;
        assert!(about(t, 7), "{key} TTL {t}");
    }
    assert_eq!(s.calls("uis", 10).await.expect("calls").len(), 1);

    let entry = |cause: &str| HistoryEntry {
        at: Utc::now(),
        kind: HistoryKind::ActionMirrored,
        detail: "an action".into(),
        trace_id: None,
        cause: cause.into(),
    };
    s.record("mm-101", &entry("e1")).await.expect("history");
    let key = format!("{ns}:history:mm-101");
    assert!(about(ttl(&key).await, 400));

    // A later write refreshes the TTL: shorten it by hand, write again.
    let client = redis::Client::open(url()).expect("url");
    let mut c = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let _: () = redis::cmd("EXPIRE")
        .arg(&key)
        .arg(10)
        .query_async(&mut c)
        .await
        .expect("EXPIRE");
    s.record("mm-101", &entry("e2")).await.expect("history");
    assert!(about(ttl(&key).await, 400), "refreshed on write");
    assert_eq!(s.history("mm-101").await.expect("read").len(), 2);

    // Call index entries older than the retention are trimmed on write.
    let old = CallRecord {
        call_id: "c0".into(),
        started_at: Some(Utc::now() - chrono::Duration::days(8)),
        ..call.clone()
    };
    s.put_call("uis", &old).await.expect("old call");
    s.put_call("uis", &call).await.expect("call again");
    let ids: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("{ns}:calls:uis"))
        .arg(0)
        .arg(-1)
        .query_async(&mut c)
        .await
        .expect("ZRANGE");
    assert_eq!(ids, vec!["c1".to_string()]);

    s.wipe().await.expect("wipe");
}
