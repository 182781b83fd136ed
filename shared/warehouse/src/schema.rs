//! The warehouse's tables, named after Kondado's Movidesk objects (seed 001), as data: each column
//! with its Movidesk source field and its type. The mapping (`map`), the writes (`db`), the migration
//! check and docs/warehouse.md all read this one list.

/// How a JSON value becomes a column value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Required text identity: a missing or empty one refuses the whole object.
    Key,
    /// Text: strings as they are, numbers and booleans written out, lists as JSON text.
    Text,
    /// A person reference: its `id` (or the string itself).
    Ref,
    /// `timestamp with time zone`; Movidesk dates are UTC without an offset.
    Time,
    Bool,
    /// `double precision` (Kondado's "float").
    Num,
}

impl Kind {
    /// The column's SQL type.
    pub fn sql(self) -> &'static str {
        match self {
            Kind::Key | Kind::Text | Kind::Ref => "text",
            Kind::Time => "timestamp with time zone",
            Kind::Bool => "boolean",
            Kind::Num => "double precision",
        }
    }
}

/// One column: its name, where its value comes from in the object the table is read from
/// (a path of JSON keys), and its kind.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub path: &'static [&'static str],
    pub kind: Kind,
}

const fn c(name: &'static str, path: &'static [&'static str], kind: Kind) -> Col {
    Col { name, path, kind }
}

/// A table: the columns the writer fills from the parent (keys of the owning object, a line
/// number), then the columns read from the object, then (when `raw`) the fields no column holds.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    /// Columns whose values the caller gives (parent keys, line numbers).
    pub given: &'static [(&'static str, Kind, &'static str)],
    pub columns: &'static [Col],
    /// The primary key's columns.
    pub key: &'static [&'static str],
    /// JSON keys read by child tables (kept out of `raw`).
    pub children: &'static [&'static str],
    /// Has a `raw jsonb` column for fields Ponte does not map (a field Movidesk adds later).
    pub raw: bool,
    /// Has a `synced_at` column (root objects).
    pub synced_at: bool,
}

use Kind::{Bool, Key, Num, Ref, Text, Time};

pub const TICKETS: Table = Table {
    name: "movidesk_tickets",
    given: &[],
    columns: &[
        c("id", &["id"], Key),
        c("protocol", &["protocol"], Text),
        c("type", &["type"], Text),
        c("subject", &["subject"], Text),
        c("category", &["category"], Text),
        c("urgency", &["urgency"], Text),
        c("status", &["status"], Text),
        c("base_status", &["baseStatus"], Text),
        c("justification", &["justification"], Text),
        c("origin", &["origin"], Text),
        c("created_date", &["createdDate"], Time),
        c("is_deleted", &["isDeleted"], Bool),
        c("origin_email_account", &["originEmailAccount"], Text),
        c("owner_id", &["owner"], Ref),
        c("owner_team", &["ownerTeam"], Text),
        c("created_by_id", &["createdBy"], Ref),
        c("service_full", &["serviceFull"], Text),
        c("service_first_level_id", &["serviceFirstLevelId"], Text),
        c("service_first_level", &["serviceFirstLevel"], Text),
        c("service_second_level", &["serviceSecondLevel"], Text),
        c("service_third_level", &["serviceThirdLevel"], Text),
        c("contact_form", &["contactForm"], Text),
        c("tags", &["tags"], Text),
        c("cc", &["cc"], Text),
        c("resolved_in", &["resolvedIn"], Time),
        c("closed_in", &["closedIn"], Time),
        c("canceled_in", &["canceledIn"], Time),
        c("reopened_in", &["reopenedIn"], Time),
        c("action_count", &["actionCount"], Num),
        c("life_time_working_time", &["lifeTimeWorkingTime"], Num),
        c("stopped_time", &["stoppedTime"], Num),
        c(
            "stopped_time_working_time",
            &["stoppedTimeWorkingTime"],
            Num,
        ),
        c("resolved_in_first_call", &["resolvedInFirstCall"], Bool),
        c("chat_widget", &["chatWidget"], Text),
        c("chat_group", &["chatGroup"], Text),
        c("chat_talk_time", &["chatTalkTime"], Num),
        c("chat_waiting_time", &["chatWaitingTime"], Num),
        c("sequence", &["sequence"], Text),
        c("sla_agreement", &["slaAgreement"], Text),
        c("sla_agreement_rule", &["slaAgreementRule"], Text),
        c("sla_solution_time", &["slaSolutionTime"], Num),
        c("sla_response_time", &["slaResponseTime"], Num),
        c(
            "sla_solution_changed_by_user",
            &["slaSolutionChangedByUser"],
            Bool,
        ),
        c("sla_solution_changed_by_id", &["slaSolutionChangedBy"], Ref),
        c("sla_solution_date", &["slaSolutionDate"], Time),
        c(
            "sla_solution_date_is_paused",
            &["slaSolutionDateIsPaused"],
            Bool,
        ),
        c("sla_response_date", &["slaResponseDate"], Time),
        c("sla_real_response_date", &["slaRealResponseDate"], Time),
        c("jira_issue_key", &["jiraIssueKey"], Text),
        c("redmine_issue_id", &["redmineIssueId"], Text),
        c("movidesk_ticket_number", &["movideskTicketNumber"], Text),
        c(
            "linked_to_integrated_ticket_number",
            &["linkedToIntegratedTicketNumber"],
            Text,
        ),
        c("last_action_date", &["lastActionDate"], Time),
        c("last_update", &["lastUpdate"], Time),
    ],
    key: &["id"],
    children: &[
        "actions",
        "clients",
        "customFieldValues",
        "parentTickets",
        "childrenTickets",
    ],
    raw: true,
    synced_at: true,
};

