//! The integration center's export: every integration as one spreadsheet
//! row, as XLSX (the default) or RFC 4180 CSV. Only the listed, non-secret
//! fields are read, so credentials and inbound secrets can never reach a
//! file, whatever fields `Integration` grows later.

use std::fmt::Debug;
use std::sync::Arc;

use axum::extract::{Query, State as AxumState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use ponte_core::Integration;
use ponte_http::ApiError;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::{Deserialize, Serialize};

use crate::app::State;
use crate::body::store_error;

/// The column titles, in order; every row has one cell per column.
pub(crate) const HEADERS: [&str; 13] = [
    "id",
    "name",
    "enabled",
    "mode",
    "source provider",
    "source base URL",
    "target provider",
    "target base URL",
    "send all status changes",
    "client key",
    "create missing client",
    "generator agent",
    "updated at",
];

pub(crate) const SHEET_NAME: &str = "Integrations";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV_TYPE: &str = "text/csv; charset=utf-8";
const MIN_WIDTH: usize = 10;
const MAX_WIDTH: usize = 60;

#[derive(Debug, Deserialize)]
pub(crate) struct ExportQuery {
    format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    const ACCEPTED: &'static str = "xlsx, csv";

    fn parse(requested: Option<&str>) -> Result<ExportFormat, ApiError> {
        match requested.map(|f| f.trim().to_ascii_lowercase()).as_deref() {
            None | Some("xlsx") => Ok(ExportFormat::Xlsx),
            Some("csv") => Ok(ExportFormat::Csv),
            Some(other) => Err(ApiError::bad_request(
                "invalid_format",
                format!(
                    "unknown export format `{other}`; accepted: {}",
                    ExportFormat::ACCEPTED
                ),
            )),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => XLSX_TYPE,
            ExportFormat::Csv => CSV_TYPE,
        }
    }
}

/// One cell: booleans stay booleans in XLSX; everything else is text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Bool(bool),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Bool(b) => b.to_string(),
        }
    }

    fn width(&self) -> usize {
        match self {
            Cell::Text(s) => s.chars().count(),
            Cell::Bool(_) => 5,
        }
    }
}

/// An enum's wire name (`automatic`, `code_reference`), as the API shows it.
fn label<T: Serialize + Debug>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{value:?}").to_lowercase(),
    }
}

/// The row of one integration. Reads only non-secret fields.
pub(crate) fn row(i: &Integration) -> [Cell; 13] {
    [
        Cell::Text(i.id.clone()),
        Cell::Text(i.name.clone()),
        Cell::Bool(i.enabled),
        Cell::Text(label(&i.mode)),
        Cell::Text(i.source.provider.as_str().to_string()),
        Cell::Text(i.source.base_url.clone()),
        Cell::Text(i.target.provider.as_str().to_string()),
        Cell::Text(i.target.base_url.clone()),
        Cell::Bool(i.send_all_status_changes),
        Cell::Text(label(&i.client_key)),
        Cell::Bool(i.create_missing_client),
        Cell::Text(i.generator_agent.clone().unwrap_or_default()),
        Cell::Text(
            i.updated_at
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                .unwrap_or_default(),
        ),
    ]
}

/// RFC 4180: CRLF line ends; a field with a comma, a quote or a line break
/// is quoted, and its quotes doubled.
fn csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

pub(crate) fn to_csv(rows: &[[Cell; 13]]) -> String {
    let mut out = String::new();
    let header = HEADERS.map(String::from);
    let lines = std::iter::once(header).chain(rows.iter().map(|r| r.clone().map(|c| c.text())));
    for line in lines {
        for (n, field) in line.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            csv_field(&mut out, field);
        }
        out.push_str("\r\n");
    }
    out
}

pub(crate) fn to_xlsx(rows: &[[Cell; 13]]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    let mut widths = HEADERS.map(|h| h.chars().count());
    for (col, title) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (r, cells) in (1u32..).zip(rows) {
        for ((col, cell), width) in (0u16..).zip(cells).zip(widths.iter_mut()) {
            match cell {
                Cell::Text(s) => sheet.write_string(r, col, s)?,
                Cell::Bool(b) => sheet.write_boolean(r, col, *b)?,
            };
            *width = (*width).max(cell.width());
        }
    }
    for (col, width) in (0u16..).zip(widths) {
        let width = (width + 2).clamp(MIN_WIDTH, MAX_WIDTH);
        sheet.set_column_width(col, u32::try_from(width).unwrap_or(60))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(HEADERS.len() - 1).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, last_col)?;
    workbook.save_to_buffer()
}

