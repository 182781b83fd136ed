//! Simulated calls: what the control API asks for (`POST /_sandbox/uis/{account}/calls`), the call the
//! PBX makes of it (legs, outcome, recording) and its timeline of notification events.
//!
//! The call's clock is simulated: it starts when it is posted, employees are rung for `wait_seconds`,
//! the answered one talks `talk_seconds`. Notifications carry those simulated times but are delivered
//! right away, `notification_delay_ms` apart.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use super::config::{EventKind, NotifyMethod, string_or_int};
use crate::common::redact::redact_url;

/// An extension given as `"101"` or `101`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ext(pub String);

impl<'de> Deserialize<'de> for Ext {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        string_or_int(de).map(|s| Ext(s.trim().to_owned()))
    }
}

/// How the call ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Answered,
    Lost,
}

impl Outcome {
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw {
            None | Some("answered") => Ok(Self::Answered),
            Some("lost") => Ok(Self::Lost),
            Some(other) => Err(format!(
                "outcome: '{other}' is not one of 'answered', 'lost'"
            )),
        }
    }
}

fn default_true() -> bool {
    true
}

/// The body of `POST /_sandbox/uis/{account}/calls`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// The caller's number (digits; `+`, spaces and dashes are dropped).
    pub from: Ext,
    /// The dialled virtual number (default: the account's first, else `74950000000`).
    #[serde(default)]
    pub virtual_number: Option<Ext>,
    /// Extensions rung, in order.
    pub ring: Vec<Ext>,
    /// `answered` (default) or `lost` (read by `Outcome::parse`, so that a bad value is named).
    #[serde(default)]
    pub outcome: Option<String>,
    /// Who answers (default: the first rung); only for answered calls.
    #[serde(default)]
    pub answered_by: Option<Ext>,
    /// Talk time of an answered call (default 30).
    #[serde(default)]
    pub talk_seconds: Option<u64>,
    /// Ringing time (default: the account's `default_wait_seconds`).
    #[serde(default)]
    pub wait_seconds: Option<u64>,
    /// Whether an answered call is recorded (default true).
    #[serde(default = "default_true")]
    pub record: bool,
    /// `lost_reason` of a lost call (default `no_answer`; UIS's values are undocumented).
    #[serde(default)]
    pub lost_reason: Option<String>,
    /// `contact_full_name` (default: the account contact with this number, else null).
    #[serde(default)]
    pub contact_full_name: Option<String>,
}

/// One employee rung.
#[derive(Debug, Clone, Serialize)]
pub struct Leg {
    pub leg_id: u64,
    pub employee_id: u64,
    pub employee_full_name: String,
    pub extension_phone_number: String,
    pub answered: bool,
}

/// A notification as rendered for a call, kept for resends.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub event: EventKind,
    pub notification_name: String,
    pub url: String,
    pub method: NotifyMethod,
    pub body: String,
    pub content_type: &'static str,
    pub warnings: Vec<String>,
}

impl Prepared {
    /// As shown by the control API (URL secrets redacted).
    pub fn view(&self) -> Value {
        json!({
            "event": self.event,
            "notification_name": self.notification_name,
            "url": redact_url(&self.url),
            "method": self.method,
            "body": self.body,
            "content_type": self.content_type,
            "warnings": self.warnings,
        })
    }
}

/// A call of the simulated PBX.
#[derive(Debug, Clone)]
pub struct Call {
    pub call_session_id: u64,
    pub contact_phone_number: String,
    pub virtual_phone_number: String,
    pub legs: Vec<Leg>,
    pub outcome: Outcome,
    pub start: DateTime<Utc>,
    pub wait_seconds: u64,
    pub talk_seconds: u64,
    pub record_id: Option<u64>,
    pub file_link: Option<String>,
    pub lost_reason: Option<String>,
    pub contact_id: Option<u64>,
    pub contact_full_name: Option<String>,
    pub prepared: Vec<Prepared>,
}

impl Call {
    pub fn answered_leg(&self) -> Option<&Leg> {
        self.legs.iter().find(|l| l.answered)
    }

    pub fn finish(&self) -> DateTime<Utc> {
        let talk = if self.outcome == Outcome::Answered {
            self.talk_seconds
        } else {
            0
        };
        self.start + secs(self.wait_seconds + talk)
    }

    /// The events of the call in order, with the leg they are about and their simulated time.
    pub fn timeline(&self) -> Vec<(EventKind, Option<usize>, DateTime<Utc>)> {
        let mut events: Vec<(EventKind, Option<usize>, DateTime<Utc>)> = (0..self.legs.len())
            .map(|i| (EventKind::WaitingForAnswer, Some(i), self.start))
            .collect();
        let answered = self.legs.iter().position(|l| l.answered);
        match self.outcome {
            Outcome::Answered => {
                events.push((EventKind::CallFinished, answered, self.finish()));
                if self.record_id.is_some() {
                    events.push((EventKind::RecordedConversation, answered, self.finish()));
                }
            }
            Outcome::Lost => events.push((EventKind::LostCall, None, self.finish())),
        }
        events
    }

    /// The control API's view.
    pub fn view(&self, app_id: u64) -> Value {
        json!({
            "call_session_id": self.call_session_id,
            "app_id": app_id,
            "direction": "in",
            "contact_phone_number": self.contact_phone_number,
            "virtual_phone_number": self.virtual_phone_number,
            "contact_id": self.contact_id,
            "contact_full_name": self.contact_full_name,
            "outcome": self.outcome,
            "start_time": self.start.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "finish_time": self.finish().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "wait_seconds": self.wait_seconds,
            "talk_seconds": if self.outcome == Outcome::Answered { self.talk_seconds } else { 0 },
            "legs": self.legs,
            "record_id": self.record_id,
            "file_link": self.file_link,
            "lost_reason": self.lost_reason,
            "events": self.timeline().iter().map(|(e, _, _)| e.key()).collect::<Vec<_>>(),
            "notifications": self.prepared.iter().map(Prepared::view).collect::<Vec<_>>(),
        })
    }
}

pub fn secs(s: u64) -> Duration {
    i64::try_from(s)
        .ok()
        .and_then(Duration::try_seconds)
        .unwrap_or_else(Duration::zero)
}
