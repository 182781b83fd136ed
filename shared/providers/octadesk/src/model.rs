//! Octadesk's tickets, interactions, persons (v1: contacts), organizations
//! and statuses, read liberally from either API (see `de`). Field names
//! follow `../shared/providers/movidesk-octadesk.md` §2.2–2.4: `number`,
//! `summary`, `status` (`{id, name}` or a name; `currentStatusName`,
//! `idCurrentStatus`), `tags`, `requester`, `organization`, `createdAt` /
//! `openDate`, `updatedAt` / `lastDateUpdate`, `customField`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::de::{self, date, digits, object, scalar, text};

/// An organization reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgRef {
    pub id: Option<String>,
    pub name: Option<String>,
}

impl OrgRef {
    pub fn from_value(v: &Value) -> Option<OrgRef> {
        let o = match v {
            Value::Object(_) => OrgRef {
                id: text(v, &["id", "_id", "idOrganization"]),
                name: text(v, &["name", "businessName", "corporateName"]),
            },
            other => OrgRef {
                id: scalar(other),
                name: None,
            },
        };
        (o.id.is_some() || o.name.is_some()).then_some(o)
    }
}

/// A person (requester, agent, author) or v1 contact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonRef {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Digits, with the country code when Octadesk gave one.
    pub phone: Option<String>,
    pub organization: Option<OrgRef>,
}

impl PersonRef {
    pub fn from_value(v: &Value) -> Option<PersonRef> {
        let p = match v {
            Value::Object(_) => PersonRef {
                id: text(v, &["id", "_id", "idPerson", "idContact"]),
                name: text(v, &["name", "fullName", "businessName"]),
                email: text(v, &["email", "emails.0.email", "emails.0", "mail"]),
                phone: phone_of(v),
                organization: object(v, &["organization", "organizations.0"])
                    .and_then(OrgRef::from_value)
                    .or_else(|| {
                        text(v, &["idOrganization", "organizationId"]).map(|id| OrgRef {
                            id: Some(id),
                            name: None,
                        })
                    }),
            },
            // A bare e-mail or id.
            other => {
                let s = scalar(other)?;
                if s.contains('@') {
                    PersonRef {
                        email: Some(s),
                        ..PersonRef::default()
                    }
                } else {
                    PersonRef {
                        id: Some(s),
                        ..PersonRef::default()
                    }
                }
            }
        };
        (p.id.is_some() || p.email.is_some() || p.name.is_some() || p.phone.is_some()).then_some(p)
    }
}

fn phone_of(v: &Value) -> Option<String> {
    if let Some(Value::Array(list)) = v.get("phoneContacts")
        && let Some(first) = list.first()
    {
        let number = text(first, &["number", "phone"]).map(|n| digits(&n));
        let country = text(first, &["countryCode", "country"]).map(|c| digits(&c));
        if let Some(n) = number.filter(|n| !n.is_empty()) {
            return Some(match country.filter(|c| !c.is_empty()) {
                Some(c) if !n.starts_with(&c) || n.len() <= 11 => format!("{c}{n}"),
                _ => n,
            });
        }
    }
    text(v, &["phone", "phoneNumber", "mobile", "cellphone"])
        .map(|p| digits(&p))
        .filter(|p| !p.is_empty())
}

/// One interaction (comment) of a ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interaction {
    pub id: String,
    pub text: String,
    pub internal: bool,
    pub author: Option<PersonRef>,
    pub created_at: Option<DateTime<Utc>>,
    pub attachments: Vec<(String, Option<String>)>,
}

