//! Telephony: `POST /telephony/messages` (the screen-pop: open the caller's card in the Okdesk UI of the
//! employees with the given internal numbers) and `POST /phone_calls` (a record in "Список телефонных
//! разговоров"). Both match the caller by the last `search_numbers_count` digits of the phone, contacts
//! first, then companies.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::account::Account;
use super::errors::{FieldErrors, MUST_BE_INTEGER, NOT_FOUND, OkError, REQUIRED};
use super::input::{digits, format_time, opt_id, opt_int, opt_nonblank, opt_text, opt_time};

/// Default of `search_numbers_count` when a request leaves it out.
pub const DEFAULT_SEARCH_NUMBERS_COUNT: usize = 10;

/// The card a screen-pop or a phone call is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    Contact(u64),
    Company(u64),
    /// No contact or company has this number: Okdesk offers to create a card.
    UnknownCaller,
}

/// One `POST /telephony/messages`, as the employees saw it.
#[derive(Debug, Clone)]
pub struct ScreenPop {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub phone: String,
    pub search_numbers_count: usize,
    pub telephony_numbers: Vec<String>,
    /// Active employees whose telephony number was given: they got the card.
    pub employee_ids: Vec<u64>,
    /// Given numbers no active employee has.
    pub unmatched_numbers: Vec<String>,
    pub card: Card,
}

/// One record of the phone-call list.
#[derive(Debug, Clone)]
pub struct PhoneCall {
    pub id: u64,
    pub call_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration: Option<i64>,
    pub direction: i64,
    pub source_phone: Option<String>,
    pub receiver_phone: Option<String>,
    pub search_numbers_count: usize,
    pub file_url: Option<String>,
    pub issue_id: Option<u64>,
    pub card: Card,
    pub employee_id: Option<u64>,
    pub created_at: DateTime<Utc>,
}

/// Reads `search_numbers_count` (1..=10, default 10).
fn search_count(o: &Map<String, Value>, errs: &mut FieldErrors) -> usize {
    match opt_int(o, "search_numbers_count", errs) {
        None => DEFAULT_SEARCH_NUMBERS_COUNT,
        Some(n) if n < 1 => {
            errs.add("search_numbers_count", "должно быть больше или равно 1");
            DEFAULT_SEARCH_NUMBERS_COUNT
        }
        Some(n) if n > 10 => {
            errs.add("search_numbers_count", "должно быть меньше или равно 10");
            DEFAULT_SEARCH_NUMBERS_COUNT
        }
        Some(n) => usize::try_from(n).unwrap_or(DEFAULT_SEARCH_NUMBERS_COUNT),
    }
}

impl Account {
    /// The card of a caller: the first contact (by id), else the first company, whose phone ends with
    /// the same `n` digits.
    pub fn find_card(&self, phone: &str, n: usize) -> Card {
        let wanted = digits(phone);
        if let Some(c) = self
            .contacts
            .values()
            .find(|c| c.has_phone(&wanted, Some(n)))
        {
            return Card::Contact(c.id);
        }
        if let Some(c) = self
            .companies
            .values()
            .find(|c| c.has_phone(&wanted, Some(n)))
        {
            return Card::Company(c.id);
        }
        Card::UnknownCaller
    }

    fn card_json(&self, card: Card, phone: Option<&str>) -> Value {
        match card {
            Card::Contact(id) => {
                let c = self.contacts.get(&id);
                json!({"type": "contact", "id": id, "name": c.map(super::people::Contact::name),
                       "company_id": c.and_then(|c| c.data.company_id)})
            }
            Card::Company(id) => {
                json!({"type": "company", "id": id, "name": self.companies.get(&id).map(|c| c.data.name.clone())})
            }
            Card::UnknownCaller => json!({"type": "unknown_caller", "phone": phone}),
        }
    }

