//! The integration form: every option of an integration (sides with
//! write-only secrets, mode, flags, conditions, every correlation table,
//! defaults, telephony), with each validation error next to its field.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use ponte_core::conditions::{Condition, Conditions, MatchMode, Op};
use ponte_core::correlation::{AgentTarget, Correlation, Defaults, FieldCorrelation};
use ponte_core::desk_view::{CounterpartField, DeskView};
use ponte_core::integration::{ClientKey, Endpoint, Mode, Telephony, required_credentials};
use ponte_core::{Integration, Provider, Secret};

use super::Console;
use super::forms::FormData;
use super::guard::Ctx;
use super::i18n::Lang;
use super::integrations::webhook_block;
use super::layout::{Nav, csrf, enc, error_page, page, see_other};
use crate::integrations as api;

/// Problems found in a submitted form, by field name.
pub(crate) type Errors = BTreeMap<String, String>;

const SIDES: [&str; 2] = ["source", "target"];
const OPS: [(Op, &str); 7] = [
    (Op::Eq, "eq"),
    (Op::Ne, "ne"),
    (Op::In, "in"),
    (Op::NotIn, "not_in"),
    (Op::Contains, "contains"),
    (Op::Exists, "exists"),
    (Op::Missing, "missing"),
];
const CLIENT_KEYS: [(ClientKey, &str); 5] = [
    (ClientKey::Email, "email"),
    (ClientKey::Document, "document"),
    (ClientKey::Id, "id"),
    (ClientKey::CodeReference, "code_reference"),
    (ClientKey::Phone, "phone"),
];
const TABLES: [&str; 5] = [
    "status",
    "status_back",
    "category",
    "urgency",
    "justification",
];
const CONDITION_FIELDS: [&str; 10] = [
    "status",
    "base_status",
    "type",
    "category",
    "urgency",
    "service",
    "owner_team",
    "tag",
    "origin",
    "custom_field:",
];

fn html_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn number<T: FromStr>(f: &FormData, name: &str, default: T, errors: &mut Errors, l: Lang) -> T {
    match f.get(name) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|_| {
            errors.insert(name.into(), l.t("form.not_a_number").replace("{v}", v));
            default
        }),
    }
}

/// `from = to` lines.
fn table(f: &FormData, name: &str, errors: &mut Errors, l: Lang) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (n, line) in f.raw(name).unwrap_or_default().lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                out.insert(k.trim().to_string(), v.trim().to_string());
            }
            _ => {
                errors.insert(
                    name.into(),
                    l.t("form.bad_line")
                        .replace("{n}", &(n + 1).to_string())
                        .replace("{line}", line),
                );
            }
        }
    }
    out
}

fn agent_of(text: &str) -> AgentTarget {
    let (id, team) = match text.split_once('|') {
        Some((id, team)) => (
            id.trim(),
            Some(team.trim().to_string()).filter(|t| !t.is_empty()),
        ),
        None => (text.trim(), None),
    };
    AgentTarget {
        id: id.to_string(),
        team,
    }
}

fn agent_text(a: &AgentTarget) -> String {
    match &a.team {
        Some(t) => format!("{} | {t}", a.id),
        None => a.id.clone(),
    }
}

fn endpoint(f: &FormData, side: &str, editing: bool, errors: &mut Errors, l: Lang) -> Endpoint {
    let field = |n: &str| format!("{side}.{n}");
    let provider = Provider::from_str(&f.text(&field("provider"))).unwrap_or_else(|e| {
        errors.insert(field("provider"), e.message);
        Provider::Movidesk
    });
    let mut credentials = BTreeMap::new();
    for n in 0.. {
        let (name_key, value_key) = (
            format!("{side}.cred_name.{n}"),
            format!("{side}.cred_value.{n}"),
        );
        if f.raw(&name_key).is_none() && f.raw(&value_key).is_none() {
            break;
        }
        match (
            f.get(&name_key),
            f.raw(&value_key).filter(|v| !v.is_empty()),
        ) {
            (Some(name), Some(value)) => {
                credentials.insert(name.to_string(), Secret::new(value));
            }
            // Left empty on an edit: keep what is stored.
            (Some(name), None) if editing => {
                credentials.insert(name.to_string(), Secret::new(ponte_core::secret::REDACTED));
            }
            (None, Some(_)) => {
                errors.insert(field("credentials"), l.t("form.cred_needs_name").into());
            }
            _ => {}
        }
    }
    Endpoint {
        provider,
        base_url: f.text(&field("base_url")),
        credentials,
        inbound_secret: Secret::new(f.raw(&field("inbound_secret")).unwrap_or_default()),
        previous_inbound_secret: None,
        inbound_header: f.opt(&field("inbound_header")),
        rate_per_second: number(f, &field("rate_per_second"), 0, errors, l),
        client_organization: f.opt(&field("client_organization")),
        view: desk_view(f, side, errors, l),
    }
}

