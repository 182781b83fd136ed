//! What agents see of an integration inside their own desk: the
//! counterpart's number and URL (a custom field or an internal action) and,
//! when asked, the link's history lines as internal actions.

use serde::{Deserialize, Serialize};

use crate::{Provider, ValidationError};

/// One endpoint's desk-view options. All are off by default: each costs
/// provider calls (Movidesk allows 10 a minute per account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskView {
    /// The custom field (a text field) that shows the counterpart's
    /// provider, number and URL. Movidesk only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart_field: Option<CounterpartField>,
    /// Write the counterpart's provider, number and URL as an internal
    /// action when the link is made. Movidesk only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub counterpart_note: bool,
    /// This desk's ticket page with `{id}` for the ticket number, e.g.
    /// `https://acme.movidesk.com/Ticket/Edit/{id}`: the other side's
    /// agents get a link to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_url: Option<String>,
    /// Also write the link's history lines (created, associated, status
    /// crossed, removed...) as internal actions on this side's ticket.
    /// Movidesk only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub history_in_ticket: bool,
}

/// A Movidesk custom field: its id and the display rule it is shown by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterpartField {
    pub id: i64,
    pub rule: i64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The placeholder a `ticket_url` template carries for the ticket number.
pub const TICKET_ID_PLACEHOLDER: &str = "{id}";

impl DeskView {
    /// Whether Ponte writes anything extra on this side's tickets.
    pub fn writes_on_link(&self) -> bool {
        self.counterpart_field.is_some() || self.counterpart_note
    }

    /// The URL of ticket `id` on this side, when a template is set.
    pub fn url_of(&self, id: &str) -> Option<String> {
        self.ticket_url
            .as_deref()
            .map(|t| t.replace(TICKET_ID_PLACEHOLDER, id))
    }

    pub fn validate(&self, provider: Provider) -> Result<(), ValidationError> {
        if let Some(url) = &self.ticket_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ValidationError::new(
                    "ticket_url",
                    format!("must be an http:// or https:// URL, got `{url}`"),
                ));
            }
            if !url.contains(TICKET_ID_PLACEHOLDER) {
                return Err(ValidationError::new(
                    "ticket_url",
                    format!("must contain `{TICKET_ID_PLACEHOLDER}` where the ticket number goes"),
                ));
            }
        }
        if let Some(field) = &self.counterpart_field {
            if field.id <= 0 {
                return Err(ValidationError::new(
                    "counterpart_field.id",
                    format!("must be the custom field's positive id, got {}", field.id),
                ));
            }
            if field.rule <= 0 {
                return Err(ValidationError::new(
                    "counterpart_field.rule",
                    format!(
                        "must be the positive id of the display rule the field is shown by, got {}",
                        field.rule
                    ),
                ));
            }
        }
        let movidesk_only = [
            ("counterpart_field", self.counterpart_field.is_some()),
            ("counterpart_note", self.counterpart_note),
            ("history_in_ticket", self.history_in_ticket),
        ];
        if provider != Provider::Movidesk
            && let Some((name, _)) = movidesk_only.iter().find(|(_, on)| *on)
        {
            return Err(ValidationError::new(
                *name,
                format!("is a Movidesk option; this side is {provider}"),
            ));
        }
        Ok(())
    }
}

/// What a ticket shows of its counterpart: `Movidesk #123 — <url>`.
pub fn counterpart_text(provider: Provider, id: &str, url: Option<&str>) -> String {
    match url {
        Some(url) => format!("{} #{id} — {url}", provider_name(provider)),
        None => format!("{} #{id}", provider_name(provider)),
    }
}

/// The provider as agents know it.
pub fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Movidesk => "Movidesk",
        Provider::Octadesk => "Octadesk",
        Provider::Okdesk => "Okdesk",
        Provider::Uis => "UIS",
        Provider::Blip => "Take Blip",
        Provider::Warehouse => "Warehouse",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_url_needs_the_id_placeholder_and_a_scheme() {
        let view = |u: &str| DeskView {
            ticket_url: Some(u.into()),
            ..DeskView::default()
        };
        let e = view("https://acme.movidesk.com/Ticket/Edit")
            .validate(Provider::Movidesk)
            .unwrap_err();
        assert_eq!(e.field, "ticket_url");
        assert!(e.message.contains("{id}"));
        assert_eq!(
            view("acme/{id}")
                .validate(Provider::Okdesk)
                .unwrap_err()
                .field,
            "ticket_url"
        );
        let ok = view("https://acme.movidesk.com/Ticket/Edit/{id}");
        assert!(ok.validate(Provider::Movidesk).is_ok());
        assert_eq!(
            ok.url_of("42").as_deref(),
            Some("https://acme.movidesk.com/Ticket/Edit/42")
        );
    }

    #[test]
    fn movidesk_options_are_refused_on_other_desks_naming_the_option() {
        let view = DeskView {
            history_in_ticket: true,
            ..DeskView::default()
        };
        assert!(view.validate(Provider::Movidesk).is_ok());
        let e = view.validate(Provider::Octadesk).unwrap_err();
        assert_eq!(e.field, "history_in_ticket");
        let field = DeskView {
            counterpart_field: Some(CounterpartField { id: 7, rule: 0 }),
            ..DeskView::default()
        };
        assert_eq!(
            field.validate(Provider::Movidesk).unwrap_err().field,
            "counterpart_field.rule"
        );
    }

    #[test]
    fn the_counterpart_reads_with_its_provider_number_and_url() {
        assert_eq!(
            counterpart_text(Provider::Movidesk, "12", Some("https://b/12")),
            "Movidesk #12 — https://b/12"
        );
        assert_eq!(counterpart_text(Provider::Okdesk, "3", None), "Okdesk #3");
    }
}
