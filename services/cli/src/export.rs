//! `ponte integrations export`: downloads the integration center's export
//! (XLSX or CSV, never a secret in it) and writes it to a file.
//!
//! The admin API answers with the file's bytes rather than JSON, so this
//! makes its own GET with the same base URL and token as
//! [`crate::api::AdminClient`], and reports refusals the same way.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::api::ApiError;

/// The formats the admin API offers.
pub const FORMATS: [&str; 2] = ["xlsx", "csv"];

/// Downloads `GET /api/v1/integrations/export?format=…` from the admin API
/// at `base_url` and writes it to `out`; returns the number of bytes
/// written. A refusal (`{"error": {"code", "message"}}`) becomes an error
/// that shows the status, code and message.
pub async fn export(
    base_url: &str,
    token: &str,
    format: &str,
    out: &Path,
) -> anyhow::Result<usize> {
    let base = base_url.trim_end_matches('/');
    let url = format!("{base}/api/v1/integrations/export");
    let resp = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token)
        .query(&[("format", format)])
        .send()
        .await
        .map_err(|e| ApiError::Unreachable {
            url: base.to_string(),
            message: e.without_url().to_string(),
        })?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| ApiError::Unreachable {
        url: base.to_string(),
        message: format!("the download broke off: {}", e.without_url()),
    })?;
    if !status.is_success() {
        return Err(refusal(status.as_u16(), &bytes).into());
    }
    std::fs::write(out, &bytes)
        .with_context(|| format!("cannot write the export to {}", out.display()))?;
    Ok(bytes.len())
}

/// The error for a non-2xx answer, from the admin API's JSON error body
/// when there is one.
pub fn refusal(status: u16, body: &[u8]) -> ApiError {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = value["error"]["code"].as_str().map(str::to_string);
    let message = value["error"]["message"].as_str().map(str::to_string);
    match (code, message) {
        (Some(code), Some(message)) => ApiError::Refused {
            status,
            code,
            message,
        },
        _ if status == 404 => ApiError::Refused {
            status,
            code: "not_found".into(),
            message: "this ponte-admin has no integration export (is it older than this CLI?)"
                .into(),
        },
        (code, _) => ApiError::Refused {
            status,
            code: code.unwrap_or_else(|| "error".into()),
            message: String::from_utf8_lossy(body)
                .trim()
                .chars()
                .take(500)
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_refusal_reads_as_its_code_and_message() {
        let body = br#"{"error":{"code":"invalid_format","message":"unknown export format `pdf`; accepted: xlsx, csv"}}"#;
        assert_eq!(
            refusal(400, body).to_string(),
            "400 invalid_format: unknown export format `pdf`; accepted: xlsx, csv"
        );
    }

    #[test]
    fn other_refusals_still_read_well() {
        assert!(
            refusal(404, b"")
                .to_string()
                .contains("no integration export")
        );
        assert_eq!(
            refusal(502, b"bad gateway\n").to_string(),
            "502 error: bad gateway"
        );
    }
}
