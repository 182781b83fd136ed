//! The test harness itself (issue 15, item 2): fleets started side by side
//! never share a port and each probe reaches its own child; a test that
//! panics leaves no queue or key behind; the sweeper deletes namespaces
//! whose owner died and leaves live ones alone.

use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use ponte_bus::{Bus, BusConfig, RetryPolicy, Topology};
use ponte_e2e::namespace::{self, Owner, REGISTRY};
use ponte_e2e::{Options, Svc, TestFleet, amqp_url, redis_url};
use serde_json::{Value, json};

fn topology(ns: &str) -> Topology {
    Topology {
        namespace: ns.to_string(),
        event_shards: 2,
        work_shards: 2,
        delivery_limit: 10,
        retry_tiers: vec![
            Duration::from_millis(300),
            Duration::from_secs(1),
            Duration::from_secs(2),
        ],
        quorum_initial_group_size: None,
    }
}

fn bus(topology: &Topology) -> std::sync::Arc<Bus> {
    Bus::new(BusConfig {
        amqp_url: amqp_url(),
        connection_name: format!("{}-harness-test", topology.namespace),
        topology: topology.clone(),
        retry: RetryPolicy::default(),
        confirm_timeout: Duration::from_secs(5),
    })
}

/// Whether a queue exists (a passive declare on a connection of its own,
/// which declares nothing).
async fn queue_exists(queue: &str) -> bool {
    let conn = tokio::time::timeout(
        Duration::from_secs(10),
        lapin::Connection::connect(&amqp_url(), lapin::ConnectionProperties::default()),
    )
    .await
    .unwrap_or_else(|_| panic!("RabbitMQ did not answer within 10 s"))
    .unwrap_or_else(|e| panic!("RabbitMQ: {e}"));
    let ch = conn
        .create_channel()
        .await
        .unwrap_or_else(|e| panic!("channel: {e}"));
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let exists = ch
        .queue_declare(ShortString::from(queue), passive, FieldTable::default())
        .await
        .is_ok();
    let _ = conn.close(200, "bye".into()).await;
    exists
}

async fn redis() -> deadpool_redis::Connection {
    deadpool_redis::Config::from_url(redis_url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap_or_else(|e| panic!("Redis: {e}"))
        .get()
        .await
        .unwrap_or_else(|e| panic!("Redis: {e}"))
}

async fn keys_of(ns: &str) -> Vec<String> {
    let mut c = redis().await;
    deadpool_redis::redis::cmd("KEYS")
        .arg(format!("{ns}:*"))
        .query_async(&mut c)
        .await
        .unwrap_or_else(|e| panic!("Redis: {e}"))
}

async fn is_registered(ns: &str) -> bool {
    let mut c = redis().await;
    deadpool_redis::redis::cmd("HEXISTS")
        .arg(REGISTRY)
        .arg(ns)
        .query_async(&mut c)
        .await
        .unwrap_or_else(|e| panic!("Redis: {e}"))
}

async fn healthz(t: &TestFleet, s: Svc) -> Value {
    t.http
        .get(format!("{}/healthz", t.url(s)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{} /healthz: {e}", s.binary()))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{} /healthz body: {e}", s.binary()))
}

#[tokio::test]
async fn fleets_started_together_get_their_own_ports_and_probes_reach_their_own_children() {
    let services = vec![Svc::Sandbox, Svc::Admin, Svc::Ingress];
    let (a, b) = tokio::join!(
        TestFleet::start(Options {
            services: services.clone(),
            ..Options::default()
        }),
        TestFleet::start(Options {
            services: services.clone(),
            ..Options::default()
        }),
    );
    let mut ports = Vec::new();
    for t in [&a, &b] {
        for s in &services {
            let port = t.fleet.port(*s);
            assert_ne!(port, 0, "{} reported no port", s.binary());
            ports.push(port);
            let who = healthz(t, *s).await;
            assert_eq!(who["service"], json!(s.binary()), "{who}");
            assert_eq!(
                who["pid"],
                json!(t.fleet.pid(*s)),
                "{} at {} is another process: {who}",
                s.binary(),
                t.url(*s)
            );
        }
    }
    let mut unique = ports.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ports.len(), "a port was shared: {ports:?}");
    a.teardown().await;
    b.teardown().await;
}

