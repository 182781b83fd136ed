//! Finding (or creating) a ticket's requester, and the organization it
//! belongs to. Octadesk finds persons by e-mail or phone; the integration's
//! `client_key` says which. Found again by the same key every time, so a
//! retried command finds the person an earlier try created.

use ponte_core::Person;
use ponte_core::integration::ClientKey;
use ponte_worker::{Ctx, ExecError};

use crate::client::{Client, NewPerson, PersonChange};
use ponte_octadesk::de::digits;
use ponte_octadesk::model::PersonRef;

/// The requester, and whether Ponte created it just now.
pub(crate) struct Found {
    pub person: PersonRef,
    pub created: bool,
}

/// Which key finds the person, and its value.
pub(crate) enum Key {
    Email(String),
    Phone(String),
}

impl Key {
    pub fn of(key: ClientKey, who: &Person) -> Result<Key, ExecError> {
        let present = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
        match key {
            ClientKey::Email => present(&who.email).map(Key::Email).ok_or_else(|| {
                ExecError::permanent(
                    "the client has no e-mail, the key this integration uses to find requesters",
                )
            }),
            ClientKey::Phone => present(&who.phone).map(Key::Phone).ok_or_else(|| {
                ExecError::permanent(
                    "the client has no phone, the key this integration uses to find requesters",
                )
            }),
            other => Err(ExecError::permanent(format!(
                "Octadesk finds requesters by e-mail or phone only; client_key `{other:?}` cannot be used (set it to `email` or `phone`)"
            ))),
        }
    }

    fn describe(&self) -> String {
        match self {
            Key::Email(e) => format!("e-mail `{e}`"),
            Key::Phone(p) => format!("phone `{p}`"),
        }
    }
}

/// Looks the person up by `key`; creates it (from `who`, in
/// `organization`, else in the organization `who` names) when nobody has
/// it and `create` allows.
pub(crate) async fn find_or_create(
    client: &Client<'_>,
    key: &Key,
    who: &Person,
    create: bool,
    organization: Option<String>,
) -> Result<Option<Found>, ExecError> {
    let found = match key {
        Key::Email(e) => client.person_by_email(e).await?,
        Key::Phone(p) => client.person_by_phone(p).await?,
    };
    if let Some(person) = found {
        let person = refresh(client, person, who).await?;
        return Ok(Some(Found {
            person,
            created: false,
        }));
    }
    if !create {
        return Ok(None);
    }
    let organization = match (organization, who.organization.as_deref().map(str::trim)) {
        (Some(id), _) => Some(id),
        (None, Some(named)) if !named.is_empty() => {
            organization_named_or_created(client, named).await?
        }
        (None, _) => None,
    };
    let name = who
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| who.email.clone())
        .or_else(|| who.phone.clone())
        .unwrap_or_else(|| "Cliente".into());
    let person = client
        .create_person(&NewPerson {
            name,
            email: who.email.clone().filter(|e| !e.trim().is_empty()),
            phone: who.phone.clone().filter(|p| !p.trim().is_empty()),
            organization,
        })
        .await?;
    tracing::info!(key = %match key { Key::Email(_) => "email", Key::Phone(_) => "phone" }, "requester created in Octadesk");
    Ok(Some(Found {
        person,
        created: true,
    }))
}

/// What the other side knows about the person that Octadesk lacks or has
/// differently: a name (when Octadesk's is missing or just the key), an
/// e-mail or a phone Octadesk does not have. Octadesk's own data is never
/// blanked.
pub(crate) fn changes(found: &PersonRef, who: &Person) -> PersonChange {
    let given = |v: &Option<String>| v.clone().filter(|x| !x.trim().is_empty());
    let name = given(&who.name).filter(|n| {
        let current = found.name.as_deref().map(str::trim).unwrap_or_default();
        current != n.trim()
    });
    let email = given(&who.email).filter(|e| {
        !found
            .email
            .as_deref()
            .is_some_and(|f| f.trim().eq_ignore_ascii_case(e.trim()))
    });
    let phone = given(&who.phone).filter(|p| {
        let (a, b) = (
            digits(p),
            found.phone.as_deref().map(digits).unwrap_or_default(),
        );
        a.is_empty() || b.is_empty() || !(a.ends_with(&b) || b.ends_with(&a))
    });
    PersonChange {
        name,
        email,
        phone: phone.filter(|p| !digits(p).is_empty()),
        organization: None,
    }
}

