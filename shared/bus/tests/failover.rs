//! Several nodes in `PONTE_AMQP_URL`: a connection goes to a node that
//! answers, whichever of them is down. Against the real RabbitMQ on this
//! machine, with a port nothing listens on standing for a dead node.

use std::sync::Arc;
use std::time::Duration;

use ponte_bus::{Bus, BusConfig, BusError, RetryPolicy, Topology};

fn dead_port() -> u16 {
    // Bound then released: nothing listens there now.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9)
}

fn bus(url: String) -> Arc<Bus> {
    Bus::new(BusConfig {
        amqp_url: url,
        connection_name: "bus-failover-test".into(),
        topology: Topology {
            namespace: format!("t-fo-{}", uuid::Uuid::new_v4().simple()),
            event_shards: 1,
            work_shards: 1,
            delivery_limit: 3,
            retry_tiers: vec![Duration::from_millis(300)],
            quorum_initial_group_size: None,
        },
        retry: RetryPolicy::default(),
        confirm_timeout: Duration::from_secs(5),
    })
}

fn live_node() -> String {
    std::env::var("PONTE_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

#[tokio::test]
async fn a_dead_first_node_is_skipped_for_a_live_one() {
    let live = live_node();
    let host = live
        .rsplit_once('@')
        .map_or(live.as_str(), |(_, h)| h)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let url = format!("amqp://guest:guest@127.0.0.1:{}/%2f,{host}", dead_port());
    let bus = bus(url);
    bus.check().await.expect("connected to the live node");
    if let Ok(ch) = bus.channel().await {
        let _ = bus.topology().delete(&ch).await;
    }
    bus.close().await;
}

#[tokio::test]
async fn no_live_node_is_a_clear_error() {
    let url = format!(
        "amqp://guest:guest@127.0.0.1:{}/%2f,127.0.0.1:{}",
        dead_port(),
        dead_port()
    );
    let err = bus(url).check().await.expect_err("nothing answers");
    assert!(matches!(err, BusError::Unreachable(_)), "{err}");
}
