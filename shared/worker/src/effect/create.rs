//! Creating a source ticket's counterpart, once, whatever happens to the
//! provider's answers.
//!
//! The sequence every desk shares: already linked → nothing to do; otherwise
//! look for Ponte's marker first (an earlier try's answer may have been
//! lost, under another command id, or Redis may have forgotten the link and
//! every record of the attempt), and create only when nothing carries it.
//! The look is skipped only when no try is recorded and Redis has kept
//! every write since the source ticket was born (`first_try`). Then link both ways,
//! write the counterpart's number on the source, the baseline snapshot, the
//! history line, and queue what the source's own worker must do (a Movidesk
//! source's mark, a channel's agent).
//!
//! A counterpart found by its marker takes as baseline the state Ponte wrote
//! (its first action, the description); whatever was added to it since — an
//! agent's reply while the answer was lost — is news, published with the
//! deterministic ids of the snapshot diff, so it crosses once.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ponte_core::diff::diff;
use ponte_core::link::marker;
use ponte_core::{Command, Link, LinkOrigin, Person, Provider, Side, Ticket, TicketRef};
use ponte_store::HistoryKind;
use serde_json::json;

use crate::effect::{first_try, history};
use crate::{Ctx, Deferred, ExecError, Outcome};

/// The pair a counterpart is created for.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    /// The side the counterpart is created on.
    pub side: Side,
    pub link_id: &'a str,
    pub source: &'a TicketRef,
    pub how: LinkOrigin,
    /// When the source ticket was created at its provider, if known.
    pub born: Option<DateTime<Utc>>,
}

/// What a provider's create answered.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: String,
    /// The counterpart as the create returned it (its baseline), when the
    /// answer carries it.
    pub as_created: Option<Ticket>,
}

/// The provider's part of creating a counterpart. Implemented per command
/// by a small value holding the provider's client and the source ticket.
pub trait CounterpartDesk: Send + Sync {
    fn provider(&self) -> Provider;

    /// Tickets carrying `marker`; `None` when this account cannot be searched.
    fn find_by_marker(
        &self,
        marker: &str,
    ) -> impl Future<Output = Result<Option<Vec<String>>, ExecError>> + Send;

    /// Creates the counterpart, carrying `marker` where the provider keeps it.
    fn create(&self, marker: &str) -> impl Future<Output = Result<Created, ExecError>> + Send;

    /// The counterpart as the provider holds it now, for providers that keep
    /// snapshots (their webhooks are hints to re-read); `None` for the others.
    fn read(&self, id: &str) -> impl Future<Output = Result<Option<Ticket>, ExecError>> + Send;

    /// Writes the counterpart's number on the source ticket, when this
    /// provider holds the source.
    fn mark_source(&self, counterpart: &str) -> impl Future<Output = Result<(), ExecError>> + Send;

    /// The history line; `created` is false when an earlier try's ticket was found.
    fn describe(&self, id: &str, created: bool) -> String;

    /// How long this provider's search may take to show a ticket just
    /// created. While an earlier try is younger than this, a search that
    /// finds nothing proves nothing, and the create waits instead.
    fn search_lag(&self) -> Duration {
        Duration::ZERO
    }

    /// The new counterpart as the source's follow-up needs it (a channel
    /// source is told who attends).
    fn announce(&self, id: &str, baseline: Option<&Ticket>) -> Ticket {
        Ticket {
            id: id.to_string(),
            owner: baseline
                .and_then(|t| t.owner.as_ref())
                .and_then(|o| o.id.clone())
                .map(|id| Person {
                    id: Some(id),
                    ..Person::default()
                }),
            ..Ticket::default()
        }
    }

    /// The part of a found counterpart Ponte wrote itself: its create writes
    /// one action (the description), so later actions are news.
    fn as_written(&self, current: &Ticket) -> Ticket {
        let mut written = current.clone();
        written.actions.truncate(1);
        written
    }
}

/// What an attempt record is called in the store.
const CREATE_ATTEMPT: &str = "create";

