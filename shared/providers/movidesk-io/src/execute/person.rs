//! Finding (or creating) a person of the other side on this side: the
//! ticket's clients, and the persons and clients custom fields name.

use ponte_core::integration::ClientKey;
use ponte_core::{Person, Provider, Side, Ticket};
use ponte_worker::{Ctx, ExecError};

use super::MovideskExecutor;
use crate::client::escape;
use ponte_movidesk::model::{NewContact, NewEmail, NewPerson, Ref};

/// The ticket's clients on the receiving side, in order, and what was left
/// out (a client after the first that cannot be found nor created).
pub(super) struct Clients {
    pub ids: Vec<String>,
    pub left_out: Vec<String>,
    /// Some id came from Ponte's memory, not from the desk just now.
    pub remembered: bool,
}

impl MovideskExecutor {
    /// Every client of `ticket` on `side`, found by the integration's key,
    /// created when allowed. The first client is required; a later one
    /// that cannot be had is left out and told.
    pub(super) async fn resolve_clients(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket: &Ticket,
    ) -> Result<Clients, ExecError> {
        if ticket.clients.is_empty() {
            return Err(ExecError::permanent(format!(
                "ticket #{} has no client to look for on the other side",
                ticket.id
            )));
        }
        let mut out = Clients {
            ids: Vec::new(),
            left_out: Vec::new(),
            remembered: false,
        };
        for (n, who) in ticket.clients.iter().enumerate() {
            match self.find_or_create_noting(ctx, side, who.clone()).await? {
                Ok((id, remembered)) => {
                    out.remembered |= remembered;
                    if !out.ids.contains(&id) {
                        out.ids.push(id);
                    }
                }
                Err(why) if n == 0 => {
                    return Err(ExecError::permanent(format!(
                        "the client of ticket #{}: {why}",
                        ticket.id
                    )));
                }
                Err(why) => out.left_out.push(format!(
                    "client {} of ticket #{} left out: {why}",
                    n + 1,
                    ticket.id
                )),
            }
        }
        Ok(out)
    }

    /// The person's id on `side`, found by the integration's key (read from
    /// the other side when `who` carries only its id there), created when
    /// allowed. `Ok(Err(why))` when it can be neither found nor created.
    pub(super) async fn find_or_create(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        who: Person,
    ) -> Result<Result<String, String>, ExecError> {
        Ok(self
            .find_or_create_noting(ctx, side, who)
            .await?
            .map(|(id, _)| id))
    }