/// A side's desk-view options; the field's id and rule go together (one
/// left empty reads as 0, which validation refuses naming it).
fn desk_view(f: &FormData, side: &str, errors: &mut Errors, l: Lang) -> DeskView {
    let field = |n: &str| format!("{side}.{n}");
    let (id, rule) = (
        field("counterpart_field.id"),
        field("counterpart_field.rule"),
    );
    let counterpart_field =
        (f.get(&id).is_some() || f.get(&rule).is_some()).then(|| CounterpartField {
            id: number(f, &id, 0, errors, l),
            rule: number(f, &rule, 0, errors, l),
        });
    DeskView {
        counterpart_field,
        counterpart_note: f.checked(&field("counterpart_note")),
        ticket_url: f.opt(&field("ticket_url")),
        history_in_ticket: f.checked(&field("history_in_ticket")),
    }
}

fn conditions(f: &FormData, errors: &mut Errors, l: Lang) -> Conditions {
    let mode = match f.get("conditions.match") {
        Some("any") => MatchMode::Any,
        _ => MatchMode::All,
    };
    let mut rules = Vec::new();
    for n in 0.. {
        let key = |k: &str| format!("conditions.row{n}.{k}");
        if f.raw(&key("field")).is_none() {
            break;
        }
        let Some(field) = f.get(&key("field")) else {
            continue;
        };
        let op = f
            .get(&key("op"))
            .and_then(|o| OPS.iter().find(|(_, n)| *n == o).map(|(op, _)| *op))
            .unwrap_or_else(|| {
                errors.insert(key("op"), l.t("form.bad_op").into());
                Op::Eq
            });
        let text = f.text(&key("value"));
        let (value, values) = match op {
            Op::In | Op::NotIn => (
                None,
                text.split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect(),
            ),
            _ => (Some(text).filter(|t| !t.is_empty()), vec![]),
        };
        rules.push(Condition {
            field: field.to_string(),
            op,
            value,
            values,
        });
    }
    Conditions { mode, rules }
}

fn correlation(f: &FormData, errors: &mut Errors, l: Lang) -> Correlation {
    let agents = |name: &str, errors: &mut Errors| -> BTreeMap<String, AgentTarget> {
        table(f, name, errors, l)
            .into_iter()
            .map(|(k, v)| (k, agent_of(&v)))
            .collect()
    };
    let custom_fields: Vec<FieldCorrelation> = match f.get("correlation.custom_fields") {
        None => vec![],
        Some(text) => serde_json::from_str(text).unwrap_or_else(|e| {
            errors.insert(
                "correlation.custom_fields".into(),
                l.t("form.bad_json").replace("{e}", &e.to_string()),
            );
            vec![]
        }),
    };
    let agent_default = |prefix: &str| {
        f.get(&format!("{prefix}.id")).map(|id| AgentTarget {
            id: id.to_string(),
            team: f.opt(&format!("{prefix}.team")),
        })
    };
    Correlation {
        status: table(f, "correlation.status", errors, l),
        status_back: table(f, "correlation.status_back", errors, l),
        justification: table(f, "correlation.justification", errors, l),
        category: table(f, "correlation.category", errors, l),
        urgency: table(f, "correlation.urgency", errors, l),
        agent: agents("correlation.agent", errors),
        agent_back: agents("correlation.agent_back", errors),
        custom_fields,
        defaults: Defaults {
            status: f.opt("correlation.defaults.status"),
            status_back: f.opt("correlation.defaults.status_back"),
            category: f.opt("correlation.defaults.category"),
            urgency: f.opt("correlation.defaults.urgency"),
            agent: agent_default("correlation.defaults.agent"),
            agent_back: agent_default("correlation.defaults.agent_back"),
            justification: f.opt("correlation.defaults.justification"),
        },
    }
}

fn telephony(f: &FormData, errors: &mut Errors, l: Lang) -> Telephony {
    let d = Telephony::default();
    Telephony {
        create_unknown_callers: f.checked("telephony.create_unknown_callers"),
        company_id: f.opt("telephony.company_id"),
        search_numbers_count: number(
            f,
            "telephony.search_numbers_count",
            d.search_numbers_count,
            errors,
            l,
        ),
        utc_offset: f.opt("telephony.utc_offset").unwrap_or(d.utc_offset),
        missed_call_title: f
            .opt("telephony.missed_call_title")
            .unwrap_or(d.missed_call_title),
        missed_call_description: f
            .opt("telephony.missed_call_description")
            .unwrap_or(d.missed_call_description),
        missed_call_assignee: f.opt("telephony.missed_call_assignee"),
        employee_extensions: table(f, "telephony.employee_extensions", errors, l),
    }
}