pub const ACTIONS: Table = Table {
    name: "movidesk_tickets__actions",
    given: &[("ticket_id", Text, "ticket `id`")],
    columns: &[
        c("id", &["id"], Key),
        c("type", &["type"], Text),
        c("origin", &["origin"], Text),
        c("status", &["status"], Text),
        c("justification", &["justification"], Text),
        c("description", &["description"], Text),
        c("html_description", &["htmlDescription"], Text),
        c("created_date", &["createdDate"], Time),
        c("created_by_id", &["createdBy"], Ref),
        c("tags", &["tags"], Text),
        c("is_deleted", &["isDeleted"], Bool),
    ],
    key: &["ticket_id", "id"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const CLIENTS: Table = Table {
    name: "movidesk_tickets__clients",
    given: &[("ticket_id", Text, "ticket `id`")],
    columns: &[
        c("id", &["id"], Key),
        c("person_type", &["personType"], Text),
        c("profile_type", &["profileType"], Text),
        c("business_name", &["businessName"], Text),
        c("email", &["email"], Text),
        c("phone", &["phone"], Text),
        c("is_deleted", &["isDeleted"], Text),
        c("organization_id", &["organization"], Ref),
        c(
            "organization_business_name",
            &["organization", "businessName"],
            Text,
        ),
        c("address", &["address"], Text),
        c("complement", &["complement"], Text),
        c("cep", &["cep"], Text),
        c("city", &["city"], Text),
        c("bairro", &["bairro"], Text),
        c("number", &["number"], Text),
        c("reference", &["reference"], Text),
    ],
    key: &["ticket_id", "id"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const OWNERS: Table = Table {
    name: "movidesk_tickets__owners",
    given: &[("ticket_id", Text, "ticket `id`")],
    columns: &[
        c("id", &["id"], Key),
        c("person_type", &["personType"], Text),
        c("profile_type", &["profileType"], Text),
        c("business_name", &["businessName"], Text),
        c("email", &["email"], Text),
        c("phone", &["phone"], Text),
    ],
    key: &["ticket_id"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const CUSTOM_FIELDS: Table = Table {
    name: "movidesk_tickets__custom_fields",
    given: &[
        ("ticket_id", Text, "ticket `id`"),
        ("last_update", Time, "ticket `lastUpdate`"),
    ],
    columns: &[
        c("custom_field_id", &["customFieldId"], Key),
        c("custom_field_rule_id", &["customFieldRuleId"], Key),
        c("line", &["line"], Num),
        c("value", &["value"], Text),
    ],
    key: &[
        "ticket_id",
        "custom_field_id",
        "custom_field_rule_id",
        "line",
    ],
    children: &["items"],
    raw: true,
    synced_at: false,
};

pub const CUSTOM_FIELD_ITEMS: Table = Table {
    name: "movidesk_customfieldvalues__items",
    given: &[
        ("ticket_id", Text, "ticket `id`"),
        ("custom_field_id", Text, "custom field `customFieldId`"),
        (
            "custom_field_rule_id",
            Text,
            "custom field `customFieldRuleId`",
        ),
        ("line", Num, "custom field `line`"),
        ("item_line", Num, "position of the item (1, 2, …)"),
    ],
    columns: &[
        c("custom_field_item", &["customFieldItem"], Text),
        c("person_id", &["personId"], Text),
        c("client_id", &["clientId"], Text),
        c("team", &["team"], Text),
        c("storage_file_guid", &["storageFileGuid"], Text),
        c("file_name", &["fileName"], Text),
    ],
    key: &[
        "ticket_id",
        "custom_field_id",
        "custom_field_rule_id",
        "line",
        "item_line",
    ],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const PARENTS_CHILDREN: Table = Table {
    name: "movidesk_tickets__parents_children",
    given: &[
        ("child_id", Text, "the child ticket's `id`"),
        ("parent_id", Text, "the parent ticket's `id`"),
    ],
    columns: &[
        c("parent_subject", &["subject"], Text),
        c("parent_is_deleted", &["isDeleted"], Bool),
    ],
    key: &["child_id", "parent_id"],
    children: &[],
    raw: false,
    synced_at: false,
};

pub const PERSONS: Table = Table {
    name: "movidesk_persons",
    given: &[],
    columns: &[
        c("id", &["id"], Key),
        c("person_type", &["personType"], Text),
        c("profile_type", &["profileType"], Text),
        c("access_profile", &["accessProfile"], Text),
        c("business_name", &["businessName"], Text),
        c("corporate_name", &["corporateName"], Text),
        c("business_branch", &["businessBranch"], Text),
        c("cpf_cnpj", &["cpfCnpj"], Text),
        c("user_name", &["userName"], Text),
        c("role", &["role"], Text),
        c("classification", &["classification"], Text),
        c("boss_id", &["bossId"], Text),
        c("boss_name", &["bossName"], Text),
        c("culture_id", &["cultureId"], Text),
        c("time_zone_id", &["timeZoneId"], Text),
        c("authenticate_on", &["authenticateOn"], Text),
        c(
            "code_reference_additional",
            &["codeReferenceAdditional"],
            Text,
        ),
        c("observations", &["observations"], Text),
        c("is_active", &["isActive"], Bool),
        c("created_date", &["createdDate"], Time),
        c("created_by", &["createdBy"], Ref),
        c("changed_date", &["changedDate"], Time),
        c("changed_by", &["changedBy"], Ref),
    ],
    key: &["id"],
    children: &["relationships", "emails", "contacts"],
    raw: true,
    synced_at: true,
};

pub const PERSON_RELATIONSHIPS: Table = Table {
    name: "movidesk_persons__relationships",
    given: &[
        ("person_id", Text, "person `id`"),
        ("line", Num, "position in `relationships` (1, 2, …)"),
    ],
    columns: &[
        c("id", &["id"], Text),
        c("name", &["name"], Text),
        c("sla_agreement", &["slaAgreement"], Text),
        c("allow_all_services", &["allowAllServices"], Bool),
        c("include_in_parents", &["includeInParents"], Text),
        c(
            "load_child_organizations",
            &["loadChildOrganizations"],
            Bool,
        ),
        c(
            "force_children_to_have_some_agreement",
            &["forceChildrenToHaveSomeAgreement"],
            Bool,
        ),
    ],
    key: &["person_id", "line"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const PERSON_EMAILS: Table = Table {
    name: "movidesk_persons__emails",
    given: &[
        ("person_id", Text, "person `id`"),
        ("line", Num, "position in `emails` (1, 2, …)"),
    ],
    columns: &[
        c("email_type", &["emailType"], Text),
        c("email", &["email"], Text),
        c("is_default", &["isDefault"], Bool),
    ],
    key: &["person_id", "line"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const PERSON_CONTACTS: Table = Table {
    name: "movidesk_persons__contacts",
    given: &[
        ("person_id", Text, "person `id`"),
        ("line", Num, "position in `contacts` (1, 2, …)"),
    ],
    columns: &[
        c("contact_type", &["contactType"], Text),
        c("contact", &["contact"], Text),
        c("is_default", &["isDefault"], Bool),
    ],
    key: &["person_id", "line"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const SURVEY_QUESTIONS: Table = Table {
    name: "movidesk_survey_questions",
    given: &[],
    columns: &[
        c("id", &["id"], Key),
        c("type", &["type"], Num),
        c("is_active", &["isActive"], Bool),
    ],
    key: &["id"],
    children: &["languages"],
    raw: true,
    synced_at: true,
};

pub const SURVEY_QUESTION_LANGUAGES: Table = Table {
    name: "movidesk_survey_questions__languages",
    given: &[("question_id", Text, "question `id`")],
    columns: &[
        c("language", &["language"], Key),
        c("description", &["description"], Text),
    ],
    key: &["question_id", "language"],
    children: &[],
    raw: true,
    synced_at: false,
};

pub const SURVEY_RESPONSES: Table = Table {
    name: "movidesk_survey_responses",
    given: &[],
    columns: &[
        c("id", &["id"], Key),
        c("question_id", &["questionId"], Text),
        c("type", &["type"], Num),
        c("client_id", &["clientId"], Text),
        c("ticket_id", &["ticketId"], Num),
        c("response_date", &["responseDate"], Time),
        c("value", &["value"], Num),
        c("commentary", &["commentary"], Text),
    ],
    key: &["id"],
    children: &[],
    raw: true,
    synced_at: true,
};

/// Every table, parents before children.
pub const ALL: &[Table] = &[
    PERSONS,
    PERSON_RELATIONSHIPS,
    PERSON_EMAILS,
    PERSON_CONTACTS,
    TICKETS,
    ACTIONS,
    CLIENTS,
    OWNERS,
    CUSTOM_FIELDS,
    CUSTOM_FIELD_ITEMS,
    PARENTS_CHILDREN,
    SURVEY_QUESTIONS,
    SURVEY_QUESTION_LANGUAGES,
    SURVEY_RESPONSES,
];

impl Table {
    /// Every column name in insert order: given, read, then `raw` and `synced_at`.
    pub fn column_names(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.given.iter().map(|(n, _, _)| *n).collect();
        out.extend(self.columns.iter().map(|c| c.name));
        if self.raw {
            out.push("raw");
        }
        if self.synced_at {
            out.push("synced_at");
        }
        out
    }

    /// Every column with its SQL type, in insert order.
    pub fn typed_columns(&self) -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<(&'static str, &'static str)> =
            self.given.iter().map(|(n, k, _)| (*n, k.sql())).collect();
        out.extend(self.columns.iter().map(|c| (c.name, c.kind.sql())));
        if self.raw {
            out.push(("raw", "jsonb"));
        }
        if self.synced_at {
            out.push(("synced_at", "timestamp with time zone"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATION: &str = include_str!("../migrations/0001_movidesk.sql");

    /// The `CREATE TABLE name (...)` block of the migration, as `(column, type)` pairs.
    fn declared(table: &str) -> Vec<(String, String)> {
        let head = format!("CREATE TABLE {table} (");
        let Some(start) = MIGRATION.find(&head) else {
            return Vec::new();
        };
        let body = &MIGRATION[start + head.len()..];
        let body = &body[..body.find("\n);").unwrap_or(body.len())];
        body.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("PRIMARY KEY") && !l.starts_with("--"))
            .map(|l| {
                let l = l.trim_end_matches(',');
                let (name, rest) = l.split_once(' ').unwrap_or((l, ""));
                let ty = rest
                    .trim()
                    .trim_end_matches(" NOT NULL DEFAULT now()")
                    .trim_end_matches(" NOT NULL")
                    .to_string();
                (name.to_string(), ty)
            })
            .collect()
    }

    #[test]
    fn the_migration_declares_exactly_the_listed_columns() {
        for t in ALL {
            let want: Vec<(String, String)> = t
                .typed_columns()
                .into_iter()
                .map(|(n, ty)| (n.to_string(), ty.to_string()))
                .collect();
            assert_eq!(declared(t.name), want, "table {}", t.name);
            let pk = format!("PRIMARY KEY ({})", t.key.join(", "));
            let start = MIGRATION
                .find(&format!("CREATE TABLE {} (", t.name))
                .unwrap_or_default();
            let block = &MIGRATION[start..];
            let block = &block[..block.find("\n);").unwrap_or(block.len())];
            assert!(block.contains(&pk), "{}: {pk}", t.name);
        }
    }
}