    /// [`Self::find_or_create`], saying whether the id came from Ponte's
    /// memory rather than from the desk.
    async fn find_or_create_noting(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        mut who: Person,
    ) -> Result<Result<(String, bool), String>, ExecError> {
        let integration = ctx.integration;
        let target = self.client(ctx, side)?;
        let account = target.account().to_string();
        // Remembered from an earlier ticket: no call at all.
        if let Some(key) = ref_memory(ctx, side, &who)
            && let Some(id) = ctx.persons().known_person(&account, &key).await?
        {
            return Ok(Ok((id, true)));
        }
        // Person refs inside a ticket carry no CPF/CNPJ or secondary code,
        // and custom field items only an id: read the person from its own
        // side when the key needs more.
        let other_is_movidesk = integration.endpoint(side.other()).provider == Provider::Movidesk;
        let needs_reading = client_key(integration.client_key, &who).1.is_none()
            || matches!(
                integration.client_key,
                ClientKey::Document | ClientKey::CodeReference | ClientKey::Phone
            );
        if other_is_movidesk
            && needs_reading
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
            who.name = who.name.or(full.business_name.clone());
        }
        let (key_name, key_value) = client_key(integration.client_key, &who);
        let Some(value) = key_value else {
            return Ok(Err(format!(
                "{} has no {key_name}, the key this integration uses to find clients",
                who.id
                    .as_deref()
                    .map_or("the person".to_string(), |id| format!("person `{id}`"))
            )));
        };
        let value_key = key_memory(integration.client_key, &value);
        if let Some(id) = ctx.persons().known_person(&account, &value_key).await? {
            remember(ctx, &account, side, &who, &id).await?;
            return Ok(Ok((id, true)));
        }
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
            ctx.persons()
                .remember_person(&account, &value_key, &id, PERSON_MEMORY)
                .await?;
            remember(ctx, &account, side, &who, &id).await?;
            return Ok(Ok((id, false)));
        }
        if !integration.create_missing_client {
            return Ok(Err(format!(
                "no client with {key_name} `{value}` on the {} side, and create_missing_client is off",
                side.as_str()
            )));
        }
        let body = new_person(
            &who,
            &value,
            integration.client_key,
            integration.endpoint(side).client_organization.as_deref(),
        );
        // Once per person: the desk's search does not show a new person
        // for minutes, so a second ticket of the same new client must find
        // the first one's creation in Ponte's memory, not create another.
        let lock = ponte_worker::handles::Persons::person_lock(&account, &value_key);
        let started = std::time::Instant::now();
        while !ctx.locks().try_lock(&lock, CREATE_LOCK_TTL).await? {
            if let Some(id) = ctx.persons().known_person(&account, &value_key).await? {
                remember(ctx, &account, side, &who, &id).await?;
                return Ok(Ok((id, false)));
            }
            if started.elapsed() > CREATE_LOCK_WAIT {
                return Err(ExecError::Throttled {
                    reason: "another command is creating this person; waiting for it".into(),
                    retry_after: Some(std::time::Duration::from_secs(1)),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let created = async {
            if let Some(id) = ctx.persons().known_person(&account, &value_key).await? {
                return Ok(id);
            }
            let id = target.create_person(&body).await?;
            ctx.persons()
                .remember_person(&account, &value_key, &id, PERSON_MEMORY)
                .await?;
            Ok::<_, ExecError>(id)
        }
        .await;
        let _ = ctx.locks().release_lock(&lock).await;
        let id = created?;
        remember(ctx, &account, side, &who, &id).await?;
        Ok(Ok((id, false)))
    }

    /// Forgets what Ponte remembered of the ticket's clients on `side`;
    /// whether anything was: a create the desk refused may have named a
    /// person that is gone, and is worth trying again with fresh look-ups.
    pub(super) async fn forget_clients(
        &self,
        ctx: &Ctx<'_>,
        side: Side,
        ticket: &Ticket,
    ) -> Result<bool, ExecError> {
        let account = self.client(ctx, side)?.account().to_string();
        let mut forgot = false;
        for who in &ticket.clients {
            let by_value = client_key(ctx.integration.client_key, who)
                .1
                .map(|value| key_memory(ctx.integration.client_key, &value));
            for key in ref_memory(ctx, side, who).into_iter().chain(by_value) {
                forgot |= ctx.persons().forget_person(&account, &key).await?;
            }
        }
        Ok(forgot)
    }
}

/// How long a person found or created is remembered.
const PERSON_MEMORY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// The lock that makes a person's creation once; longer than a create.
const CREATE_LOCK_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// How long a command waits for another one creating the same person.
const CREATE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The memory key of a person by the integration's client key.
fn key_memory(key: ClientKey, value: &str) -> String {
    format!("key:{key:?}:{value}")
}

/// The memory key of a person by its id on the other side (this
/// integration's), when it has one.
fn ref_memory(ctx: &Ctx<'_>, side: Side, who: &Person) -> Option<String> {
    who.id
        .as_ref()
        .map(|id| format!("ref:{}:{}:{id}", ctx.integration.id, side.other().as_str()))
}

/// Remembers `id` as `who` (by its other side's id) on `account`.
async fn remember(
    ctx: &Ctx<'_>,
    account: &str,
    side: Side,
    who: &Person,
    id: &str,
) -> Result<(), ExecError> {
    if let Some(key) = ref_memory(ctx, side, who) {
        ctx.persons()
            .remember_person(account, &key, id, PERSON_MEMORY)
            .await?;
    }
    Ok(())
}

/// A client person as Ponte creates it, related to the account's
/// organization when one is configured.
fn new_person(who: &Person, key: &str, client_key: ClientKey, org: Option<&str>) -> NewPerson {
    NewPerson {
        id: (client_key == ClientKey::Id).then(|| key.to_string()),
        person_type: 1,
        profile_type: 2,
        business_name: who
            .name
            .clone()
            .or(who.email.clone())
            .unwrap_or_else(|| key.to_string()),
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
        relationships: org
            .map(|id| Ref { id: id.to_string() })
            .into_iter()
            .collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_client_belongs_to_the_configured_organization() {
        let who = Person {
            name: Some("Rui".into()),
            email: Some("rui@x.test".into()),
            ..Person::default()
        };
        let body = serde_json::to_value(new_person(
            &who,
            "rui@x.test",
            ClientKey::Email,
            Some("acme"),
        ))
        .expect("json");
        assert_eq!(body["relationships"], serde_json::json!([{"id": "acme"}]));
        assert_eq!(body["profileType"], 2);
        let without = serde_json::to_value(new_person(&who, "rui@x.test", ClientKey::Email, None))
            .expect("json");
        assert!(without.get("relationships").is_none(), "{without}");
    }
}
