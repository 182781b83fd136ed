//! Who has which internal number. Okdesk has no search of employees by
//! extension, so the worker reads `/employees/list` per account, keeps it
//! for a refresh period, and reads it again at once when a rung extension
//! matches nobody (an employee was just given the number) — at most once
//! every few seconds, so a number that belongs to nobody does not cost a
//! list read per call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ponte_worker::ExecError;

use crate::client::Client;
use ponte_okdesk::model::Employee;

/// A miss re-reads the list only when it is older than this.
const MISS_FLOOR: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Cached {
    at: Instant,
    list: Arc<Vec<Employee>>,
}

pub(crate) struct EmployeeCache {
    refresh: Duration,
    accounts: Mutex<HashMap<String, Cached>>,
}

/// The employees a call rings, and the extensions nobody has.
#[derive(Debug, Default)]
pub(crate) struct Matched {
    pub employees: Vec<Employee>,
    pub unmatched: Vec<String>,
}

impl Matched {
    /// Their internal numbers, each once.
    pub fn numbers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in self
            .employees
            .iter()
            .filter_map(|e| e.telephony_number.as_deref())
        {
            let n = n.trim().to_string();
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }
}

/// Active employees whose internal number is one of `extensions`.
pub(crate) fn matching(list: &[Employee], extensions: &[String]) -> Matched {
    let mut m = Matched::default();
    for ext in extensions
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
    {
        let hits: Vec<&Employee> = list
            .iter()
            .filter(|e| e.active != Some(false))
            .filter(|e| e.telephony_number.as_deref().map(str::trim) == Some(ext))
            .collect();
        if hits.is_empty() {
            m.unmatched.push(ext.to_string());
        }
        for e in hits {
            if !m.employees.iter().any(|x| x.id == e.id) {
                m.employees.push(e.clone());
            }
        }
    }
    m
}

impl EmployeeCache {
    pub fn new(refresh: Duration) -> Self {
        EmployeeCache {
            refresh,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, key: &str) -> Option<Cached> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    async fn fetch(&self, client: &Client<'_>) -> Result<Arc<Vec<Employee>>, ExecError> {
        let list = Arc::new(client.employees().await?);
        tracing::debug!(employees = list.len(), "Okdesk employee list read");
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                client.account_key().to_string(),
                Cached {
                    at: Instant::now(),
                    list: list.clone(),
                },
            );
        Ok(list)
    }

    /// Every employee, from the cache while it is fresh.
    pub async fn list(&self, client: &Client<'_>) -> Result<Arc<Vec<Employee>>, ExecError> {
        match self.cached(client.account_key()) {
            Some(c) if c.at.elapsed() < self.refresh => Ok(c.list),
            _ => self.fetch(client).await,
        }
    }

    /// The employees whose internal numbers ring.
    pub async fn ringing(
        &self,
        client: &Client<'_>,
        extensions: &[String],
    ) -> Result<Matched, ExecError> {
        if extensions.iter().all(|e| e.trim().is_empty()) {
            return Ok(Matched::default());
        }
        let (list, age) = match self.cached(client.account_key()) {
            Some(c) if c.at.elapsed() < self.refresh => (c.list, c.at.elapsed()),
            _ => (self.fetch(client).await?, Duration::ZERO),
        };
        let m = matching(&list, extensions);
        if m.unmatched.is_empty() || age < MISS_FLOOR {
            return Ok(m);
        }
        tracing::info!(unmatched = ?m.unmatched, "no Okdesk employee has this internal number; reading the employee list again");
        let list = self.fetch(client).await?;
        Ok(matching(&list, extensions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employee(id: &str, number: Option<&str>, active: Option<bool>) -> Employee {
        Employee {
            id: id.into(),
            telephony_number: number.map(str::to_string),
            active,
            ..Employee::default()
        }
    }

    #[test]
    fn matches_active_employees_by_internal_number() {
        let list = vec![
            employee("1", Some("101"), Some(true)),
            employee("2", Some(" 102 "), None),
            employee("3", Some("103"), Some(false)),
            employee("4", None, Some(true)),
            employee("5", Some("101"), Some(true)),
        ];
        let m = matching(
            &list,
            &["101".into(), "102".into(), "103".into(), "".into()],
        );
        let ids: Vec<&str> = m.employees.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1", "5", "2"]);
        assert_eq!(m.unmatched, ["103"], "inactive employees are not rung");
        assert_eq!(m.numbers(), ["101", "102"]);
    }
}
