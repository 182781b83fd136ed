//! The canonical phone call: what a telephony source reports.

use chrono::{DateTime, FixedOffset, Utc};
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

impl Call {
    /// The client's number (the caller of an incoming call, the callee of
    /// an outgoing one), when known.
    pub fn client_phone(&self) -> Option<&str> {
        let p = match self.direction {
            Direction::In => Some(self.caller.as_str()),
            Direction::Out => self.callee.as_deref(),
        };
        p.filter(|p| !p.is_empty())
    }

    /// The client's name as the PBX knows it (incoming calls only: the
    /// name of an outgoing call's caller is the employee's).
    pub fn client_name(&self) -> Option<&str> {
        match self.direction {
            Direction::In => self.caller_name.as_deref().filter(|n| !n.trim().is_empty()),
            Direction::Out => None,
        }
    }
}

/// A phone as the desks show and store it: `+` and the digits of an
/// international number (11 digits or more), the bare digits of a short one.
pub fn shown_phone(digits: &str) -> String {
    if digits.len() >= 11 {
        format!("+{digits}")
    } else {
        digits.to_string()
    }
}

/// `YYYY-MM-DD HH:MM` in the desk's zone.
pub fn minutes_in(t: DateTime<Utc>, zone: FixedOffset) -> String {
    t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

/// Replaces `{name}` placeholders of a call template; unknown ones stay as
/// they are.
pub fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_caller_of_an_incoming_call_and_the_callee_of_an_outgoing_one() {
        let mut call = Call {
            caller: "79991234567".into(),
            callee: Some("101".into()),
            caller_name: Some("Пётр".into()),
            ..Call::default()
        };
        assert_eq!(call.client_phone(), Some("79991234567"));
        assert_eq!(call.client_name(), Some("Пётр"));
        call.direction = Direction::Out;
        assert_eq!(call.client_phone(), Some("101"));
        assert_eq!(call.client_name(), None);
    }

    #[test]
    fn phones_times_and_templates_are_written_as_desks_show_them() {
        assert_eq!(shown_phone("79991234567"), "+79991234567");
        assert_eq!(shown_phone("101"), "101");
        let t = DateTime::parse_from_rfc3339("2026-05-04T07:15:30Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        let msk = FixedOffset::east_opt(3 * 3600).expect("zone");
        assert_eq!(minutes_in(t, msk), "2026-05-04 10:15");
        assert_eq!(
            fill(
                "От {caller} ({caller_name}) {x}",
                &[("caller", "+7".into()), ("caller_name", "Пётр".into())]
            ),
            "От +7 (Пётр) {x}"
        );
    }
}
