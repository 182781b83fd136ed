//! An integration: two endpoints and the rules that link their tickets.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::conditions::Conditions;
use crate::correlation::Correlation;
use crate::desk_view::DeskView;
use crate::{Provider, Secret, ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// "Your" desk: where tickets start.
    Source,
    /// The integrated desk: where counterparts are created.
    Target,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Source => Side::Target,
            Side::Target => Side::Source,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Counterparts are created as soon as a ticket meets the conditions.
    #[default]
    Automatic,
    /// Eligible tickets wait for an agent to create or associate.
    Manual,
}

/// The field used to find the ticket's client on the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClientKey {
    #[default]
    Email,
    /// CPF/CNPJ.
    Document,
    /// Movidesk "Cód. Ref." (person id), kept identical across domains.
    Id,
    CodeReference,
    Phone,
}

/// One side's provider account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub provider: Provider,
    /// API base, e.g. `https://api.movidesk.com/public/v1`.
    pub base_url: String,
    /// Provider credentials by name (`token` for Movidesk). Write-only.
    #[serde(default)]
    pub credentials: BTreeMap<String, Secret>,
    /// The secret this side's webhooks present to the ingress. Write-only.
    #[serde(default)]
    pub inbound_secret: Secret,
    /// The secret this side presented before a rotation, still accepted
    /// until its `until` so the provider's webhooks can be changed over
    /// without a gap. Write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_inbound_secret: Option<PreviousSecret>,
    /// A header that carries the secret as the provider sends it (Blip's
    /// custom channel sends its key in a header its docs do not name);
    /// `Authorization: Bearer`, `X-Ponte-Token` and `?token=` always work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_header: Option<String>,
    /// Requests per second allowed to this account (0 = the worker's
    /// default for the provider).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rate_per_second: u32,
    /// What agents see of the integration inside this desk (counterpart
    /// field or note, ticket URL, history in the ticket).
    #[serde(default, flatten)]
    pub view: DeskView,
    /// Movidesk: the organization (its Cód. Ref.) every client person Ponte
    /// creates in this account is related to (`relationships`), for
    /// accounts that require client persons to belong to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_organization: Option<String>,
}

/// A secret accepted for a while after it was replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousSecret {
    pub secret: Secret,
    /// The moment it stops being accepted.
    pub until: DateTime<Utc>,
}

