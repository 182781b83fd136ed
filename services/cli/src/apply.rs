//! `ponte apply -f integrations.toml`: declare integrations in a file.
//!
//! `${NAME}` anywhere in the file is replaced by the environment variable
//! NAME, so tokens need not be written into the file.

use ponte_core::Integration;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: `${{{name}}}` is used but the environment variable {name} is not set")]
    MissingVariable { path: String, name: String },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: integration `{id}`: {message}")]
    Invalid {
        path: String,
        id: String,
        message: String,
    },
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    integration: Vec<Integration>,
}

/// Reads, expands and validates every integration of the file; nothing is
/// sent unless all of them are valid.
pub fn load(path: &str) -> Result<Vec<Integration>, ApplyError> {
    let text = std::fs::read_to_string(path).map_err(|source| ApplyError::Read {
        path: path.to_string(),
        source,
    })?;
    parse(path, &text, |name| std::env::var(name).ok())
}

pub fn parse(
    path: &str,
    text: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Integration>, ApplyError> {
    let expanded = expand(path, text, env)?;
    let file: File = toml::from_str(&expanded).map_err(|e| ApplyError::Parse {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    if file.integration.is_empty() {
        return Err(ApplyError::Parse {
            path: path.to_string(),
            message: "no [[integration]] tables found".into(),
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    for i in &file.integration {
        i.validate().map_err(|e| ApplyError::Invalid {
            path: path.to_string(),
            id: i.id.clone(),
            message: e.to_string(),
        })?;
        if !seen.insert(i.id.clone()) {
            return Err(ApplyError::Invalid {
                path: path.to_string(),
                id: i.id.clone(),
                message: "declared twice".into(),
            });
        }
    }
    Ok(file.integration)
}

/// Replaces `${NAME}` on every line that is not a comment.
fn expand(
    path: &str,
    text: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, ApplyError> {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
        } else {
            expand_line(path, line, &env, &mut out)?;
        }
    }
    Ok(out)
}

fn expand_line(
    path: &str,
    line: &str,
    env: &impl Fn(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), ApplyError> {
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(());
        };
        let name = &after[..end];
        let value = env(name).ok_or_else(|| ApplyError::MissingVariable {
            path: path.to_string(),
            name: name.to_string(),
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
# `${NOT_EXPANDED}` in a comment stays as it is
[[integration]]
id = "mm"
name = "Movi-Movi"
generator_agent = "gen"
source_agent = "ponte-a"
[integration.source]
provider = "movidesk"
base_url = "http://127.0.0.1:8090/movidesk/public/v1"
inbound_secret = "source-secret-0123456789"
credentials = { token = "${TOKEN_A}" }
[integration.target]
provider = "movidesk"
base_url = "http://127.0.0.1:8090/movidesk/public/v1"
inbound_secret = "target-secret-0123456789"
credentials = { token = "tb" }
"#;

    #[test]
    fn expands_variables_and_validates() {
        let got = parse("f.toml", FILE, |n| {
            (n == "TOKEN_A").then(|| "ta".to_string())
        })
        .expect("valid");
        assert_eq!(
            got[0].source.credential("token").map(|s| s.expose()),
            Some("ta")
        );
        assert_eq!(got[0].mode, ponte_core::Mode::Automatic);
    }

    #[test]
    fn errors_name_the_variable_and_the_field() {
        let e = parse("f.toml", FILE, |_| None).unwrap_err();
        assert!(e.to_string().contains("TOKEN_A"), "{e}");
        let bad = FILE.replace(
            "http://127.0.0.1:8090/movidesk/public/v1\"\ninbound_secret = \"target",
            "ftp://x\"\ninbound_secret = \"target",
        );
        let e = parse("f.toml", &bad, |_| Some("t".into())).unwrap_err();
        assert!(e.to_string().contains("target.base_url"), "{e}");
    }
}
