//! Finding (or creating) the ticket's client on the other side.

use ponte_core::integration::ClientKey;
use ponte_core::{Person, Side, Ticket};
use ponte_worker::{Ctx, ExecError};

use super::MovideskExecutor;
use crate::client::escape;
use crate::model::{NewContact, NewEmail, NewPerson};

impl MovideskExecutor {
    /// The client's id on `side`, found by the integration's key, created
    /// when allowed.
    pub(super) async fn resolve_client(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket: &Ticket,
    ) -> Result<String, ExecError> {
        let integration = ctx.integration;
        let target = self.client(ctx, side)?;
        let mut who = ticket.client.clone().ok_or_else(|| {
            ExecError::permanent(format!(
                "ticket #{} has no client to look for on the other side",
                ticket.id
            ))
        })?;
        // Person refs inside a ticket carry no CPF/CNPJ or secondary code:
        // read the person from its own side when the key needs them.
        let other_is_movidesk =
            integration.endpoint(side.other()).provider == ponte_core::Provider::Movidesk;
        if other_is_movidesk
            && matches!(
                integration.client_key,
                ClientKey::Document | ClientKey::CodeReference | ClientKey::Phone
            )
            && let Some(id) = who.id.clone()
            && let Some(full) = self.client(ctx, side.other())?.person(&id).await?
        {
            who.document = full.cpf_cnpj.clone();
            who.code_reference = full.code_reference_additional.clone();
            who.phone = who
                .phone
                .or_else(|| full.contacts.iter().find_map(|c| c.contact.clone()));
            who.email = who
                .email
                .or_else(|| full.emails.iter().find_map(|e| e.email.clone()));
        }
        let (key_name, key_value) = client_key(integration.client_key, &who);
        let Some(value) = key_value else {
            return Err(ExecError::permanent(format!(
                "the client of ticket #{} has no {key_name}, the key this integration uses to find clients",
                ticket.id
            )));
        };
        let found = match person_filter(integration.client_key, &value) {
            None => target.person(&value).await?.map(|p| p.id),
            Some(filter) => target
                .persons_where(&filter)
                .await?
                .into_iter()
                .next()
                .map(|p| p.id),
        };
        if let Some(id) = found {
            return Ok(id);
        }
        if !integration.create_missing_client {
            return Err(ExecError::permanent(format!(
                "no client with {key_name} `{value}` on the {} side, and create_missing_client is off",
                side.as_str()
            )));
        }
        let body = NewPerson {
            id: (integration.client_key == ClientKey::Id).then(|| value.clone()),
            person_type: 1,
            profile_type: 2,
            business_name: who
                .name
                .clone()
                .or(who.email.clone())
                .unwrap_or_else(|| value.clone()),
            emails: who
                .email
                .iter()
                .map(|e| NewEmail {
                    email_type: "Profissional".into(),
                    email: e.clone(),
                    is_default: true,
                })
                .collect(),
            cpf_cnpj: who.document.clone(),
            code_reference_additional: who.code_reference.clone(),
            contacts: who
                .phone
                .iter()
                .map(|p| NewContact {
                    contact_type: "Telefone celular".into(),
                    contact: p.clone(),
                    is_default: true,
                })
                .collect(),
        };
        target.create_person(&body).await
    }
}

/// The OData filter that finds a person by the key; `None` for the id,
/// which is read directly.
fn person_filter(key: ClientKey, value: &str) -> Option<String> {
    let v = escape(value);
    match key {
        ClientKey::Id => None,
        ClientKey::Email => Some(format!("emails/any(e: e/email eq '{v}')")),
        ClientKey::Document => Some(format!("cpfCnpj eq '{v}'")),
        ClientKey::CodeReference => Some(format!("codeReferenceAdditional eq '{v}'")),
        ClientKey::Phone => Some(format!("contacts/any(c: c/contact eq '{v}')")),
    }
}

fn client_key(key: ClientKey, who: &Person) -> (&'static str, Option<String>) {
    match key {
        ClientKey::Email => ("e-mail", who.email.clone()),
        ClientKey::Document => ("CPF/CNPJ", who.document.clone()),
        ClientKey::Id => ("reference code", who.id.clone()),
        ClientKey::CodeReference => ("additional reference code", who.code_reference.clone()),
        ClientKey::Phone => ("phone", who.phone.clone()),
    }
}
