//! A small Prometheus registry rendered in the text exposition format.
//!
//! Every metric is declared once (name, help, type, label names) as a
//! [`Counter`], [`Gauge`] or [`Histogram`] in [`crate::catalog`]; call sites
//! pass only label values. A service registers its series at start
//! ([`Counter::zero`] and friends) so `/metrics` shows them, at zero, before
//! anything happened, and alert rules have a series to evaluate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds of every histogram, in seconds: fine steps for HTTP calls
/// and up to ten minutes for the waits of retries and rate budgets.
pub const BUCKETS: [f64; 18] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0, 600.0,
];

/// What a metric is, as `# TYPE` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One metric's declaration.
#[derive(Debug)]
pub struct Metric {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    pub labels: &'static [&'static str],
}

/// A count that only goes up (its name ends in `_total`).
#[derive(Debug)]
pub struct Counter(pub Metric);

/// A level that goes up and down.
#[derive(Debug)]
pub struct Gauge(pub Metric);

/// Durations, in seconds, counted into [`BUCKETS`].
#[derive(Debug)]
pub struct Histogram(pub Metric);

impl Counter {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Counter {
        Counter(Metric {
            name,
            help,
            kind: Kind::Counter,
            labels,
        })
    }

    pub fn inc(&self, values: &[&str]) {
        self.add(values, 1);
    }

    pub fn add(&self, values: &[&str], by: u64) {
        with_series(&self.0, values, |v| {
            if let Value::Counter(n) = v {
                *n += by;
            }
        });
    }

    /// Registers the series at zero (a no-op when it exists).
    pub fn zero(&self, values: &[&str]) {
        with_series(&self.0, values, |_| {});
    }
}

impl Gauge {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Gauge {
        Gauge(Metric {
            name,
            help,
            kind: Kind::Gauge,
            labels,
        })
    }

    pub fn set(&self, values: &[&str], to: f64) {
        with_series(&self.0, values, |v| {
            if let Value::Gauge(g) = v {
                *g = to;
            }
        });
    }

    pub fn add(&self, values: &[&str], delta: f64) {
        with_series(&self.0, values, |v| {
            if let Value::Gauge(g) = v {
                *g += delta;
            }
        });
    }

    pub fn zero(&self, values: &[&str]) {
        with_series(&self.0, values, |_| {});
    }
}

impl Histogram {
    pub const fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Histogram {
        Histogram(Metric {
            name,
            help,
            kind: Kind::Histogram,
            labels,
        })
    }

    pub fn observe(&self, values: &[&str], d: Duration) {
        let secs = d.as_secs_f64();
        with_series(&self.0, values, |v| {
            if let Value::Histogram(h) = v {
                for (i, b) in BUCKETS.iter().enumerate() {
                    if secs <= *b {
                        h.counts[i] += 1;
                    }
                }
                h.sum += secs;
                h.count += 1;
            }
        });
    }

    pub fn zero(&self, values: &[&str]) {
        with_series(&self.0, values, |_| {});
    }
}

impl Metric {
    /// Shows the metric's `# HELP` and `# TYPE` even before it has a
    /// series (for label sets that are not closed, e.g. accounts).
    pub fn describe(&self) {
        if let Ok(mut r) = registry().lock() {
            family(&mut r, self);
        }
    }
}

#[derive(Default, Clone)]
struct Buckets {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

enum Value {
    Counter(u64),
    Gauge(f64),
    Histogram(Box<Buckets>),
}

struct Family {
    help: &'static str,
    kind: Kind,
    labels: &'static [&'static str],
    series: BTreeMap<Vec<String>, Value>,
}

#[derive(Default)]
struct Registry {
    families: BTreeMap<&'static str, Family>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(Registry::default()))
}

fn family<'r>(r: &'r mut Registry, m: &Metric) -> &'r mut Family {
    r.families.entry(m.name).or_insert_with(|| Family {
        help: m.help,
        kind: m.kind,
        labels: m.labels,
        series: BTreeMap::new(),
    })
}

