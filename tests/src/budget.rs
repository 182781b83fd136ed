//! What a provider account's request log says about its budget: Movidesk
//! admits 10 requests in any rolling minute and answers 429 beyond (and
//! locks the token after a series of failures).

use chrono::{DateTime, Utc};
use serde_json::Value;

use serde_json::json;

use crate::{Options, TestFleet};

/// Movidesk's documented budget.
pub const MOVIDESK_PER_MINUTE: usize = 10;

fn at(r: &Value) -> DateTime<Utc> {
    r["at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("request without a time: {r}"))
}

/// The most requests the provider admitted in any rolling 60 s window.
pub fn busiest_minute(requests: &[Value]) -> usize {
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

/// Asserts that the Movidesk `domain` never refused a request (no 429, so
/// no lockout either) and never admitted more than its budget in a minute;
/// returns how many requests it served.
pub async fn movidesk_within_budget(t: &TestFleet, domain: &str) -> usize {
    let requests = t
        .sandbox
        .requests(domain)
        .await
        .unwrap_or_else(|e| panic!("request log of {domain}: {e}"));
    let refused: Vec<&Value> = requests.iter().filter(|r| r["status"] == 429).collect();
    assert!(
        refused.is_empty(),
        "{domain}: the provider had to refuse requests: {refused:#?}"
    );
    let busiest = busiest_minute(&requests);
    assert!(
        busiest <= MOVIDESK_PER_MINUTE,
        "{domain}: {busiest} requests in one minute"
    );
    requests.len()
}

/// A test fleet whose Movidesk limiter keeps the documented budget.
pub async fn budgeted_fleet() -> TestFleet {
    TestFleet::start(Options {
        env: vec![(
            "PONTE_MOVIDESK_RATE_PER_MINUTE".into(),
            MOVIDESK_PER_MINUTE.to_string(),
        )],
        ..Options::default()
    })
    .await
}

/// Turns the sandbox's own limit and failed-request lockout on for a
/// Movidesk domain.
pub async fn movidesk_budget_on(t: &TestFleet, domain: &str) {
    t.sandbox
        .patch_domain(
            domain,
            &json!({"rate_limit_per_minute": MOVIDESK_PER_MINUTE, "lockout_after_failures": 3}),
        )
        .await
        .unwrap_or_else(|e| panic!("budget on for {domain}: {e}"));
}
