//! `ponte integrations rotate-secret`: a side's new inbound secret through
//! the admin API, the old one still accepted for an overlap window. The
//! admin generates the secret (or takes one from standard input); it is
//! printed once and never readable again, and the old one is never shown.

use std::io::Read;
use std::time::Duration;

use serde_json::{Value, json};

use crate::api::AdminClient;

/// The longest overlap the admin accepts (30 days).
pub const MAX_OVERLAP: Duration = Duration::from_secs(30 * 24 * 3600);

/// A duration such as `0s`, `90m`, `24h` or `7d`, at most 30 days.
pub fn parse_overlap(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 0s, 90m, 24h or 7d"))?;
    let unit = match &s[digits.len()..] {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 24 * 3600,
        _ => return Err(format!("`{s}` is not a duration like 0s, 90m, 24h or 7d")),
    };
    let d = Duration::from_secs(n.saturating_mul(unit));
    if d > MAX_OVERLAP {
        return Err(format!("`{s}` is longer than the 30 days allowed"));
    }
    Ok(d)
}

/// What the rotation asks of the admin.
pub struct Rotation {
    pub id: String,
    pub side: String,
    pub overlap: Duration,
    /// Read the new secret from standard input instead of generating one.
    pub secret_stdin: bool,
}

/// Rotates, and returns the admin's answer and the line to print.
pub async fn rotate(admin: &AdminClient, r: &Rotation) -> anyhow::Result<(Value, String)> {
    let mut body = json!({"side": r.side, "overlap_secs": r.overlap.as_secs()});
    if r.secret_stdin {
        let mut given = String::new();
        std::io::stdin().read_to_string(&mut given)?;
        let given = given.trim_end_matches(['\r', '\n']);
        if given.is_empty() {
            anyhow::bail!("--secret-stdin: standard input held no secret");
        }
        body["secret"] = given.into();
    }
    let answer = admin
        .post(&format!("/integrations/{}/inbound-secret", r.id), &body)
        .await?;
    let line = line(r, &answer);
    Ok((answer, line))
}

/// One line: what changed, until when the old secret works, and the new
/// secret when the admin generated it (shown once).
pub fn line(r: &Rotation, answer: &Value) -> String {
    let until = answer[r.side.as_str()]["previous_inbound_secret"]["until"].as_str();
    let old = match until {
        Some(t) if !r.overlap.is_zero() => format!("the old one is accepted until {t}"),
        _ => "the old one is refused from now on".to_string(),
    };
    let new = match answer["new_inbound_secret"].as_str() {
        Some(s) => format!(
            "new secret (shown only this once, store it now and set it at the provider): {s}"
        ),
        None => "the new secret is the one given on standard input".to_string(),
    };
    format!(
        "rotated the {} inbound secret of integration {}; {old}; {new}",
        r.side, r.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_read_like_the_docs_write_them() {
        assert_eq!(parse_overlap("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_overlap("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_overlap("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_overlap("31d").is_err());
        assert!(parse_overlap("1w").is_err());
        assert!(parse_overlap("h").is_err());
    }

    #[test]
    fn the_line_shows_the_generated_secret_and_never_the_old_one() {
        let r = Rotation {
            id: "desk".into(),
            side: "source".into(),
            overlap: Duration::from_secs(3600),
            secret_stdin: false,
        };
        let answer = json!({
            "source": {"inbound_secret": "***", "previous_inbound_secret": {"secret": "***", "until": "2030-01-01T00:00:00Z"}},
            "new_inbound_secret": "abc123",
        });
        let l = line(&r, &answer);
        assert!(!l.contains('\n'));
        assert!(l.contains("until 2030-01-01T00:00:00Z"), "{l}");
        assert!(l.ends_with("abc123"), "{l}");
        assert!(l.contains("only this once"), "{l}");
    }
}
