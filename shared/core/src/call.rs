//! The canonical phone call: what a telephony source reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    In,
    Out,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Call {
    /// The PBX's call session id.
    pub id: String,
    pub direction: Direction,
    /// The caller's number, digits only.
    pub caller: String,
    /// The number that was called (virtual number or employee), digits.
    pub callee: Option<String>,
    pub caller_name: Option<String>,
    /// Internal numbers (extensions) of the employees involved: rung while
    /// waiting, the one who answered, or those who missed it.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Names of the employees involved.
    #[serde(default)]
    pub employees: Vec<String>,
    /// The PBX's ids of the employees involved (UIS `employee_id` /
    /// `employee_ids`), for templates that name employees only by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub employee_ids: Vec<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Talk time in seconds.
    pub talk_secs: Option<u64>,
    /// Time the caller waited, in seconds.
    pub wait_secs: Option<u64>,
    pub recording_url: Option<String>,
}