/// Before creating: when an earlier try may have created the counterpart
/// less than the provider's search lag ago (a crash or a lost answer after
/// the provider's write), its marker may not be searchable yet, so the
/// command waits (back-pressure, not a failed attempt) until the search can
/// be trusted. Then the attempt is recorded, just before the write, for
/// as long as a later try may rely on its absence (`first_try`).
async fn wait_out_search_lag<D: CounterpartDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    link_id: &str,
    earlier: Option<Duration>,
) -> Result<(), ExecError> {
    let lag = desk.search_lag();
    if let Some(age) = earlier
        && age < lag
    {
        let wait = lag - age;
        tracing::warn!(
            wait_secs = wait.as_secs_f64(),
            "an earlier try may have created the counterpart and the search may not show it yet; waiting before looking again"
        );
        return Err(ExecError::Throttled {
            reason: format!(
                "an earlier try may have created the counterpart {:.0} s ago; {} search shows a new ticket only after {} s",
                age.as_secs_f64(),
                desk.provider(),
                lag.as_secs()
            ),
            retry_after: Some(wait),
        });
    }
    ctx.store
        .note_attempt(
            CREATE_ATTEMPT,
            link_id,
            (lag * 2).max(first_try::RECORD_KEEP),
        )
        .await?;
    Ok(())
}

/// Creates (or finds) the counterpart and links the pair; see the module.
pub async fn create_counterpart<D: CounterpartDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    pair: Pair<'_>,
) -> Result<Outcome, ExecError> {
    let integration = ctx.integration;
    let source = pair.source;
    // Two events may both ask for the counterpart before it exists; they
    // run one after the other on the link's shard.
    if let Some(existing) = ctx
        .store
        .link_of(&integration.id, source.side, &source.ticket_id)
        .await?
    {
        // An earlier try of this command may have linked the pair and
        // stopped before the end (the source's mark waited for its budget,
        // a crash): the link's history then lacks how it was made, and
        // this try finishes what follows the link. Each step is once: the
        // mark writes only what is missing, history once per cause.
        if ctx.resumed && existing.id == pair.link_id && !made_known(ctx, &existing.id).await? {
            tracing::info!(link = %existing.id, "linked by an earlier try of this command; finishing what follows the link");
            let counterpart = Counterpart {
                id: existing.target_ticket,
                baseline: None,
                news: Vec::new(),
                created: true,
            };
            return finish_link(ctx, desk, pair, counterpart).await;
        }
        tracing::info!(link = %existing.id, "already linked; nothing to create");
        return Ok(Outcome {
            result: json!({"target_ticket": existing.target_ticket, "link": existing.id, "already": true}),
            ..Outcome::default()
        });
    }
    let tag = marker(&integration.id, &source.ticket_id);
    // The counterpart of a link an agent removed may still carry the
    // marker (Okdesk keeps it in the description; a tag's removal may not
    // have run yet): it is never taken for this pair's new counterpart.
    let retired = ctx
        .store
        .removed_link(pair.link_id)
        .await?
        .map(|l| l.ticket_on(pair.side).to_string());
    let earlier = ctx.store.attempt_age(CREATE_ATTEMPT, pair.link_id).await?;
    let first = earlier.is_none() && first_try::proven(ctx, pair.born).await?;
    let found = if first {
        tracing::debug!("no earlier try can have gone unrecorded; not searching for the marker");
        None
    } else {
        match desk.find_by_marker(&tag).await? {
            Some(ids) => ids.into_iter().find(|id| Some(id) != retired.as_ref()),
            None => {
                tracing::warn!(
                    "this account cannot be searched; cannot check for a counterpart an earlier try may have created"
                );
                None
            }
        }
    };
    let counterpart = match found {
        Some(id) => {
            tracing::warn!(ticket = %id, "found the counterpart an earlier try created; not creating another");
            let current = desk.read(&id).await?;
            let at = counterpart_ref(ctx, desk, pair.side, &id);
            let news = current
                .as_ref()
                .map(|now| diff(Some(&desk.as_written(now)), now, &at, None))
                .unwrap_or_default();
            Counterpart {
                id,
                baseline: current,
                news,
                created: false,
            }
        }
        None => {
            wait_out_search_lag(ctx, desk, pair.link_id, earlier).await?;
            let created = match desk.create(&tag).await {
                Ok(created) => created,
                // Refused before any write (a budget wait, a 429, a 4xx,
                // also one worth another try): nothing can be waiting to
                // show up in the search.
                Err(e) if e.wrote_nothing() => {
                    ctx.store
                        .forget_attempt(CREATE_ATTEMPT, pair.link_id)
                        .await?;
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            tracing::info!(ticket = %created.id, provider = %desk.provider(), "counterpart created");
            let baseline = match created.as_created {
                Some(t) => Some(t),
                // Best effort: the ticket exists whatever happens to this
                // reading; without it the first sync sets the baseline.
                None => desk.read(&created.id).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot read the new ticket back; its first sync sets the baseline");
                    None
                }),
            };
            Counterpart {
                id: created.id,
                baseline,
                news: Vec::new(),
                created: true,
            }
        }
    };
    finish_link(ctx, desk, pair, counterpart).await
}

