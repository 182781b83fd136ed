//! Reads the Prometheus text the services expose on `/metrics`: the sum of
//! a series over all its labels is all the fleet page needs.

/// The sum of every sample named `name` (any labels).
pub(crate) fn sum(text: &str, name: &str) -> Option<f64> {
    let mut total = None;
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        // The name must end here: `{labels} value` or ` value`.
        let value = if let Some(labels) = rest.strip_prefix('{') {
            labels.split_once('}').map(|(_, v)| v)
        } else if rest.starts_with(' ') {
            Some(rest)
        } else {
            None
        };
        if let Some(v) = value
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
        {
            *total.get_or_insert(0.0) += v;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_a_series_over_its_labels_only() {
        let text = "# HELP ponte_webhooks_total Webhooks\n\
            # TYPE ponte_webhooks_total counter\n\
            ponte_webhooks_total{provider=\"movidesk\",outcome=\"accepted\"} 3\n\
            ponte_webhooks_total{provider=\"movidesk\",outcome=\"unknown_integration\"} 2\n\
            ponte_webhooks_total_extra 100\n\
            ponte_provider_seconds_count{provider=\"movidesk\"} 7\n\
            ponte_provider_seconds_sum{provider=\"movidesk\"} 0.5\n";
        assert_eq!(sum(text, "ponte_webhooks_total"), Some(5.0));
        assert_eq!(sum(text, "ponte_provider_seconds_count"), Some(7.0));
        assert_eq!(sum(text, "ponte_commands_done_total"), None);
    }
}
