//! The seed: tenants registered at start, from a JSON or TOML file
//! (`{"movidesk": {"domains": [ …same objects as POST /_sandbox/movidesk/domains… ]}}`).

use std::path::Path;

use serde::Deserialize;

use crate::SandboxError;
use crate::blip::config::ContractSpec;
use crate::movidesk::config::DomainSpec;
use crate::octadesk::config::TenantSpec as OctadeskTenantSpec;
use crate::okdesk::config::AccountSpec as OkdeskAccountSpec;
use crate::uis::config::AccountSpec as UisAccountSpec;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedConfig {
    #[serde(default)]
    pub movidesk: MovideskSeed,
    #[serde(default)]
    pub blip: BlipSeed,
    #[serde(default)]
    pub okdesk: OkdeskSeed,
    #[serde(default)]
    pub uis: UisSeed,
    #[serde(default)]
    pub octadesk: OctadeskSeed,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovideskSeed {
    #[serde(default)]
    pub domains: Vec<DomainSpec>,
}

/// `{"blip": {"contracts": [ …same objects as POST /_sandbox/blip/contracts… ]}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlipSeed {
    #[serde(default)]
    pub contracts: Vec<ContractSpec>,
}

/// `{"okdesk": {"accounts": [ …same objects as POST /_sandbox/okdesk/accounts… ]}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OkdeskSeed {
    #[serde(default)]
    pub accounts: Vec<OkdeskAccountSpec>,
}

/// `{"uis": {"accounts": [ …same objects as POST /_sandbox/uis/accounts… ]}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UisSeed {
    #[serde(default)]
    pub accounts: Vec<UisAccountSpec>,
}

/// `{"octadesk": {"tenants": [ …same objects as POST /_sandbox/octadesk/tenants… ]}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OctadeskSeed {
    #[serde(default)]
    pub tenants: Vec<OctadeskTenantSpec>,
}

impl SeedConfig {
    /// Reads a seed file: TOML when the name ends in `.toml`, JSON otherwise.
    pub fn from_file(path: &Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|error| SandboxError::SeedRead {
            path: path.to_owned(),
            error,
        })?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let parsed = if is_toml {
            Self::from_toml_str(&text)
        } else {
            Self::from_json_str(&text)
        };
        parsed.map_err(|message| SandboxError::SeedParse {
            path: path.to_owned(),
            message,
        })
    }

    pub fn from_json_str(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    pub fn from_toml_str(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_and_toml_and_names_bad_keys() {
        let json = r#"{"movidesk":{"domains":[{"name":"a","token":"t","persons":[{"id":"1","businessName":"A"}]}]}}"#;
        let seed = SeedConfig::from_json_str(json).unwrap();
        assert_eq!(seed.movidesk.domains[0].rate_limit_per_minute, 10);
        let toml = "[[movidesk.domains]]\nname = \"a\"\ntoken = \"t\"\nrate_limit_per_minute = 0\n[[movidesk.domains.persons]]\nid = \"1\"\nbusinessName = \"A\"\n";
        let seed = SeedConfig::from_toml_str(toml).unwrap();
        assert_eq!(seed.movidesk.domains[0].rate_limit_per_minute, 0);
        assert_eq!(seed.movidesk.domains[0].persons.len(), 1);
        let err = SeedConfig::from_json_str(
            r#"{"movidesk":{"domains":[{"name":"a","token":"t","rate_limit":1}]}}"#,
        )
        .unwrap_err();
        assert!(err.contains("rate_limit"), "{err}");
    }
}
