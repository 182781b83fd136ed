use std::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// A credential. Its `Debug` and `Display` never show the value; reads
/// through the admin API use [`Secret::redacted`].
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

pub const REDACTED: &str = "***";

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares in constant time with respect to the content.
    pub fn matches(&self, presented: &str) -> bool {
        !self.0.is_empty() && bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }

    pub fn redacted(&self) -> Secret {
        if self.0.is_empty() {
            Secret::default()
        } else {
            Secret(REDACTED.to_string())
        }
    }

    /// True when a client sent the redacted placeholder back, meaning "keep
    /// the stored value".
    pub fn is_placeholder(&self) -> bool {
        self.0 == REDACTED
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("hunter22");
        assert!(!format!("{s:?} {s}").contains("hunter22"));
        assert!(s.matches("hunter22"));
        assert!(!s.matches("hunter2"));
        assert!(!Secret::default().matches(""));
    }
}
