//! Custom field values as the receiving Movidesk account writes them:
//! options by name, persons and clients found (or created) on that side,
//! teams by their correlated name, files as files or as a link.

use std::collections::HashMap;

use ponte_core::correlation::MappedField;
use ponte_core::{FieldFile, Side};
use ponte_worker::{Ctx, ExecError};

use super::MovideskExecutor;
use ponte_movidesk::model::{CustomFieldItem, NewCustomFieldValue};

/// The values to write, and the fields left out with why (the receiving
/// field's id first).
pub(super) struct FieldValues {
    pub values: Vec<NewCustomFieldValue>,
    pub dropped: Vec<(String, String)>,
}

impl MovideskExecutor {
    /// `mapped` (read on the other side) as `side` writes it. A field whose
    /// person or client can be neither found nor created is left out; the
    /// other fields cross.
    pub(super) async fn field_values(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        mapped: Vec<MappedField>,
    ) -> Result<FieldValues, ExecError> {
        let mut out = FieldValues {
            values: Vec::new(),
            dropped: Vec::new(),
        };
        // The same person often appears twice (a client who is also the
        // ticket's client-list value): looked up once.
        let mut known: HashMap<String, String> = HashMap::new();
        'fields: for m in mapped {
            let mut ids = [Vec::new(), Vec::new()];
            for (list, found) in [&m.field.persons, &m.field.clients]
                .into_iter()
                .zip(&mut ids)
            {
                for who in list {
                    let key = who.id.clone().unwrap_or_default();
                    if let Some(id) = known.get(&key).filter(|_| !key.is_empty()) {
                        found.push(id.clone());
                        continue;
                    }
                    match self.find_or_create(ctx, side, who.clone()).await? {
                        Ok(id) => {
                            known.insert(key, id.clone());
                            found.push(id);
                        }
                        Err(why) => {
                            out.dropped.push((m.field.id.clone(), why));
                            continue 'fields;
                        }
                    }
                }
            }
            let [persons, clients] = ids;
            out.values.push(value(m, &persons, &clients));
        }
        Ok(out)
    }
}

/// One field as written, with its persons and clients already translated.
pub(super) fn value(m: MappedField, persons: &[String], clients: &[String]) -> NewCustomFieldValue {
    let f = m.field;
    let mut items: Vec<CustomFieldItem> = Vec::new();
    items.extend(f.items.into_iter().map(|i| CustomFieldItem {
        custom_field_item: Some(i),
        ..CustomFieldItem::default()
    }));
    items.extend(persons.iter().map(|id| CustomFieldItem {
        person_id: Some(id.clone()),
        ..CustomFieldItem::default()
    }));
    items.extend(clients.iter().map(|id| CustomFieldItem {
        client_id: Some(id.clone()),
        ..CustomFieldItem::default()
    }));
    items.extend(f.teams.into_iter().map(|t| CustomFieldItem {
        team: Some(t),
        ..CustomFieldItem::default()
    }));
    let mut value = f.value;
    if m.file_field {
        items.extend(f.files.into_iter().map(|file| CustomFieldItem {
            storage_file_guid: file.guid,
            file_name: Some(file.name),
            ..CustomFieldItem::default()
        }));
    } else if !f.files.is_empty() {
        let links = file_links(&f.files);
        value = Some(match value.filter(|v| !v.trim().is_empty()) {
            Some(v) => format!("{v}\n{links}"),
            None => links,
        });
    }
    NewCustomFieldValue {
        custom_field_id: NewCustomFieldValue::id_value(&f.id),
        custom_field_rule_id: m.rule,
        line: 1,
        value,
        items,
    }
}

/// Files as text: each on its line, `name: url` (the name alone when the
/// file has no address).
pub(super) fn file_links(files: &[FieldFile]) -> String {
    files
        .iter()
        .map(|f| match &f.url {
            Some(url) => format!("{}: {url}", f.name),
            None => f.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{CustomField, Person};

    /// A person known only by the other side's id.
    fn by_id(id: &str) -> Person {
        Person {
            id: Some(id.into()),
            ..Person::default()
        }
    }

    fn mapped(field: CustomField, file_field: bool) -> MappedField {
        MappedField {
            field,
            rule: Some(20),
            file_field,
        }
    }

    fn nota() -> FieldFile {
        FieldFile {
            name: "nota.pdf".into(),
            guid: Some("ab12".into()),
            url: Some("https://s3.amazonaws.com/movidesk-files/ab12".into()),
        }
    }

    #[test]
    fn persons_clients_and_teams_become_their_items() {
        let field = CustomField {
            id: "200".into(),
            persons: vec![by_id("carla")],
            teams: vec!["Atendimento".into()],
            ..CustomField::default()
        };
        let v = value(mapped(field, false), &["carla-b".into()], &[]);
        assert_eq!(v.custom_field_id, serde_json::json!(200));
        assert_eq!(v.custom_field_rule_id, Some(20));
        assert_eq!(v.items[0].person_id.as_deref(), Some("carla-b"));
        assert_eq!(v.items[1].team.as_deref(), Some("Atendimento"));
        let clients = value(
            mapped(
                CustomField {
                    id: "201".into(),
                    clients: vec![by_id("acme"), by_id("ana")],
                    ..CustomField::default()
                },
                false,
            ),
            &[],
            &["acme-b".into(), "ana-b".into()],
        );
        let ids: Vec<_> = clients
            .items
            .iter()
            .filter_map(|i| i.client_id.as_deref())
            .collect();
        assert_eq!(ids, ["acme-b", "ana-b"], "order kept");
    }

    #[test]
    fn a_file_crosses_as_a_link_unless_both_fields_hold_files() {
        let field = CustomField {
            id: "202".into(),
            files: vec![nota()],
            ..CustomField::default()
        };
        let link = value(mapped(field.clone(), false), &[], &[]);
        assert_eq!(
            link.value.as_deref(),
            Some("nota.pdf: https://s3.amazonaws.com/movidesk-files/ab12")
        );
        assert!(link.items.is_empty(), "no raw file item in a text field");
        let json = serde_json::to_string(&link).expect("json");
        assert!(!json.contains("storageFileGuid"), "{json}");
        let file = value(mapped(field, true), &[], &[]);
        assert_eq!(file.value, None);
        assert_eq!(file.items[0].storage_file_guid.as_deref(), Some("ab12"));
        assert_eq!(file.items[0].file_name.as_deref(), Some("nota.pdf"));
    }
}