/// The organization the other side puts the person in, when Octadesk has
/// them elsewhere (or nowhere): its id, found by name or created.
async fn moved_to(
    client: &Client<'_>,
    found: &PersonRef,
    who: &Person,
) -> Result<Option<String>, ExecError> {
    let Some(wanted) = who
        .organization
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    let current = found.organization.as_ref();
    if current
        .and_then(|o| o.name.as_deref())
        .is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted))
    {
        return Ok(None);
    }
    let id = organization_named_or_created(client, wanted).await?;
    Ok(id.filter(|id| current.and_then(|o| o.id.as_deref()) != Some(id.as_str())))
}

/// The found person, brought up to date with what the other side knows
/// (`PUT`, then read back by id so the ticket uses what Octadesk has).
async fn refresh(
    client: &Client<'_>,
    found: PersonRef,
    who: &Person,
) -> Result<PersonRef, ExecError> {
    let mut change = changes(&found, who);
    change.organization = moved_to(client, &found, who).await?;
    let Some(id) = found.id.clone().filter(|_| !change.is_empty()) else {
        return Ok(found);
    };
    client.update_person(&id, &change).await?;
    tracing::info!(
        name = change.name.is_some(),
        email = change.email.is_some(),
        phone = change.phone.is_some(),
        organization = change.organization.is_some(),
        "Octadesk person updated with the other side's data"
    );
    Ok(client.person(&id).await?.unwrap_or(found))
}

/// The ticket's requester on the Octadesk side, per the integration's key.
pub(crate) async fn for_ticket(
    ctx: &Ctx<'_>,
    client: &Client<'_>,
    who: &Person,
) -> Result<Found, ExecError> {
    let integration = ctx.integration;
    let key = Key::of(integration.client_key, who)?;
    find_or_create(client, &key, who, integration.create_missing_client, None)
        .await?
        .ok_or_else(|| {
            ExecError::permanent(format!(
                "no Octadesk person with {}, and create_missing_client is off",
                key.describe()
            ))
        })
}

/// The organization with this name, or a new one by that name.
async fn organization_named_or_created(
    client: &Client<'_>,
    name: &str,
) -> Result<Option<String>, ExecError> {
    if let Some(o) = client.organization_named(name).await? {
        return Ok(o.id);
    }
    let created = client.create_organization(name).await?;
    tracing::info!("organization created in Octadesk");
    Ok(created.id)
}

/// The organization `reference` names — an organization id, else a name —
/// found, or created by that name.
pub(crate) async fn organization(
    client: &Client<'_>,
    reference: &str,
) -> Result<Option<String>, ExecError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Ok(None);
    }
    if let Some(o) = client.organization(reference).await? {
        return Ok(o.id);
    }
    if let Some(o) = client.organization_named(reference).await? {
        return Ok(o.id);
    }
    let created = client.create_organization(reference).await?;
    tracing::info!("organization created in Octadesk");
    Ok(created.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_octadesk_lacks_or_has_differently_changes() {
        let found = PersonRef {
            id: Some("p1".into()),
            name: Some("Ana".into()),
            email: Some("ana@client.test".into()),
            phone: Some("11999990001".into()),
            organization: None,
        };
        let who = Person {
            name: Some("Ana Souza".into()),
            email: Some("ANA@client.test".into()),
            phone: Some("5511999990001".into()),
            ..Person::default()
        };
        assert_eq!(
            changes(&found, &who),
            PersonChange {
                name: Some("Ana Souza".into()),
                ..PersonChange::default()
            }
        );
        let moved = Person {
            phone: Some("5511988887777".into()),
            ..Person::default()
        };
        assert_eq!(
            changes(&found, &moved).phone.as_deref(),
            Some("5511988887777")
        );
        assert!(changes(&found, &Person::default()).is_empty());
    }
}
