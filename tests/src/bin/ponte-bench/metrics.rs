//! Counters scraped from the services' /metrics.

use super::*;

/// Every series of a service's `/metrics` except histogram buckets.
pub(crate) async fn scrape(http: &reqwest::Client, base: &str) -> BTreeMap<String, f64> {
    let Ok(resp) = http
        .get(format!("{base}/metrics"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
    else {
        return BTreeMap::new();
    };
    let text = resp.text().await.unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| !series.contains("_bucket"))
        .filter_map(|(series, v)| v.parse::<f64>().ok().map(|v| (series.to_string(), v)))
        .collect()
}

/// `/metrics` of the ingress, router and worker, keyed "service series".
pub(crate) async fn scrape_fleet(t: &TestFleet) -> BTreeMap<String, f64> {
    let Ok(http) = http_client(1) else {
        return BTreeMap::new();
    };
    let mut all = BTreeMap::new();
    for (name, svc) in [
        ("ingress", Svc::Ingress),
        ("router", Svc::Router),
        ("worker", Svc::WorkerMovidesk),
    ] {
        for (series, v) in scrape(&http, &t.url(svc)).await {
            all.insert(format!("{name} {series}"), v);
        }
    }
    all
}

/// Webhooks the ingress has accepted so far (all integrations).
pub(crate) async fn ingress_accepted(t: &TestFleet) -> f64 {
    let Ok(http) = http_client(1) else {
        return f64::NAN;
    };
    scrape(&http, &t.url(Svc::Ingress))
        .await
        .iter()
        .filter(|(k, _)| k.starts_with("ponte_webhooks_total") && k.contains("accepted"))
        .map(|(_, v)| v)
        .sum()
}

/// What grew between two scrapes.
pub(crate) fn metric_deltas(
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
) -> Vec<(String, f64)> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, d)| *d > 0.0)
        .collect()
}