#[tokio::test]
async fn a_panicking_test_leaves_no_queue_key_or_registration_behind() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let test = tokio::spawn(async move {
        let t = TestFleet::start(Options {
            services: vec![Svc::Admin],
            ..Options::default()
        })
        .await;
        // Make the namespace exist on both sides: queues and a key.
        let _ = t.bus().channel().await.expect("topology declared");
        t.admin
            .put(
                "/integrations/leak",
                &json!({"id": "leak", "name": "leak", "enabled": false, "mode": "automatic", "generator_agent": "gen", "source_agent": "api",
                    "source": {"provider": "movidesk", "base_url": "http://127.0.0.1:9/x", "credentials": {"token": "t-0123456789"}, "inbound_secret": "secret-a-0123456789"},
                    "target": {"provider": "movidesk", "base_url": "http://127.0.0.1:9/y", "credentials": {"token": "t-9876543210"}, "inbound_secret": "secret-b-0123456789"}}),
            )
            .await
            .expect("integration stored");
        let ns = t.ns.clone();
        assert!(queue_exists(&format!("{ns}.events.0")).await);
        assert!(!keys_of(&ns).await.is_empty());
        assert!(is_registered(&ns).await);
        let _ = tx.send(ns);
        panic!("this test fails on purpose, before its teardown");
    });
    assert!(test.await.is_err(), "the inner test panicked");
    let ns = rx.await.expect("the inner test got its namespace");
    for q in topology(&ns).all_queues() {
        assert!(!queue_exists(&q).await, "queue {q} leaked");
    }
    assert_eq!(keys_of(&ns).await, Vec::<String>::new(), "keys leaked");
    assert!(!is_registered(&ns).await, "registration leaked");
}

#[tokio::test]
async fn the_sweeper_deletes_namespaces_of_dead_owners_only() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let dead = format!("t{}", &id[..12]);
    let alive = format!("t{}", &id[12..24]);
    for ns in [&dead, &alive] {
        let b = bus(&topology(ns));
        let _ = b.channel().await.expect("topology declared");
        b.close().await;
        let mut c = redis().await;
        let _: () = deadpool_redis::redis::cmd("SET")
            .arg(format!("{ns}:integrations"))
            .arg("x")
            .query_async(&mut c)
            .await
            .expect("key");
    }
    let mut gone = Owner::me(&topology(&dead));
    gone.pid = 4_194_304 + 11; // above the kernel's pid limit: never alive
    namespace::register(&redis_url(), &dead, &gone)
        .await
        .expect("register");
    namespace::register(&redis_url(), &alive, &Owner::me(&topology(&alive)))
        .await
        .expect("register");

    let out = tokio::process::Command::new(
        ponte_cli::fleet::FleetOptions::default_bin_dir().join("ponte-sweep"),
    )
    .output()
    .await
    .unwrap_or_else(|e| panic!("cannot run ponte-sweep (cargo build -p ponte-e2e --bins): {e}"));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&dead),
        "the sweeper names what it deleted: {text}"
    );
    assert!(!text.contains(&alive), "{text}");

    assert!(!queue_exists(&format!("{dead}.events.0")).await);
    assert!(keys_of(&dead).await.is_empty());
    assert!(!is_registered(&dead).await);
    assert!(
        queue_exists(&format!("{alive}.events.0")).await,
        "a live owner's namespace stays"
    );
    assert!(!keys_of(&alive).await.is_empty());
    assert!(is_registered(&alive).await);
    namespace::delete(&amqp_url(), &redis_url(), &topology(&alive))
        .await
        .expect("clean-up");
}
