//! Mirroring an action from the other side as a comment on the linked
//! issue: a channel customer's message as a public comment by the issue's
//! contact; anything else as an internal comment by Ponte's employee
//! (`generator_agent` on the target side), naming who wrote it where. The
//! comment carries Ponte's reference, so a retried command finds it.

use ponte_core::{Action, Side, TicketRef, Visibility};
use ponte_store::HistoryEntry;
use ponte_worker::effect::{ActionDesk, Mirror, mirror_action};
use ponte_worker::{Ctx, ExecError, Outcome};

use super::OkdeskExecutor;
use super::format::{html_escape, html_lines, int_id};
use crate::client::Client;
use ponte_okdesk::model::NewComment;

/// Okdesk's part of mirroring an action: a comment.
struct Comments<'a> {
    client: Client<'a>,
    ctx: &'a Ctx<'a>,
}

impl ActionDesk for Comments<'_> {
    fn name(&self, issue_id: &str) -> String {
        format!("Okdesk issue #{issue_id}")
    }

    fn written_as(&self, _from_customer: bool) -> &'static str {
        "comment"
    }

    async fn find(&self, m: &Mirror<'_>, reference: &str) -> Result<Option<bool>, ExecError> {
        let comments = self.client.comments(m.ticket_id).await?;
        Ok(Some(comments.iter().any(|c| {
            c.content.as_deref().is_some_and(|t| t.contains(reference))
        })))
    }

    async fn write(&self, m: &Mirror<'_>, reference: &str) -> Result<Vec<HistoryEntry>, ExecError> {
        let issue_id = m.ticket_id;
        let comment = if m.from_customer {
            let issue = self
                .client
                .issue(issue_id)
                .await?
                .ok_or_else(|| ExecError::Permanent {
                    reason: format!("linked Okdesk issue #{issue_id} does not exist (deleted?)"),
                    status: Some(404),
                })?;
            let contact = issue.contact.and_then(|c| c.id).ok_or_else(|| {
                ExecError::permanent(format!(
                    "Okdesk issue #{issue_id} has no contact to write the customer's message as"
                ))
            })?;
            NewComment {
                content: customer_message(m.action, reference),
                author_id: int_id(&contact, "the issue's contact")?,
                author_type: "contact",
                public: true,
            }
        } else {
            let agent = self.ctx.integration.agent(m.side).ok_or_else(|| {
                ExecError::permanent(format!(
                    "no Okdesk employee configured to write comments on the {} side (set {})",
                    m.side.as_str(),
                    if m.side == Side::Source {
                        "source_agent"
                    } else {
                        "generator_agent"
                    }
                ))
            })?;
            NewComment {
                content: describe(m.action, m.origin, reference),
                author_id: int_id(agent, "the integration's agent")?,
                author_type: "employee",
                public: false,
            }
        };
        self.client.add_comment(issue_id, &comment).await?;
        Ok(Vec::new())
    }
}

impl OkdeskExecutor {
    pub(super) async fn mirror(
        &self,
        ctx: &Ctx<'_>,
        mirror: Mirror<'_>,
    ) -> Result<Outcome, ExecError> {
        let desk = Comments {
            client: self.client(ctx, mirror.side)?,
            ctx,
        };
        mirror_action(ctx, &desk, mirror).await
    }
}

fn attachments(action: &Action) -> String {
    let mut out = String::new();
    for f in &action.attachments {
        match &f.url {
            Some(url) => out.push_str(&format!(
                "<br><a href=\"{}\">{}</a>",
                html_escape(url),
                html_escape(&f.name)
            )),
            None => out.push_str(&format!("<br>{}", html_escape(&f.name))),
        }
    }
    out
}

/// A customer's message as the desk shows it: the text, any media, and
/// Ponte's reference.
fn customer_message(action: &Action, reference: &str) -> String {
    format!(
        "{}{}<br><small>{reference}</small>",
        html_lines(&action.text),
        attachments(action)
    )
}

/// The action as it reads on the issue: who wrote it, where, whether the
/// customer saw it, then its text and attachments.
fn describe(action: &Action, origin: &TicketRef, reference: &str) -> String {
    let author = action
        .author
        .name
        .as_deref()
        .or(action.author.email.as_deref())
        .or(action.author.id.as_deref())
        .unwrap_or("?");
    let kind = match action.visibility {
        Visibility::Public => "public",
        Visibility::Internal => "internal",
    };
    let body = action
        .html
        .clone()
        .unwrap_or_else(|| html_lines(&action.text));
    format!(
        "<b>{}</b> ({kind}, {} #{}):<br>{body}{}<br><small>via Ponte · {reference}</small>",
        html_escape(author),
        origin.provider,
        origin.ticket_id,
        attachments(action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ponte_core::{Attachment, Person, Provider};

    #[test]
    fn the_comment_names_its_author_and_keeps_attachments() {
        let action = Action {
            id: "3".into(),
            visibility: Visibility::Public,
            text: "See <log>".into(),
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
            integration: "b-o".into(),
            side: Side::Source,
            provider: Provider::Blip,
            ticket_id: "9".into(),
        };
        let html = describe(&action, &origin, "ponte ref abc");
        assert!(html.contains("<b>Bia</b>") && html.contains("blip #9"));
        assert!(html.contains("See &lt;log&gt;"));
        assert!(html.contains("<a href=\"https://files/x\">log.txt</a>"));
        assert!(html.contains("ponte ref abc"));
        assert!(customer_message(&action, "ponte ref abc").contains("ponte ref abc"));
    }
}
