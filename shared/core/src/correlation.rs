//! Field correlation between the two sides of an integration. Tables map
//! the source's values to the target's; the way back uses `*_back` tables,
//! or the inverse of the forward table when those are empty. An empty table
//! means "same value on both sides". A value a non-empty table does not
//! know uses the configured default, or is an error naming the value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{CustomField, Side, ValidationError};

/// How a source ticket owned by a team rather than an agent (a Blip
/// ticket waiting in a queue) names its owner for the agent table:
/// `team:<name>`.
pub const TEAM_PREFIX: &str = "team:";

/// The owner to set on the target for a source agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTarget {
    pub id: String,
    /// The owner's team (Movidesk needs owner and team together).
    #[serde(default)]
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCorrelation {
    /// Custom field id on the source.
    pub source: String,
    /// Custom field id on the target.
    pub target: String,
    /// Display rule id of the field on each side (Movidesk needs it).
    #[serde(default)]
    pub source_rule: Option<i64>,
    #[serde(default)]
    pub target_rule: Option<i64>,
    /// Option values source → target; empty = same values.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Both fields are file fields: files cross as files (storage id and
    /// name). Otherwise (the default) a file crosses as a link, in the
    /// receiving field's text value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub file_field: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Defaults {
    pub status: Option<String>,
    pub status_back: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub agent: Option<AgentTarget>,
    pub agent_back: Option<AgentTarget>,
    /// The justification sent with a status `justification` does not list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Correlation {
    #[serde(default)]
    pub status: BTreeMap<String, String>,
    #[serde(default)]
    pub status_back: BTreeMap<String, String>,
    #[serde(default)]
    pub category: BTreeMap<String, String>,
    #[serde(default)]
    pub urgency: BTreeMap<String, String>,
    /// Source agent (person id) → the responsible on the target.
    #[serde(default)]
    pub agent: BTreeMap<String, AgentTarget>,
    /// Target owner (person id) → the source's agent, for a channel source
    /// told who attends (e.g. desk agent → Blip agent identity).
    #[serde(default)]
    pub agent_back: BTreeMap<String, AgentTarget>,
    #[serde(default)]
    pub custom_fields: Vec<FieldCorrelation>,
    /// Status (as the receiving side names it) → the justification sent
    /// with it, for statuses the receiving desk requires one for
    /// (Movidesk). A status not listed uses `defaults.justification`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub justification: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: Defaults,
}

/// A value the correlation does not know, and no default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{field} `{value}` has no correlation{direction}; add it to correlation.{table} or set correlation.defaults.{table}"
)]
pub struct Unmapped {
    pub field: &'static str,
    pub value: String,
    table: &'static str,
    direction: &'static str,
}

fn map_value(
    table: &BTreeMap<String, String>,
    default: Option<&String>,
    value: &str,
    field: &'static str,
    table_name: &'static str,
    direction: &'static str,
) -> Result<String, Unmapped> {
    if table.is_empty() {
        return Ok(value.to_string());
    }
    if let Some(v) = table.get(value) {
        return Ok(v.clone());
    }
    // Names are matched exactly first, then ignoring case.
    if let Some((_, v)) = table.iter().find(|(k, _)| k.eq_ignore_ascii_case(value)) {
        return Ok(v.clone());
    }
    default.cloned().ok_or_else(|| Unmapped {
        field,
        value: value.to_string(),
        table: table_name,
        direction,
    })
}

fn inverse(table: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in table {
        out.entry(v.clone()).or_insert_with(|| k.clone());
    }
    out
}

impl Correlation {
    /// A status of the side `from` as the other side names it.
    pub fn status(&self, from: Side, value: &str) -> Result<String, Unmapped> {
        match from {
            Side::Source => map_value(
                &self.status,
                self.defaults.status.as_ref(),
                value,
                "status",
                "status",
                "",
            ),
            Side::Target => {
                let back = if self.status_back.is_empty() {
                    inverse(&self.status)
                } else {
                    self.status_back.clone()
                };
                map_value(
                    &back,
                    self.defaults.status_back.as_ref(),
                    value,
                    "status",
                    "status_back",
                    " back to the source",
                )
            }
        }
    }

