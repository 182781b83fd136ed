//! What an on-call engineer reads in the logs (issue 15, item 4): every
//! line names its service, lines inside a span carry the trace id (the same
//! one from the ingress through the router), refusals at the ingress say
//! provider, integration, code and client, and admin sign-in failures and
//! dead-letter replays/purges leave an audit line.

use std::time::Duration;

use ponte_e2e::{Options, Svc, TestFleet};
use serde_json::{Value, json};

/// The JSON lines of a service's log so far.
fn lines(t: &TestFleet, s: Svc) -> Vec<Value> {
    std::fs::read_to_string(t.fleet.log_path(s))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn is_trace_id(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit()))
}

#[tokio::test]
async fn log_lines_carry_service_and_trace_id_and_refusals_and_audits_are_logged() {
    let t = TestFleet::start(Options {
        services: vec![
            Svc::Sandbox,
            Svc::Admin,
            Svc::Router,
            Svc::WorkerMovidesk,
            Svc::Ingress,
        ],
        env: vec![("PONTE_LOG_FORMAT".into(), "json".into())],
    })
    .await;
    let pair = t.movidesk_pair("logs").await;
    let a = t.open_ticket(&pair, "Logged").await;
    t.counterpart_id(&pair, &a).await;

    // The ingress's accepted webhook, with its trace id...
    let accepted = t
        .eventually(
            "the accepted webhook's log line",
            Duration::from_secs(10),
            || async {
                lines(&t, Svc::Ingress)
                    .into_iter()
                    .find(|l| l["message"] == "webhook accepted")
            },
        )
        .await;
    assert_eq!(accepted["service"], "ponte-ingress", "{accepted}");
    assert!(is_trace_id(&accepted["trace_id"]), "{accepted}");
    // ...is the trace id of the router's line about the same event.
    let trace = accepted["trace_id"].clone();
    let routed = t
        .eventually(
            "the router's line in the same trace",
            Duration::from_secs(10),
            || async {
                lines(&t, Svc::Router)
                    .into_iter()
                    .find(|l| l["trace_id"] == trace && l["message"] == "command sent")
            },
        )
        .await;
    assert_eq!(routed["service"], "ponte-router", "{routed}");
    // Every line names its service.
    for s in [Svc::Ingress, Svc::Router, Svc::WorkerMovidesk, Svc::Admin] {
        let all = lines(&t, s);
        assert!(!all.is_empty(), "{} logs JSON", s.binary());
        assert!(
            all.iter().all(|l| l["service"] == s.binary()),
            "{}: {:?}",
            s.binary(),
            all.iter().find(|l| l["service"] != s.binary())
        );
    }

    // A refusal says who was refused, for what, and why.
    let r = t
        .http
        .post(format!("{}/hooks/movidesk/logs", t.url(Svc::Ingress)))
        .header("content-type", "application/json")
        .header("authorization", "Bearer not-the-secret-0123456789")
        .body(r#"{"Id": 1}"#)
        .send()
        .await
        .expect("ingress answers");
    assert_eq!(r.status().as_u16(), 401);
    let refused = t
        .eventually(
            "the refusal's log line",
            Duration::from_secs(10),
            || async {
                lines(&t, Svc::Ingress)
                    .into_iter()
                    .find(|l| l["message"] == "webhook refused")
            },
        )
        .await;
    let span = &refused["span"];
    assert_eq!(span["provider"], "movidesk", "{refused}");
    assert_eq!(span["integration"], "logs", "{refused}");
    assert_eq!(span["refusal"], "bad_secret", "{refused}");
    assert_eq!(refused["code"], "unauthorized", "{refused}");
    assert!(
        refused["client"]
            .as_str()
            .is_some_and(|c| c.starts_with("127.0.0.1:")),
        "{refused}"
    );
    assert!(is_trace_id(&refused["trace_id"]), "{refused}");
    let text = std::fs::read_to_string(t.fleet.log_path(Svc::Ingress)).unwrap_or_default();
    assert!(!text.contains("not-the-secret"), "no secret in the logs");

    // Admin: a wrong token, and a replay with its selection.
    let r = t
        .http
        .get(format!("{}/api/v1/integrations", t.url(Svc::Admin)))
        .header("authorization", "Bearer wrong-admin-token-0123456789")
        .send()
        .await
        .expect("admin answers");
    assert_eq!(r.status().as_u16(), 401);
    t.admin
        .post(
            "/dead-letters/movidesk/replay",
            &json!({"integration": "logs"}),
        )
        .await
        .expect("replay");
    let admin = t
        .eventually(
            "the admin's audit lines",
            Duration::from_secs(10),
            || async {
                let all = lines(&t, Svc::Admin);
                let sign_in = all
                    .iter()
                    .find(|l| l["action"] == "admin.sign_in")
                    .cloned()?;
                let replay = all.iter().find(|l| l["action"] == "dlq.replay").cloned()?;
                Some((sign_in, replay))
            },
        )
        .await;
    let (sign_in, replay) = admin;
    assert_eq!(sign_in["audit"], true, "{sign_in}");
    assert_eq!(sign_in["reason"], "wrong_token", "{sign_in}");
    assert!(
        sign_in["client"]
            .as_str()
            .is_some_and(|c| c.starts_with("127.0.0.1:"))
    );
    let admin_text = std::fs::read_to_string(t.fleet.log_path(Svc::Admin)).unwrap_or_default();
    assert!(
        !admin_text.contains("wrong-admin-token"),
        "no token in the logs"
    );
    assert_eq!(replay["audit"], true, "{replay}");
    assert_eq!(replay["queue"], "movidesk", "{replay}");
    assert!(
        replay["selection"]
            .as_str()
            .is_some_and(|s| s.contains("\"logs\"")),
        "the selection is in the audit line: {replay}"
    );
    assert_eq!(replay["replayed"], 0, "{replay}");
    t.teardown().await;
}
