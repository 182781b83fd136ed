//! Issues ("заявки") and their comments: the write rules of `POST /issues/`, `/comments` and `/statuses`,
//! and the REST model of §1.3.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::account::Account;
use super::errors::{FieldErrors, NOT_FOUND, OkError, REQUIRED};
use super::input::{
    format_time, opt_bool, opt_id, opt_ids, opt_int, opt_nonblank, opt_text, opt_time,
};

/// Whether a person is an employee or a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonKind {
    Employee,
    Contact,
}

impl PersonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Contact => "contact",
        }
    }
}

/// A reference to an employee or a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonRef {
    pub id: u64,
    pub kind: PersonKind,
}

/// A comment of an issue.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub content: String,
    pub public: bool,
    pub author: PersonRef,
    pub published_at: DateTime<Utc>,
}

/// An issue.
#[derive(Debug, Clone)]
pub struct Issue {
    pub id: u64,
    pub title: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub delayed_to: Option<DateTime<Utc>>,
    pub status: String,
    pub old_status: Option<String>,
    pub priority: String,
    pub type_code: String,
    pub company_id: Option<u64>,
    pub contact_id: Option<u64>,
    pub assignee_id: Option<u64>,
    pub group_id: Option<u64>,
    pub parent_id: Option<u64>,
    pub observer_ids: Vec<u64>,
    pub planned_execution_in_minutes: Option<i64>,
    pub author: Option<PersonRef>,
    pub source: &'static str,
    pub parameters: Map<String, Value>,
    pub comments: Vec<Comment>,
}

/// What a status change did, for its webhook.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub old: String,
    pub new: String,
    pub comment_id: Option<u64>,
    pub skip_webhooks: bool,
}

pub const SKIP_OPTIONS: &[&str] = &["skip_notifications", "skip_webhooks", "skip_triggers"];

/// Statuses that mark an issue as done (`completed_at` is set).
fn is_done(code: &str) -> bool {
    matches!(code, "completed" | "closed")
}

impl Account {
    /// The REST name of a person (`"Иванов Сергей Петрович"`).
    pub fn person_name(&self, p: &PersonRef) -> Option<String> {
        match p.kind {
            PersonKind::Employee => self.employees.get(&p.id).map(super::people::Employee::name),
            PersonKind::Contact => self.contacts.get(&p.id).map(super::people::Contact::name),
        }
    }

    fn person_exists(&self, p: &PersonRef) -> bool {
        match p.kind {
            PersonKind::Employee => self.employees.contains_key(&p.id),
            PersonKind::Contact => self.contacts.contains_key(&p.id),
        }
    }

    fn person_json(&self, p: &PersonRef) -> Value {
        json!({"id": p.id, "name": self.person_name(p), "type": p.kind.as_str()})
    }