impl PreviousSecret {
    pub fn accepted_at(&self, now: DateTime<Utc>) -> bool {
        now < self.until && !self.secret.is_empty()
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How calls from a telephony source are handled on the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Telephony {
    /// Create a contact for a caller the desk does not know.
    #[serde(default = "yes")]
    pub create_unknown_callers: bool,
    /// Company new contacts belong to (desk company id).
    #[serde(default)]
    pub company_id: Option<String>,
    /// Trailing digits the desk compares to match a caller (1-10).
    #[serde(default = "ten")]
    pub search_numbers_count: u8,
    /// The desk account's UTC offset, e.g. `+03:00`: call times are given
    /// to the desk in its own time zone.
    #[serde(default = "moscow")]
    pub utc_offset: String,
    /// Title and description of the ticket opened for a missed call;
    /// `{caller}`, `{caller_name}`, `{time}`, `{missed_by}`, `{wait}` are
    /// replaced.
    #[serde(default = "missed_title")]
    pub missed_call_title: String,
    #[serde(default = "missed_description")]
    pub missed_call_description: String,
    /// Desk employee id the missed-call ticket is assigned to.
    #[serde(default)]
    pub missed_call_assignee: Option<String>,
    /// The PBX's employee ids (UIS `employee_id`) → their internal numbers,
    /// for notification templates that name employees only by id: the
    /// desk employee with that internal number gets the card, and is named
    /// in "not answered by". Without an entry, the PBX's full name is
    /// matched against the desk's employees.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub employee_extensions: BTreeMap<String, String>,
}

fn ten() -> u8 {
    10
}

fn moscow() -> String {
    "+03:00".into()
}

fn missed_title() -> String {
    "Пропущенный звонок от {caller}".into()
}

fn missed_description() -> String {
    "Звонок от {caller} ({caller_name}) в {time} остался без ответа. Не ответили: {missed_by}. Ожидание: {wait} с.".into()
}

impl Default for Telephony {
    fn default() -> Self {
        Telephony {
            create_unknown_callers: true,
            company_id: None,
            search_numbers_count: ten(),
            utc_offset: moscow(),
            missed_call_title: missed_title(),
            missed_call_description: missed_description(),
            missed_call_assignee: None,
            employee_extensions: BTreeMap::new(),
        }
    }
}

impl Telephony {
    /// The offset as minutes east of UTC, or a message naming the value.
    pub fn offset_minutes(&self) -> Result<i32, ValidationError> {
        let bad = || {
            ValidationError::new(
                "utc_offset",
                format!("`{}` is not an offset like +03:00", self.utc_offset),
            )
        };
        let s = self.utc_offset.trim();
        let (sign, rest) = match s.chars().next() {
            Some('+') => (1, &s[1..]),
            Some('-') => (-1, &s[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(bad)?;
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if !(0..=14).contains(&h) || !(0..60).contains(&m) {
            return Err(bad());
        }
        Ok(sign * (h * 60 + m))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub mode: Mode,
    /// Off: only a reopen crosses from source to target.
    #[serde(default = "yes")]
    pub send_all_status_changes: bool,
    #[serde(default)]
    pub client_key: ClientKey,
    /// Create the client on the other side when the key finds nobody.
    #[serde(default = "yes")]
    pub create_missing_client: bool,
    /// Person id on the target used as the creator of counterparts and the
    /// author of actions Ponte writes there.
    #[serde(default)]
    pub generator_agent: Option<String>,
    /// Person id on the source used as the author of actions Ponte writes
    /// there. Actions by either agent are never mirrored back.
    #[serde(default)]
    pub source_agent: Option<String>,
    #[serde(default)]
    pub conditions: Conditions,
    #[serde(default)]
    pub correlation: Correlation,
    #[serde(default)]
    pub telephony: Telephony,
    /// Seconds between reconciliation passes that find changes a lost
    /// webhook would have carried (0 = off).
    #[serde(default = "default_reconcile")]
    pub reconcile_every_secs: u64,
    pub source: Endpoint,
    pub target: Endpoint,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

fn default_reconcile() -> u64 {
    300
}

/// Credentials each provider needs before a worker can call it.
pub fn required_credentials(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Movidesk => &["token"],
        // `api_token` (legacy POST /login/apiToken), `user` + `password` +
        // `subdomain` (legacy POST /login) or `api_key` (the newer API):
        // which is present chooses the flow; the worker checks.
        Provider::Octadesk => &[],
        Provider::Okdesk => &["api_token"],
        Provider::Uis => &[],
        Provider::Blip => &["key"],
        // The database URL is `base_url`; a password, if any, is
        // `credentials.password`.
        Provider::Warehouse => &[],
    }
}

pub const MIN_SECRET_LEN: usize = 16;

impl Endpoint {
    /// Whether a webhook presenting `presented` comes from this side: the
    /// current inbound secret, or the previous one until it expires. Both
    /// are compared in constant time.
    pub fn accepts_inbound(&self, presented: &str, now: DateTime<Utc>) -> bool {
        let current = self.inbound_secret.matches(presented);
        let previous = self
            .previous_inbound_secret
            .as_ref()
            .is_some_and(|p| p.accepted_at(now) & p.secret.matches(presented));
        current | previous
    }

    /// Replaces the inbound secret, keeping the old one accepted for
    /// `overlap` (none when zero).
    pub fn rotate_inbound_secret(
        &mut self,
        new: Secret,
        overlap: chrono::Duration,
        now: DateTime<Utc>,
    ) {
        let old = std::mem::replace(&mut self.inbound_secret, new);
        self.previous_inbound_secret = (overlap > chrono::Duration::zero() && !old.is_empty())
            .then(|| PreviousSecret {
                secret: old,
                until: now + overlap,
            });
    }

    pub fn credential(&self, name: &str) -> Option<&Secret> {
        self.credentials.get(name).filter(|s| !s.is_empty())
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.provider.is_warehouse() {
            return crate::warehouse::validate_database_url(&self.base_url);
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(ValidationError::new(
                "base_url",
                format!(
                    "must be an http:// or https:// URL, got `{}`",
                    self.base_url.split('?').next().unwrap_or_default()
                ),
            ));
        }
        if self.base_url.contains('?') {
            return Err(ValidationError::new(
                "base_url",
                "must not carry a query string; put tokens in `credentials`",
            ));
        }
        for name in required_credentials(self.provider) {
            if self.credential(name).is_none() {
                return Err(ValidationError::new(
                    format!("credentials.{name}"),
                    format!("is required for {}", self.provider),
                ));
            }
        }
        if let Some(org) = &self.client_organization {
            validate_client_organization(self.provider, org)?;
        }
        if self.inbound_secret.len_chars() < MIN_SECRET_LEN {
            return Err(ValidationError::new(
                "inbound_secret",
                format!("must be at least {MIN_SECRET_LEN} characters"),
            ));
        }
        self.view.validate(self.provider)?;
        Ok(())
    }

    /// The same endpoint with every secret replaced by `***`.
    pub fn redacted(&self) -> Endpoint {
        Endpoint {
            credentials: self
                .credentials
                .iter()
                .map(|(k, v)| (k.clone(), v.redacted()))
                .collect(),
            inbound_secret: self.inbound_secret.redacted(),
            previous_inbound_secret: self.previous_inbound_secret.as_ref().map(|p| {
                PreviousSecret {
                    secret: p.secret.redacted(),
                    until: p.until,
                }
            }),
            ..self.clone()
        }
    }

    /// Keep stored secrets where the update sent the `***` placeholder or
    /// left a secret out.
    pub fn keep_secrets_from(&mut self, stored: &Endpoint) {
        if self.inbound_secret.is_placeholder() || self.inbound_secret.is_empty() {
            self.inbound_secret = stored.inbound_secret.clone();
        }
        match &self.previous_inbound_secret {
            Some(p) if !p.secret.is_placeholder() && !p.secret.is_empty() => {}
            Some(p) => {
                let until = p.until;
                self.previous_inbound_secret =
                    stored
                        .previous_inbound_secret
                        .as_ref()
                        .map(|s| PreviousSecret {
                            secret: s.secret.clone(),
                            until,
                        });
            }
            None => self.previous_inbound_secret = stored.previous_inbound_secret.clone(),
        }
        for (name, old) in &stored.credentials {
            match self.credentials.get(name) {
                Some(new) if !new.is_placeholder() => {}
                _ => {
                    self.credentials.insert(name.clone(), old.clone());
                }
            }
        }
    }
}

impl Secret {
    fn len_chars(&self) -> usize {
        self.expose().chars().count()
    }
}

impl Integration {
    pub fn endpoint(&self, side: Side) -> &Endpoint {
        match side {
            Side::Source => &self.source,
            Side::Target => &self.target,
        }
    }

    /// The person Ponte writes as on `side`; its actions are never
    /// mirrored back.
    pub fn agent(&self, side: Side) -> Option<&str> {
        match side {
            Side::Source => self.source_agent.as_deref(),
            Side::Target => self.generator_agent.as_deref(),
        }
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_id(&self.id)?;
        self.source.validate().map_err(|e| e.within("source"))?;
        self.target.validate().map_err(|e| e.within("target"))?;
        if self.source.provider == self.target.provider
            && self.source.inbound_secret == self.target.inbound_secret
        {
            return Err(ValidationError::new(
                "target.inbound_secret",
                "must differ from source.inbound_secret: both sides use the same provider, and the secret tells which side a webhook comes from",
            ));
        }
        let clash = |a: &Endpoint, b: &Endpoint| {
            a.previous_inbound_secret
                .as_ref()
                .is_some_and(|p| p.secret == b.inbound_secret)
        };
        if self.source.provider == self.target.provider
            && (clash(&self.source, &self.target) || clash(&self.target, &self.source))
        {
            return Err(ValidationError::new(
                "previous_inbound_secret",
                "must differ from the other side's inbound_secret: both sides use the same provider, and the secret tells which side a webhook comes from",
            ));
        }
        if self.source.provider == Provider::Movidesk
            && self.target.provider == Provider::Movidesk
            && self
                .generator_agent
                .as_deref()
                .unwrap_or_default()
                .is_empty()
        {
            return Err(ValidationError::new(
                "generator_agent",
                "is required for a Movidesk target: Movidesk needs a creator for every ticket",
            ));
        }
        if self.target.provider.is_channel() || self.target.provider.is_telephony() {
            return Err(ValidationError::new(
                "target.provider",
                format!(
                    "{} can only be a source: it is where conversations or calls start",
                    self.target.provider
                ),
            ));
        }
        self.telephony
            .offset_minutes()
            .map_err(|e| e.within("telephony"))?;
        if !(1..=10).contains(&self.telephony.search_numbers_count) {
            return Err(ValidationError::new(
                "telephony.search_numbers_count",
                "must be between 1 and 10",
            ));
        }
        if self.target.provider.is_warehouse() && self.source.provider != Provider::Movidesk {
            return Err(ValidationError::new(
                "target.provider",
                format!(
                    "a warehouse copies Movidesk tickets; its source must be movidesk, not {}",
                    self.source.provider
                ),
            ));
        }
        if self.source.provider.is_warehouse() {
            return Err(ValidationError::new(
                "source.provider",
                "warehouse can only be a target: it stores what a Movidesk source holds",
            ));
        }
        for (id, ext) in &self.telephony.employee_extensions {
            let ext = ext.trim();
            if id.trim().is_empty()
                || ext.is_empty()
                || ext.len() > 16
                || !ext.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(ValidationError::new(
                    "telephony.employee_extensions",
                    format!(
                        "`{id}` → `{ext}`: each PBX employee id must map to an internal number (letters and digits, at most 16)"
                    ),
                ));
            }
        }
        if self.source.provider == Provider::Movidesk
            && !self.target.provider.is_warehouse()
            && self.source_agent.as_deref().unwrap_or_default().is_empty()
        {
            return Err(ValidationError::new(
                "source_agent",
                "is required for a Movidesk source: actions Ponte writes there need an author",
            ));
        }
        for side in [Side::Source, Side::Target] {
            let view = &self.endpoint(side).view;
            let writes = view.counterpart_note || view.history_in_ticket;
            if writes && self.agent(side).unwrap_or_default().is_empty() {
                return Err(ValidationError::new(
                    format!(
                        "{}.{}",
                        side.as_str(),
                        if view.counterpart_note {
                            "counterpart_note"
                        } else {
                            "history_in_ticket"
                        }
                    ),
                    format!(
                        "needs {} set: internal actions Ponte writes there need an author",
                        match side {
                            Side::Source => "source_agent",
                            Side::Target => "generator_agent",
                        }
                    ),
                ));
            }
        }
        self.conditions
            .validate()
            .map_err(|e| e.within("conditions"))?;
        self.correlation
            .validate()
            .map_err(|e| e.within("correlation"))?;
        Ok(())
    }

    pub fn redacted(&self) -> Integration {
        Integration {
            source: self.source.redacted(),
            target: self.target.redacted(),
            ..self.clone()
        }
    }
}

/// Integration ids appear in URLs, queue-free Redis keys and link ids.
/// A Movidesk organization reference: a Cód. Ref. (at most 64 characters,
/// a hierarchy written `IdPai/IdFilho`), only where persons are Movidesk's.
fn validate_client_organization(provider: Provider, org: &str) -> Result<(), ValidationError> {
    let field = "client_organization";
    if provider != Provider::Movidesk {
        return Err(ValidationError::new(
            field,
            format!("is a Movidesk setting; {provider} persons have no organization relationship"),
        ));
    }
    if org.trim().is_empty() || org.trim() != org {
        return Err(ValidationError::new(
            field,
            "must be the organization's Cód. Ref., without surrounding spaces",
        ));
    }
    if org.chars().count() > 64 || org.split('/').any(|part| part.is_empty()) {
        return Err(ValidationError::new(
            field,
            format!(
                "`{org}` is not a Cód. Ref. (at most 64 characters; a hierarchy is written `IdPai/IdFilho`)"
            ),
        ));
    }
    Ok(())
}

pub fn validate_id(id: &str) -> Result<(), ValidationError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            "id",
            format!(
                "`{id}` must be 1-64 characters of a-z, 0-9, `-` or `_`, starting with a letter or digit"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(secret: &str) -> Endpoint {
        Endpoint {
            provider: Provider::Movidesk,
            base_url: "http://127.0.0.1:8090/movidesk/public/v1".into(),
            credentials: [("token".to_string(), Secret::new("tok"))].into(),
            inbound_secret: Secret::new(secret),
            previous_inbound_secret: None,
            inbound_header: None,
            rate_per_second: 0,
            view: DeskView::default(),
            client_organization: None,
        }
    }

    #[test]
    fn a_rotated_inbound_secret_is_accepted_until_its_overlap_ends() {
        let now = Utc::now();
        let mut e = endpoint("old-secret-0123456789");
        e.rotate_inbound_secret(
            Secret::new("new-secret-0123456789"),
            chrono::Duration::seconds(60),
            now,
        );
        assert!(e.accepts_inbound("new-secret-0123456789", now));
        assert!(e.accepts_inbound("old-secret-0123456789", now));
        let later = now + chrono::Duration::seconds(61);
        assert!(e.accepts_inbound("new-secret-0123456789", later));
        assert!(!e.accepts_inbound("old-secret-0123456789", later));
        assert!(!e.accepts_inbound("", now));

        // Shown redacted, kept when a client sends the placeholder back.
        let shown = e.redacted();
        let p = shown.previous_inbound_secret.clone().expect("shown");
        assert!(p.secret.is_placeholder());
        let mut update = shown;
        update.keep_secrets_from(&e);
        assert_eq!(update, e);

        // No overlap: the old secret stops at once.
        e.rotate_inbound_secret(
            Secret::new("third-secret-0123456789"),
            chrono::Duration::zero(),
            now,
        );
        assert!(e.previous_inbound_secret.is_none());
        assert!(!e.accepts_inbound("new-secret-0123456789", now));
    }

    #[test]
    fn a_previous_secret_may_not_be_the_other_sides_current_one() {
        let mut i = integration();
        i.source.previous_inbound_secret = Some(PreviousSecret {
            secret: i.target.inbound_secret.clone(),
            until: Utc::now(),
        });
        let err = i.validate().unwrap_err().to_string();
        assert!(err.contains("previous_inbound_secret"), "{err}");
    }

    fn integration() -> Integration {
        Integration {
            id: "movi-movi".into(),
            name: "Movi-Movi".into(),
            enabled: true,
            mode: Mode::Automatic,
            send_all_status_changes: true,
            client_key: ClientKey::Email,
            create_missing_client: true,
            generator_agent: Some("agent-1".into()),
            source_agent: Some("agent-a".into()),
            conditions: Default::default(),
            correlation: Default::default(),
            telephony: Default::default(),
            reconcile_every_secs: 300,
            source: endpoint("source-secret-0123456789"),
            target: endpoint("target-secret-0123456789"),
            updated_at: None,
        }
    }

    #[test]
    fn a_valid_integration_passes() {
        assert_eq!(integration().validate(), Ok(()));
    }

    #[test]
    fn errors_name_the_field() {
        let mut i = integration();
        i.target.credentials.clear();
        assert_eq!(i.validate().unwrap_err().field, "target.credentials.token");
        let mut i = integration();
        i.source.base_url = "ftp://x".into();
        assert_eq!(i.validate().unwrap_err().field, "source.base_url");
        let mut i = integration();
        i.id = "Bad Id".into();
        assert_eq!(i.validate().unwrap_err().field, "id");
        let mut i = integration();
        i.target.inbound_secret = i.source.inbound_secret.clone();
        assert_eq!(i.validate().unwrap_err().field, "target.inbound_secret");
    }

    #[test]
    fn desk_view_options_sit_in_the_endpoint_and_errors_name_the_side() {
        let mut i = integration();
        let raw = serde_json::json!({
            "provider": "movidesk",
            "base_url": "http://127.0.0.1:8090/movidesk/public/v1",
            "credentials": {"token": "tok"},
            "inbound_secret": "target-secret-0123456789",
            "counterpart_field": {"id": 35294, "rule": 17311},
            "history_in_ticket": true,
            "ticket_url": "https://b.movidesk.com/Ticket/Edit/{id}",
        });
        i.target = serde_json::from_value(raw).expect("an endpoint with desk-view options");
        assert_eq!(
            i.target.view.counterpart_field,
            Some(crate::desk_view::CounterpartField {
                id: 35294,
                rule: 17311
            })
        );
        assert!(i.target.view.history_in_ticket);
        assert_eq!(i.validate(), Ok(()));
        i.target.view.ticket_url = Some("https://b.movidesk.com/Ticket/Edit".into());
        assert_eq!(i.validate().unwrap_err().field, "target.ticket_url");
        i.target.view.ticket_url = None;
        i.generator_agent = None;
        i.source.provider = Provider::Octadesk;
        assert_eq!(
            i.validate().unwrap_err().field,
            "target.history_in_ticket",
            "an internal action needs an author"
        );
    }

    #[test]
    fn a_client_organization_is_a_movidesk_cod_ref() {
        let mut i = integration();
        i.target.client_organization = Some("acme/filial-sp".into());
        assert_eq!(i.validate(), Ok(()));
        for bad in ["", " acme", "acme//sp", &"x".repeat(65)] {
            i.target.client_organization = Some(bad.to_string());
            let e = i.validate().unwrap_err();
            assert_eq!(e.field, "target.client_organization", "{bad:?}");
        }
        let mut i = integration();
        i.target.provider = Provider::Octadesk;
        i.target.client_organization = Some("acme".into());
        let e = i.validate().unwrap_err();
        assert_eq!(e.field, "target.client_organization");
        assert!(e.message.contains("Movidesk"), "{}", e.message);
    }

    #[test]
    fn redaction_hides_and_updates_keep_secrets() {
        let i = integration();
        let shown = serde_json::to_string(&i.redacted()).unwrap_or_default();
        assert!(!shown.contains("source-secret"));
        assert!(!shown.contains("\"tok\""));
        let mut update = i.redacted();
        update.source.keep_secrets_from(&i.source);
        assert_eq!(update.source, i.source);
    }

    #[test]
    fn a_warehouse_target_needs_a_database_url_and_a_movidesk_source() {
        let mut i = integration();
        i.source_agent = None;
        i.generator_agent = None;
        i.target = Endpoint {
            provider: Provider::Warehouse,
            base_url: "postgres://dw@127.0.0.1:5432/dw?schema=acme".into(),
            credentials: Default::default(),
            inbound_secret: Secret::default(),
            previous_inbound_secret: None,
            inbound_header: None,
            rate_per_second: 0,
            view: DeskView::default(),
            client_organization: None,
        };
        assert_eq!(i.validate(), Ok(()), "no agents, no inbound secret needed");
        let mut bad = i.clone();
        bad.target.base_url = "postgres://dw:pw@127.0.0.1/dw".into();
        assert_eq!(bad.validate().unwrap_err().field, "target.base_url");
        let mut bad = i.clone();
        bad.source.provider = Provider::Okdesk;
        bad.source.credentials = [("api_token".to_string(), Secret::new("t"))].into();
        assert_eq!(bad.validate().unwrap_err().field, "target.provider");
        let mut bad = i.clone();
        std::mem::swap(&mut bad.source, &mut bad.target);
        assert!(bad.validate().is_err());
    }
}