/// `GET /api/v1/integrations/export?format=xlsx|csv` (xlsx by default).
pub(crate) async fn export(
    AxumState(state): AxumState<Arc<State>>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    download(&state, q.format.as_deref()).await
}

/// The export file as a download; the API and the console share it.
pub(crate) async fn download(state: &State, requested: Option<&str>) -> Result<Response, ApiError> {
    let format = ExportFormat::parse(requested)?;
    let integrations = state.store.integrations().await.map_err(store_error)?;
    let rows: Vec<[Cell; 13]> = integrations.iter().map(row).collect();
    let body = match format {
        ExportFormat::Csv => to_csv(&rows).into_bytes(),
        ExportFormat::Xlsx => to_xlsx(&rows).map_err(|e| {
            tracing::error!(error = %e, "cannot write the XLSX export");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "export_failed",
                format!("cannot write the XLSX file: {e}"),
            )
        })?,
    };
    let filename = format!(
        "ponte-integrations-{}.{}",
        Utc::now().format("%Y-%m-%d"),
        format.extension()
    );
    tracing::info!(
        format = format.extension(),
        integrations = rows.len(),
        bytes = body.len(),
        "integrations exported"
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Built from JSON, as the API receives it, so fields added to
    /// `Integration` later take their defaults here.
    fn integration() -> Integration {
        let endpoint = |provider: &str, secret: &str| {
            json!({
                "provider": provider, "base_url": "https://api.example.test/v1",
                "credentials": {"token": "cred-TOKEN-xyz", "api_token": "cred-API-xyz"},
                "inbound_secret": secret,
            })
        };
        serde_json::from_value(json!({
            "id": "movi-movi", "name": "Suporte, \"N1\"\nSão Paulo", "enabled": false,
            "mode": "manual", "send_all_status_changes": true, "client_key": "code_reference",
            "create_missing_client": false, "generator_agent": "gen-b",
            "source": endpoint("movidesk", "inbound-SOURCE-0123456789"),
            "target": endpoint("okdesk", "inbound-TARGET-0123456789"),
            "updated_at": "2026-01-02T03:04:05.678Z",
        }))
        .expect("an integration")
    }

    #[test]
    fn formats_default_to_xlsx_and_unknown_ones_are_refused() {
        assert_eq!(ExportFormat::parse(None).ok(), Some(ExportFormat::Xlsx));
        assert_eq!(
            ExportFormat::parse(Some("CSV")).ok(),
            Some(ExportFormat::Csv)
        );
        let refused = ExportFormat::parse(Some("pdf"))
            .err()
            .map(|e| e.into_response());
        assert_eq!(refused.map(|r| r.status()), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn a_row_has_the_listed_fields_and_no_secret() {
        let r = row(&integration());
        let texts: Vec<String> = r.iter().map(Cell::text).collect();
        assert_eq!(
            texts,
            [
                "movi-movi",
                "Suporte, \"N1\"\nSão Paulo",
                "false",
                "manual",
                "movidesk",
                "https://api.example.test/v1",
                "okdesk",
                "https://api.example.test/v1",
                "true",
                "code_reference",
                "false",
                "gen-b",
                "2026-01-02T03:04:05Z",
            ]
        );
        let csv = to_csv(&[r]);
        for secret in ["cred-", "inbound-SOURCE", "inbound-TARGET"] {
            assert!(!csv.contains(secret), "{secret} leaked: {csv}");
        }
    }

    #[test]
    fn csv_quotes_what_rfc_4180_says() {
        let csv = to_csv(&[row(&integration())]);
        let mut lines = csv.split("\r\n");
        assert_eq!(
            lines.next(),
            Some(
                "id,name,enabled,mode,source provider,source base URL,target provider,\
                 target base URL,send all status changes,client key,create missing client,\
                 generator agent,updated at"
            )
        );
        assert!(
            csv.contains(",\"Suporte, \"\"N1\"\"\nSão Paulo\",false,"),
            "{csv}"
        );
        assert!(csv.ends_with("\r\n"));
    }

    #[test]
    fn xlsx_is_a_zip_package() {
        let bytes = to_xlsx(&[row(&integration())]).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"), "not a zip");
        let empty = to_xlsx(&[]).unwrap_or_default();
        assert!(empty.starts_with(b"PK"), "an empty export still opens");
    }
}
