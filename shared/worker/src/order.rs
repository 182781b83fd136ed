//! Per-key order across retries: the names of a key's hold and what is kept
//! behind it (see `ponte_store` holds).

use ponte_bus::Headers;
use ponte_core::Envelope;

/// A key's lane: its queue and its shard key. Holds are per lane, so a
/// command waiting for its retry holds back only the later commands of its
/// own key on its own queue.
pub(crate) struct Lane {
    name: String,
    queue_len: usize,
}

impl Lane {
    pub(crate) fn of(queue: &str, env: &Envelope) -> Lane {
        Lane {
            name: format!("{queue}:{}", env.shard_key),
            queue_len: queue.len(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.name
    }

    /// The queue the key's commands go back to.
    pub(crate) fn queue(&self) -> &str {
        &self.name[..self.queue_len]
    }
}

/// A command kept behind its key's command in retry, as stored in Redis:
/// the envelope and its headers (trace context) as they arrived.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct HeldMessage {
    pub envelope: Envelope,
    pub headers: Headers,
}

impl HeldMessage {
    pub(crate) fn new(envelope: &Envelope, headers: &Headers) -> HeldMessage {
        HeldMessage {
            envelope: envelope.clone(),
            headers: headers.clone(),
        }
    }

    pub(crate) fn encode(envelope: &Envelope, headers: &Headers) -> String {
        // Owned JSON values and string maps always serialise.
        serde_json::to_string(&HeldMessage::new(envelope, headers)).unwrap_or_default()
    }

    pub(crate) fn parse(raw: &str) -> Result<HeldMessage, serde_json::Error> {
        serde_json::from_str(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use ponte_core::{Command, Operation, Provider, Side};

    #[test]
    fn a_lane_names_its_queue_and_key_and_a_held_message_round_trips() {
        let command = Command {
            integration: "mm".into(),
            side: Side::Source,
            provider: Provider::Movidesk,
            cause: "e1".into(),
            op: Operation::AssignAgent {
                link_id: "mm:101".into(),
                desk_owner: None,
            },
        };
        let mut env = Envelope::command(command, Utc::now());
        env.attempt = 2;
        let lane = Lane::of("ns.work.movidesk.1", &env);
        assert_eq!(lane.as_str(), "ns.work.movidesk.1:mm:101");
        assert_eq!(lane.queue(), "ns.work.movidesk.1");
        let mut headers = Headers::new();
        headers.insert("traceparent".into(), "00-abc-def-01".into());
        let back = HeldMessage::parse(&HeldMessage::encode(&env, &headers)).expect("parse");
        assert_eq!(back.envelope, env);
        assert_eq!(back.headers, headers);
    }
}