    /// Creates an issue from the `issue` object of `POST /issues/`. `by` is the default author.
    pub fn create_issue(
        &mut self,
        o: &Map<String, Value>,
        by: Option<PersonRef>,
        now: DateTime<Utc>,
    ) -> Result<u64, OkError> {
        let mut errs = FieldErrors::default();
        let title = opt_nonblank(o, "title", &mut errs);
        if title.is_none()
            && !o
                .get("title")
                .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            errs.add("title", REQUIRED);
        }
        let description = opt_text(o, "description", &mut errs);
        let mut company_id = opt_id(o, "company_id", &mut errs);
        let contact_id = opt_id(o, "contact_id", &mut errs);
        let assignee_id = opt_id(o, "assignee_id", &mut errs);
        let group_id = opt_id(o, "group_id", &mut errs);
        let parent_id = opt_id(o, "parent_id", &mut errs);
        let observer_ids = opt_ids(o, "observer_ids", &mut errs);
        let planned = opt_int(o, "planned_execution_in_minutes", &mut errs);
        let deadline_at = opt_time(o, "deadline_at", &self.tz, &mut errs);
        for (field, id, ok) in [
            (
                "company_id",
                company_id,
                company_id.is_none_or(|c| self.companies.contains_key(&c)),
            ),
            (
                "contact_id",
                contact_id,
                contact_id.is_none_or(|c| self.contacts.contains_key(&c)),
            ),
            (
                "assignee_id",
                assignee_id,
                assignee_id.is_none_or(|c| self.employees.contains_key(&c)),
            ),
            (
                "group_id",
                group_id,
                group_id.is_none_or(|c| self.groups.contains_key(&c)),
            ),
            (
                "parent_id",
                parent_id,
                parent_id.is_none_or(|c| self.issues.contains_key(&c)),
            ),
        ] {
            if id.is_some() && !ok {
                errs.add(field, NOT_FOUND);
            }
        }
        for (i, id) in observer_ids.iter().enumerate() {
            if !self.employees.contains_key(id) {
                errs.add(&format!("observer_ids.{i}"), NOT_FOUND);
            }
        }
        let type_code = match opt_text(o, "type", &mut errs) {
            Some(code) if self.issue_type(&code).is_none() => {
                errs.add("type", NOT_FOUND);
                code
            }
            Some(code) => code,
            None => self
                .issue_types
                .first()
                .map(|t| t.code.clone())
                .unwrap_or_default(),
        };
        let priority = match opt_text(o, "priority", &mut errs) {
            Some(code) if self.priority(&code).is_none() => {
                errs.add("priority", NOT_FOUND);
                code
            }
            Some(code) => code,
            None => self
                .priority("normal")
                .or_else(|| self.priorities.first())
                .map(|p| p.code.clone())
                .unwrap_or_default(),
        };
        let author = match o.get("author").filter(|v| !v.is_null()) {
            None => by,
            Some(Value::Object(a)) => {
                let id = opt_id(a, "id", &mut errs);
                let kind = match a.get("type").and_then(Value::as_str) {
                    Some("contact") => PersonKind::Contact,
                    None | Some("employee") => PersonKind::Employee,
                    Some(_) => {
                        errs.add("author.type", "должен быть одним из: employee, contact");
                        PersonKind::Employee
                    }
                };
                let p = id.map(|id| PersonRef { id, kind });
                match p {
                    Some(p) if self.person_exists(&p) => Some(p),
                    Some(_) => {
                        errs.add("author.id", NOT_FOUND);
                        None
                    }
                    None => {
                        errs.add("author.id", REQUIRED);
                        None
                    }
                }
            }
            Some(_) => {
                errs.add("author", "должно иметь тип object");
                None
            }
        };
        let parameters = match o.get("custom_parameters") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(_) => {
                errs.add("custom_parameters", "должно иметь тип object");
                Map::new()
            }
        };
        errs.finish()?;
        // A contact's company becomes the issue's company when none is given.
        if company_id.is_none() {
            company_id = contact_id
                .and_then(|c| self.contacts.get(&c))
                .and_then(|c| c.data.company_id);
        }
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        let status = self
            .statuses
            .first()
            .map(|s| s.code.clone())
            .unwrap_or_default();
        let source = match author.map(|a| a.kind) {
            Some(PersonKind::Contact) => "from_contact",
            _ => "from_employee",
        };
        self.issues.insert(
            id,
            Issue {
                id,
                title: title.unwrap_or_default(),
                description,
                created_at: now,
                updated_at: now,
                completed_at: None,
                deadline_at,
                delayed_to: None,
                status,
                old_status: None,
                priority,
                type_code,
                company_id,
                contact_id,
                assignee_id,
                group_id,
                parent_id,
                observer_ids,
                planned_execution_in_minutes: planned,
                author,
                source,
                parameters,
                comments: Vec::new(),
            },
        );
        Ok(id)
    }

    /// Adds a comment from the `comment` object of `POST /issues/{id}/comments`.
    pub fn add_comment(
        &mut self,
        issue_id: u64,
        o: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<u64, OkError> {
        if !self.issues.contains_key(&issue_id) {
            return Err(issue_not_found(issue_id));
        }
        let mut errs = FieldErrors::default();
        let content = opt_nonblank(o, "content", &mut errs);
        if content.is_none() {
            errs.add("content", REQUIRED);
        }
        let author_id = opt_id(o, "author_id", &mut errs);
        if author_id.is_none() && o.get("author_id").is_none_or(Value::is_null) {
            errs.add("author_id", REQUIRED);
        }
        let kind = match o.get("author_type").and_then(Value::as_str) {
            None | Some("employee") => PersonKind::Employee,
            Some("contact") => PersonKind::Contact,
            Some(_) => {
                errs.add("author_type", "должен быть одним из: employee, contact");
                PersonKind::Employee
            }
        };
        let author = author_id.map(|id| PersonRef { id, kind });
        if let Some(a) = &author
            && !self.person_exists(a)
        {
            errs.add("author_id", NOT_FOUND);
        }
        let public = opt_bool(o, "public", &mut errs).unwrap_or(false);
        errs.finish()?;
        let (Some(content), Some(author)) = (content, author) else {
            return Err(OkError::field("content", REQUIRED));
        };
        Ok(self.push_comment(issue_id, content, public, author, now))
    }

    fn push_comment(
        &mut self,
        issue_id: u64,
        content: String,
        public: bool,
        author: PersonRef,
        now: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        if let Some(issue) = self.issues.get_mut(&issue_id) {
            issue.comments.push(Comment {
                id,
                content,
                public,
                author,
                published_at: now,
            });
            issue.updated_at = now;
        }
        id
    }

    /// Changes the status from the (not wrapped) body of `POST /issues/{id}/statuses`.
    pub fn change_status(
        &mut self,
        issue_id: u64,
        o: &Map<String, Value>,
        by: Option<PersonRef>,
        now: DateTime<Utc>,
    ) -> Result<StatusChange, OkError> {
        let current = self
            .issues
            .get(&issue_id)
            .map(|i| i.status.clone())
            .ok_or_else(|| issue_not_found(issue_id))?;
        let mut errs = FieldErrors::default();
        let code = opt_nonblank(o, "code", &mut errs);
        match &code {
            None => errs.add("code", REQUIRED),
            Some(c) if self.status(c).is_none() => errs.add("code", NOT_FOUND),
            Some(c) if *c == current => errs.add("code", "совпадает с текущим статусом заявки"),
            Some(_) => {}
        }
        let delay_to = opt_time(o, "delay_to", &self.tz, &mut errs);
        if code.as_deref() == Some("delayed") && delay_to.is_none() && !o.contains_key("delay_to") {
            errs.add("delay_to", REQUIRED);
        }
        let comment = opt_nonblank(o, "comment", &mut errs);
        let comment_public = opt_bool(o, "comment_public", &mut errs).unwrap_or(false);
        let mut skip_webhooks = false;
        match o.get("skip_options") {
            None | Some(Value::Null) => {}
            Some(Value::Array(opts)) => {
                for opt in opts {
                    match opt.as_str() {
                        Some("skip_webhooks") => skip_webhooks = true,
                        Some(s) if SKIP_OPTIONS.contains(&s) => {}
                        _ => errs.add(
                            "skip_options",
                            format!("должен быть одним из: {}", SKIP_OPTIONS.join(", ")),
                        ),
                    }
                }
            }
            Some(_) => errs.add("skip_options", "должно иметь тип array"),
        }
        errs.finish()?;
        let Some(code) = code else {
            return Err(OkError::field("code", REQUIRED));
        };
        let comment_id = match (comment, by) {
            (Some(text), Some(author)) => {
                Some(self.push_comment(issue_id, text, comment_public, author, now))
            }
            _ => None,
        };
        if let Some(issue) = self.issues.get_mut(&issue_id) {
            issue.old_status = Some(current.clone());
            issue.status = code.clone();
            issue.updated_at = now;
            issue.delayed_to = if code == "delayed" { delay_to } else { None };
            if is_done(&code) {
                issue.completed_at.get_or_insert(now);
            } else {
                issue.completed_at = None;
            }
        }
        Ok(StatusChange {
            old: current,
            new: code,
            comment_id,
            skip_webhooks,
        })
    }

    fn code_name(&self, code: &str, list: &[super::config::CodeName]) -> Value {
        let name = list.iter().find(|c| c.code == code).map(|c| c.name.clone());
        json!({"code": code, "name": name})
    }

    pub fn status_json(&self, code: &str) -> Value {
        self.code_name(code, &self.statuses)
    }

    pub fn priority_json(&self, code: &str) -> Value {
        self.code_name(code, &self.priorities)
    }

    pub fn child_ids(&self, id: u64) -> Vec<u64> {
        self.issues
            .values()
            .filter(|i| i.parent_id == Some(id))
            .map(|i| i.id)
            .collect()
    }

    /// The REST model of `GET /issues/{id}` (§1.3).
    pub fn render_issue(&self, i: &Issue) -> Value {
        let t = |d: &Option<DateTime<Utc>>| d.as_ref().map(|d| format_time(d, &self.tz));
        let ty = self.issue_type(&i.type_code);
        let parameters: Vec<Value> = i
            .parameters
            .iter()
            .map(|(code, value)| json!({"code": code, "name": code, "field_type": "ftstring", "value": value}))
            .collect();
        let observers: Vec<Value> = i
            .observer_ids
            .iter()
            .map(|id| {
                let p = PersonRef {
                    id: *id,
                    kind: PersonKind::Employee,
                };
                self.person_json(&p)
            })
            .collect();
        json!({
            "id": i.id,
            "title": i.title,
            "description": i.description,
            "created_at": format_time(&i.created_at, &self.tz),
            "updated_at": format_time(&i.updated_at, &self.tz),
            "completed_at": t(&i.completed_at),
            "deadline_at": t(&i.deadline_at),
            "start_execution_until": null,
            "planned_reaction_at": null,
            "reacted_at": null,
            "delayed_to": t(&i.delayed_to),
            "source": i.source,
            "spent_time_total": 0,
            "planned_execution_in_hours": i.planned_execution_in_minutes.map(|m| m as f64 / 60.0),
            "company_id": i.company_id,
            "group_id": i.group_id,
            "service_object_id": null,
            "equipment_ids": [],
            "parent_id": i.parent_id,
            "child_ids": self.child_ids(i.id),
            "type": {
                "id": ty.and_then(|t| t.id),
                "code": i.type_code,
                "name": ty.map(|t| t.name.clone()),
                "available_for_client": ty.is_none_or(|t| !t.inner),
            },
            "priority": self.priority_json(&i.priority),
            "status": self.status_json(&i.status),
            "old_status": i.old_status.as_deref().map(|s| self.status_json(s)),
            "rate": null,
            "address": null,
            "contact": i.contact_id.and_then(|c| self.contacts.get(&c)).map(|c| json!({"id": c.id, "name": c.name()})),
            "assignee": i.assignee_id.and_then(|e| self.employees.get(&e)).map(|e| json!({"id": e.id, "name": e.name()})),
            "author": i.author.map(|a| self.person_json(&a)),
            "coexecutors": [],
            "observers": observers,
            "observer_groups": [],
            "agreement": null,
            "attachments": [],
            "status_times": {},
            "parameters": parameters,
            "comments": {
                "count": i.comments.len(),
                "last_at": i.comments.last().map(|c| format_time(&c.published_at, &self.tz)),
            },
        })
    }

    /// A comment as `GET /issues/{id}/comments` lists it.
    pub fn render_comment(&self, c: &Comment) -> Value {
        json!({
            "id": c.id,
            "content": c.content,
            "public": c.public,
            "attachments": [],
            "author": self.person_json(&c.author),
            "published_at": format_time(&c.published_at, &self.tz),
        })
    }

    pub fn issue_json(&self, id: u64) -> Result<Value, OkError> {
        self.issues
            .get(&id)
            .map(|i| self.render_issue(i))
            .ok_or_else(|| issue_not_found(id))
    }

    pub fn comment_json(&self, issue_id: u64, comment_id: u64) -> Value {
        self.issues
            .get(&issue_id)
            .and_then(|i| i.comments.iter().find(|c| c.id == comment_id))
            .map_or(Value::Null, |c| self.render_comment(c))
    }
}

pub fn issue_not_found(id: u64) -> OkError {
    OkError::not_found(format!("Заявка с id {id} не найдена"))
}
