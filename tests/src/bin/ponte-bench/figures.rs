//! Latency figures and their summaries.

use super::*;

/// Latencies in milliseconds.
#[derive(Debug, Default, Clone)]
pub(crate) struct Latencies(pub(crate) Vec<f64>);

impl Latencies {
    pub(crate) fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1000.0);
    }
    pub(crate) fn push_ms(&mut self, ms: f64) {
        self.0.push(ms);
    }
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
    /// Nearest-rank percentile.
    pub(crate) fn pct(&self, p: f64) -> Option<f64> {
        if self.0.is_empty() {
            return None;
        }
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v.get(rank.clamp(1, v.len()) - 1).copied()
    }
    pub(crate) fn max(&self) -> Option<f64> {
        self.0.iter().copied().reduce(f64::max)
    }
    pub(crate) fn mean(&self) -> Option<f64> {
        (!self.0.is_empty()).then(|| self.0.iter().sum::<f64>() / self.0.len() as f64)
    }
    /// `p50 / p95 / p99 / max` in ms.
    pub(crate) fn summary(&self) -> String {
        let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), ms);
        format!(
            "p50 {}  p95 {}  p99 {}  max {}  (mean {}, n={})",
            f(self.pct(50.0)),
            f(self.pct(95.0)),
            f(self.pct(99.0)),
            f(self.max()),
            f(self.mean()),
            self.len()
        )
    }
    pub(crate) fn cells(&self) -> [String; 4] {
        let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), ms);
        [
            f(self.pct(50.0)),
            f(self.pct(95.0)),
            f(self.pct(99.0)),
            f(self.max()),
        ]
    }
}

/// A figure in ms, or a dash when there is none.
pub(crate) fn ms_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.0}"))
}

pub(crate) fn ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2} ms")
    } else if v < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}

pub(crate) fn rate(count: usize, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}