impl Interaction {
    /// Reads an interaction; `index` names one that has no id of its own.
    pub fn from_value(v: &Value, index: usize) -> Interaction {
        let internal_text = text(
            v,
            &["comments.internal.content", "comment.internal.content"],
        );
        let public_text = text(
            v,
            &[
                "comments.public.content",
                "comments.description.content",
                "comment.public.content",
                "comment.content",
                "content",
                "body",
                "message",
                "text",
                "description",
            ],
        );
        let flagged_internal = text(v, &["type", "visibility", "commentType"]).is_some_and(|t| {
            matches!(
                t.to_lowercase().as_str(),
                "internal" | "private" | "interno"
            )
        }) || v.get("isPublic").and_then(Value::as_bool) == Some(false)
            || v.get("public").and_then(Value::as_bool) == Some(false)
            || v.get("isInternal").and_then(Value::as_bool) == Some(true)
            || v.get("internal").and_then(Value::as_bool) == Some(true);
        let (text_value, internal) = match (internal_text, public_text) {
            (Some(t), None) => (t, true),
            (Some(t), Some(_)) => (t, true),
            (None, Some(t)) => (t, flagged_internal),
            (None, None) => (String::new(), flagged_internal),
        };
        let created_at = date(
            v,
            &["createdAt", "dateCreation", "createdDate", "date", "time"],
        );
        let id = text(v, &["id", "_id", "idInteraction", "interactionId"]).unwrap_or_else(|| {
            let stamp = created_at.map(|d| d.to_rfc3339()).unwrap_or_default();
            format!(
                "i{index}-{}",
                &ponte_core::ids::derive(&[&stamp, &text_value])[..12]
            )
        });
        let author = [
            "createdBy",
            "person",
            "author",
            "sentBy",
            "user",
            "from",
            "agent",
        ]
        .iter()
        .find_map(|k| v.get(*k).and_then(PersonRef::from_value));
        let attachments = match v.get("attachments") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|f| {
                    (
                        text(f, &["name", "fileName", "filename", "title"])
                            .unwrap_or_else(|| "file".into()),
                        text(f, &["url", "link", "uri", "path", "fileUrl"]),
                    )
                })
                .collect(),
            _ => vec![],
        };
        Interaction {
            id,
            text: text_value,
            internal,
            author,
            created_at,
            attachments,
        }
    }
}

/// A ticket as either API returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ticket {
    pub number: String,
    pub summary: Option<String>,
    pub status_name: Option<String>,
    pub status_id: Option<String>,
    pub tags: Vec<String>,
    pub requester: Option<PersonRef>,
    pub organization: Option<OrgRef>,
    pub assigned: Option<PersonRef>,
    pub group: Option<String>,
    pub description: Option<String>,
    pub channel: Option<String>,
    pub custom_fields: Vec<(String, Option<String>)>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Interactions the ticket itself carries (some answers embed them).
    pub interactions: Vec<Interaction>,
}

impl Ticket {
    /// Reads a ticket; `None` without a number (the ticket's only stable
    /// identity in both APIs).
    pub fn from_value(v: &Value) -> Option<Ticket> {
        let v = match v.get("ticket").filter(|t| t.is_object()) {
            Some(inner) => inner,
            None => v,
        };
        let number = text(v, &["number", "ticketNumber", "Number", "data.number"])?;
        let status = v.get("status");
        let status_name = status
            .and_then(|s| scalar(s).or_else(|| text(s, &["name", "title"])))
            .or_else(|| {
                text(
                    v,
                    &["currentStatusName", "statusName", "currentStatus.name"],
                )
            });
        let status_id = status
            .and_then(|s| text(s, &["id", "_id"]))
            .or_else(|| text(v, &["idCurrentStatus", "currentStatus.id", "statusId"]));
        let custom_fields = match v.get("customField").or_else(|| v.get("customFields")) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|f| {
                    Some((
                        text(f, &["key", "name", "id"])?,
                        f.get("value").and_then(|x| {
                            scalar(x).or_else(|| (!x.is_null()).then(|| x.to_string()))
                        }),
                    ))
                })
                .collect(),
            Some(Value::Object(o)) => o.iter().map(|(k, x)| (k.clone(), scalar(x))).collect(),
            _ => vec![],
        };
        let interactions = match v.get("interactions") {
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, x)| Interaction::from_value(x, i))
                .collect(),
            _ => vec![],
        };
        Some(Ticket {
            number,
            summary: text(v, &["summary", "subject", "title"]),
            status_name,
            status_id,
            tags: de::tags(v),
            requester: v.get("requester").and_then(PersonRef::from_value),
            organization: v
                .get("organization")
                .and_then(OrgRef::from_value)
                .or_else(|| {
                    text(v, &["idOrganization"]).map(|id| OrgRef {
                        id: Some(id),
                        name: None,
                    })
                }),
            assigned: ["assigned", "assignedTo", "responsible", "agent", "owner"]
                .iter()
                .find_map(|k| v.get(*k).and_then(PersonRef::from_value)),
            group: text(v, &["group.name", "group.id", "groupName"]),
            description: text(
                v,
                &[
                    "description",
                    "comments.description.content",
                    "descriptionAsText",
                ],
            ),
            channel: text(v, &["channel.name", "channel", "origin", "numberChannel"]),
            custom_fields,
            created_at: date(v, &["createdAt", "openDate", "createdDate", "dateCreation"]),
            updated_at: date(
                v,
                &["updatedAt", "lastDateUpdate", "lastUpdate", "updatedDate"],
            ),
            interactions,
        })
    }
}