/// Whether the link's history says how it was made: the try that linked
/// it got to its end.
async fn made_known(ctx: &Ctx<'_>, link_id: &str) -> Result<bool, ExecError> {
    Ok(ctx.store.history(link_id).await?.iter().any(|h| {
        matches!(
            h.kind,
            HistoryKind::CreatedAutomatically
                | HistoryKind::CreatedManually
                | HistoryKind::Associated
        )
    }))
}

/// The counterpart `id` as a ticket of the pair's `side`.
fn counterpart_ref<D: CounterpartDesk>(ctx: &Ctx<'_>, desk: &D, side: Side, id: &str) -> TicketRef {
    TicketRef {
        integration: ctx.integration.id.clone(),
        side,
        provider: desk.provider(),
        ticket_id: id.to_string(),
    }
}

/// The counterpart a create made or found, and what it brings.
struct Counterpart {
    id: String,
    /// Its state as Ponte wrote it, when known (the next sync's baseline).
    baseline: Option<Ticket>,
    /// What was added to a found counterpart since Ponte wrote it.
    news: Vec<ponte_core::Emitted>,
    created: bool,
}

/// Links the pair to `counterpart` and does what follows: the source's
/// mark, the link's statuses, the history line, the baseline and the
/// source's follow-up command.
async fn finish_link<D: CounterpartDesk>(
    ctx: &Ctx<'_>,
    desk: &D,
    pair: Pair<'_>,
    counterpart: Counterpart,
) -> Result<Outcome, ExecError> {
    let (integration, source) = (ctx.integration, pair.source);
    let Counterpart {
        id,
        baseline,
        news,
        created,
    } = counterpart;
    let link = Link {
        id: pair.link_id.to_string(),
        integration: integration.id.clone(),
        source_ticket: source.ticket_id.clone(),
        target_ticket: id.clone(),
        origin: pair.how,
        created_at: Utc::now(),
    };
    ctx.store.put_link(&link).await?;
    ctx.store
        .remove_eligible(&integration.id, &source.ticket_id)
        .await?;
    desk.mark_source(&id).await?;
    crate::record_link_statuses(ctx, &link.id, source, pair.side, baseline.as_ref()).await?;

    let kind = match pair.how {
        LinkOrigin::Automatic => HistoryKind::CreatedAutomatically,
        LinkOrigin::Manual => HistoryKind::CreatedManually,
        LinkOrigin::Associated => HistoryKind::Associated,
    };
    // What the source needs now (a mark, who attends) goes straight to its
    // worker; desk↔desk pairs need nothing more (decision 99).
    let cause = ponte_core::ids::derive(&["counterpart", &link.id, &id]);
    let commands = Command::after_created(
        integration,
        pair.side,
        &cause,
        &link.id,
        &desk.announce(&id, baseline.as_ref()),
        &source.ticket_id,
    )
    .into_iter()
    .collect();
    if !news.is_empty() {
        tracing::info!(
            changes = news.len(),
            "the found counterpart changed since Ponte wrote it; publishing what is new"
        );
    }
    let deferred = baseline
        .map(|t| Deferred::Snapshot {
            ticket_key: counterpart_ref(ctx, desk, pair.side, &id).key(),
            value: serde_json::to_value(&t).unwrap_or_default(),
        })
        .into_iter()
        .collect();
    Ok(Outcome {
        result: json!({"target_ticket": id, "link": link.id}),
        history: vec![(
            link.id.clone(),
            history(ctx, kind, desk.describe(&id, created)),
        )],
        deferred,
        events: news,
        commands,
    })
}