/// The integration a submitted form describes, and what could not be read.
/// `editing`: a secret left empty keeps the stored one.
pub(crate) fn read(f: &FormData, id: Option<&str>, l: Lang) -> (Integration, Errors) {
    let mut errors = Errors::new();
    let client_key = f
        .get("client_key")
        .and_then(|k| CLIENT_KEYS.iter().find(|(_, n)| *n == k).map(|(c, _)| *c))
        .unwrap_or_default();
    let editing = id.is_some();
    let source = endpoint(f, "source", editing, &mut errors, l);
    let target = endpoint(f, "target", editing, &mut errors, l);
    let integration = Integration {
        id: id.map(str::to_string).unwrap_or_else(|| f.text("id")),
        name: f.text("name"),
        enabled: f.checked("enabled"),
        mode: if f.get("mode") == Some("manual") {
            Mode::Manual
        } else {
            Mode::Automatic
        },
        send_all_status_changes: f.checked("send_all_status_changes"),
        client_key,
        create_missing_client: f.checked("create_missing_client"),
        generator_agent: f.opt("generator_agent"),
        source_agent: f.opt("source_agent"),
        conditions: conditions(f, &mut errors, l),
        correlation: correlation(f, &mut errors, l),
        telephony: telephony(f, &mut errors, l),
        reconcile_every_secs: number(f, "reconcile_every_secs", 300, &mut errors, l),
        source,
        target,
        updated_at: None,
    };
    (integration, errors)
}

/// The form field a validation error belongs to: the core names paths
/// like `source.credentials.token` or `conditions.rules[1].field`.
pub(crate) fn field_of(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("conditions.rules[")
        && let Some((n, field)) = rest.split_once("].")
    {
        return format!("conditions.row{n}.{field}");
    }
    for side in SIDES {
        if path.starts_with(&format!("{side}.credentials")) {
            return format!("{side}.credentials");
        }
    }
    for prefix in [
        "correlation.custom_fields",
        "correlation.agent_back",
        "correlation.agent",
    ] {
        if path.starts_with(prefix) {
            return prefix.to_string();
        }
    }
    path.to_string()
}

/// Renders one field at a time and takes its error out of the list.
struct Fields<'a> {
    l: Lang,
    errors: RefCell<&'a mut Errors>,
}

