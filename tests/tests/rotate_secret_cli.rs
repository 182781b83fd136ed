//! `ponte integrations rotate-secret` (issue 15, item 7): one line that
//! shows the generated secret once and never the old one; the ingress
//! accepts both during the overlap, and only the new one after a rotation
//! with `--overlap 0s`; a secret given on standard input is not echoed; bad
//! input and unknown integrations fail.

use ponte_cli::fleet::FleetOptions;
use ponte_e2e::{ADMIN_TOKEN, CHANGE_REACHES_INGRESS, Options, Svc, TestFleet};
use reqwest::StatusCode;
use serde_json::json;

async fn hook(t: &TestFleet, integration: &str, secret: &str) -> StatusCode {
    t.http
        .post(format!(
            "{}/hooks/movidesk/{integration}",
            t.url(Svc::Ingress)
        ))
        .bearer_auth(secret)
        .json(&json!({"Id": 4343, "Subject": "cli rotation"}))
        .send()
        .await
        .expect("ingress answers")
        .status()
}

/// The secret at the end of the command's line.
fn shown_secret(line: &str) -> String {
    line.trim()
        .rsplit(": ")
        .next()
        .expect("the line ends with the secret")
        .to_string()
}

async fn accepted_soon(t: &TestFleet, integration: &str, secret: &str) {
    t.eventually(
        "the ingress accepts the new secret",
        CHANGE_REACHES_INGRESS * 3,
        || async { (hook(t, integration, secret).await == StatusCode::ACCEPTED).then_some(()) },
    )
    .await;
}

/// Runs the real `ponte` CLI against the fleet with `input` on its stdin.
async fn cli_with_stdin(t: &TestFleet, args: &[&str], input: &str) -> (bool, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(FleetOptions::default_bin_dir().join("ponte"))
        .args(args)
        .env("PONTE_ADMIN_URL", t.url(Svc::Admin))
        .env("PONTE_ADMIN_TOKEN", ADMIN_TOKEN)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run ponte: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(input.as_bytes())
        .await
        .expect("ponte reads stdin");
    drop(stdin);
    let out = child.wait_with_output().await.expect("ponte finishes");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn rotate_secret_prints_the_new_secret_once_and_the_ingress_follows() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        env: vec![],
    })
    .await;
    let pair = t.movidesk_pair("turn").await;

    let (ok, out) = t
        .cli(&[
            "integrations",
            "rotate-secret",
            "turn",
            "--side",
            "source",
            "--overlap",
            "1h",
        ])
        .await;
    assert!(ok, "{out}");
    assert_eq!(out.trim().lines().count(), 1, "one line: {out}");
    assert!(out.contains("shown only this once"), "{out}");
    assert!(out.contains("the old one is accepted until"), "{out}");
    assert!(
        !out.contains(&pair.secret_a),
        "the old secret is never shown"
    );
    let first = shown_secret(&out);
    assert!(first.len() >= 32, "{out}");

    // Both secrets work during the overlap; the other side is untouched.
    accepted_soon(&t, "turn", &first).await;
    assert_eq!(hook(&t, "turn", &pair.secret_a).await, StatusCode::ACCEPTED);
    assert_eq!(hook(&t, "turn", &pair.secret_b).await, StatusCode::ACCEPTED);
    // The admin never shows it again.
    let stored = t.admin.get("/integrations/turn").await.expect("read back");
    assert_eq!(stored["source"]["inbound_secret"], "***", "{stored}");
    assert!(!stored.to_string().contains(&first));

    // A leaked secret: no overlap, the one before is refused at once.
    let (ok, out) = t
        .cli(&[
            "integrations",
            "rotate-secret",
            "turn",
            "--side",
            "source",
            "--overlap",
            "0s",
        ])
        .await;
    assert!(ok, "{out}");
    assert!(out.contains("the old one is refused from now on"), "{out}");
    assert!(!out.contains(&first), "the old secret is never shown");
    let second = shown_secret(&out);
    accepted_soon(&t, "turn", &second).await;
    assert_eq!(hook(&t, "turn", &first).await, StatusCode::UNAUTHORIZED);

    // A secret of the operator's choosing comes on standard input and is
    // not echoed.
    let chosen = format!("chosen-{}-0123456789", t.ns);
    let (ok, out) = cli_with_stdin(
        &t,
        &[
            "integrations",
            "rotate-secret",
            "turn",
            "--side",
            "source",
            "--secret-stdin",
        ],
        &format!("{chosen}\n"),
    )
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("the one given on standard input"), "{out}");
    assert!(!out.contains(&chosen), "{out}");
    accepted_soon(&t, "turn", &chosen).await;
    assert_eq!(hook(&t, "turn", &second).await, StatusCode::ACCEPTED);

    // Bad input and unknown integrations fail with a reason.
    let (ok, out) = t
        .cli(&[
            "integrations",
            "rotate-secret",
            "turn",
            "--side",
            "source",
            "--overlap",
            "31d",
        ])
        .await;
    assert!(!ok, "{out}");
    assert!(out.contains("30 days"), "{out}");
    let (ok, out) = t
        .cli(&["integrations", "rotate-secret", "nope", "--side", "target"])
        .await;
    assert!(!ok, "{out}");
    assert!(out.contains("404"), "{out}");
    t.teardown().await;
}
