//! How Ponte's writes read in Octadesk: plain text (the public docs show
//! `content` as text), who wrote what where, attachments as links, and
//! Ponte's reference at the end.

use ponte_core::{Action, TicketRef, Visibility};

pub(crate) use ponte_core::text::cut;
pub(crate) use ponte_worker::effect::action::who;

/// The action's text followed by its attachments, one link a line.
pub(crate) fn body(action: &Action) -> String {
    let mut out = action.text.trim().to_string();
    for f in &action.attachments {
        if !out.is_empty() {
            out.push('\n');
        }
        match &f.url {
            Some(url) => out.push_str(&format!("📎 {}: {url}", f.name)),
            None => out.push_str(&format!("📎 {}", f.name)),
        }
    }
    out
}

/// A customer's message as the desk shows it, with Ponte's reference.
pub(crate) fn customer_message(action: &Action, reference: &str) -> String {
    format!("{}\n\n— via Ponte · {reference}", body(action))
}

/// An action from the other side as an internal note: who wrote it, where,
/// whether the customer saw it, then its text.
pub(crate) fn mirrored(action: &Action, origin: &TicketRef, reference: &str) -> String {
    let kind = match action.visibility {
        Visibility::Public => "public",
        Visibility::Internal => "internal",
    };
    format!(
        "{} ({kind} action on the integrated ticket #{}):\n{}\n\n— via Ponte · {reference}",
        who(&action.author),
        origin.ticket_id,
        body(action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Attachment, Person, Provider, Side};

    #[test]
    fn a_mirrored_action_names_its_author_and_keeps_attachments() {
        let action = Action {
            id: "3".into(),
            visibility: Visibility::Public,
            text: "Veja o log".into(),
            html: None,
            author: Person {
                name: Some("Bia".into()),
                ..Person::default()
            },
            created_at: None,
            attachments: vec![Attachment {
                name: "log.txt".into(),
                url: Some("https://files/x".into()),
            }],
        };
        let origin = TicketRef {
            integration: "mo".into(),
            side: Side::Source,
            provider: Provider::Movidesk,
            ticket_id: "9".into(),
        };
        let t = mirrored(&action, &origin, "ponte ref abc");
        assert!(t.starts_with("Bia (public action on the integrated ticket #9)"));
        assert!(t.contains("log.txt: https://files/x") && t.ends_with("ponte ref abc"));
    }
}
