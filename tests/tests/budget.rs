//! The real Movidesk budget on both sides: Ponte's shared limiter and the
//! sandbox's own (10 requests in any rolling minute, 429 beyond). More work
//! than one minute's budget is queued; it all links, and the provider never
//! had to refuse a request.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_e2e::{Options, TestFleet};
use serde_json::{Value, json};

/// Movidesk's documented budget.
const PER_MINUTE: usize = 10;

fn at(r: &Value) -> DateTime<Utc> {
    r["at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("request without a time: {r}"))
}

/// The most requests the provider admitted in any rolling 60 s window.
fn busiest_minute(requests: &[Value]) -> usize {
    let mut times: Vec<DateTime<Utc>> = requests.iter().map(at).collect();
    times.sort();
    let mut most = 0;
    for (i, start) in times.iter().enumerate() {
        let n = times[i..]
            .iter()
            .take_while(|t| **t - *start < chrono::Duration::seconds(60))
            .count();
        most = most.max(n);
    }
    most
}

#[tokio::test]
async fn with_the_movidesk_budget_on_nothing_is_refused_and_everything_links() {
    let t = TestFleet::start(Options {
        env: vec![(
            "PONTE_MOVIDESK_RATE_PER_MINUTE".into(),
            PER_MINUTE.to_string(),
        )],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("budget").await;
    for domain in [&pair.a, &pair.b] {
        t.sandbox
            .patch_domain(
                domain,
                &json!({"rate_limit_per_minute": PER_MINUTE, "lockout_after_failures": 3}),
            )
            .await
            .expect("budget on");
    }
    let mut opened = Vec::new();
    for i in 0..6 {
        opened.push(t.open_ticket(&pair, &format!("Budgeted {i}")).await);
    }
    for a in &opened {
        let found = t
            .eventually(
                "a counterpart for every ticket, within the budget",
                Duration::from_secs(240),
                || async {
                    let found = t.counterparts(&pair, &pair.b, a).await;
                    (!found.is_empty()).then_some(found)
                },
            )
            .await;
        assert_eq!(found.len(), 1, "ticket {a}: one counterpart");
    }
    let mut most = 0;
    for domain in [&pair.a, &pair.b] {
        let requests = t.sandbox.requests(domain).await.expect("request log");
        let refused: Vec<&Value> = requests.iter().filter(|r| r["status"] == 429).collect();
        assert!(
            refused.is_empty(),
            "{domain}: the provider never had to refuse a request: {refused:#?}"
        );
        let busiest = busiest_minute(&requests);
        assert!(
            busiest <= PER_MINUTE,
            "{domain}: {busiest} requests in one minute"
        );
        most = most.max(requests.len());
    }
    assert!(
        most > PER_MINUTE,
        "the work needed more than one minute's budget ({most} requests)"
    );
    let (_, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}
