//! The integration center as a user works it, through the admin API and
//! the real `ponte` CLI: create, list, get (secrets hidden), disable and
//! enable, clone (disabled, no secret shown), delete, and export to XLSX
//! and CSV with one row per integration and never a secret in the file.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use ponte_cli::api::ApiError;
use ponte_e2e::{ADMIN_TOKEN, Options, Svc, TestFleet};
use serde_json::{Value, json};

const HEADERS: [&str; 13] = [
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

struct Fixture {
    secrets: Vec<String>,
    movi: Value,
    okdesk: Value,
}

/// Two integrations with every field set, names that need CSV quoting,
/// and secrets unique to this test's namespace.
fn fixture(ns: &str) -> Fixture {
    let secret = |what: &str| format!("{what}-{ns}-0123456789");
    let secrets = vec![
        secret("movi-token-a"),
        secret("movi-token-b"),
        secret("movi-inbound-a"),
        secret("movi-inbound-b"),
        secret("okd-token-a"),
        secret("okd-api-token"),
        secret("okd-inbound-a"),
        secret("okd-inbound-b"),
    ];
    let movi = json!({
        "id": "center-movi", "name": "Suporte, \"N1\" — São Paulo", "enabled": true, "mode": "automatic",
        "client_key": "email", "generator_agent": "gen-b", "source_agent": "agent-a",
        "source": {"provider": "movidesk", "base_url": "http://127.0.0.1:9/movidesk/public/v1",
                   "credentials": {"token": secrets[0]}, "inbound_secret": secrets[2]},
        "target": {"provider": "movidesk", "base_url": "http://127.0.0.1:9/movidesk-b/public/v1",
                   "credentials": {"token": secrets[1]}, "inbound_secret": secrets[3]},
    });
    let okdesk = json!({
        "id": "center-okdesk", "name": "Москва\nпилот", "enabled": true, "mode": "manual",
        "send_all_status_changes": false, "client_key": "document", "create_missing_client": false,
        "source_agent": "agent-a",
        "source": {"provider": "movidesk", "base_url": "https://example.movidesk.test/public/v1",
                   "credentials": {"token": secrets[4]}, "inbound_secret": secrets[6]},
        "target": {"provider": "okdesk", "base_url": "https://example.okdesk.test/api/v1",
                   "credentials": {"api_token": secrets[5]}, "inbound_secret": secrets[7]},
    });
    Fixture {
        secrets,
        movi,
        okdesk,
    }
}

fn assert_no_secret(secrets: &[String], text: &str, where_: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "secret {s} leaked in {where_}");
    }
}

fn assert_redacted(i: &Value, secrets: &[String], where_: &str) {
    for side in ["source", "target"] {
        assert_eq!(i[side]["inbound_secret"], "***", "{where_}: {i}");
        for (_, v) in i[side]["credentials"]
            .as_object()
            .cloned()
            .unwrap_or_default()
        {
            assert_eq!(v, "***", "{where_}: {i}");
        }
    }
    assert_no_secret(secrets, &i.to_string(), where_);
}

fn status_of(e: &ApiError) -> u16 {
    match e {
        ApiError::Refused { status, .. } => *status,
        ApiError::Unreachable { .. } => 0,
    }
}

/// The row the export should hold for an integration as GET shows it.
fn expected_row(i: &Value) -> Vec<String> {
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    vec![
        s(&i["id"]),
        s(&i["name"]),
        s(&i["enabled"]),
        s(&i["mode"]),
        s(&i["source"]["provider"]),
        s(&i["source"]["base_url"]),
        s(&i["target"]["provider"]),
        s(&i["target"]["base_url"]),
        s(&i["send_all_status_changes"]),
        s(&i["client_key"]),
        s(&i["create_missing_client"]),
        s(&i["generator_agent"]),
        s(&i["updated_at"]),
    ]
}

/// Compares rows, reading `updated at` to the second (the export writes
/// RFC 3339 in UTC without fractions).
fn assert_rows(got: &[Vec<String>], want: &[Vec<String>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g[..12], w[..12], "{what}");
        let (g_at, w_at) = (&g[12], &w[12]);
        assert!(
            g_at.len() == 20 && g_at.ends_with('Z') && w_at.starts_with(&g_at[..19]),
            "{what}: updated at {g_at} vs {w_at}"
        );
    }
}

