//! Injected command failures: the next matching command is answered `HTTP 200` with
//! `status: failure` and the given reason, without being applied — the way Blip reports every command
//! failure. Set with `PUT /_sandbox/blip/{contract}/command-failure`.

use serde::{Deserialize, Serialize};

use super::reason::Reason;

/// The control API's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandFailureSpec {
    /// Only commands whose `uri` starts with this (null: every desk command).
    #[serde(default)]
    pub uri_prefix: Option<String>,
    /// Only commands with this method (`get`, `set`…; null: any).
    #[serde(default)]
    pub method: Option<String>,
    /// The LIME reason code answered.
    pub code: u32,
    #[serde(default)]
    pub description: Option<String>,
    /// Only the next N matching commands (null: until cleared).
    #[serde(default)]
    pub count: Option<u32>,
}

impl CommandFailureSpec {
    pub fn validate(&self) -> Result<(), String> {
        if self.count == Some(0) {
            return Err("count must be at least 1 (or null for no limit)".to_owned());
        }
        if let Some(m) = &self.method
            && !super::envelope::COMMAND_METHODS.contains(&m.to_ascii_lowercase().as_str())
        {
            return Err(format!("method '{m}' is not a LIME command method"));
        }
        Ok(())
    }
}

/// An active injected failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandFailure {
    #[serde(flatten)]
    pub spec: CommandFailureSpec,
    /// Matching commands left (null: no limit).
    pub remaining: Option<u32>,
    /// Commands failed so far.
    pub matched: u64,
}

impl CommandFailure {
    pub fn new(spec: CommandFailureSpec) -> Self {
        Self {
            remaining: spec.count,
            spec,
            matched: 0,
        }
    }

    fn matches(&self, method: &str, uri: &str) -> bool {
        self.spec
            .uri_prefix
            .as_ref()
            .is_none_or(|p| uri.starts_with(p.as_str()))
            && self
                .spec
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// The reason to answer for this command, if it matches. Returns also whether the rule is spent.
    pub fn take(&mut self, method: &str, uri: &str) -> Option<(Reason, bool)> {
        if !self.matches(method, uri) || self.remaining == Some(0) {
            return None;
        }
        self.matched += 1;
        if let Some(n) = self.remaining.as_mut() {
            *n -= 1;
        }
        let reason = Reason::new(
            self.spec.code,
            self.spec
                .description
                .clone()
                .unwrap_or_else(|| "Injected failure".to_owned()),
        );
        Some((reason, self.remaining == Some(0)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn matches_prefix_and_method_and_expires() {
        let spec: CommandFailureSpec = serde_json::from_str(
            r#"{"uri_prefix":"/tickets/change-status","method":"set","code":32,"count":1}"#,
        )
        .unwrap();
        let mut f = CommandFailure::new(spec);
        assert!(f.take("get", "/tickets/change-status").is_none());
        assert!(f.take("set", "/ticket/1").is_none());
        let (reason, spent) = f.take("set", "/tickets/change-status").unwrap();
        assert_eq!(reason.code, 32);
        assert!(spent);
        assert!(f.take("set", "/tickets/change-status").is_none());
    }
}