    pub fn category(&self, value: &str) -> Result<String, Unmapped> {
        map_value(
            &self.category,
            self.defaults.category.as_ref(),
            value,
            "category",
            "category",
            "",
        )
    }

    pub fn urgency(&self, value: &str) -> Result<String, Unmapped> {
        map_value(
            &self.urgency,
            self.defaults.urgency.as_ref(),
            value,
            "urgency",
            "urgency",
            "",
        )
    }

    /// The target's responsible for a source agent; `None` when no agent
    /// correlation is configured at all.
    pub fn agent(&self, source_agent: Option<&str>) -> Result<Option<AgentTarget>, Unmapped> {
        let Some(id) = source_agent else {
            // No owner: nothing to map; the default responsible if any.
            return Ok(self.defaults.agent.clone());
        };
        if self.agent.is_empty() {
            return Ok(self.defaults.agent.clone());
        }
        if let Some(a) = self.agent.get(id) {
            return Ok(Some(a.clone()));
        }
        match &self.defaults.agent {
            Some(d) => Ok(Some(d.clone())),
            // A team (`team:<name>`, a channel ticket nobody attends yet)
            // only maps when the table lists it: no entry, no responsible.
            None if id.starts_with(TEAM_PREFIX) => Ok(None),
            None => Err(Unmapped {
                field: "agent",
                value: id.to_string(),
                table: "agent",
                direction: "",
            }),
        }
    }

    /// A team of the side `from` as the other side names it: the team of
    /// the agent table's `team:<name>` entry (`agent_back` on the way
    /// back), else the same name.
    pub fn team(&self, from: Side, name: &str) -> String {
        let table = match from {
            Side::Source => &self.agent,
            Side::Target => &self.agent_back,
        };
        table
            .get(&format!("{TEAM_PREFIX}{name}"))
            .and_then(|a| a.team.clone())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| name.to_string())
    }

    /// The source's agent for a target owner: the mapped one, else the
    /// default; `None` when neither is configured.
    pub fn agent_back(&self, target_owner: Option<&str>) -> Option<AgentTarget> {
        target_owner
            .and_then(|o| self.agent_back.get(o))
            .cloned()
            .or_else(|| self.defaults.agent_back.clone())
    }

    /// Custom fields of the side `from` as the other side's fields; fields
    /// without a correlation do not cross.
    pub fn custom_fields(
        &self,
        from: Side,
        fields: &[CustomField],
    ) -> Result<Vec<MappedField>, Unmapped> {
        let mut out = Vec::new();
        for fc in &self.custom_fields {
            let (from_id, to_id, rule, values) = match from {
                Side::Source => (&fc.source, &fc.target, fc.target_rule, fc.values.clone()),
                Side::Target => (&fc.target, &fc.source, fc.source_rule, inverse(&fc.values)),
            };
            let Some(f) = fields.iter().find(|f| &f.id == from_id) else {
                continue;
            };
            let map = |v: &String| {
                map_value(
                    &values,
                    None,
                    v,
                    "custom field value",
                    "custom_fields.values",
                    "",
                )
            };
            out.push(MappedField {
                field: CustomField {
                    id: to_id.clone(),
                    value: f.value.as_ref().map(map).transpose()?,
                    items: f.items.iter().map(map).collect::<Result<_, _>>()?,
                    // Ids of the reading side: the writer finds (or
                    // creates) each person on its own side.
                    persons: f.persons.clone(),
                    clients: f.clients.clone(),
                    teams: f.teams.iter().map(|t| self.team(from, t)).collect(),
                    files: f.files.clone(),
                },
                rule,
                file_field: fc.file_field,
            });
        }
        Ok(out)
    }

    /// The justification to send with `status` (the receiving side's
    /// name), if the correlation gives one.
    pub fn justification(&self, status: &str) -> Option<String> {
        self.justification
            .get(status)
            .or(self.defaults.justification.as_ref())
            .filter(|j| !j.trim().is_empty())
            .cloned()
    }

    /// Like [`Correlation::custom_fields`], field by field: a field whose
    /// value the table cannot map is left out and reported (`(source field
    /// id, why)`), the others cross.
    pub fn custom_fields_lenient(
        &self,
        from: Side,
        fields: &[CustomField],
    ) -> (Vec<MappedField>, Vec<(String, Unmapped)>) {
        let mut mapped = Vec::new();
        let mut dropped = Vec::new();
        for f in fields {
            match self.custom_fields(from, std::slice::from_ref(f)) {
                Ok(m) => mapped.extend(m),
                Err(e) => dropped.push((f.id.clone(), e)),
            }
        }
        (mapped, dropped)
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        for (i, fc) in self.custom_fields.iter().enumerate() {
            if fc.source.trim().is_empty() || fc.target.trim().is_empty() {
                return Err(ValidationError::new(
                    format!("custom_fields[{i}]"),
                    "needs both `source` and `target` field ids",
                ));
            }
        }
        for (k, a) in &self.agent {
            if a.id.trim().is_empty() {
                return Err(ValidationError::new(
                    format!("agent.{k}.id"),
                    "must not be empty",
                ));
            }
        }
        Ok(())
    }
}

