//! The broker goes away and comes back. This stops the RabbitMQ application
//! on this machine, so it is the only test in its binary.

use std::process::Command;
use std::time::Duration;

use ponte_e2e::{Options, Svc, TestFleet};
use serde_json::json;

/// Starts the broker again whatever happens to the test.
struct Restart;

impl Drop for Restart {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "start_app"])
            .status();
    }
}

fn rabbitmqctl(arg: &str) {
    let status = Command::new("rabbitmqctl")
        .args(["-q", arg])
        .status()
        .unwrap_or_else(|e| {
            panic!("rabbitmqctl {arg}: {e} (this test needs the local RabbitMQ's rabbitmqctl)")
        });
    assert!(status.success(), "rabbitmqctl {arg} failed");
}

#[tokio::test]
async fn without_the_broker_webhooks_get_503_and_the_fleet_recovers_without_a_restart() {
    // With the spool off the ingress refuses while the broker is away (the
    // spool's own test is ingress_spool.rs).
    let t = TestFleet::start(Options {
        env: vec![("PONTE_SPOOL_MAX_BYTES".into(), "0".into())],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("restart").await;
    let url = format!(
        "{}/hooks/movidesk/restart?token={}",
        t.url(Svc::Ingress),
        pair.secret_a
    );
    let ready = format!("{}/readyz", t.url(Svc::Ingress));

    let guard = Restart;
    rabbitmqctl("stop_app");
    let refused = t
        .http
        .post(&url)
        .json(&json!({"Id": 4242}))
        .send()
        .await
        .expect("ingress answers");
    assert_eq!(refused.status(), 503);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "broker_unavailable");
    let r = t.http.get(&ready).send().await.expect("answers");
    assert_eq!(r.status(), 503, "not ready without the broker");
    let healthy = t
        .http
        .get(format!("{}/healthz", t.url(Svc::Ingress)))
        .send()
        .await
        .expect("answers");
    assert_eq!(healthy.status(), 200, "still alive");

    rabbitmqctl("start_app");
    drop(guard);
    t.eventually(
        "the ingress ready again",
        Duration::from_secs(60),
        || async {
            let r = t.http.get(&ready).send().await.ok()?;
            r.status().is_success().then_some(())
        },
    )
    .await;

    // The same processes carry a new ticket all the way through.
    let a_id = t.open_ticket(&pair, "After the broker came back").await;
    t.eventually(
        "the counterpart after recovery",
        Duration::from_secs(60),
        || async { (t.counterparts(&pair, &pair.b, &a_id).await.len() == 1).then_some(()) },
    )
    .await;
    for s in [Svc::Ingress, Svc::Router, Svc::WorkerMovidesk, Svc::Admin] {
        assert!(t.fleet.pid(s).is_some(), "{s:?} was not restarted");
    }
    t.teardown().await;
}
