//! A small Prometheus registry: counters and latency histograms with fixed
//! label sets, rendered in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Registry {
    counters: BTreeMap<(&'static str, Labels), u64>,
    histograms: BTreeMap<(&'static str, Labels), Histogram>,
    gauges: BTreeMap<(&'static str, Labels), f64>,
    help: BTreeMap<&'static str, &'static str>,
}

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(Registry::default()))
}

fn labels(pairs: &[(&'static str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (*k, (*v).to_string())).collect()
}

/// Adds `by` to counter `name` with the given labels.
pub fn count(name: &'static str, help: &'static str, pairs: &[(&'static str, &str)], by: u64) {
    if let Ok(mut r) = registry().lock() {
        r.help.entry(name).or_insert(help);
        *r.counters.entry((name, labels(pairs))).or_default() += by;
    }
}

pub fn inc(name: &'static str, help: &'static str, pairs: &[(&'static str, &str)]) {
    count(name, help, pairs, 1);
}

/// Sets gauge `name` (a level that goes up and down, e.g. a queue depth).
pub fn set(name: &'static str, help: &'static str, pairs: &[(&'static str, &str)], value: f64) {
    if let Ok(mut r) = registry().lock() {
        r.help.entry(name).or_insert(help);
        r.gauges.insert((name, labels(pairs)), value);
    }
}

/// Records one observation of a duration, in seconds.
pub fn observe(
    name: &'static str,
    help: &'static str,
    pairs: &[(&'static str, &str)],
    d: Duration,
) {
    let secs = d.as_secs_f64();
    if let Ok(mut r) = registry().lock() {
        r.help.entry(name).or_insert(help);
        let h = r.histograms.entry((name, labels(pairs))).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }
}

/// A label value as the text exposition format wants it: backslash,
/// double quote and line feed escaped, so no value can break a line.
pub fn escape_label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn render_labels(out: &mut String, labels: &Labels, extra: Option<(&str, String)>) {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if !parts.is_empty() {
        let _ = write!(out, "{{{}}}", parts.join(","));
    }
}

/// The whole registry in Prometheus text format.
pub fn render() -> String {
    let mut out = String::new();
    let Ok(r) = registry().lock() else {
        return out;
    };
    let mut last = "";
    for ((name, labels), value) in &r.counters {
        if *name != last {
            let help = r.help.get(name).copied().unwrap_or("");
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            last = name;
        }
        out.push_str(name);
        render_labels(&mut out, labels, None);
        let _ = writeln!(out, " {value}");
    }
    last = "";
    for ((name, labels), value) in &r.gauges {
        if *name != last {
            let help = r.help.get(name).copied().unwrap_or("");
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            last = name;
        }
        out.push_str(name);
        render_labels(&mut out, labels, None);
        let _ = writeln!(out, " {value}");
    }
    last = "";
    for ((name, labels), h) in &r.histograms {
        if *name != last {
            let help = r.help.get(name).copied().unwrap_or("");
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            last = name;
        }
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = write!(out, "{name}_bucket");
            render_labels(&mut out, labels, Some(("le", b.to_string())));
            let _ = writeln!(out, " {}", h.counts[i]);
        }
        let _ = write!(out, "{name}_bucket");
        render_labels(&mut out, labels, Some(("le", "+Inf".to_string())));
        let _ = writeln!(out, " {}", h.count);
        let _ = write!(out, "{name}_sum");
        render_labels(&mut out, labels, None);
        let _ = writeln!(out, " {}", h.sum);
        let _ = write!(out, "{name}_count");
        render_labels(&mut out, labels, None);
        let _ = writeln!(out, " {}", h.count);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        inc(
            "ponte_test_total",
            "a test counter",
            &[("provider", "movidesk")],
        );
        inc(
            "ponte_test_total",
            "a test counter",
            &[("provider", "movidesk")],
        );
        observe(
            "ponte_test_seconds",
            "a test histogram",
            &[],
            Duration::from_millis(20),
        );
        let text = render();
        assert!(
            text.contains("ponte_test_total{provider=\"movidesk\"} 2"),
            "{text}"
        );
        assert!(text.contains("ponte_test_seconds_count 1"), "{text}");
        assert!(text.contains("# TYPE ponte_test_seconds histogram"));
        set("ponte_test_depth", "a test gauge", &[], 3.0);
        set("ponte_test_depth", "a test gauge", &[], 1.0);
        let text = render();
        assert!(text.contains("# TYPE ponte_test_depth gauge"), "{text}");
        assert!(text.contains("ponte_test_depth 1\n"), "{text}");
    }

    #[test]
    fn label_values_are_escaped_so_no_value_breaks_a_line() {
        assert_eq!(escape_label_value("a\nb\"c\\d"), "a\\nb\\\"c\\\\d");
        inc("ponte_escape_test_total", "escaping", &[("reason", "x\ny")]);
        let text = render();
        let line = text
            .lines()
            .find(|l| l.starts_with("ponte_escape_test_total{"))
            .expect("the series is on one line");
        assert_eq!(line, "ponte_escape_test_total{reason=\"x\\ny\"} 1");
    }
}