/// A custom field as the receiving side names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedField {
    pub field: CustomField,
    /// The receiving side's display rule id, when configured.
    pub rule: Option<i64>,
    /// The receiving field is a file field (files cross as files).
    pub file_field: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corr() -> Correlation {
        Correlation {
            status: [
                ("Novo".to_string(), "Aberto".to_string()),
                ("Resolvido".to_string(), "Fechado".to_string()),
            ]
            .into(),
            custom_fields: vec![FieldCorrelation {
                source: "1".into(),
                target: "9".into(),
                source_rule: Some(11),
                target_rule: Some(99),
                values: [("Sim".to_string(), "Yes".to_string())].into(),
                file_field: false,
            }],
            ..Correlation::default()
        }
    }

    #[test]
    fn status_both_ways_and_unmapped_values_are_named() {
        let c = corr();
        assert_eq!(c.status(Side::Source, "Novo").as_deref(), Ok("Aberto"));
        assert_eq!(
            c.status(Side::Target, "Fechado").as_deref(),
            Ok("Resolvido")
        );
        let e = c.status(Side::Source, "Parado").unwrap_err();
        assert!(e.to_string().contains("`Parado`"), "{e}");
        let mut with_default = c.clone();
        with_default.defaults.status = Some("Aberto".into());
        assert_eq!(
            with_default.status(Side::Source, "Parado").as_deref(),
            Ok("Aberto")
        );
    }

    #[test]
    fn empty_tables_keep_values() {
        let c = Correlation::default();
        assert_eq!(c.category("Rede").as_deref(), Ok("Rede"));
        assert_eq!(c.agent(Some("x")), Ok(None));
    }

    #[test]
    fn custom_fields_map_ids_rules_and_values_both_ways() {
        let c = corr();
        let out = c
            .custom_fields(
                Side::Source,
                &[CustomField {
                    id: "1".into(),
                    value: None,
                    items: vec!["Sim".into()],
                    ..CustomField::default()
                }],
            )
            .unwrap();
        assert_eq!(out[0].field.id, "9");
        assert_eq!(out[0].rule, Some(99));
        assert_eq!(out[0].field.items, vec!["Yes".to_string()]);
        let back = c
            .custom_fields(
                Side::Target,
                &[CustomField {
                    id: "9".into(),
                    value: Some("Yes".into()),
                    ..CustomField::default()
                }],
            )
            .unwrap();
        assert_eq!(
            (
                back[0].field.id.as_str(),
                back[0].field.value.as_deref(),
                back[0].rule
            ),
            ("1", Some("Sim"), Some(11))
        );
        let bad = c.custom_fields(
            Side::Source,
            &[CustomField {
                id: "1".into(),
                value: Some("Talvez".into()),
                ..CustomField::default()
            }],
        );
        assert!(bad.unwrap_err().to_string().contains("Talvez"));
    }

    #[test]
    fn lenient_fields_drop_only_the_unmappable_one() {
        let mut c = corr();
        c.custom_fields.push(FieldCorrelation {
            source: "2".into(),
            target: "8".into(),
            source_rule: None,
            target_rule: None,
            values: BTreeMap::new(),
            file_field: false,
        });
        let field = |id: &str, v: &str| CustomField {
            id: id.into(),
            value: Some(v.into()),
            ..CustomField::default()
        };
        let (mapped, dropped) =
            c.custom_fields_lenient(Side::Source, &[field("1", "Talvez"), field("2", "Sala 3")]);
        assert_eq!(mapped.len(), 1);
        assert_eq!(mapped[0].field.id, "8");
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].0, "1");
        assert!(dropped[0].1.to_string().contains("Talvez"));
    }

    #[test]
    fn person_client_team_and_file_items_cross_with_the_field() {
        let mut c = corr();
        c.custom_fields.push(FieldCorrelation {
            source: "3".into(),
            target: "7".into(),
            source_rule: None,
            target_rule: Some(70),
            values: BTreeMap::new(),
            file_field: false,
        });
        c.agent = [(
            "team:Suporte N1".to_string(),
            AgentTarget {
                id: "bia".into(),
                team: Some("Atendimento".into()),
            },
        )]
        .into();
        let who = |id: &str| crate::Person {
            id: Some(id.into()),
            ..crate::Person::default()
        };
        let field = CustomField {
            id: "3".into(),
            persons: vec![who("carla")],
            clients: vec![who("acme"), who("ana")],
            teams: vec!["Suporte N1".into(), "Vendas".into()],
            files: vec![crate::FieldFile {
                name: "nota.pdf".into(),
                guid: Some("g1".into()),
                url: Some("https://files/g1".into()),
            }],
            ..CustomField::default()
        };
        let out = c
            .custom_fields(Side::Source, std::slice::from_ref(&field))
            .unwrap();
        let f = &out[0].field;
        assert_eq!((f.id.as_str(), out[0].rule), ("7", Some(70)));
        assert_eq!(f.persons, field.persons, "ids of the reading side");
        assert_eq!(f.clients, field.clients, "order kept");
        assert_eq!(
            f.teams,
            ["Atendimento", "Vendas"],
            "a team mapped by the agent table's team: entry, else by name"
        );
        assert_eq!(f.files, field.files);
        assert!(!out[0].file_field);
        assert_eq!(c.team(Side::Target, "Atendimento"), "Atendimento");
    }

    #[test]
    fn teams_map_only_when_listed_and_justifications_fall_back() {
        let mut c = corr();
        c.agent = [(
            "team:Financeiro".to_string(),
            AgentTarget {
                id: "bia".into(),
                team: Some("Financeiro".into()),
            },
        )]
        .into();
        assert_eq!(
            c.agent(Some("team:Financeiro"))
                .ok()
                .flatten()
                .map(|a| a.id),
            Some("bia".into())
        );
        assert_eq!(
            c.agent(Some("team:Vendas")),
            Ok(None),
            "a hint, not an error"
        );
        assert!(
            c.agent(Some("carla")).is_err(),
            "an unlisted agent still is"
        );
        c.justification = [("Fechado".to_string(), "Resolvido".to_string())].into();
        assert_eq!(c.justification("Fechado").as_deref(), Some("Resolvido"));
        assert_eq!(c.justification("Aberto"), None);
        c.defaults.justification = Some("Outro".into());
        assert_eq!(c.justification("Aberto").as_deref(), Some("Outro"));
    }
}
