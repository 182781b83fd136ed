//! Which tickets an integration takes: conditions evaluated on the full
//! (re-read) ticket. No rules means every ticket.

use serde::{Deserialize, Serialize};

use crate::{BaseStatus, Ticket, ValidationError, Visibility};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MatchMode {
    /// Every rule must hold.
    #[default]
    All,
    /// One rule is enough.
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    #[default]
    Eq,
    Ne,
    In,
    NotIn,
    /// The field's text contains the value (case-insensitive).
    Contains,
    /// The field has a value.
    Exists,
    /// The field has no value.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// `status`, `base_status`, `type`, `category`, `urgency`, `service`,
    /// `owner_team`, `tag`, `origin`, or `custom_field:<id>`.
    pub field: String,
    #[serde(default)]
    pub op: Op,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Conditions {
    #[serde(default, rename = "match")]
    pub mode: MatchMode,
    #[serde(default)]
    pub rules: Vec<Condition>,
}

const FIELDS: &str = "status, base_status, type, category, urgency, service, owner_team, tag, origin, custom_field:<id>";

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace(['_', ' '], "")
}

fn base_name(b: &BaseStatus) -> String {
    match b {
        BaseStatus::New => "new".into(),
        BaseStatus::InAttendance => "inattendance".into(),
        BaseStatus::Stopped => "stopped".into(),
        BaseStatus::Canceled => "canceled".into(),
        BaseStatus::Resolved => "resolved".into(),
        BaseStatus::Closed => "closed".into(),
        BaseStatus::Other(o) => norm(o),
    }
}

/// The values a ticket has for a field (several for tags, services and
/// list custom fields), normalised for comparison.
fn values_of(field: &str, t: &Ticket) -> Vec<String> {
    let one = |v: &Option<String>| v.iter().map(|s| norm(s)).collect::<Vec<_>>();
    match field {
        "status" => vec![norm(&t.status)],
        "base_status" => vec![base_name(&t.base_status)],
        "type" => vec![match t.visibility {
            Visibility::Public => "public".into(),
            Visibility::Internal => "internal".into(),
        }],
        "category" => one(&t.category),
        "urgency" => one(&t.urgency),
        "owner_team" => one(&t.owner_team),
        "origin" => one(&t.origin),
        "service" => t.services.iter().map(|s| norm(s)).collect(),
        "tag" => t.tags.iter().map(|s| norm(s)).collect(),
        other => match other.strip_prefix("custom_field:") {
            Some(id) => t
                .custom_fields
                .iter()
                .filter(|c| c.id == id)
                .flat_map(|c| {
                    c.value
                        .iter()
                        .chain(c.items.iter())
                        .map(|v| norm(v))
                        .collect::<Vec<_>>()
                })
                .collect(),
            None => vec![],
        },
    }
    .into_iter()
    .filter(|v| !v.is_empty())
    .collect()
}

impl Condition {
    fn wanted(&self) -> Vec<String> {
        self.value
            .iter()
            .chain(self.values.iter())
            .map(|v| norm(v))
            .collect()
    }

    pub fn holds(&self, t: &Ticket) -> bool {
        let have = values_of(&self.field, t);
        let wanted = self.wanted();
        match self.op {
            Op::Eq | Op::In => have.iter().any(|h| wanted.contains(h)),
            Op::Ne | Op::NotIn => !have.iter().any(|h| wanted.contains(h)),
            Op::Contains => have
                .iter()
                .any(|h| wanted.iter().any(|w| h.contains(w.as_str()))),
            Op::Exists => !have.is_empty(),
            Op::Missing => have.is_empty(),
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        let known = matches!(
            self.field.as_str(),
            "status"
                | "base_status"
                | "type"
                | "category"
                | "urgency"
                | "service"
                | "owner_team"
                | "tag"
                | "origin"
        ) || self
            .field
            .strip_prefix("custom_field:")
            .is_some_and(|id| !id.is_empty());
        if !known {
            return Err(ValidationError::new(
                "field",
                format!(
                    "unknown condition field `{}`; use one of {FIELDS}",
                    self.field
                ),
            ));
        }
        let needs_value = !matches!(self.op, Op::Exists | Op::Missing);
        if needs_value && self.value.is_none() && self.values.is_empty() {
            return Err(ValidationError::new(
                "value",
                format!("condition on `{}` needs `value` or `values`", self.field),
            ));
        }
        Ok(())
    }
}

impl Conditions {
    pub fn matches(&self, t: &Ticket) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        match self.mode {
            MatchMode::All => self.rules.iter().all(|r| r.holds(t)),
            MatchMode::Any => self.rules.iter().any(|r| r.holds(t)),
        }
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        for (i, r) in self.rules.iter().enumerate() {
            r.validate().map_err(|e| e.within(&format!("rules[{i}]")))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomField;

    fn ticket() -> Ticket {
        Ticket {
            status: "Em atendimento".into(),
            base_status: BaseStatus::InAttendance,
            category: Some("Hardware".into()),
            tags: vec!["vip".into()],
            custom_fields: vec![CustomField {
                id: "35294".into(),
                value: None,
                items: vec!["Internacional".into()],
                ..CustomField::default()
            }],
            ..Ticket::default()
        }
    }

    fn rule(field: &str, op: Op, value: &str) -> Condition {
        Condition {
            field: field.into(),
            op,
            value: Some(value.into()),
            values: vec![],
        }
    }

    #[test]
    fn no_rules_take_every_ticket() {
        assert!(Conditions::default().matches(&Ticket::default()));
    }

    #[test]
    fn all_and_any() {
        let mut c = Conditions {
            mode: MatchMode::All,
            rules: vec![
                rule("category", Op::Eq, "hardware"),
                rule("tag", Op::Eq, "urgent"),
            ],
        };
        assert!(!c.matches(&ticket()));
        c.mode = MatchMode::Any;
        assert!(c.matches(&ticket()));
    }

    #[test]
    fn fields_and_operators() {
        let t = ticket();
        assert!(rule("base_status", Op::Eq, "in_attendance").holds(&t));
        assert!(rule("base_status", Op::Eq, "InAttendance").holds(&t));
        assert!(rule("custom_field:35294", Op::Eq, "internacional").holds(&t));
        assert!(rule("status", Op::Contains, "atend").holds(&t));
        assert!(rule("urgency", Op::Ne, "Alta").holds(&t));
        assert!(
            Condition {
                field: "urgency".into(),
                op: Op::Missing,
                value: None,
                values: vec![]
            }
            .holds(&t)
        );
        let in_rule = Condition {
            field: "type".into(),
            op: Op::In,
            value: None,
            values: vec!["public".into(), "internal".into()],
        };
        assert!(in_rule.holds(&t));
    }

    #[test]
    fn validation_names_the_rule() {
        let c = Conditions {
            mode: MatchMode::All,
            rules: vec![rule("status", Op::Eq, "x"), rule("colour", Op::Eq, "red")],
        };
        let e = c.validate().unwrap_err();
        assert_eq!(e.field, "rules[1].field");
        assert!(e.message.contains("colour"));
    }
}