fn with_series(m: &Metric, values: &[&str], f: impl FnOnce(&mut Value)) {
    debug_assert_eq!(
        values.len(),
        m.labels.len(),
        "{}: label values must match the declared labels {:?}",
        m.name,
        m.labels
    );
    let key: Vec<String> = values.iter().map(|v| (*v).to_string()).collect();
    if let Ok(mut r) = registry().lock() {
        let kind = m.kind;
        let value = family(&mut r, m)
            .series
            .entry(key)
            .or_insert_with(|| match kind {
                Kind::Counter => Value::Counter(0),
                Kind::Gauge => Value::Gauge(0.0),
                Kind::Histogram => Value::Histogram(Box::default()),
            });
        f(value);
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

/// A sample value as the exposition format spells it.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

fn render_labels(out: &mut String, names: &[&str], values: &[String], extra: Option<(&str, &str)>) {
    let mut parts: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
        .collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if !parts.is_empty() {
        let _ = write!(out, "{{{}}}", parts.join(","));
    }
}

/// The whole registry in Prometheus text format, families sorted by name.
pub fn render() -> String {
    let mut out = String::new();
    let Ok(r) = registry().lock() else {
        return out;
    };
    for (name, fam) in &r.families {
        let _ = writeln!(
            out,
            "# HELP {name} {}\n# TYPE {name} {}",
            fam.help,
            fam.kind.as_str()
        );
        for (values, value) in &fam.series {
            match value {
                Value::Counter(n) => {
                    out.push_str(name);
                    render_labels(&mut out, fam.labels, values, None);
                    let _ = writeln!(out, " {n}");
                }
                Value::Gauge(g) => {
                    out.push_str(name);
                    render_labels(&mut out, fam.labels, values, None);
                    let _ = writeln!(out, " {}", format_value(*g));
                }
                Value::Histogram(h) => render_histogram(&mut out, name, fam.labels, values, h),
            }
        }
    }
    out
}

fn render_histogram(out: &mut String, name: &str, names: &[&str], values: &[String], h: &Buckets) {
    for (i, b) in BUCKETS.iter().enumerate() {
        let _ = write!(out, "{name}_bucket");
        render_labels(out, names, values, Some(("le", &b.to_string())));
        let _ = writeln!(out, " {}", h.counts[i]);
    }
    let _ = write!(out, "{name}_bucket");
    render_labels(out, names, values, Some(("le", "+Inf")));
    let _ = writeln!(out, " {}", h.count);
    let _ = write!(out, "{name}_sum");
    render_labels(out, names, values, None);
    let _ = writeln!(out, " {}", format_value(h.sum));
    let _ = write!(out, "{name}_count");
    render_labels(out, names, values, None);
    let _ = writeln!(out, " {}", h.count);
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST_TOTAL: Counter = Counter::new("ponte_test_total", "a test counter", &["provider"]);
    static TEST_SECONDS: Histogram = Histogram::new("ponte_test_seconds", "a test histogram", &[]);
    static TEST_DEPTH: Gauge = Gauge::new("ponte_test_depth", "a test gauge", &[]);
    static ESCAPE_TOTAL: Counter = Counter::new("ponte_escape_test_total", "escaping", &["reason"]);
    static ZERO_TOTAL: Counter = Counter::new("ponte_zero_test_total", "registered", &["code"]);
    static OPEN_TOTAL: Counter = Counter::new("ponte_open_test_total", "open labels", &["account"]);

    #[test]
    fn renders_counters_gauges_and_histograms() {
        TEST_TOTAL.inc(&["movidesk"]);
        TEST_TOTAL.inc(&["movidesk"]);
        TEST_SECONDS.observe(&[], Duration::from_millis(20));
        TEST_SECONDS.observe(&[], Duration::from_secs(200));
        let text = render();
        assert!(
            text.contains("ponte_test_total{provider=\"movidesk\"} 2"),
            "{text}"
        );
        assert!(text.contains("ponte_test_seconds_count 2"), "{text}");
        assert!(text.contains("# TYPE ponte_test_seconds histogram"));
        // A wait of minutes lands in a bucket of its own, not only +Inf.
        assert!(
            text.contains("ponte_test_seconds_bucket{le=\"120\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("ponte_test_seconds_bucket{le=\"300\"} 2"),
            "{text}"
        );
        TEST_DEPTH.set(&[], 3.0);
        TEST_DEPTH.add(&[], -2.0);
        let text = render();
        assert!(text.contains("# TYPE ponte_test_depth gauge"), "{text}");
        assert!(text.contains("ponte_test_depth 1\n"), "{text}");
    }

    #[test]
    fn registered_series_show_at_zero_and_described_families_without_series() {
        ZERO_TOTAL.zero(&["accepted"]);
        OPEN_TOTAL.0.describe();
        let text = render();
        assert!(
            text.contains("ponte_zero_test_total{code=\"accepted\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE ponte_open_test_total counter\n"),
            "{text}"
        );
        assert!(!text.contains("ponte_open_test_total{"), "{text}");
        ZERO_TOTAL.inc(&["accepted"]);
        assert!(render().contains("ponte_zero_test_total{code=\"accepted\"} 1\n"));
    }

    #[test]
    fn label_values_are_escaped_so_no_value_breaks_a_line() {
        assert_eq!(escape_label_value("a\nb\"c\\d"), "a\\nb\\\"c\\\\d");
        ESCAPE_TOTAL.inc(&["x\ny"]);
        let text = render();
        let line = text
            .lines()
            .find(|l| l.starts_with("ponte_escape_test_total{"))
            .expect("the series is on one line");
        assert_eq!(line, "ponte_escape_test_total{reason=\"x\\ny\"} 1");
    }

    #[test]
    fn values_are_spelled_as_the_format_wants() {
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(1.5), "1.5");
        assert_eq!(format_value(1_700_000_000.0), "1700000000");
    }
}
