//! Who is calling: the Okdesk contact with the caller's number, else the
//! company with it, else — when the integration allows it — a new contact
//! card (in `telephony.company_id`'s company). Found by phone every time,
//! so a retried command finds the card an earlier try created.

use std::time::Duration;

use ponte_core::Call;
use ponte_worker::{Ctx, ExecError};

use super::OkdeskExecutor;
use super::format::{int_id, shown_phone};
use crate::client::Client;
use ponte_okdesk::model::{Company, Contact, NewContact};

/// How long the new-caller lock is held at most (a worker that dies
/// holding it blocks the number this long).
const CREATE_LOCK_TTL: Duration = Duration::from_secs(30);
/// How long a call waits for another call from its number to finish
/// creating the card before its command is retried.
const CREATE_LOCK_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub(crate) enum Caller {
    Contact(Contact),
    Company(Company),
    Unknown,
}

impl Caller {
    /// As the call history shows it: the contact's id, or `company:<id>`.
    pub fn record_id(&self) -> Option<String> {
        match self {
            Caller::Contact(c) => Some(c.id.clone()),
            Caller::Company(c) => Some(format!("company:{}", c.id)),
            Caller::Unknown => None,
        }
    }

    pub fn name(&self) -> Option<String> {
        match self {
            Caller::Contact(c) => Some(c.display_name()).filter(|n| !n.is_empty()),
            Caller::Company(c) => c.name.clone(),
            Caller::Unknown => None,
        }
    }

    pub fn contact_id(&self) -> Option<&str> {
        match self {
            Caller::Contact(c) => Some(&c.id),
            _ => None,
        }
    }

    pub fn company_id(&self) -> Option<&str> {
        match self {
            Caller::Contact(c) => c.company(),
            Caller::Company(c) => Some(&c.id),
            Caller::Unknown => None,
        }
    }
}

/// The caller, and whether Ponte created the card just now.
pub(crate) struct Found {
    pub caller: Caller,
    pub created: bool,
}

/// First and last name of a new card: the PBX's name for the caller when
/// it has one ("Петров Пётр Петрович"), else "Клиент <phone>".
pub(crate) fn card_name(name: Option<&str>, phone: &str) -> (String, String, Option<String>) {
    let words: Vec<&str> = name
        .map(|n| n.split_whitespace().collect())
        .unwrap_or_default();
    match words.as_slice() {
        [] => (phone.to_string(), "Клиент".to_string(), None),
        [one] => (one.to_string(), phone.to_string(), None),
        [last, first] => (first.to_string(), last.to_string(), None),
        [last, first, rest @ ..] => (first.to_string(), last.to_string(), Some(rest.join(" "))),
    }
}

impl OkdeskExecutor {
    /// Finds the caller of `phone` (digits), creating a contact card when
    /// `create` and nobody has the number.
    pub(super) async fn caller(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        call: &Call,
        phone: &str,
        create: bool,
    ) -> Result<Found, ExecError> {
        let shown = shown_phone(phone);
        if let Some(c) = client.contact_by("phone", &shown).await? {
            return Ok(Found {
                caller: Caller::Contact(c),
                created: false,
            });
        }
        if let Some(c) = client.company_by_phone(&shown).await? {
            return Ok(Found {
                caller: Caller::Company(c),
                created: false,
            });
        }
        if !create {
            return Ok(Found {
                caller: Caller::Unknown,
                created: false,
            });
        }
        // One card per number however many calls from it are handled at
        // once: creating it is serialised per account and number, and the
        // search is repeated under the lock (another call may have just
        // created the card).
        let lock = format!("okdesk-contact:{}:{}", client.account_key(), phone);
        self.lock_number(ctx, &lock).await?;
        let made = self.find_or_create(ctx, client, call, &shown).await;
        if let Err(e) = ctx.locks().release_lock(&lock).await {
            tracing::warn!(error = %e, "could not release the new-caller lock; it expires by itself");
        }
        made
    }

    /// Waits for the per-number lock (at most `CREATE_LOCK_WAIT`).
    async fn lock_number(&self, ctx: &Ctx<'_>, lock: &str) -> Result<(), ExecError> {
        let started = std::time::Instant::now();
        while !ctx.locks().try_lock(lock, CREATE_LOCK_TTL).await? {
            if started.elapsed() > CREATE_LOCK_WAIT {
                return Err(ExecError::Transient {
                    reason:
                        "another call from this number is creating its contact card; trying again"
                            .into(),
                    status: None,
                    retry_after: Some(Duration::from_secs(1)),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    async fn find_or_create(
        &self,
        ctx: &Ctx<'_>,
        client: &Client<'_>,
        call: &Call,
        shown: &str,
    ) -> Result<Found, ExecError> {
        if let Some(c) = client.contact_by("phone", shown).await? {
            tracing::info!(contact = %c.id, "another call from this number created the card meanwhile");
            return Ok(Found {
                caller: Caller::Contact(c),
                created: false,
            });
        }
        let shown = shown.to_string();
        let company_id = ctx
            .integration
            .telephony
            .company_id
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| int_id(c, "telephony.company_id"))
            .transpose()?;
        let (first_name, last_name, patronymic) = card_name(call.client_name(), &shown);
        let contact = client
            .create_contact(&NewContact {
                first_name,
                last_name,
                patronymic,
                phone: Some(shown.clone()),
                email: None,
                company_id,
                comment: Some(format!(
                    "Создан Ponte по входящему звонку {} (UIS call {})",
                    shown, call.id
                )),
            })
            .await?;
        tracing::info!(contact = %contact.id, "new caller: contact card created");
        Ok(Found {
            caller: Caller::Contact(contact),
            created: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_cards_are_named_after_the_pbx_or_the_number() {
        assert_eq!(
            card_name(Some("Петров Пётр Петрович"), "+79991234567"),
            ("Пётр".into(), "Петров".into(), Some("Петрович".into()))
        );
        assert_eq!(
            card_name(None, "+79991234567"),
            ("+79991234567".into(), "Клиент".into(), None)
        );
        assert_eq!(
            card_name(Some("Пётр"), "+79991234567"),
            ("Пётр".into(), "+79991234567".into(), None)
        );
    }
}