/// One of the account's ticket statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub id: String,
    pub name: String,
}

impl Status {
    pub fn from_value(v: &Value) -> Option<Status> {
        Some(Status {
            id: text(v, &["id", "_id", "idStatus"])?,
            name: text(v, &["name", "title", "status"])?,
        })
    }
}

/// Statuses every account has, with the ids two independent sources show
/// (§2.4) — used only when the account cannot list its own.
pub const SYSTEM_STATUSES: [(&str, &str); 6] = [
    ("novo", "ab59f270-ccb3-4eac-b4e3-5f2d23961dba"),
    ("pendente", "09350a7d-886d-4490-ae88-f3a3605ff587"),
    ("em espera", "8543caa3-23d2-47f0-bb60-7ccfba62e7b4"),
    ("resolvido", "b2c80a95-840c-4cd0-baa3-f266f303d626"),
    ("rejeitado", "62c696e4-ef22-314a-9f84-5c09153db659"),
    ("cancelado", "0cac3ff6-6039-4581-a727-c4dff94d5367"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_v1_ticket() {
        let v = json!({"id": "5f0c…", "number": 100150314, "summary": "Sem internet",
            "status": {"id": "b2c8", "name": "Resolvido"}, "tags": ["ponte-x-1"],
            "requester": {"id": "p1", "name": "Ana", "email": "ana@x.test", "phoneContacts": [{"countryCode": "55", "number": "11999990001"}]},
            "customField": [{"key": "cpf", "value": "123"}], "createdAt": "2024-01-01T00:00:00Z"});
        let t = Ticket::from_value(&v).expect("ticket");
        assert_eq!(t.number, "100150314");
        assert_eq!(t.status_name.as_deref(), Some("Resolvido"));
        assert_eq!(t.status_id.as_deref(), Some("b2c8"));
        let r = t.requester.expect("requester");
        assert_eq!(r.phone.as_deref(), Some("5511999990001"));
        assert_eq!(t.custom_fields, vec![("cpf".into(), Some("123".into()))]);
    }

    #[test]
    fn a_legacy_ticket_and_no_number() {
        let v = json!({"number": "42", "currentStatusName": "novo", "openDate": "2024-01-01T00:00:00", "customField": {"plano": "ouro"}});
        let t = Ticket::from_value(&v).expect("ticket");
        assert_eq!(t.status_name.as_deref(), Some("novo"));
        assert!(t.created_at.is_some());
        assert_eq!(t.custom_fields, vec![("plano".into(), Some("ouro".into()))]);
        assert!(Ticket::from_value(&json!({"summary": "x"})).is_none());
    }

    #[test]
    fn interactions_in_their_shapes() {
        let internal = Interaction::from_value(
            &json!({"id": 7, "comments": {"internal": {"content": "nota"}}, "createdBy": {"email": "a@x"}}),
            0,
        );
        assert!(internal.internal && internal.text == "nota" && internal.id == "7");
        let public = Interaction::from_value(&json!({"content": "oi", "isPublic": true}), 3);
        assert!(!public.internal && public.id.starts_with("i3-"));
        let flagged = Interaction::from_value(&json!({"body": "x", "type": "internal"}), 0);
        assert!(flagged.internal);
    }
}
