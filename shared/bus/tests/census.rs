//! Counting against the real RabbitMQ: a census browses a parking queue up
//! to its limit and gives every message back; depths come from passive
//! declares and take nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ponte_bus::{Bus, BusConfig, DeadLetterInfo, RetryPolicy, Route, Selection, Topology};
use ponte_core::{Command, Envelope, Operation, Provider, Side};

fn bus() -> Arc<Bus> {
    let ns = format!("t-census-{}", uuid::Uuid::new_v4().simple());
    Bus::new(BusConfig {
        amqp_url: std::env::var("PONTE_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        connection_name: "census-test".into(),
        topology: Topology {
            namespace: ns,
            event_shards: 2,
            work_shards: 2,
            delivery_limit: 3,
            retry_tiers: vec![Duration::from_secs(60)],
            quorum_initial_group_size: None,
        },
        retry: RetryPolicy::default(),
        confirm_timeout: Duration::from_secs(5),
    })
}

/// A command caused by `cause` (its id is derived from it).
fn envelope(cause: &str) -> Envelope {
    let command = Command {
        integration: "it".into(),
        side: Side::Source,
        provider: Provider::Okdesk,
        cause: cause.into(),
        op: Operation::SyncTicket {
            ticket_id: "1".into(),
        },
    };
    Envelope::command(command, Utc::now())
}

#[tokio::test]
async fn a_census_counts_up_to_its_limit_and_takes_nothing() {
    let bus = bus();
    let t = bus.topology().clone();
    for (i, permanent) in [true, true, false, true, false].into_iter().enumerate() {
        let info = DeadLetterInfo {
            reason: "okdesk answered 404".into(),
            attempts: 1,
            permanent,
            ..DeadLetterInfo::default()
        };
        bus.dead_letter(
            "okdesk",
            &envelope(&format!("d{i}")),
            &t.work_queue(Provider::Okdesk, 0),
            &info,
            &Default::default(),
        )
        .await
        .expect("parked");
    }
    for i in 0..3 {
        let route = Route::Work {
            provider: Provider::Okdesk,
            shard_key: format!("ticket-w{i}"),
        };
        bus.publish(&route, &envelope(&format!("w{i}")), &Default::default())
            .await
            .expect("published");
    }

    let all = bus.census("okdesk", 100).await.expect("census");
    assert_eq!(all.by_category["permanent"], 3, "{all:?}");
    assert_eq!(all.by_category["exhausted"], 2, "{all:?}");
    assert_eq!((all.not_browsed, all.total()), (0, 5));
    assert!(all.oldest.is_some_and(|o| o <= Utc::now()));

    // Past the limit: the head is counted by reason, the rest only in total.
    let capped = bus.census("okdesk", 2).await.expect("census");
    assert_eq!(capped.by_category["permanent"], 2, "{capped:?}");
    assert_eq!((capped.not_browsed, capped.total()), (3, 5));

    // Nothing was taken: every parked message is still there, and the
    // work queues still hold their three (passive declares only).
    assert_eq!(
        bus.dead_letters("okdesk", &Selection::default())
            .await
            .expect("list")
            .len(),
        5
    );
    let work = t.work_queues(Provider::Okdesk);
    assert_eq!(bus.messages_in(&work).await.expect("depth"), 3);
    assert_eq!(bus.messages_in(&work).await.expect("depth"), 3);
    assert_eq!(bus.messages_in(&t.events_queues()).await.expect("depth"), 0);

    // A queue that does not exist is named in the error.
    let err = bus
        .messages_in(&[format!("{}.no-such-queue", t.namespace)])
        .await
        .expect_err("unknown queue");
    assert!(err.to_string().contains("no-such-queue"), "{err}");

    if let Ok(ch) = bus.channel().await {
        let _ = bus.topology().delete(&ch).await;
    }
    bus.close().await;
}
