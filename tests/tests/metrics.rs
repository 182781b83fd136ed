//! What an SRE scrapes (issue 15, item 5): every service's `/metrics`,
//! before any traffic, already has the series its alerts evaluate (at zero
//! where nothing happened), the build and process series, connection
//! state and consumers, histogram buckets that reach minutes, and a page
//! `promtool check metrics` finds nothing wrong with. Latency is labelled
//! by route template, never by the caller's path.

use std::time::Duration;

use ponte_e2e::proxy::Proxy;
use ponte_e2e::{Options, Svc, TestFleet, amqp_url};

/// The Ponte services (the sandbox is not one).
const SERVICES: [Svc; 8] = [
    Svc::Ingress,
    Svc::Router,
    Svc::WorkerMovidesk,
    Svc::WorkerBlip,
    Svc::WorkerOkdesk,
    Svc::WorkerOctadesk,
    Svc::WorkerWarehouse,
    Svc::Admin,
];

/// The value of the sample written exactly as `series` (name and labels).
fn value(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

fn has(page: &str, s: Svc, series: &str) -> f64 {
    value(page, series).unwrap_or_else(|| panic!("{}: no `{series}` in\n{page}", s.binary()))
}

/// `promtool check metrics` on a page: its complaints, or `None` when
/// promtool is not installed.
fn promtool(page: &str) -> Option<String> {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("promtool reads the page");
    let out = child.wait_with_output().expect("promtool finishes");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(if out.status.success() {
        text
    } else {
        format!("exit {}: {text}", out.status)
    })
}

#[tokio::test]
async fn every_service_exposes_its_series_from_the_start_and_promtool_accepts_them() {
    let t = TestFleet::start(Options::default()).await;
    let mut promtool_missing = false;
    for s in SERVICES {
        let name = s.binary();
        // Consumers attach right after start; a worker or the router has
        // one per shard.
        let page = if matches!(s, Svc::Ingress | Svc::Admin) {
            t.metrics_page(s).await
        } else {
            t.eventually(
                &format!("{name}'s consumers"),
                Duration::from_secs(15),
                || async {
                    let page = t.metrics_page(s).await;
                    (value(&page, "ponte_consumers").unwrap_or(0.0) >= 2.0).then_some(page)
                },
            )
            .await
        };
        assert_eq!(
            has(
                &page,
                s,
                &format!(
                    "ponte_build_info{{service=\"{name}\",version=\"{}\"}}",
                    env!("CARGO_PKG_VERSION")
                )
            ),
            1.0
        );
        assert!(has(&page, s, "process_resident_memory_bytes") > 0.0);
        assert!(has(&page, s, "process_cpu_seconds_total") > 0.0);
        assert!(has(&page, s, "process_open_fds") > 0.0);
        assert!(has(&page, s, "process_start_time_seconds") > 1.6e9);
        assert_eq!(has(&page, s, "ponte_broker_connected"), 1.0, "{name}");
        assert_eq!(has(&page, s, "ponte_redis_connected"), 1.0, "{name}");
        has(&page, s, "ponte_consumers");
        match s {
            Svc::Ingress => {
                for series in [
                    "ponte_webhooks_total{provider=\"movidesk\",outcome=\"accepted\"}",
                    "ponte_webhooks_total{provider=\"blip\",outcome=\"unauthorized\"}",
                    "ponte_webhooks_total{provider=\"okdesk\",outcome=\"broker_unavailable\"}",
                    "ponte_webhooks_total{provider=\"unknown\",outcome=\"unknown_provider\"}",
                    "ponte_spool_depth",
                    "ponte_http_request_duration_seconds_bucket{method=\"POST\",route=\"/hooks/{provider}/{integration}\",status_class=\"5xx\",le=\"600\"}",
                ] {
                    assert_eq!(has(&page, s, series), 0.0, "{series}");
                }
                assert_eq!(has(&page, s, "ponte_consumers"), 0.0);
                // Only providers that send webhooks have series.
                assert!(!page.contains("provider=\"warehouse\""), "{page}");
            }
            Svc::Router => {
                for series in [
                    "ponte_events_ignored_total{reason=\"own_status\"}",
                    "ponte_commands_sent_total{provider=\"movidesk\",op=\"sync_ticket\"}",
                    "ponte_dead_lettered_total{provider=\"router\",reason=\"permanent\"}",
                    "ponte_duplicates_total{stage=\"router\"}",
                ] {
                    assert_eq!(has(&page, s, series), 0.0, "{series}");
                }
            }
            Svc::Admin => {
                assert!(page.contains("# TYPE ponte_http_request_duration_seconds histogram"));
                assert_eq!(has(&page, s, "ponte_consumers"), 0.0);
            }
            worker => {
                let provider = worker
                    .binary()
                    .strip_prefix("ponte-worker-")
                    .expect("a worker");
                for series in [
                    format!(
                        "ponte_dead_lettered_total{{provider=\"{provider}\",reason=\"exhausted\"}}"
                    ),
                    format!(
                        "ponte_commands_done_total{{provider=\"{provider}\",op=\"sync_ticket\"}}"
                    ),
                    format!("ponte_retries_total{{provider=\"{provider}\",op=\"create_ticket\"}}"),
                    // A retry's wait of minutes has a bucket of its own.
                    format!(
                        "ponte_command_seconds_bucket{{provider=\"{provider}\",op=\"add_action\",le=\"300\"}}"
                    ),
                ] {
                    assert_eq!(has(&page, s, &series), 0.0, "{series}");
                }
                assert!(
                    page.contains("# TYPE ponte_provider_seconds histogram"),
                    "{name}"
                );
                if provider == "movidesk" {
                    assert_eq!(
                        has(&page, s, "ponte_reconciled_total{provider=\"movidesk\"}"),
                        0.0
                    );
                }
            }
        }
        match promtool(&page) {
            Some(problems) => assert!(
                problems.trim().is_empty(),
                "promtool check metrics on {name}'s page: {problems}\n{page}"
            ),
            None => promtool_missing = true,
        }
    }
    if promtool_missing {
        eprintln!(
            "SKIPPED the `promtool check metrics` part: promtool is not installed (apt-get install prometheus)"
        );
    }

    // Latency is labelled by the route that matched, not the path asked.
    let r = t
        .http
        .get(format!(
            "{}/api/v1/integrations/no-such-thing",
            t.url(Svc::Admin)
        ))
        .bearer_auth(ponte_e2e::ADMIN_TOKEN)
        .send()
        .await
        .expect("admin answers");
    assert_eq!(r.status().as_u16(), 404);
    let r = t
        .http
        .post(format!("{}/hooks/nope%0Aevil/x", t.url(Svc::Ingress)))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("ingress answers");
    assert_eq!(r.status().as_u16(), 404);
    let admin = t.metrics_page(Svc::Admin).await;
    assert_eq!(
        has(
            &admin,
            Svc::Admin,
            "ponte_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/integrations/{id}\",status_class=\"4xx\"}"
        ),
        1.0
    );
    assert!(!admin.contains("no-such-thing"), "{admin}");
    let ingress = t.metrics_page(Svc::Ingress).await;
    assert_eq!(
        has(
            &ingress,
            Svc::Ingress,
            "ponte_http_request_duration_seconds_count{method=\"POST\",route=\"/hooks/{provider}/{integration}\",status_class=\"4xx\"}"
        ),
        1.0
    );
    assert_eq!(
        has(
            &ingress,
            Svc::Ingress,
            "ponte_webhooks_total{provider=\"unknown\",outcome=\"unknown_provider\"}"
        ),
        1.0
    );
    assert!(!ingress.contains("evil"), "{ingress}");
    t.teardown().await;
}

/// The router's connection gauges and consumers, as one scrape shows them.
async fn connection_state(t: &TestFleet) -> (f64, f64, f64) {
    let page = t.metrics_page(Svc::Router).await;
    let get = |series: &str| value(&page, series).unwrap_or(f64::NAN);
    (
        get("ponte_broker_connected"),
        get("ponte_redis_connected"),
        get("ponte_consumers"),
    )
}

#[tokio::test]
async fn connection_gauges_and_consumers_follow_the_broker_going_away_and_back() {
    // The fleet reaches the broker through a proxy this test can cut.
    let (proxy, proxied) = Proxy::for_amqp_url(&amqp_url()).await;
    let t = TestFleet::start(Options {
        services: vec![Svc::Router],
        env: vec![("PONTE_AMQP_URL".into(), proxied)],
    })
    .await;
    let wait = Duration::from_secs(20);
    t.eventually("the router's consumers attach", wait, || async {
        (connection_state(&t).await == (1.0, 1.0, 2.0)).then_some(())
    })
    .await;

    proxy.cut();
    t.eventually("the gauges show the broker gone", wait, || async {
        (connection_state(&t).await == (0.0, 1.0, 0.0)).then_some(())
    })
    .await;

    proxy.restore();
    t.eventually("the gauges show the broker back", wait, || async {
        (connection_state(&t).await == (1.0, 1.0, 2.0)).then_some(())
    })
    .await;
    t.teardown().await;
}