/// A small RFC 4180 reader: quoted fields may hold commas, doubled quotes
/// and line breaks; records end with CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "records end with CRLF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("a bare LF outside quotes"),
            other => field.push(other),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "the last record lacks its CRLF"
    );
    rows
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("the XLSX opens");
    assert_eq!(book.sheet_names(), ["Integrations"]);
    let styles = book.worksheet_style("Integrations").expect("styles");
    for col in 0..13 {
        let bold = styles
            .get((0, col))
            .and_then(|s| s.font.as_ref())
            .is_some_and(|f| f.is_bold());
        assert!(bold, "header cell {col} is bold");
    }
    let range = book.worksheet_range("Integrations").expect("the sheet");
    assert_eq!(range.start(), Some((0, 0)), "the header is in A1");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Bool(b) => b.to_string(),
                    Data::Empty => String::new(),
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect()
        })
        .collect()
}

async fn download(t: &TestFleet, query: &str) -> reqwest::Response {
    t.http
        .get(format!(
            "{}/api/v1/integrations/export{query}",
            t.url(Svc::Admin)
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("the admin API answers")
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn utc_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        / 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test]
async fn the_integration_center_manages_and_exports_integrations() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Admin],
        ..Options::default()
    })
    .await;
    let f = fixture(&t.ns);

    // Create two integrations; what comes back hides the secrets.
    for body in [&f.movi, &f.okdesk] {
        let id = body["id"].as_str().expect("id");
        let created = t
            .admin
            .put(&format!("/integrations/{id}"), body)
            .await
            .unwrap_or_else(|e| panic!("create {id}: {e}"));
        assert_eq!(created["id"], id);
        assert_redacted(&created, &f.secrets, "the create answer");
    }

    // List, by the API and the CLI.
    let list = t.admin.get("/integrations").await.expect("list");
    let ids: Vec<&str> = list["integrations"]
        .as_array()
        .expect("integrations")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, ["center-movi", "center-okdesk"]);
    for i in list["integrations"].as_array().expect("integrations") {
        assert_redacted(i, &f.secrets, "the list");
    }
    let (ok, text) = t.cli(&["integrations", "list"]).await;
    assert!(ok, "{text}");
    assert!(
        text.contains("center-movi") && text.contains("center-okdesk"),
        "{text}"
    );
    assert!(text.contains("movidesk → okdesk"), "{text}");
    assert_no_secret(&f.secrets, &text, "`ponte integrations list`");

    // Get: every secret shows as ***.
    let got = t
        .admin
        .get("/integrations/center-okdesk")
        .await
        .expect("get");
    assert_eq!(got["mode"], "manual");
    assert_eq!(got["target"]["provider"], "okdesk");
    assert_redacted(&got, &f.secrets, "get");
    let (ok, text) = t.cli(&["integrations", "get", "center-movi"]).await;
    assert!(ok && text.contains("\"***\""), "{text}");
    assert_no_secret(&f.secrets, &text, "`ponte integrations get`");

    // Disable through the API, enable through the CLI.
    let off = t
        .admin
        .post("/integrations/center-movi/disable", &json!({}))
        .await
        .expect("disable");
    assert_eq!(off["enabled"], false);
    let got = t.admin.get("/integrations/center-movi").await.expect("get");
    assert_eq!(got["enabled"], false, "disabled is stored");
    let (ok, text) = t.cli(&["integrations", "enable", "center-movi"]).await;
    assert!(ok, "{text}");
    assert_eq!(text.trim(), "enabled integration center-movi", "one line");
    // A mistyped id is an error, with a non-zero exit.
    let (ok, text) = t
        .cli(&["links", "history", "center-movi:no-such-ticket"])
        .await;
    assert!(!ok, "{text}");
    assert!(
        text.contains("no link `center-movi:no-such-ticket`"),
        "{text}"
    );
    let (ok, text) = t
        .cli(&["dlq", "replay", "movidesk", "--id", "no-such-message"])
        .await;
    assert!(!ok, "{text}");
    assert!(
        text.contains("no parked message `no-such-message`"),
        "{text}"
    );
    // An empty list says why when that is the integration's nature.
    let (ok, text) = t
        .cli(&["links", "eligible", "--integration", "center-movi"])
        .await;
    assert!(ok, "{text}");
    assert!(
        text.contains("(none)") && text.contains("automatic mode"),
        "{text}"
    );
    // Dead letters filtered by reason, limited, with their age.
    let (ok, text) = t
        .cli(&["dlq", "list", "--reason", "no such reason", "--limit", "5"])
        .await;
    assert!(ok, "{text}");
    assert!(text.contains("PARKED") && text.contains("(none)"), "{text}");
    let (ok, text) = t.cli(&["dlq", "list", "--limit", "0"]).await;
    assert!(
        !ok && text.contains("--limit"),
        "a limit of 0 is refused: {text}"
    );
    let got = t.admin.get("/integrations/center-movi").await.expect("get");
    assert_eq!(got["enabled"], true, "enabled again");
    let (ok, text) = t.cli(&["integrations", "disable", "center-okdesk"]).await;
    assert!(ok, "{text}");
    assert_eq!(
        text.trim(),
        "disabled integration center-okdesk",
        "one line"
    );
    let (ok, text) = t
        .cli(&["--json", "integrations", "disable", "center-okdesk"])
        .await;
    assert!(ok && text.contains("\"enabled\": false"), "{text}");

    // Clone: a new id, disabled, and no secret in the answer.
    let (ok, text) = t
        .cli(&[
            "integrations",
            "clone",
            "center-movi",
            "--new-id",
            "center-movi-copy",
            "--name",
            "Copy of São Paulo",
        ])
        .await;
    assert!(ok, "{text}");
    assert_eq!(text.trim().lines().count(), 1, "one line: {text}");
    assert!(text.contains("center-movi-copy"), "{text}");
    assert_no_secret(&f.secrets, &text, "`ponte integrations clone`");
    let copy = t
        .admin
        .get("/integrations/center-movi-copy")
        .await
        .expect("the clone");
    assert_eq!(copy["id"], "center-movi-copy");
    assert_eq!(copy["name"], "Copy of São Paulo");
    assert_eq!(copy["enabled"], false, "a clone starts disabled");
    assert_eq!(copy["source"]["base_url"], f.movi["source"]["base_url"]);
    assert_redacted(&copy, &f.secrets, "the clone");
    let again = t
        .admin
        .post(
            "/integrations/center-okdesk/clone",
            &json!({"id": "center-okdesk-copy"}),
        )
        .await
        .expect("clone by the API");
    assert_eq!(again["enabled"], false);
    assert_eq!(again["name"], "Москва\nпилот (copy)");
    assert_redacted(&again, &f.secrets, "the clone answer");
    let taken = t
        .admin
        .post(
            "/integrations/center-okdesk/clone",
            &json!({"id": "center-movi"}),
        )
        .await
        .expect_err("cloning onto an existing id is refused");
    assert_eq!(status_of(&taken), 409);

    // Delete, then it is gone.
    let (ok, text) = t.cli(&["integrations", "delete", "center-movi-copy"]).await;
    assert!(ok, "{text}");
    let gone = t
        .admin
        .get("/integrations/center-movi-copy")
        .await
        .expect_err("deleted");
    assert_eq!(status_of(&gone), 404);
    t.admin
        .delete("/integrations/center-okdesk-copy")
        .await
        .expect("delete by the API");
    let gone = t
        .admin
        .delete("/integrations/center-okdesk-copy")
        .await
        .expect_err("deleted twice");
    assert_eq!(status_of(&gone), 404);
    let (ok, text) = t.cli(&["integrations", "get", "center-movi-copy"]).await;
    assert!(!ok && text.contains("404"), "{text}");

    // What the export must hold: the two integrations as GET shows them.
    let want: Vec<Vec<String>> = {
        let mut rows = Vec::new();
        for id in ["center-movi", "center-okdesk"] {
            let i = t
                .admin
                .get(&format!("/integrations/{id}"))
                .await
                .expect("get");
            rows.push(expected_row(&i));
        }
        rows
    };
    assert_eq!(want[0][2], "true");
    assert_eq!(want[1][2], "false");
    let before = utc_today();

    // XLSX, the default format.
    let resp = download(&t, "").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = header(&resp, "content-disposition");
    let after = utc_today();
    assert!(
        [&before, &after].iter().any(|d| disposition
            == format!("attachment; filename=\"ponte-integrations-{d}.xlsx\"")),
        "{disposition}"
    );
    let xlsx = resp.bytes().await.expect("the XLSX");
    let sheet = xlsx_rows(&xlsx);
    assert_eq!(sheet[0], HEADERS, "the header row");
    assert_rows(&sheet[1..], &want, "the XLSX");
    for row in &sheet {
        for cell in row {
            assert_no_secret(&f.secrets, cell, "an XLSX cell");
            assert_ne!(cell, "***", "not even redacted secrets are exported");
        }
    }
    let explicit = download(&t, "?format=xlsx").await;
    assert_eq!(explicit.status(), 200);
    let explicit = explicit.bytes().await.expect("the XLSX");
    assert_eq!(xlsx_rows(&explicit), sheet, "?format=xlsx is the default");

    // CSV: RFC 4180, the same rows.
    let resp = download(&t, "?format=csv").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "text/csv; charset=utf-8");
    let disposition = header(&resp, "content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"ponte-integrations-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let csv = resp.text().await.expect("the CSV");
    assert_no_secret(&f.secrets, &csv, "the CSV");
    assert!(
        csv.contains("\"Suporte, \"\"N1\"\" — São Paulo\""),
        "commas and quotes are quoted: {csv}"
    );
    assert!(
        csv.contains("\"Москва\nпилот\""),
        "line breaks are quoted: {csv}"
    );
    let parsed = parse_csv(&csv);
    assert_eq!(parsed[0], HEADERS);
    assert_rows(&parsed[1..], &want, "the CSV");
    assert_eq!(parsed, sheet, "the CSV and the XLSX hold the same rows");

    // Wrong format, and no token.
    let resp = download(&t, "?format=pdf").await;
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.expect("a JSON error");
    assert_eq!(err["error"]["code"], "invalid_format");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("xlsx") && message.contains("csv"),
        "{message}"
    );
    let resp = t
        .http
        .get(format!(
            "{}/api/v1/integrations/export?format=csv",
            t.url(Svc::Admin)
        ))
        .send()
        .await
        .expect("the admin API answers");
    assert_eq!(resp.status(), 401, "the export needs the admin token");

    // The CLI writes the same files.
    let dir = std::env::temp_dir().join(format!("ponte-export-{}", t.ns));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let csv_path = dir.join("integrations.csv");
    let csv_arg = csv_path.to_str().expect("a UTF-8 path");
    let (ok, text) = t
        .cli(&["integrations", "export", "--format", "csv", "-o", csv_arg])
        .await;
    assert!(ok, "{text}");
    let from_cli = std::fs::read_to_string(&csv_path).expect("the CLI wrote the CSV");
    assert_no_secret(&f.secrets, &from_cli, "the CLI's CSV");
    assert_eq!(parse_csv(&from_cli), parsed, "the CLI's CSV");
    let xlsx_path = dir.join("integrations.xlsx");
    let xlsx_arg = xlsx_path.to_str().expect("a UTF-8 path");
    let (ok, text) = t
        .cli(&["integrations", "export", "--format", "xlsx", "-o", xlsx_arg])
        .await;
    assert!(ok, "{text}");
    let from_cli = std::fs::read(&xlsx_path).expect("the CLI wrote the XLSX");
    assert_eq!(xlsx_rows(&from_cli), sheet, "the CLI's XLSX");
    let (ok, text) = t
        .cli(&["integrations", "export", "--format", "pdf", "-o", csv_arg])
        .await;
    assert!(!ok, "an unknown format fails: {text}");
    assert!(
        text.contains("xlsx") && text.contains("csv"),
        "the error names the formats: {text}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // After a delete the export has one row fewer.
    t.admin
        .delete("/integrations/center-okdesk")
        .await
        .expect("delete");
    let csv = download(&t, "?format=csv")
        .await
        .text()
        .await
        .expect("the CSV");
    let parsed = parse_csv(&csv);
    assert_eq!(parsed.len(), 2, "the header and center-movi: {csv}");
    assert_eq!(parsed[1][0], "center-movi");

    t.teardown().await;
}
