//! Rebuilding an integration's links from the markers on the providers'
//! tickets (`ponte-<integration>-<other ticket>`), for when Redis lost
//! them. Read-only at the providers, paced to leave most of their budget
//! to live work; writes only links Redis does not hold.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use ponte_core::link::marker_target;
use ponte_core::{Integration, Link, LinkOrigin, Mode, Provider, Side};
use ponte_movidesk_io::{Client, RateLimit};
use ponte_store::Store;
use ponte_worker::Priority;
use ponte_worker::{Accounts, ExecError};
use serde::Serialize;

/// How the rebuild reads the providers.
#[derive(Debug, Clone, Copy)]
pub struct RebuildSettings {
    /// Movidesk's budget per account (`PONTE_MOVIDESK_RATE_PER_MINUTE`);
    /// the rebuild reads at most half of it, 0 = no limit.
    pub movidesk_per_minute: u32,
}

/// What a rebuild did so far; shown while it runs and after.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    pub integration: String,
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Pages of tickets read from the providers.
    pub pages_read: u32,
    /// Tickets carrying one of the integration's markers.
    pub tickets_marked: u32,
    /// Pairs the markers name.
    pub pairs_found: u32,
    /// Links Redis did not hold, written now.
    pub links_written: u32,
    /// Links Redis already held as the markers say.
    pub links_kept: u32,
    /// Pairs whose link an agent removed (tombstone still in Redis).
    pub skipped_removed: u32,
    /// Pairs left alone because markers or Redis disagree; each says why.
    pub conflicts: Vec<String>,
    /// Sides that carry no marker Ponte can search.
    pub sides_skipped: Vec<String>,
    pub error: Option<String>,
}

/// One marker: the ticket carrying it, on `side`, names `other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub side: Side,
    pub ticket: String,
    pub other: String,
}

/// Sides whose tickets carry searchable markers.
pub(crate) fn searchable(integration: &Integration) -> Vec<Side> {
    [Side::Source, Side::Target]
        .into_iter()
        .filter(|s| integration.endpoint(*s).provider == Provider::Movidesk)
        .collect()
}

/// Reads the markers, then writes the links Redis lacks. `report` is called
/// after each step with the progress so far.
pub(crate) async fn rebuild(
    store: &Store,
    integration: &Integration,
    settings: RebuildSettings,
    progress: &mut Progress,
    report: &(dyn Fn(&Progress) + Send + Sync),
) -> Result<(), String> {
    let others: Vec<String> = store
        .integrations()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|i| i.id)
        .filter(|id| *id != integration.id)
        .collect();
    let http = reqwest::Client::new();
    let mut found = Vec::new();
    for side in [Side::Source, Side::Target] {
        let endpoint = integration.endpoint(side);
        if endpoint.provider != Provider::Movidesk {
            progress.sides_skipped.push(format!(
                "{} ({}): its tickets carry no marker Ponte can search",
                side.as_str(),
                endpoint.provider
            ));
            continue;
        }
        let rate = RateLimit {
            per_minute: settings.movidesk_per_minute,
            max_wait: Duration::from_secs(60),
        };
        let client = Client::new(&http, endpoint, Accounts::new(store, Priority::Bulk), rate)
            .map_err(|e| e.to_string())?;
        let prefix = format!("ponte-{}-", integration.id);
        let other_numeric = integration.endpoint(side.other()).provider == Provider::Movidesk;
        let mut skip = 0;
        loop {
            let page = read_page(&client, &prefix, skip).await?;
            progress.pages_read += 1;
            for t in &page {
                let mut marked = false;
                for tag in t.tags.iter().flatten() {
                    if let Some(other) = own_marker(&integration.id, &others, tag, other_numeric) {
                        marked = true;
                        found.push(Found {
                            side,
                            ticket: t.id.clone(),
                            other: other.to_string(),
                        });
                    }
                }
                progress.tickets_marked += u32::from(marked);
            }
            report(progress);
            if page.len() < ponte_movidesk_io::client::PAGE {
                break;
            }
            skip += page.len();
            pace(settings.movidesk_per_minute).await;
        }
    }
    let (pairs, conflicts) = pairs(&found);
    progress.pairs_found = pairs.len() as u32;
    progress.conflicts.extend(conflicts);
    report(progress);
    for (source, target) in pairs {
        write(store, integration, &source, &target, progress)
            .await
            .map_err(|e| e.to_string())?;
        report(progress);
    }
    Ok(())
}