impl Fields<'_> {
    fn error(&self, name: &str) -> Option<String> {
        self.errors.borrow().get(name).cloned()
    }

    fn wrap(&self, name: &str, label: &str, hint: Option<&str>, input: Markup) -> Markup {
        let id = html_id(name);
        let error = self.error(name);
        html! {
            div.field {
                label for=(id) { (label) }
                (input)
                @if let Some(h) = hint { p.hint #{ (id) "-hint" } { (h) } }
                @if let Some(e) = error { p.error #{ (id) "-error" } { (e) } }
            }
        }
    }

    fn described(&self, name: &str, hint: bool) -> Option<String> {
        let id = html_id(name);
        let mut parts = vec![];
        if hint {
            parts.push(format!("{id}-hint"));
        }
        if self.error(name).is_some() {
            parts.push(format!("{id}-error"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    fn text(&self, name: &str, label: &str, value: &str, hint: Option<&str>) -> Markup {
        let invalid = self.error(name).map(|_| "true");
        self.wrap(
            name,
            label,
            hint,
            html! {
                input type="text" id=(html_id(name)) name=(name) value=(value)
                    aria-invalid=[invalid] aria-describedby=[self.described(name, hint.is_some())];
            },
        )
    }

    fn readonly(&self, name: &str, label: &str, value: &str) -> Markup {
        self.wrap(
            name,
            label,
            None,
            html! { input type="text" id=(html_id(name)) name=(name) value=(value) readonly; },
        )
    }

    fn secret(&self, name: &str, label: &str, stored: bool) -> Markup {
        let l = self.l;
        let hint = if stored {
            l.t("form.secret_stored")
        } else {
            l.t("form.secret_new")
        };
        let invalid = self.error(name).map(|_| "true");
        self.wrap(
            name,
            label,
            Some(hint),
            html! {
                input type="password" id=(html_id(name)) name=(name) value="" autocomplete="new-password"
                    aria-invalid=[invalid] aria-describedby=[self.described(name, true)];
            },
        )
    }

    fn select(&self, name: &str, label: &str, options: &[(&str, &str)], selected: &str) -> Markup {
        let invalid = self.error(name).map(|_| "true");
        self.wrap(
            name,
            label,
            None,
            html! {
                select id=(html_id(name)) name=(name) aria-invalid=[invalid] aria-describedby=[self.described(name, false)] {
                    @for (value, text) in options {
                        option value=(value) selected[*value == selected] { (text) }
                    }
                }
            },
        )
    }

    fn check(&self, name: &str, label: &str, checked: bool) -> Markup {
        let id = html_id(name);
        html! {
            div.field.check {
                input type="checkbox" id=(id) name=(name) value="on" checked[checked];
                " " label for=(id) { (label) }
            }
        }
    }

    fn area(&self, name: &str, label: &str, value: &str, hint: &str) -> Markup {
        let invalid = self.error(name).map(|_| "true");
        self.wrap(
            name,
            label,
            Some(hint),
            html! {
                textarea id=(html_id(name)) name=(name) rows="3" aria-invalid=[invalid]
                    aria-describedby=[self.described(name, true)] { (value) }
            },
        )
    }
}

fn lines(t: &BTreeMap<String, String>) -> String {
    t.iter().map(|(k, v)| format!("{k} = {v}\n")).collect()
}

fn agent_lines(t: &BTreeMap<String, AgentTarget>) -> String {
    t.iter()
        .map(|(k, v)| format!("{k} = {}\n", agent_text(v)))
        .collect()
}

fn side_fields(x: &Fields, side: &str, e: &Endpoint) -> Markup {
    let l = x.l;
    let f = |n: &str| format!("{side}.{n}");
    let providers: Vec<(&str, &str)> = Provider::ALL
        .iter()
        .map(|p| (p.as_str(), p.as_str()))
        .collect();
    let names: Vec<&String> = e.credentials.keys().collect();
    let rows = names.len() + 2;
    let needs = required_credentials(e.provider).join(", ");
    let cred_error = x.error(&f("credentials"));
    html! {
        fieldset {
            legend { (l.t(if side == "source" { "form.source" } else { "form.target" })) }
            div.grid {
                (x.select(&f("provider"), l.t("form.provider"), &providers, e.provider.as_str()))
                (x.text(&f("base_url"), l.t("form.base_url"), &e.base_url, Some(l.t("form.base_url_hint"))))
                (x.secret(&f("inbound_secret"), l.t("form.inbound_secret"), !e.inbound_secret.is_empty()))
                (x.text(&f("inbound_header"), l.t("form.inbound_header"), e.inbound_header.as_deref().unwrap_or_default(), Some(l.t("form.inbound_header_hint"))))
                (x.text(&f("rate_per_second"), l.t("form.rate"), &e.rate_per_second.to_string(), Some(l.t("form.rate_hint"))))
                (x.text(&f("client_organization"), l.t("form.client_organization"), e.client_organization.as_deref().unwrap_or_default(), Some(l.t("form.client_organization_hint"))))
            }
            fieldset {
                legend { (l.t("form.desk_view")) }
                p.hint.muted { (l.t("form.desk_view_hint")) }
                @let cf = e.view.counterpart_field.as_ref();
                div.grid {
                    (x.text(&f("ticket_url"), l.t("form.ticket_url"), e.view.ticket_url.as_deref().unwrap_or_default(), Some(l.t("form.ticket_url_hint"))))
                    (x.text(&f("counterpart_field.id"), l.t("form.counterpart_field_id"), &cf.map(|c| c.id.to_string()).unwrap_or_default(), None))
                    (x.text(&f("counterpart_field.rule"), l.t("form.counterpart_field_rule"), &cf.map(|c| c.rule.to_string()).unwrap_or_default(), None))
                }
                (x.check(&f("counterpart_note"), l.t("form.counterpart_note"), e.view.counterpart_note))
                (x.check(&f("history_in_ticket"), l.t("form.history_in_ticket"), e.view.history_in_ticket))
            }
            fieldset id=(html_id(&f("credentials"))) aria-describedby=[cred_error.as_ref().map(|_| format!("{}-error", html_id(&f("credentials"))))] {
                legend { (l.t("form.credentials")) }
                p.hint.muted { (l.t("form.credentials_hint")) @if !needs.is_empty() { " " (l.t("form.needs")) " " code { (needs) } } }
                @if let Some(err) = &cred_error { p.error id={ (html_id(&f("credentials"))) "-error" } { (err) } }
                div.grid {
                    @for n in 0..rows {
                        @let name = names.get(n).map(|s| s.as_str()).unwrap_or_default();
                        (x.text(&format!("{side}.cred_name.{n}"), &l.t("form.cred_name").replace("{n}", &(n + 1).to_string()), name, None))
                        (x.secret(&format!("{side}.cred_value.{n}"), &l.t("form.cred_value").replace("{n}", &(n + 1).to_string()), !name.is_empty()))
                    }
                }
            }
        }
    }
}

fn condition_fields(x: &Fields, c: &Conditions) -> Markup {
    let l = x.l;
    let rows = c.rules.len() + 2;
    let ops: Vec<(&str, &str)> = OPS.iter().map(|(_, n)| (*n, *n)).collect();
    html! {
        fieldset {
            legend { (l.t("form.conditions")) }
            p.hint.muted { (l.t("form.conditions_hint")) " " code { (CONDITION_FIELDS.join(", ")) } }
            (x.select("conditions.match", l.t("form.match"), &[("all", l.t("form.match_all")), ("any", l.t("form.match_any"))],
                if c.mode == MatchMode::Any { "any" } else { "all" }))
            @for n in 0..rows {
                @let rule = c.rules.get(n);
                @let key = |k: &str| format!("conditions.row{n}.{k}");
                @let value = rule.map(|r| r.value.clone().unwrap_or_else(|| r.values.join(", "))).unwrap_or_default();
                @let op = rule.and_then(|r| OPS.iter().find(|(o, _)| *o == r.op).map(|(_, n)| *n)).unwrap_or("eq");
                div.grid {
                    (x.text(&key("field"), &l.t("form.rule_field").replace("{n}", &(n + 1).to_string()), rule.map(|r| r.field.as_str()).unwrap_or_default(), None))
                    (x.select(&key("op"), &l.t("form.rule_op").replace("{n}", &(n + 1).to_string()), &ops, op))
                    (x.text(&key("value"), &l.t("form.rule_value").replace("{n}", &(n + 1).to_string()), &value, None))
                }
            }
        }
    }
}

fn correlation_fields(x: &Fields, c: &Correlation) -> Markup {
    let l = x.l;
    let tables: [(&str, &BTreeMap<String, String>); 5] = [
        (TABLES[0], &c.status),
        (TABLES[1], &c.status_back),
        (TABLES[2], &c.category),
        (TABLES[3], &c.urgency),
        (TABLES[4], &c.justification),
    ];
    let custom = if c.custom_fields.is_empty() {
        String::new()
    } else {
        serde_json::to_string_pretty(&c.custom_fields).unwrap_or_default()
    };
    let d = &c.defaults;
    html! {
        fieldset {
            legend { (l.t("form.correlation")) }
            p.hint.muted { (l.t("form.correlation_hint")) }
            div.grid {
                @for (name, t) in tables {
                    (x.area(&format!("correlation.{name}"), l.t(&format!("corr.{name}")), &lines(t), l.t("form.table_hint")))
                }
                (x.area("correlation.agent", l.t("corr.agent"), &agent_lines(&c.agent), l.t("form.agent_hint")))
                (x.area("correlation.agent_back", l.t("corr.agent_back"), &agent_lines(&c.agent_back), l.t("form.agent_hint")))
            }
            (x.area("correlation.custom_fields", l.t("corr.custom_fields"), &custom, l.t("form.custom_fields_hint")))
        }
        fieldset {
            legend { (l.t("form.defaults")) }
            div.grid {
                @for (name, v) in [("status", &d.status), ("status_back", &d.status_back), ("category", &d.category), ("urgency", &d.urgency), ("justification", &d.justification)] {
                    (x.text(&format!("correlation.defaults.{name}"), l.t(&format!("corr.{name}")), v.as_deref().unwrap_or_default(), None))
                }
                @for (name, a) in [("agent", &d.agent), ("agent_back", &d.agent_back)] {
                    (x.text(&format!("correlation.defaults.{name}.id"), &format!("{} — {}", l.t(&format!("corr.{name}")), l.t("form.person_id")), a.as_ref().map(|a| a.id.as_str()).unwrap_or_default(), None))
                    (x.text(&format!("correlation.defaults.{name}.team"), &format!("{} — {}", l.t(&format!("corr.{name}")), l.t("form.team")), a.as_ref().and_then(|a| a.team.as_deref()).unwrap_or_default(), None))
                }
            }
        }
    }
}

fn telephony_fields(x: &Fields, t: &Telephony) -> Markup {
    let l = x.l;
    html! {
        fieldset {
            legend { (l.t("form.telephony")) }
            p.hint.muted { (l.t("form.telephony_hint")) }
            (x.check("telephony.create_unknown_callers", l.t("tel.create_unknown_callers"), t.create_unknown_callers))
            div.grid {
                (x.text("telephony.company_id", l.t("tel.company_id"), t.company_id.as_deref().unwrap_or_default(), None))
                (x.text("telephony.search_numbers_count", l.t("tel.search_numbers_count"), &t.search_numbers_count.to_string(), None))
                (x.text("telephony.utc_offset", l.t("tel.utc_offset"), &t.utc_offset, None))
                (x.text("telephony.missed_call_assignee", l.t("tel.missed_call_assignee"), t.missed_call_assignee.as_deref().unwrap_or_default(), None))
                (x.area("telephony.employee_extensions", l.t("tel.employee_extensions"), &lines(&t.employee_extensions), l.t("form.table_hint")))
            }
            (x.text("telephony.missed_call_title", l.t("tel.missed_call_title"), &t.missed_call_title, None))
            (x.area("telephony.missed_call_description", l.t("tel.missed_call_description"), &t.missed_call_description, l.t("tel.placeholders")))
        }
    }
}

/// The whole form for `draft` (already without secret values).
fn render(
    ctx: &Ctx,
    console: &Console,
    draft: &Integration,
    editing: bool,
    mut errors: Errors,
) -> Response {
    let l = ctx.lang;
    let summary: Vec<(String, String)> =
        errors.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let x = Fields {
        l,
        errors: RefCell::new(&mut errors),
    };
    let modes = [
        ("automatic", l.t("mode.automatic")),
        ("manual", l.t("mode.manual")),
    ];
    let keys: Vec<(&str, &str)> = CLIENT_KEYS.iter().map(|(_, n)| (*n, *n)).collect();
    let key_now = CLIENT_KEYS
        .iter()
        .find(|(c, _)| *c == draft.client_key)
        .map(|(_, n)| *n)
        .unwrap_or("email");
    let action = if editing {
        format!("/integrations/{}", enc(&draft.id))
    } else {
        "/integrations/new".to_string()
    };
    let title = if editing {
        l.t("form.edit_title").replace("{id}", &draft.id)
    } else {
        l.t("form.new_title").to_string()
    };
    let body = html! {
        @if !summary.is_empty() {
            div.errors role="alert" #form-errors {
                p { strong { (l.t("form.has_errors")) } }
                ul { @for (k, v) in &summary { li { a href={ "#" (html_id(k)) } { code { (k) } } ": " (v) } } }
            }
        }
        @if editing {
            section aria-labelledby="hooks-title" {
                h2 #hooks-title { (l.t("int.webhooks")) }
                (webhook_block(console, l, draft))
            }
        }
        form method="post" action=(action) novalidate {
            (csrf(ctx))
            fieldset {
                legend { (l.t("form.general")) }
                div.grid {
                    @if editing { (x.readonly("id", l.t("form.id"), &draft.id)) }
                    @else { (x.text("id", l.t("form.id"), &draft.id, Some(l.t("form.id_hint")))) }
                    (x.text("name", l.t("form.name"), &draft.name, None))
                    (x.select("mode", l.t("form.mode"), &modes, if draft.mode == Mode::Manual { "manual" } else { "automatic" }))
                    (x.select("client_key", l.t("form.client_key"), &keys, key_now))
                    (x.text("generator_agent", l.t("form.generator_agent"), draft.generator_agent.as_deref().unwrap_or_default(), Some(l.t("form.generator_agent_hint"))))
                    (x.text("source_agent", l.t("form.source_agent"), draft.source_agent.as_deref().unwrap_or_default(), Some(l.t("form.source_agent_hint"))))
                    (x.text("reconcile_every_secs", l.t("form.reconcile"), &draft.reconcile_every_secs.to_string(), Some(l.t("form.reconcile_hint"))))
                }
                (x.check("enabled", l.t("form.enabled"), draft.enabled))
                (x.check("send_all_status_changes", l.t("form.send_all_status_changes"), draft.send_all_status_changes))
                (x.check("create_missing_client", l.t("form.create_missing_client"), draft.create_missing_client))
            }
            (side_fields(&x, "source", &draft.source))
            (side_fields(&x, "target", &draft.target))
            (condition_fields(&x, &draft.conditions))
            (correlation_fields(&x, &draft.correlation))
            (telephony_fields(&x, &draft.telephony))
            p {
                button type="submit" { (l.t("form.save")) } " "
                a.button.secondary href="/" { (l.t("cancel")) }
            }
        }
    };
    let mut r = page(ctx, Nav::Integrations, &title, body);
    if !summary.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

/// A new integration's form: Movidesk on both sides, each showing its
/// counterpart as an internal note, which costs no call and saves one per
/// link (the marker's echo carries Ponte's own action; decision 104).
fn blank() -> Integration {
    let side = || Endpoint {
        provider: Provider::Movidesk,
        base_url: String::new(),
        credentials: BTreeMap::from([("token".to_string(), Secret::default())]),
        inbound_secret: Secret::default(),
        previous_inbound_secret: None,
        inbound_header: None,
        rate_per_second: 0,
        view: DeskView {
            counterpart_note: true,
            ..DeskView::default()
        },
        client_organization: None,
    };
    Integration {
        id: String::new(),
        name: String::new(),
        enabled: true,
        mode: Mode::Automatic,
        send_all_status_changes: true,
        client_key: ClientKey::Email,
        create_missing_client: true,
        generator_agent: None,
        source_agent: None,
        conditions: Conditions::default(),
        correlation: Correlation::default(),
        telephony: Telephony::default(),
        reconcile_every_secs: 300,
        source: side(),
        target: side(),
        updated_at: None,
    }
}

/// What the form shows again after a refusal: never a secret's value.
/// `stored`: the secrets are kept from the stored integration (an edit), so
/// the form says so; on a refused creation nothing is stored.
fn without_secrets(i: &Integration, stored: bool) -> Integration {
    let mut shown = i.redacted();
    if !stored {
        for e in [&mut shown.source, &mut shown.target] {
            e.inbound_secret = Secret::default();
            for v in e.credentials.values_mut() {
                *v = Secret::default();
            }
        }
    }
    shown
}

pub(crate) async fn new_page(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    render(&ctx, &console, &blank(), false, Errors::new())
}

pub(crate) async fn edit_page(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    match api::load(&console.api, &id).await {
        Ok(i) => render(&ctx, &console, &i.redacted(), true, Errors::new()),
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}

pub(crate) async fn create(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let l = ctx.lang;
    let (draft, mut errors) = read(&FormData::parse(&body), None, l);
    if errors.is_empty()
        && let Err(e) = draft.validate()
    {
        errors.insert(field_of(&e.field), e.message);
    }
    if !errors.is_empty() {
        return render(
            &ctx,
            &console,
            &without_secrets(&draft, false),
            false,
            errors,
        );
    }
    match api::save_new(&console.api, draft.clone()).await {
        Ok(saved) => {
            console.sessions.flash(
                &ctx.session,
                l.t("int.was_saved").replace("{id}", &saved.id),
            );
            see_other("/")
        }
        Err(e) if e.status == StatusCode::CONFLICT => {
            errors.insert("id".into(), e.message);
            render(
                &ctx,
                &console,
                &without_secrets(&draft, false),
                false,
                errors,
            )
        }
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}

pub(crate) async fn update(
    AxumState(console): AxumState<Arc<Console>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let l = ctx.lang;
    let stored = match api::load(&console.api, &id).await {
        Ok(s) => s,
        Err(e) => return error_page(&ctx, Nav::Integrations, e),
    };
    let (mut draft, mut errors) = read(&FormData::parse(&body), Some(&id), l);
    draft.source.keep_secrets_from(&stored.source);
    draft.target.keep_secrets_from(&stored.target);
    if errors.is_empty()
        && let Err(e) = draft.validate()
    {
        errors.insert(field_of(&e.field), e.message);
    }
    if !errors.is_empty() {
        return render(&ctx, &console, &without_secrets(&draft, true), true, errors);
    }
    match api::save_replace(&console.api, &id, draft).await {
        Ok((saved, _)) => {
            console.sessions.flash(
                &ctx.session,
                l.t("int.was_saved").replace("{id}", &saved.id),
            );
            see_other("/")
        }
        Err(e) => error_page(&ctx, Nav::Integrations, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        FormData::parse(&Bytes::from(body))
    }

    #[test]
    fn a_full_form_reads_into_every_option() {
        let f = form(&[
            ("id", "movi"),
            ("name", "Movi"),
            ("enabled", "on"),
            ("mode", "manual"),
            ("client_key", "phone"),
            ("generator_agent", "gen"),
            ("source_agent", "src"),
            ("reconcile_every_secs", "60"),
            ("source.provider", "movidesk"),
            ("source.base_url", "http://a.test/v1"),
            ("source.cred_name.0", "token"),
            ("source.cred_value.0", "tok-a"),
            ("source.inbound_secret", "secret-a-0123456789"),
            ("target.provider", "okdesk"),
            ("target.base_url", "http://b.test"),
            ("target.cred_name.0", "api_token"),
            ("target.cred_value.0", "tok-b"),
            ("target.inbound_secret", "secret-b-0123456789"),
            ("target.rate_per_second", "4"),
            ("source.ticket_url", "https://a.test/Ticket/Edit/{id}"),
            ("source.counterpart_field.id", "35294"),
            ("source.counterpart_field.rule", "17311"),
            ("source.counterpart_note", "on"),
            ("source.history_in_ticket", "on"),
            ("conditions.match", "any"),
            ("conditions.row0.field", "tag"),
            ("conditions.row0.op", "in"),
            ("conditions.row0.value", "vip, gold"),
            ("conditions.row1.field", ""),
            ("conditions.row1.op", "eq"),
            ("conditions.row1.value", ""),
            ("correlation.status", "Novo = Aberto\nResolvido = Fechado\n"),
            ("correlation.agent", "ana = 7 | Suporte"),
            (
                "correlation.custom_fields",
                r#"[{"source":"1","target":"2","values":{"a":"b"}}]"#,
            ),
            ("correlation.defaults.status", "Aberto"),
            ("correlation.defaults.agent.id", "9"),
            ("telephony.search_numbers_count", "7"),
            ("telephony.utc_offset", "-03:00"),
        ]);
        let (i, errors) = read(&f, None, Lang::En);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(i.mode, Mode::Manual);
        assert!(i.enabled && !i.send_all_status_changes);
        assert_eq!(i.client_key, ClientKey::Phone);
        assert_eq!(i.target.provider, Provider::Okdesk);
        assert_eq!(i.target.rate_per_second, 4);
        assert_eq!(
            i.source.view.counterpart_field,
            Some(CounterpartField {
                id: 35294,
                rule: 17311
            })
        );
        assert!(i.source.view.counterpart_note && i.source.view.history_in_ticket);
        assert_eq!(i.target.view, DeskView::default());
        assert_eq!(i.conditions.mode, MatchMode::Any);
        assert_eq!(i.conditions.rules.len(), 1);
        assert_eq!(i.conditions.rules[0].values, ["vip", "gold"]);
        assert_eq!(
            i.correlation.status.get("Resolvido").map(String::as_str),
            Some("Fechado")
        );
        assert_eq!(i.correlation.agent["ana"].team.as_deref(), Some("Suporte"));
        assert_eq!(i.correlation.custom_fields[0].values["a"], "b");
        assert_eq!(
            i.correlation.defaults.agent.as_ref().map(|a| a.id.as_str()),
            Some("9")
        );
        assert_eq!(i.telephony.search_numbers_count, 7);
        assert!(i.validate().is_ok(), "{:?}", i.validate());
    }

    #[test]
    fn unreadable_values_are_named_by_field() {
        let f = form(&[
            ("reconcile_every_secs", "soon"),
            ("source.provider", "zendesk"),
            ("correlation.status", "no equals sign"),
            ("correlation.custom_fields", "[oops"),
            ("target.cred_name.0", ""),
            ("target.cred_value.0", "orphan"),
        ]);
        let (_, errors) = read(&f, None, Lang::En);
        for k in [
            "reconcile_every_secs",
            "source.provider",
            "correlation.status",
            "correlation.custom_fields",
            "target.credentials",
        ] {
            assert!(errors.contains_key(k), "{k} in {errors:?}");
        }
        assert!(errors["correlation.status"].contains("no equals sign"));
    }

    #[test]
    fn validation_paths_land_on_form_fields() {
        assert_eq!(field_of("source.base_url"), "source.base_url");
        assert_eq!(field_of("target.credentials.token"), "target.credentials");
        assert_eq!(
            field_of("conditions.rules[1].field"),
            "conditions.row1.field"
        );
        assert_eq!(field_of("correlation.agent.ana.id"), "correlation.agent");
        assert_eq!(
            field_of("correlation.agent_back.x"),
            "correlation.agent_back"
        );
        assert_eq!(
            field_of("correlation.custom_fields[0]"),
            "correlation.custom_fields"
        );
    }

    #[test]
    fn an_edit_keeps_secrets_left_empty_and_never_shows_them() {
        let f = form(&[
            ("source.provider", "movidesk"),
            ("source.cred_name.0", "token"),
            ("source.cred_value.0", ""),
            ("target.provider", "movidesk"),
        ]);
        let (mut i, _) = read(&f, Some("x"), Lang::En);
        let stored = Endpoint {
            credentials: BTreeMap::from([("token".into(), Secret::new("real-token"))]),
            inbound_secret: Secret::new("real-inbound-secret"),
            previous_inbound_secret: None,
            ..i.source.clone()
        };
        i.source.keep_secrets_from(&stored);
        assert_eq!(i.source.credentials["token"].expose(), "real-token");
        assert_eq!(i.source.inbound_secret.expose(), "real-inbound-secret");
        let shown = serde_json::to_string(&without_secrets(&i, true)).unwrap_or_default();
        assert!(!shown.contains("real-"), "{shown}");
    }
}
