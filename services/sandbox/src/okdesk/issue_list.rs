//! `GET /issues/list` (issues, detailed) and `GET /issues/count` (their ids), §1.2: the same filters —
//! `company_ids[]`, `contact_ids[]`, `assignee_ids[]`, `status_codes[]`, `status_codes_not[]`,
//! `priority_codes[]`, `type_codes[]`, `created_since`/`created_until`, `completed_since`/
//! `completed_until` (`DD-MM-YYYY`, account time) — and pages (`page[number]`, `page[size]` ≤ 100,
//! `page[from_id]` with `page[direction]` = `forward` (oldest first, the default) | `reverse`).
//! A filter value of the wrong type is a 422 naming it; parameters Okdesk has but the sandbox does not
//! model (`fields[issue]`, `custom_parameters[...]`) are accepted and ignored.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::account::Account;
use super::errors::{FieldErrors, MUST_BE_INTEGER, OkError};
use super::issues::Issue;

const MAX_PAGE_SIZE: u64 = 100;
const DEFAULT_PAGE_SIZE: u64 = 50;

/// What a list or count request asks for.
#[derive(Debug, Default)]
pub struct Query {
    company_ids: Vec<u64>,
    contact_ids: Vec<u64>,
    assignee_ids: Vec<u64>,
    status_codes: Vec<String>,
    status_codes_not: Vec<String>,
    priority_codes: Vec<String>,
    type_codes: Vec<String>,
    created: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    completed: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    page_number: u64,
    page_size: u64,
    from_id: Option<u64>,
    reverse: bool,
}

fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    let bracketed = format!("{name}[]");
    pairs
        .iter()
        .filter(|(k, _)| *k == bracketed || k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

fn one<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

impl Query {
    /// Reads the query string; every bad value is named in one 422.
    pub fn parse(pairs: &[(String, String)], account: &Account) -> Result<Self, OkError> {
        let mut errs = FieldErrors::default();
        let ids = |name: &str, errs: &mut FieldErrors| -> Vec<u64> {
            values(pairs, name)
                .into_iter()
                .filter_map(|v| match v.parse::<u64>() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        errs.add(name, MUST_BE_INTEGER);
                        None
                    }
                })
                .collect()
        };
        let company_ids = ids("company_ids", &mut errs);
        let contact_ids = ids("contact_ids", &mut errs);
        let assignee_ids = ids("assignee_ids", &mut errs);
        let codes = |name: &str| -> Vec<String> {
            values(pairs, name)
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        let date = |name: &str, end: bool, errs: &mut FieldErrors| {
            let raw = one(pairs, name)?;
            match NaiveDate::parse_from_str(raw, "%d-%m-%Y") {
                Ok(d) => {
                    let d = if end { d + Duration::days(1) } else { d };
                    d.and_hms_opt(0, 0, 0)
                        .and_then(|t| account.tz.from_local_datetime(&t).single())
                        .map(|t| t.with_timezone(&Utc))
                }
                Err(_) => {
                    errs.add(name, "Неверный формат даты (ДД-ММ-ГГГГ)");
                    None
                }
            }
        };
        let created = (
            date("created_since", false, &mut errs),
            date("created_until", true, &mut errs),
        );
        let completed = (
            date("completed_since", false, &mut errs),
            date("completed_until", true, &mut errs),
        );
        let number =
            |key: &str, field: &str, default: u64, errs: &mut FieldErrors| match one(pairs, key) {
                None => default,
                Some(v) => v.parse::<u64>().unwrap_or_else(|_| {
                    errs.add(field, MUST_BE_INTEGER);
                    default
                }),
            };
        let page_number = number("page[number]", "page.number", 1, &mut errs);
        let page_size = number("page[size]", "page.size", DEFAULT_PAGE_SIZE, &mut errs);
        let from_id = one(pairs, "page[from_id]")
            .map(|_| number("page[from_id]", "page.from_id", 0, &mut errs));
        if page_size > MAX_PAGE_SIZE {
            errs.add("page.size", "должно быть меньше или равно 100");
        }
        if page_size == 0 {
            errs.add("page.size", "должно быть больше или равно 1");
        }
        if page_number == 0 {
            errs.add("page.number", "должно быть больше или равно 1");
        }
        let reverse = match one(pairs, "page[direction]") {
            None | Some("forward") => false,
            Some("reverse") => true,
            Some(_) => {
                errs.add("page.direction", "имеет непредусмотренное значение");
                false
            }
        };
        errs.finish()?;
        Ok(Query {
            company_ids,
            contact_ids,
            assignee_ids,
            status_codes: codes("status_codes"),
            status_codes_not: codes("status_codes_not"),
            priority_codes: codes("priority_codes"),
            type_codes: codes("type_codes"),
            created,
            completed,
            page_number,
            page_size,
            from_id,
            reverse,
        })
    }

    fn admits(&self, i: &Issue) -> bool {
        let within =
            |t: Option<DateTime<Utc>>,
             (since, until): (Option<DateTime<Utc>>, Option<DateTime<Utc>>)| {
                match t {
                    Some(t) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t < u),
                    None => since.is_none() && until.is_none(),
                }
            };
        let among =
            |list: &[u64], v: Option<u64>| list.is_empty() || v.is_some_and(|v| list.contains(&v));
        let coded = |list: &[String], v: &str| list.is_empty() || list.iter().any(|c| c == v);
        among(&self.company_ids, i.company_id)
            && among(&self.contact_ids, i.contact_id)
            && among(&self.assignee_ids, i.assignee_id)
            && coded(&self.status_codes, &i.status)
            && !self.status_codes_not.contains(&i.status)
            && coded(&self.priority_codes, &i.priority)
            && coded(&self.type_codes, &i.type_code)
            && within(Some(i.created_at), self.created)
            && within(i.completed_at, self.completed)
    }

    /// The ids of the page asked for, in the page's order (every match
    /// when not `paged`: `/issues/count`).
    pub fn select(&self, account: &Account, paged: bool) -> Vec<u64> {
        let mut ids: Vec<u64> = account
            .issues
            .values()
            .filter(|i| self.admits(i))
            .filter(|i| match (self.from_id, self.reverse) {
                (Some(from), false) => i.id > from,
                (Some(from), true) => i.id < from,
                (None, _) => true,
            })
            .map(|i| i.id)
            .collect();
        if self.reverse {
            ids.reverse();
        }
        if !paged {
            return ids;
        }
        let skip = usize::try_from((self.page_number - 1).saturating_mul(self.page_size))
            .unwrap_or(usize::MAX);
        let take = usize::try_from(self.page_size).unwrap_or(usize::MAX);
        ids.into_iter().skip(skip).take(take).collect()
    }
}
