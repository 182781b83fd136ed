//! The employees a call notification names, as Okdesk knows them. UIS
//! names an employee by internal number (`extension_phone_number`), by its
//! own id (`employee_id`, `employee_ids`) or by full name — published
//! templates carry any of these. Ids become internal numbers through the
//! integration's `telephony.employee_extensions`; names are matched to the
//! desk's employees (word order and case do not matter, a unique match
//! only).

use ponte_core::Call;
use ponte_worker::{Ctx, ExecError};

use super::OkdeskExecutor;
use crate::client::Client;
use ponte_okdesk::model::Employee;

/// The internal numbers to ring, and why some named employee has none.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Rung {
    pub extensions: Vec<String>,
    /// Why nobody could be rung, when `extensions` is empty.
    pub problem: Option<Problem>,
}

/// Why a notification gave no internal number to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// No extension, employee id or employee name at all.
    NobodyNamed,
    /// Employees named (ids, names) that map to no internal number.
    Unmapped {
        ids: Vec<String>,
        names: Vec<String>,
    },
}

impl Problem {
    /// The metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            Problem::NobodyNamed => "no_employee_named",
            Problem::Unmapped { .. } => "employee_unmapped",
        }
    }

    /// What the operator reads in the call history.
    pub fn note(&self) -> String {
        match self {
            Problem::NobodyNamed => "UIS named no employee (the template has no extension_phone_number, employee_id or employee_full_name): no card popped".to_string(),
            Problem::Unmapped { ids, names } => {
                let mut who: Vec<String> = ids.iter().map(|i| format!("id {i}")).collect();
                who.extend(names.iter().cloned());
                format!(
                    "UIS employee {} has no internal number Ponte knows: no card popped (map the id in telephony.employee_extensions, or give the Okdesk employee the same name and a \"Добавочный номер\")",
                    who.join(", ")
                )
            }
        }
    }
}

/// Lower-case words, `ё` read as `е`.
fn words(name: &str) -> Vec<String> {
    name.split_whitespace()
        .map(|w| w.to_lowercase().replace('ё', "е"))
        .collect()
}

/// The one active employee whose first and last name are the PBX's name
/// (in any order, patronymic optional).
pub(crate) fn by_name<'a>(list: &'a [Employee], name: &str) -> Option<&'a Employee> {
    let wanted = words(name);
    if wanted.len() < 2 {
        return None;
    }
    let mut hits = list.iter().filter(|e| e.active != Some(false)).filter(|e| {
        let first = e.first_name.as_deref().map(words).unwrap_or_default();
        let last = e.last_name.as_deref().map(words).unwrap_or_default();
        let all = words(&e.name());
        !first.is_empty()
            && !last.is_empty()
            && first.iter().chain(&last).all(|w| wanted.contains(w))
            && wanted.iter().all(|w| all.contains(w))
    });
    let hit = hits.next()?;
    hits.next().is_none().then_some(hit)
}

/// The internal numbers of `ids` per `map`, and the ids it lacks.
pub(crate) fn mapped(
    map: &std::collections::BTreeMap<String, String>,
    ids: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match map.get(id.trim()).map(|e| e.trim().to_string()) {
            Some(ext) if !found.contains(&ext) => found.push(ext),
            Some(_) => {}
            None => missing.push(id.clone()),
        }
    }
    (found, missing)
}

impl OkdeskExecutor {
    /// The internal numbers a ringing call names.
    pub(super) async fn rung(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        call: &Call,
    ) -> Result<Rung, ExecError> {
        let given: Vec<String> = call
            .extensions
            .iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect();
        if !given.is_empty() {
            return Ok(Rung {
                extensions: given,
                problem: None,
            });
        }
        let (mut extensions, ids) = mapped(
            &ctx.integration.telephony.employee_extensions,
            &call.employee_ids,
        );
        let mut names = Vec::new();
        if extensions.is_empty() && !call.employees.is_empty() {
            let list = self.employees.list(client).await?;
            for name in &call.employees {
                match by_name(&list, name).and_then(|e| e.telephony_number.as_deref()) {
                    Some(n) if !n.trim().is_empty() => extensions.push(n.trim().to_string()),
                    _ => names.push(name.clone()),
                }
            }
        }
        let problem = if !extensions.is_empty() {
            None
        } else if ids.is_empty() && names.is_empty() {
            Some(Problem::NobodyNamed)
        } else {
            Some(Problem::Unmapped { ids, names })
        };
        Ok(Rung {
            extensions,
            problem,
        })
    }

    /// "Not answered by" of a missed call: the PBX's names, else the Okdesk
    /// names of the extensions or employee ids it gave, else `—`.
    pub(super) async fn missed_by(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        call: &Call,
    ) -> Result<String, ExecError> {
        if !call.employees.is_empty() {
            return Ok(call.employees.join(", "));
        }
        let (from_ids, unmapped) = mapped(
            &ctx.integration.telephony.employee_extensions,
            &call.employee_ids,
        );
        let mut numbers: Vec<String> = call.extensions.clone();
        for n in from_ids {
            if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        if numbers.is_empty() && unmapped.is_empty() {
            return Ok("—".to_string());
        }
        let list = if numbers.is_empty() {
            None
        } else {
            Some(self.employees.list(client).await?)
        };
        let mut who: Vec<String> = numbers
            .iter()
            .map(|n| {
                list.as_ref()
                    .and_then(|l| {
                        l.iter()
                            .find(|e| e.telephony_number.as_deref().map(str::trim) == Some(n))
                    })
                    .map(Employee::name)
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| format!("доб. {n}"))
            })
            .collect();
        who.extend(unmapped.iter().map(|id| format!("сотрудник UIS {id}")));
        Ok(who.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employee(id: &str, first: &str, last: &str, number: Option<&str>) -> Employee {
        Employee {
            id: id.into(),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            telephony_number: number.map(str::to_string),
            ..Employee::default()
        }
    }

    #[test]
    fn names_match_in_any_order_and_only_once() {
        let list = vec![
            employee("2", "Анна", "Иванова", Some("101")),
            employee("3", "Борис", "Сидоров", Some("102")),
            employee("4", "Пётр", "Смирнов", None),
            employee("5", "Пётр", "Смирнов", None),
        ];
        assert_eq!(by_name(&list, "Иванова Анна").map(|e| &e.id[..]), Some("2"));
        assert_eq!(
            by_name(&list, "борис сидоров").map(|e| &e.id[..]),
            Some("3")
        );
        assert!(by_name(&list, "Анна").is_none(), "one word is not a name");
        assert!(by_name(&list, "Петр Смирнов").is_none(), "two Смирновs");
        assert!(by_name(&list, "Анна Петрова").is_none());
    }

    #[test]
    fn ids_map_to_internal_numbers() {
        let map = [("501".to_string(), "101".to_string())].into();
        assert_eq!(
            mapped(&map, &["501".into(), "503".into()]),
            (vec!["101".to_string()], vec!["503".to_string()])
        );
    }

    #[test]
    fn problems_say_what_to_do() {
        let p = Problem::Unmapped {
            ids: vec!["503".into()],
            names: vec!["Петров Пётр".into()],
        };
        assert_eq!(p.reason(), "employee_unmapped");
        assert!(p.note().contains("id 503, Петров Пётр"), "{}", p.note());
        assert!(p.note().contains("telephony.employee_extensions"));
        assert_eq!(Problem::NobodyNamed.reason(), "no_employee_named");
    }
}