/// One page, retried while the provider or its budget asks to wait.
async fn read_page(
    client: &Client<'_>,
    prefix: &str,
    skip: usize,
) -> Result<Vec<ponte_movidesk::markers::Tagged>, String> {
    let mut tries = 0;
    loop {
        match client.tagged_with_prefix(prefix, skip).await {
            Ok(page) => return Ok(page),
            Err(ExecError::Transient {
                reason,
                retry_after,
                ..
            }) if tries < 8 => {
                tries += 1;
                let wait = retry_after.unwrap_or(Duration::from_secs(2 * tries));
                tracing::info!(%reason, wait_ms = wait.as_millis() as u64, "rebuild waits for Movidesk");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Half the budget at most: one page every `120 / per_minute` seconds.
async fn pace(per_minute: u32) {
    if per_minute > 0 {
        tokio::time::sleep(Duration::from_secs_f64(120.0 / f64::from(per_minute))).await;
    }
}

/// The other ticket `tag` names when it is this integration's marker (and
/// not the marker of another integration whose id extends this one).
fn own_marker<'a>(
    integration: &str,
    others: &[String],
    tag: &'a str,
    numeric: bool,
) -> Option<&'a str> {
    let other = marker_target(integration, tag)?;
    if others
        .iter()
        .any(|o| o.len() > integration.len() && marker_target(o, tag).is_some())
    {
        return None;
    }
    if numeric && !other.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(other)
}

/// Pairs (source, target) that the markers name without contradiction; a
/// ticket named with two different partners is a conflict, left alone.
pub(crate) fn pairs(found: &[Found]) -> (Vec<(String, String)>, Vec<String>) {
    let mut all: BTreeSet<(String, String)> = BTreeSet::new();
    for f in found {
        all.insert(match f.side {
            Side::Source => (f.ticket.clone(), f.other.clone()),
            Side::Target => (f.other.clone(), f.ticket.clone()),
        });
    }
    let mut by_source: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut by_target: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (s, t) in &all {
        by_source.entry(s).or_default().insert(t);
        by_target.entry(t).or_default().insert(s);
    }
    let mut ok = Vec::new();
    let mut conflicts = Vec::new();
    for (s, t) in &all {
        let (ts, ss) = (&by_source[s.as_str()], &by_target[t.as_str()]);
        if ts.len() > 1 {
            conflicts.push(format!(
                "source #{s} is marked with several targets: {}",
                ts.iter()
                    .map(|x| format!("#{x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else if ss.len() > 1 {
            conflicts.push(format!(
                "target #{t} is marked with several sources: {}",
                ss.iter()
                    .map(|x| format!("#{x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else {
            ok.push((s.clone(), t.clone()));
        }
    }
    conflicts.dedup();
    (ok, conflicts)
}

async fn write(
    store: &Store,
    integration: &Integration,
    source: &str,
    target: &str,
    progress: &mut Progress,
) -> Result<(), ponte_store::StoreError> {
    let id = Link::id_for(&integration.id, source);
    if store.link_removed(&id).await? {
        progress.skipped_removed += 1;
        return Ok(());
    }
    match store.link(&id).await? {
        Some(l) if l.target_ticket == target => progress.links_kept += 1,
        Some(l) => progress.conflicts.push(format!(
            "link {id} holds target #{} but the markers name #{target}; left as is",
            l.target_ticket
        )),
        None => {
            if let Some(l) = store.link_of(&integration.id, Side::Target, target).await? {
                if l.source_ticket == source {
                    // A worker linked the pair meanwhile.
                    progress.links_kept += 1;
                    return Ok(());
                }
                progress.conflicts.push(format!(
                    "target #{target} is already linked by {}; #{source} left unlinked",
                    l.id
                ));
                return Ok(());
            }
            let link = Link {
                id,
                integration: integration.id.clone(),
                source_ticket: source.to_string(),
                target_ticket: target.to_string(),
                origin: match integration.mode {
                    Mode::Automatic => LinkOrigin::Automatic,
                    Mode::Manual => LinkOrigin::Manual,
                },
                created_at: Utc::now(),
            };
            store.put_link(&link).await?;
            store.remove_eligible(&integration.id, source).await?;
            progress.links_written += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(side: Side, ticket: &str, other: &str) -> Found {
        Found {
            side,
            ticket: ticket.into(),
            other: other.into(),
        }
    }

    #[test]
    fn both_markers_of_a_pair_make_one_link_and_either_alone_too() {
        let (ok, conflicts) = pairs(&[
            f(Side::Source, "10", "80"),
            f(Side::Target, "80", "10"),
            f(Side::Target, "81", "11"),
            f(Side::Source, "12", "82"),
        ]);
        assert_eq!(
            ok,
            [("10", "80"), ("11", "81"), ("12", "82")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert!(conflicts.is_empty());
    }

    #[test]
    fn a_ticket_named_twice_is_a_conflict_not_a_guess() {
        let (ok, conflicts) = pairs(&[
            f(Side::Source, "10", "80"),
            f(Side::Target, "81", "10"),
            f(Side::Source, "11", "82"),
        ]);
        assert_eq!(ok, [("11".to_string(), "82".to_string())]);
        // One line per contradicted ticket, naming both partners.
        assert_eq!(
            conflicts,
            ["source #10 is marked with several targets: #80, #81"],
            "{conflicts:?}"
        );
    }

    #[test]
    fn only_this_integrations_markers_count() {
        let others = vec!["movi-movi".to_string(), "mo".to_string()];
        assert_eq!(
            own_marker("movi", &others, "ponte-movi-123", true),
            Some("123")
        );
        assert_eq!(
            own_marker("movi", &others, "ponte-movi-movi-123", true),
            None
        );
        assert_eq!(own_marker("movi", &others, "ponte-movi-abc", true), None);
        assert_eq!(
            own_marker("movi", &others, "ponte-movi-abc", false),
            Some("abc")
        );
        assert_eq!(own_marker("movi", &others, "urgent", true), None);
    }
}
