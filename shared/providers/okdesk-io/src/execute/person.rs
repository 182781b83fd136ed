//! Finding (or creating) a ticket's client among Okdesk's contacts: by
//! phone and by e-mail, the integration's key first; a new contact when
//! none matches and the integration allows it. A client without phone or
//! e-mail leaves the issue without a contact (Okdesk does not need one).

use ponte_core::integration::ClientKey;
use ponte_core::{Person, Ticket};
use ponte_worker::{Ctx, ExecError};

use super::OkdeskExecutor;
use super::format::shown_phone;
use crate::client::Client;
use ponte_okdesk::model::{Contact, NewContact};

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// First and last name of a new contact from a display name ("Ana Souza").
fn split_name(who: &Person) -> (String, String) {
    let name = who
        .name
        .clone()
        .or_else(|| {
            who.email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(str::to_string)
        })
        .or_else(|| who.phone.clone())
        .unwrap_or_else(|| "Cliente".to_string());
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or("Cliente").to_string();
    let rest: Vec<&str> = words.collect();
    let last = if rest.is_empty() {
        "—".to_string()
    } else {
        rest.join(" ")
    };
    (first, last)
}

impl OkdeskExecutor {
    pub(super) async fn resolve_contact(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        ticket: &Ticket,
    ) -> Result<Option<Contact>, ExecError> {
        let Some(who) = ticket.client() else {
            return Ok(None);
        };
        let phone = who
            .phone
            .as_deref()
            .map(digits)
            .filter(|d| !d.is_empty())
            .map(|d| shown_phone(&d));
        let email = who
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| e.contains('@'))
            .map(str::to_string);
        let by_phone = phone.clone().map(|p| ("phone", p));
        let by_email = email.clone().map(|e| ("email", e));
        let keys = if ctx.integration.client_key == ClientKey::Phone {
            [by_phone, by_email]
        } else {
            [by_email, by_phone]
        };
        for (key, value) in keys.into_iter().flatten() {
            if let Some(c) = client.contact_by(key, &value).await? {
                return Ok(Some(c));
            }
        }
        if !ctx.integration.create_missing_client || (phone.is_none() && email.is_none()) {
            return Ok(None);
        }
        let (first_name, last_name) = split_name(who);
        let created = client
            .create_contact(&NewContact {
                first_name,
                last_name,
                patronymic: None,
                phone,
                email,
                company_id: None,
                comment: Some(format!(
                    "Criado pelo Ponte · integração {}",
                    ctx.integration.id
                )),
            })
            .await?;
        Ok(Some(created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_first_then_the_rest() {
        let p = |name: Option<&str>, email: Option<&str>| Person {
            name: name.map(str::to_string),
            email: email.map(str::to_string),
            ..Person::default()
        };
        assert_eq!(
            split_name(&p(Some("Ana Maria Souza"), None)),
            ("Ana".into(), "Maria Souza".into())
        );
        assert_eq!(
            split_name(&p(None, Some("ana@client.test"))),
            ("ana".into(), "—".into())
        );
    }
}