    /// `POST /telephony/messages`.
    pub fn screen_pop(
        &mut self,
        o: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<u64, OkError> {
        let mut errs = FieldErrors::default();
        let mut numbers = Vec::new();
        match o.get("telephony_numbers") {
            None | Some(Value::Null) => errs.add("telephony_numbers", REQUIRED),
            Some(Value::Array(items)) if items.is_empty() => {
                errs.add("telephony_numbers", REQUIRED)
            }
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let n = match item {
                        Value::Number(n) if n.is_u64() => Some(n.to_string()),
                        Value::String(s)
                            if !s.trim().is_empty()
                                && s.trim().chars().all(|c| c.is_ascii_digit()) =>
                        {
                            Some(s.trim().to_owned())
                        }
                        _ => None,
                    };
                    match n {
                        Some(n) => numbers.push(n),
                        None => errs.add(&format!("telephony_numbers.{i}"), MUST_BE_INTEGER),
                    }
                }
            }
            Some(_) => errs.add("telephony_numbers", "должно иметь тип array"),
        }
        let count = search_count(o, &mut errs);
        let phone = opt_nonblank(o, "phone", &mut errs);
        match &phone {
            None if o.get("phone").is_none_or(|v| v.is_null() || v.is_string()) => {
                errs.add("phone", REQUIRED);
            }
            Some(p) if digits(p).is_empty() => errs.add("phone", "имеет неверный формат"),
            _ => {}
        }
        errs.finish()?;
        let phone = phone.unwrap_or_default();
        let mut employee_ids = Vec::new();
        let mut unmatched = Vec::new();
        for n in &numbers {
            let hits: Vec<u64> = self
                .employees
                .values()
                .filter(|e| {
                    e.data.active && e.data.telephony_number.as_deref().map(str::trim) == Some(n)
                })
                .map(|e| e.id)
                .collect();
            if hits.is_empty() {
                unmatched.push(n.clone());
            }
            for id in hits {
                if !employee_ids.contains(&id) {
                    employee_ids.push(id);
                }
            }
        }
        let card = self.find_card(&phone, count);
        let id = self.screen_pops.len() as u64 + 1;
        tracing::info!(account = %self.name, screen_pop = id, employees = ?employee_ids, ?card, "screen-pop");
        self.screen_pops.push(ScreenPop {
            id,
            at: now,
            phone,
            search_numbers_count: count,
            telephony_numbers: numbers,
            employee_ids,
            unmatched_numbers: unmatched,
            card,
        });
        Ok(id)
    }

    pub fn render_screen_pop(&self, s: &ScreenPop) -> Value {
        let employees: Vec<Value> = s
            .employee_ids
            .iter()
            .filter_map(|id| self.employees.get(id))
            .map(|e| json!({"id": e.id, "name": e.name(), "telephony_number": e.data.telephony_number}))
            .collect();
        json!({
            "id": s.id,
            "at": format_time(&s.at, &self.tz),
            "phone": s.phone,
            "search_numbers_count": s.search_numbers_count,
            "telephony_numbers": s.telephony_numbers,
            "employees": employees,
            "unmatched_telephony_numbers": s.unmatched_numbers,
            "card": self.card_json(s.card, Some(&s.phone)),
        })
    }

    /// `POST /phone_calls`: the `phone_call` object. A `call_id` already recorded is refused (422).
    pub fn create_phone_call(
        &mut self,
        o: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<u64, OkError> {
        let mut errs = FieldErrors::default();
        let call_id = opt_nonblank(o, "call_id", &mut errs);
        match &call_id {
            None => errs.add("call_id", REQUIRED),
            Some(id) if self.phone_calls.iter().any(|c| c.call_id == *id) => {
                errs.add("call_id", "уже существует");
            }
            Some(_) => {}
        }
        let started_at = opt_time(o, "started_at", &self.tz, &mut errs);
        if started_at.is_none() && o.get("started_at").is_none_or(Value::is_null) {
            errs.add("started_at", REQUIRED);
        }
        let finished_at = opt_time(o, "finished_at", &self.tz, &mut errs);
        if let (Some(s), Some(f)) = (started_at, finished_at)
            && f < s
        {
            errs.add("finished_at", "должно быть не раньше started_at");
        }
        let duration = opt_int(o, "duration", &mut errs);
        if duration.is_some_and(|d| d < 0) {
            errs.add("duration", "должно быть больше или равно 0");
        }
        let direction = opt_int(o, "direction", &mut errs).unwrap_or(0);
        if !matches!(direction, 0 | 1) {
            errs.add("direction", "должен быть одним из: 0, 1");
        }
        let source_phone = opt_text(o, "source_phone", &mut errs);
        let receiver_phone = opt_text(o, "receiver_phone", &mut errs);
        let count = search_count(o, &mut errs);
        let file_url = opt_nonblank(o, "file_url", &mut errs);
        if let Some(u) = &file_url
            && url::Url::parse(u).map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
        {
            errs.add("file_url", "имеет неверный формат");
        }
        let issue_id = opt_id(o, "issue_id", &mut errs);
        if issue_id.is_some_and(|i| !self.issues.contains_key(&i)) {
            errs.add("issue_id", NOT_FOUND);
        }
        errs.finish()?;
        let (Some(call_id), Some(started_at)) = (call_id, started_at) else {
            return Err(OkError::field("call_id", REQUIRED));
        };
        // Incoming: the client called from source_phone to the employee at receiver_phone; outgoing the
        // other way round.
        let (client_phone, employee_phone) = if direction == 1 {
            (receiver_phone.as_deref(), source_phone.as_deref())
        } else {
            (source_phone.as_deref(), receiver_phone.as_deref())
        };
        let card = client_phone.map_or(Card::UnknownCaller, |p| self.find_card(p, count));
        let employee_id = employee_phone.and_then(|p| {
            self.employees
                .values()
                .find(|e| e.data.telephony_number.as_deref().map(str::trim) == Some(p.trim()))
                .map(|e| e.id)
        });
        let id = self.phone_calls.len() as u64 + 1;
        self.phone_calls.push(PhoneCall {
            id,
            call_id,
            started_at,
            finished_at,
            duration,
            direction,
            source_phone,
            receiver_phone,
            search_numbers_count: count,
            file_url,
            issue_id,
            card,
            employee_id,
            created_at: now,
        });
        Ok(id)
    }

    pub fn render_phone_call(&self, c: &PhoneCall) -> Value {
        let (contact, company) = match c.card {
            Card::Contact(id) => (
                self.contacts
                    .get(&id)
                    .map(|x| json!({"id": id, "name": x.name()})),
                self.contacts
                    .get(&id)
                    .and_then(|x| x.data.company_id)
                    .and_then(|co| self.companies.get(&co))
                    .map(|co| json!({"id": co.id, "name": co.data.name})),
            ),
            Card::Company(id) => (
                None,
                self.companies
                    .get(&id)
                    .map(|x| json!({"id": id, "name": x.data.name})),
            ),
            Card::UnknownCaller => (None, None),
        };
        json!({
            "id": c.id,
            "call_id": c.call_id,
            "started_at": format_time(&c.started_at, &self.tz),
            "finished_at": c.finished_at.as_ref().map(|t| format_time(t, &self.tz)),
            "started_at_utc": c.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "duration": c.duration,
            "direction": c.direction,
            "source_phone": c.source_phone,
            "receiver_phone": c.receiver_phone,
            "search_numbers_count": c.search_numbers_count,
            "file_url": c.file_url,
            "issue_id": c.issue_id,
            "contact": contact,
            "company": company,
            "employee": c.employee_id.and_then(|e| self.employees.get(&e)).map(|e| json!({"id": e.id, "name": e.name()})),
            "created_at": format_time(&c.created_at, &self.tz),
        })
    }

    pub fn phone_call_json(&self, id: u64) -> Value {
        self.phone_calls
            .iter()
            .find(|c| c.id == id)
            .map_or(Value::Null, |c| self.render_phone_call(c))
    }
}
