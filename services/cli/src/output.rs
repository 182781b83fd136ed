//! Plain tables for the terminal.

/// Prints rows under headers, columns padded to the widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_uppercase()).collect());
    for row in rows {
        line(row.clone());
    }
    if rows.is_empty() {
        println!("(none)");
    }
}

/// A JSON value as a short cell.
pub fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How long ago an RFC 3339 time in `v` was, as `45s`, `12m`, `3h` or `2d`;
/// `-` when there is none.
pub fn age(v: &serde_json::Value, now: chrono::DateTime<chrono::Utc>) -> String {
    let Some(at) = v
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    else {
        return "-".to_string();
    };
    let secs = (now - at.with_timezone(&chrono::Utc)).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3_600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::age;
    use serde_json::json;

    #[test]
    fn ages_read_like_a_person_says_them() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("time");
        assert_eq!(age(&json!("2026-12-03T11:59:15Z"), now), "45s");
        assert_eq!(age(&json!("2026-12-03T11:48:00Z"), now), "12m");
        assert_eq!(age(&json!("2026-12-03T09:00:00+00:00"), now), "3h");
        assert_eq!(age(&json!("2026-12-01T10:00:00Z"), now), "2d");
        assert_eq!(age(&json!(null), now), "-");
        assert_eq!(age(&json!("yesterday"), now), "-");
    }
}
