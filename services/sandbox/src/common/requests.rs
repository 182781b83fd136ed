//! The log of public-API requests served, used by tests to count effects. Tokens never enter it.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::lock;

/// How many records are kept; the oldest are dropped first.
const CAPACITY: usize = 100_000;

/// One public-API request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub provider: String,
    /// The tenant the credentials selected; null when they selected none.
    pub domain: Option<String>,
    pub method: String,
    pub path: String,
    /// The decoded query string without credential parameters.
    pub query: String,
    pub status: u16,
    /// RFC 3339 time the request arrived.
    pub at: String,
    pub duration_ms: u64,
}

/// Filter of `GET /_sandbox/requests`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFilter {
    pub provider: Option<String>,
    pub domain: Option<String>,
    pub method: Option<String>,
    /// Only records whose path starts with this.
    pub path: Option<String>,
}

impl RequestFilter {
    fn matches(&self, r: &RequestRecord) -> bool {
        self.provider.as_ref().is_none_or(|p| *p == r.provider)
            && self
                .domain
                .as_ref()
                .is_none_or(|d| r.domain.as_ref() == Some(d))
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&r.method))
            && self.path.as_ref().is_none_or(|p| r.path.starts_with(p))
    }
}

#[derive(Debug, Default)]
pub struct RequestLog {
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    pub fn push(&self, record: RequestRecord) {
        let mut records = lock(&self.records);
        if records.len() >= CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
    }

    pub fn list(&self, filter: &RequestFilter) -> Vec<RequestRecord> {
        lock(&self.records)
            .iter()
            .filter(|r| filter.matches(r))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        lock(&self.records).clear();
    }
}
