//! What the admin's observer tells an SRE (issue 15, item 5): a parked
//! command shows on the admin's `/metrics` as `ponte_dead_letters` by
//! queue and reason, with the oldest one's age, within a few observer
//! periods; counting it does not take it (it is still listed, and purged);
//! after `ponte dlq purge` the gauges fall back to 0. While the broker is
//! away the observer skips its passes (its last-success time stands still)
//! and the admin API keeps answering.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ponte_e2e::proxy::Proxy;
use ponte_e2e::{Options, Svc, TestFleet, amqp_url};
use serde_json::json;

/// A few observer periods (the fleet runs it every 200 ms).
const PERIODS: Duration = Duration::from_secs(5);

/// The value of the sample written exactly as `series` (name and labels).
fn value(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

const PARKED: &str = "ponte_dead_letters{provider=\"blip\",reason=\"permanent\"}";
const OLDEST: &str = "ponte_dead_letter_oldest_age_seconds{provider=\"blip\"}";
const PARKING: &str = "ponte_queue_messages{kind=\"parking\",provider=\"blip\"}";

#[tokio::test]
async fn a_parked_command_shows_in_the_dead_letter_gauges_until_it_is_purged() {
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let t = TestFleet::start(Options {
        env: vec![("PONTE_OBSERVER_PERIOD".into(), "200ms".into())],
        ..Options::default()
    })
    .await;

    // Before anything is parked: every series is there, at 0, and the
    // observer has finished a pass.
    let page = t
        .eventually("the observer's first pass", PERIODS, || async {
            let page = t.metrics_page(Svc::Admin).await;
            (value(&page, "ponte_observer_last_success_timestamp_seconds")? >= started.floor())
                .then_some(page)
        })
        .await;
    for series in [
        PARKED,
        OLDEST,
        PARKING,
        "ponte_dead_letters{provider=\"router\",reason=\"delivery_limit\"}",
        "ponte_dead_letters{provider=\"movidesk\",reason=\"exhausted\"}",
        "ponte_dead_letters_not_browsed{provider=\"blip\"}",
        "ponte_queue_messages{kind=\"events\",provider=\"router\"}",
        "ponte_queue_messages{kind=\"work\",provider=\"movidesk\"}",
        "ponte_queue_messages{kind=\"retry\",provider=\"all\"}",
    ] {
        assert_eq!(value(&page, series), Some(0.0), "{series} in\n{page}");
    }

    // Blip refuses an assignment for good: the command is parked.
    let b = t.blip_desk("observed").await;
    let r = t
        .http
        .put(format!("{}/_sandbox/blip/{}/command-failure", t.url(Svc::Sandbox), b.contract))
        .json(&json!({"uri_prefix": "/tickets/change-status", "code": 32, "description": "agent not allowed", "count": 1}))
        .send()
        .await
        .expect("fault");
    assert!(r.status().is_success());
    t.blip(
        reqwest::Method::POST,
        &b.contract,
        "/tickets",
        Some(json!({"customer": "5511999990003@wa.gw.msging.net", "first_message": "Oi"})),
    )
    .await;
    t.eventually("the command parked", Duration::from_secs(30), || async {
        let v = t.admin.get("/dead-letters?queue=blip").await.ok()?;
        (!v["dead_letters"].as_array()?.is_empty()).then_some(())
    })
    .await;

    // Counted by queue and reason, with an age, within a few periods.
    let page = t
        .eventually("ponte_dead_letters at 1", PERIODS, || async {
            let page = t.metrics_page(Svc::Admin).await;
            (value(&page, PARKED)? == 1.0 && value(&page, OLDEST)? > 0.0).then_some(page)
        })
        .await;
    assert_eq!(value(&page, PARKING), Some(1.0), "{page}");
    assert_eq!(
        value(
            &page,
            "ponte_dead_letters{provider=\"blip\",reason=\"exhausted\"}"
        ),
        Some(0.0)
    );
    // The age grows with the clock.
    let first_age = value(&page, OLDEST).unwrap_or_default();
    let page = t
        .eventually("the age growing", PERIODS, || async {
            let page = t.metrics_page(Svc::Admin).await;
            (value(&page, OLDEST)? > first_age).then_some(page)
        })
        .await;
    assert_eq!(value(&page, PARKED), Some(1.0), "still counted once");

    // Counting gives the message back: it is still listed, once, under
    // the category the gauge counts it by.
    let listed = t.admin.get("/dead-letters?queue=blip").await.expect("list");
    let listed = listed["dead_letters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["category"], "permanent", "{listed:?}");

    // Purged: the gauges fall back to 0.
    let (ok, out) = t.cli(&["dlq", "purge", "blip", "--all"]).await;
    assert!(ok && out.contains("purged 1 message(s) from blip"), "{out}");
    t.eventually("ponte_dead_letters back at 0", PERIODS, || async {
        let page = t.metrics_page(Svc::Admin).await;
        (value(&page, PARKED)? == 0.0
            && value(&page, OLDEST)? == 0.0
            && value(&page, PARKING)? == 0.0)
            .then_some(())
    })
    .await;
    t.teardown().await;
}

const LAST_SUCCESS: &str = "ponte_observer_last_success_timestamp_seconds";

#[tokio::test]
async fn a_broker_outage_makes_the_observer_stale_without_holding_up_the_admin() {
    // The admin reaches the broker through a proxy this test can cut.
    let (proxy, proxied) = Proxy::for_amqp_url(&amqp_url()).await;
    let t = TestFleet::start(Options {
        services: vec![Svc::Admin],
        env: vec![
            ("PONTE_AMQP_URL".into(), proxied),
            ("PONTE_OBSERVER_PERIOD".into(), "200ms".into()),
        ],
    })
    .await;
    let last_success = || async { value(&t.metrics_page(Svc::Admin).await, LAST_SUCCESS) };
    let before = t
        .eventually("a pass", PERIODS, || async {
            last_success().await.filter(|v| *v > 0.0)
        })
        .await;
    t.eventually("passes go on", PERIODS, || async {
        last_success().await.filter(|v| *v > before)
    })
    .await;

    proxy.cut();
    // Passes stop succeeding: the time stands still (one pass may have
    // been finishing when the broker went).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stale = last_success().await.expect("the series stays");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        last_success().await,
        Some(stale),
        "no pass succeeds without the broker"
    );
    // The admin API still answers, and quickly.
    let asked = Instant::now();
    let integrations = t.admin.get("/integrations").await;
    assert!(integrations.is_ok(), "{integrations:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "the API waited {:?}",
        asked.elapsed()
    );

    proxy.restore();
    t.eventually("passes succeed again", Duration::from_secs(20), || async {
        last_success().await.filter(|v| *v > stale)
    })
    .await;
    t.teardown().await;
}
