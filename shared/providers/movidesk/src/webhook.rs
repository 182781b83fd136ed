//! Movidesk trigger ("gatilho") webhooks: PascalCase, partial, unsigned.
//! They only say which ticket changed; the worker re-reads it, unless the
//! body shows the change was Ponte's own write ([`written_by`]).

use serde::Deserialize;
use serde_json::Value;

use crate::de;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerBody {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<String>,
}

/// What the ingress needs from a trigger body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub ticket_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WebhookError {
    pub field: &'static str,
    pub message: String,
}

/// Checks a trigger body and finds its ticket number.
pub fn accept(body: &Value) -> Result<Accepted, WebhookError> {
    if !body.is_object() {
        return Err(WebhookError {
            field: "body",
            message: "a Movidesk trigger body must be a JSON object".into(),
        });
    }
    let parsed = TriggerBody::deserialize(body).map_err(|e| WebhookError {
        field: "body",
        message: e.to_string(),
    })?;
    let id = parsed.id.ok_or_else(|| WebhookError {
        field: "Id",
        message: "is missing: a Movidesk trigger body carries the ticket number in `Id`".into(),
    })?;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) || id.chars().all(|c| c == '0') {
        return Err(WebhookError {
            field: "Id",
            message: format!("`{id}` is not a ticket number"),
        });
    }
    Ok(Accepted { ticket_id: id })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ActionsBody {
    #[serde(default)]
    actions: Option<Vec<TriggerAction>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerAction {
    description: Option<String>,
    html_description: Option<String>,
    created_by: Option<TriggerPerson>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TriggerPerson {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<String>,
}

/// True when the change the body reports is one of Ponte's own writes:
/// it lists actions, and every one was written by `agent` (Ponte's agent on
/// that side) and carries Ponte's reference. One change sends one webhook,
/// so someone else's edit arrives in its own body and is read as usual;
/// a body without actions (a status or field edit) is never taken as
/// Ponte's. Re-reading the ticket for such an echo would only find what
/// Ponte wrote, at one Movidesk call each.
pub fn written_by(body: &Value, agent: &str) -> bool {
    let Ok(parsed) = ActionsBody::deserialize(body) else {
        return false;
    };
    let actions = parsed.actions.unwrap_or_default();
    !agent.is_empty()
        && !actions.is_empty()
        && actions.iter().all(|a| {
            let by_agent = a
                .created_by
                .as_ref()
                .and_then(|p| p.id.as_deref())
                .is_some_and(|id| id == agent);
            let referenced = [&a.description, &a.html_description]
                .into_iter()
                .flatten()
                .any(|t| ponte_core::ids::has_reference(t));
            by_agent && referenced
        })
}

/// The status a body shows when it lists no action: the shape of the
/// webhook about a write that adds none (a tag, a field, a status), Ponte's
/// marker among them. `None` when the body lists an action (someone wrote
/// on the ticket) or shows no status (a partial body), so the ticket is read.
pub fn quiet_status(body: &Value) -> Option<&str> {
    let no_action = match body.get("Actions") {
        None | Some(Value::Null) => true,
        Some(Value::Array(actions)) => actions.is_empty(),
        Some(_) => false,
    };
    no_action
        .then(|| body.get("Status").and_then(Value::as_str))
        .flatten()
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_numbers_and_strings() {
        assert_eq!(
            accept(&json!({"Id": 2045, "Type": 0})).map(|a| a.ticket_id),
            Ok("2045".into())
        );
        assert_eq!(
            accept(&json!({"Id": "17"})).map(|a| a.ticket_id),
            Ok("17".into())
        );
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(accept(&json!({"Subject": "x"})).unwrap_err().field, "Id");
        assert_eq!(accept(&json!({"Id": "abc"})).unwrap_err().field, "Id");
        assert_eq!(accept(&json!({"Id": 0})).unwrap_err().field, "Id");
        assert_eq!(accept(&json!([1])).unwrap_err().field, "body");
    }

    #[test]
    fn only_actions_all_by_ponte_with_its_reference_are_its_own_write() {
        let ours = json!({"Id": 7, "Actions": [
            {"Id": 3, "Description": "note <small>ponte ref abc123</small>", "CreatedBy": {"Id": "gen-b"}}
        ]});
        assert!(written_by(&ours, "gen-b"));
        // Another agent, or Ponte's agent without the reference (typed by a
        // person logged in as it), or no actions at all: read the ticket.
        assert!(!written_by(&ours, "someone-else"));
        assert!(!written_by(&ours, ""));
        let unreferenced = json!({"Id": 7, "Actions": [
            {"Id": 3, "Description": "typed by hand", "CreatedBy": {"Id": "gen-b"}}
        ]});
        assert!(!written_by(&unreferenced, "gen-b"));
        assert!(!written_by(
            &json!({"Id": 7, "Status": "Resolvido", "Actions": []}),
            "gen-b"
        ));
        assert!(!written_by(&json!({"Id": 7}), "gen-b"));
        let mixed = json!({"Id": 7, "Actions": [
            {"Id": 3, "Description": "ponte ref abc123", "CreatedBy": {"Id": "gen-b"}},
            {"Id": 4, "Description": "quoting ponte ref abc123", "CreatedBy": {"Id": "agent-b"}}
        ]});
        assert!(
            !written_by(&mixed, "gen-b"),
            "one action of someone else: read"
        );
        assert!(!written_by(&json!({"Id": 7, "Actions": "x"}), "gen-b"));
    }

    #[test]
    fn a_quiet_body_is_one_without_actions_that_shows_its_status() {
        assert_eq!(
            quiet_status(&json!({"Id": 7, "Status": "Novo", "Actions": []})),
            Some("Novo")
        );
        assert_eq!(
            quiet_status(&json!({"Id": 7, "Status": "Novo"})),
            Some("Novo")
        );
        let action = json!({"Id": 3, "Description": "hi", "CreatedBy": {"Id": "ana"}});
        assert_eq!(
            quiet_status(&json!({"Id": 7, "Status": "Novo", "Actions": [action]})),
            None,
            "someone wrote on the ticket"
        );
        assert_eq!(quiet_status(&json!({"Id": 7, "Actions": []})), None);
        assert_eq!(quiet_status(&json!({"Id": 7, "Status": " "})), None);
        assert_eq!(
            quiet_status(&json!({"Id": 7, "Status": "Novo", "Actions": {}})),
            None
        );
    }
}
