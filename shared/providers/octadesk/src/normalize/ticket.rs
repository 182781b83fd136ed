//! An Octadesk ticket and its interactions as a canonical ticket.

use ponte_core::{Action, Attachment, BaseStatus, CustomField, Person, Ticket, Visibility};

use crate::model::{self, Interaction, PersonRef};

/// The life-cycle stage of an Octadesk status name (system names are
/// Portuguese: novo, pendente, em andamento, em espera, resolvido,
/// rejeitado, cancelado; English and tenant names are read by their words).
pub fn base_status(name: &str) -> BaseStatus {
    let n = name.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if n.is_empty() || has(&["novo", "nova", "new"]) {
        BaseStatus::New
    } else if has(&["resolv", "solucionad", "resolved", "solved", "conclu"]) {
        BaseStatus::Resolved
    } else if has(&["fechad", "encerrad", "closed", "finaliz"]) {
        BaseStatus::Closed
    } else if has(&["cancel", "rejeit", "reject", "descart"]) {
        BaseStatus::Canceled
    } else if has(&[
        "espera", "pendent", "pending", "waiting", "aguard", "parad", "hold",
    ]) {
        BaseStatus::Stopped
    } else if has(&[
        "andamento",
        "aberto",
        "open",
        "progress",
        "atendimento",
        "trabalhando",
    ]) {
        BaseStatus::InAttendance
    } else {
        BaseStatus::Other(name.to_string())
    }
}

pub(crate) fn person(p: &PersonRef) -> Person {
    Person {
        id: p.id.clone().or_else(|| p.email.clone()),
        name: p.name.clone(),
        email: p.email.clone(),
        phone: p.phone.clone(),
        document: None,
        code_reference: None,
        organization: p.organization.as_ref().and_then(|o| o.name.clone()),
    }
}

fn action(i: &Interaction) -> Action {
    Action {
        id: i.id.clone(),
        visibility: if i.internal {
            Visibility::Internal
        } else {
            Visibility::Public
        },
        text: i.text.clone(),
        html: None,
        author: i.author.as_ref().map(person).unwrap_or_default(),
        created_at: i.created_at,
        attachments: i
            .attachments
            .iter()
            .map(|(name, url)| Attachment {
                name: name.clone(),
                url: url.clone(),
            })
            .collect(),
    }
}

/// The canonical ticket. Its first action is the description (id
/// `description`), then every interaction with words but one that only
/// repeats the description, so the list stays the same whether or not an answer lists
/// the description among the interactions.
pub fn ticket(t: &model::Ticket, interactions: &[Interaction]) -> Ticket {
    let description = t
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let mut actions: Vec<Action> = description
        .map(|d| Action {
            id: "description".into(),
            visibility: Visibility::Public,
            text: d.to_string(),
            html: None,
            author: t.requester.as_ref().map(person).unwrap_or_default(),
            created_at: t.created_at,
            attachments: vec![],
        })
        .into_iter()
        .collect();
    let listed = if interactions.is_empty() {
        &t.interactions[..]
    } else {
        interactions
    };
    for (n, i) in listed.iter().enumerate() {
        if n == 0 && description.is_some_and(|d| d == i.text.trim()) {
            continue;
        }
        // A status change or another property change is an interaction
        // without words: it is not an action.
        if i.text.trim().is_empty() && i.attachments.is_empty() {
            continue;
        }
        if actions.iter().any(|a| a.id == i.id) {
            continue;
        }
        actions.push(action(i));
    }
    let status = t.status_name.clone().unwrap_or_default();
    Ticket {
        id: t.number.clone(),
        subject: t.summary.clone().unwrap_or_default(),
        visibility: Visibility::Public,
        base_status: base_status(&status),
        status,
        category: None,
        urgency: None,
        owner: t.assigned.as_ref().map(person),
        owner_team: t.group.clone(),
        services: vec![],
        clients: t.requester.iter().map(person).collect(),
        created_by: None,
        tags: t.tags.clone(),
        custom_fields: t
            .custom_fields
            .iter()
            .map(|(k, v)| CustomField {
                id: k.clone(),
                value: v.clone(),
                ..CustomField::default()
            })
            .collect(),
        actions,
        created_at: t.created_at,
        updated_at: t.updated_at,
        origin: t.channel.clone(),
        justification: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_by_their_words() {
        assert_eq!(base_status("Novo"), BaseStatus::New);
        assert_eq!(base_status("Em andamento"), BaseStatus::InAttendance);
        assert_eq!(base_status("Em espera"), BaseStatus::Stopped);
        assert_eq!(base_status("pendente"), BaseStatus::Stopped);
        assert_eq!(base_status("Resolvido"), BaseStatus::Resolved);
        assert_eq!(base_status("Fechado"), BaseStatus::Closed);
        assert_eq!(base_status("Cancelado"), BaseStatus::Canceled);
        assert_eq!(base_status("Triagem"), BaseStatus::Other("Triagem".into()));
    }

    #[test]
    fn the_description_leads_and_is_not_repeated() {
        let t = model::Ticket::from_value(
            &json!({"number": 9, "summary": "Sem sinal", "description": "Minha internet caiu",
            "status": "Novo", "requester": {"id": "p1", "email": "ana@x.test"}}),
        )
        .expect("ticket");
        let listed = vec![
            Interaction::from_value(&json!({"id": "a", "content": "Minha internet caiu"}), 0),
            Interaction::from_value(
                &json!({"id": "b", "comments": {"internal": {"content": "nota"}}}),
                1,
            ),
            Interaction::from_value(
                &json!({"id": "c", "comments": {}, "propertiesChanges": {"status": {}}}),
                2,
            ),
        ];
        let c = ticket(&t, &listed);
        let ids: Vec<_> = c.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["description", "b"]);
        assert_eq!(c.actions[1].visibility, Visibility::Internal);
        assert_eq!(c.client().and_then(|p| p.id.clone()).as_deref(), Some("p1"));
        let without = ticket(&t, &[]);
        assert_eq!(without.actions.len(), 1);
    }
}
