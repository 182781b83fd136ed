//! Deterministic identifiers. The same provider payload always maps to the
//! same event id, and the same event and target to the same command id, so
//! retries anywhere in the chain are recognised as repeats.

use sha2::{Digest, Sha256};

/// A 128-bit hex digest of the parts, separated so that `["ab","c"]` and
/// `["a","bc"]` differ.
pub fn derive(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    hex::encode(&digest[..16])
}

/// The shard a key belongs to, stable across processes and releases.
pub fn shard_of(key: &str, shards: u16) -> u16 {
    let digest = Sha256::digest(key.as_bytes());
    let n = u16::from_be_bytes([digest[0], digest[1]]);
    n % shards.max(1)
}

/// Command id for an operation derived from an event on a target.
pub fn command_id(event_id: &str, target: &str, op: &str) -> String {
    derive(&["command", event_id, target, op])
}

/// The short reference Ponte leaves in what it writes (an action, a
/// message), to find it again after a crash and to know it as its own when
/// a provider reports it back.
pub fn reference(command_id: &str) -> String {
    format!(
        "{REFERENCE_PREFIX}{}",
        &command_id[..command_id.len().min(12)]
    )
}

pub const REFERENCE_PREFIX: &str = "ponte ref ";

/// Whether a text carries a reference Ponte left.
pub fn has_reference(text: &str) -> bool {
    text.contains(REFERENCE_PREFIX)
}

/// Fingerprint of a status Ponte set on a ticket, so the provider's webhook
/// about it is recognised as Ponte's own change.
pub fn status_echo(integration: &str, side: &str, ticket: &str, status: &str) -> String {
    derive(&[
        "echo-status",
        integration,
        side,
        ticket,
        &status.to_lowercase(),
    ])
}

/// Fingerprint of a write Ponte made that adds no action (a marker tag, a
/// counterpart field) to a ticket whose status was then `status`: the
/// provider's webhook about it lists no action and shows that status, and
/// carries nothing else Ponte could tell its own by (decision 114).
pub fn quiet_echo(integration: &str, side: &str, ticket: &str, status: &str) -> String {
    derive(&[
        "echo-quiet",
        integration,
        side,
        ticket,
        &status.to_lowercase(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_echo_is_its_tickets_and_status_and_no_status_echo() {
        let mark = quiet_echo("mm", "source", "12", "Novo");
        assert_eq!(mark, quiet_echo("mm", "source", "12", "novo"));
        assert_ne!(mark, quiet_echo("mm", "source", "12", "Em atendimento"));
        assert_ne!(mark, quiet_echo("mm", "target", "12", "Novo"));
        assert_ne!(mark, status_echo("mm", "source", "12", "Novo"));
    }

    #[test]
    fn derive_is_stable_and_separates_parts() {
        assert_eq!(derive(&["a", "b"]), derive(&["a", "b"]));
        assert_ne!(derive(&["ab", "c"]), derive(&["a", "bc"]));
        assert_eq!(derive(&["x"]).len(), 32);
    }

    #[test]
    fn shards_spread_and_stay_in_range() {
        let mut seen = [0u32; 8];
        for i in 0..800 {
            let s = shard_of(&format!("ticket-{i}"), 8);
            seen[s as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 50), "uneven spread: {seen:?}");
        assert_eq!(shard_of("k", 0), 0);
    }
}
