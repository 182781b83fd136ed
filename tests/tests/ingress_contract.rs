//! The ingress contract of DESIGN §3, against the real ingress, broker and
//! Redis. The router is not started (but for the retry test), so whatever
//! the ingress published stays in the event queues to be counted.

use std::time::Duration;

use ponte_e2e::{CHANGE_REACHES_INGRESS, Options, Svc, TestFleet};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(
    t: &TestFleet,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = t
        .http
        .post(format!("{}{path}", t.url(Svc::Ingress)))
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("ingress answers {path}: {e:?}"));
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn every_refusal_has_its_status_and_code_and_publishes_nothing() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("contract").await;
    let good = serde_json::to_vec(&json!({"Id": 1234, "Subject": "x"})).expect("json");
    let json_ct = ("content-type", "application/json");
    let bearer = format!("Bearer {}", pair.secret_a);
    let auth = ("authorization", bearer.as_str());
    let big = vec![b' '; 1024 * 1024 + 10];

    // (path, headers, body, expected status, expected error code)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Vec<u8>,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "/hooks/zendesk/contract",
            vec![json_ct, auth],
            good.clone(),
            StatusCode::NOT_FOUND,
            "unknown_provider",
        ),
        (
            "/hooks/movidesk/nope",
            vec![json_ct, auth],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "/hooks/okdesk/contract",
            vec![json_ct, auth],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, ("authorization", "Bearer wrong-secret")],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "/hooks/movidesk/contract?token=wrong",
            vec![json_ct],
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            "/hooks/movidesk/contract",
            vec![("content-type", "text/plain"), auth],
            good.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            big,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            br#"{"Subject":"no id"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "/hooks/movidesk/contract",
            vec![json_ct, auth],
            br#"{"Id":"abc"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    for (path, headers, body, status, code) in cases {
        let (got, answer) = post(&t, path, &headers, body).await;
        assert_eq!(got, status, "{path} {headers:?}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{path}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > 10,
            "a message a person can act on: {answer}"
        );
        assert!(
            !message.contains(&pair.secret_a) && !message.contains("wrong-secret"),
            "never echo secrets: {answer}"
        );
    }
    let (_, answer) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, auth],
        br#"{"Subject":"no id"}"#.to_vec(),
    )
    .await;
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Id"),
        "names the field: {answer}"
    );

    // A disabled integration is refused like a wrong secret.
    t.admin
        .post("/integrations/contract/disable", &json!({}))
        .await
        .expect("disable");
    tokio::time::sleep(CHANGE_REACHES_INGRESS).await;
    let (got, answer) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, auth],
        good.clone(),
    )
    .await;
    assert_eq!(
        (got, answer["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    assert_eq!(
        t.events_waiting().await,
        0,
        "refused webhooks publish nothing"
    );

    // The three ways to present the secret are accepted, and tell the side.
    t.admin
        .post("/integrations/contract/enable", &json!({}))
        .await
        .expect("enable");
    tokio::time::sleep(CHANGE_REACHES_INGRESS).await;
    let (s1, a1) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, auth],
        good.clone(),
    )
    .await;
    let x_token = ("x-ponte-token", pair.secret_b.as_str());
    let (s2, a2) = post(
        &t,
        "/hooks/movidesk/contract",
        &[json_ct, x_token],
        good.clone(),
    )
    .await;
    let query = format!("/hooks/movidesk/contract?token={}", pair.secret_a);
    let other = serde_json::to_vec(&json!({"Id": 99})).expect("json");
    let (s3, a3) = post(
        &t,
        &query,
        &[("content-type", "application/json; charset=utf-8")],
        other,
    )
    .await;
    assert_eq!(
        (s1, s2, s3),
        (
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED
        ),
        "{a1} {a2} {a3}"
    );
    assert_eq!(a1["duplicate"], false);
    assert_ne!(
        a1["event_id"], a2["event_id"],
        "the same body from the other side is another event"
    );
    assert_eq!(t.events_waiting().await, 3);
    t.teardown().await;
}

/// A body that passes the acceptance checks but whose meaning cannot be
/// read (a Blip ticket whose agent is a number) is refused whole with the
/// field named, and nothing is published: it is never queued to be parked
/// later (decision 99). The same envelope, readable, is accepted.
#[tokio::test]
async fn a_body_whose_meaning_cannot_be_read_is_refused_whole() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let b = t.blip_desk("contract-blip").await;
    let secret = format!("blip-channel-key-{}", b.contract);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", secret.as_str()),
    ];
    let ticket = |agent: Value| {
        serde_json::to_vec(&json!({
            "type": "application/vnd.iris.ticket+json", "id": "Ticket:t1:Open",
            "from": "t1@desk.msging.net/Webhook",
            "content": {"id": "t1", "status": "Open", "agentIdentity": agent},
        }))
        .expect("json")
    };
    let (got, answer) = post(&t, "/hooks/blip/contract-blip", &headers, ticket(json!(5))).await;
    assert_eq!(got, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_body", "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Blip envelope: `content`"),
        "names what was wrong: {answer}"
    );
    assert_eq!(t.events_waiting().await, 0, "nothing half-processed");

    let readable = ticket(json!("bia%40desk.test@blip.ai"));
    let (got, answer) = post(&t, "/hooks/blip/contract-blip", &headers, readable).await;
    assert_eq!(got, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(t.events_waiting().await, 1);
    t.teardown().await;
}

/// A provider's retry gets the same event id and `duplicate: true`; the
/// ingress learns that only after publishing (one Redis round trip per
/// webhook, decision 107), so the repeats reach the router, which drops
/// them: the event is routed once.
#[tokio::test]
async fn a_provider_retry_is_answered_as_a_duplicate_and_routed_once() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress, Svc::Router],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("dupes").await;
    let path = format!("/hooks/movidesk/dupes?token={}", pair.secret_a);
    let body = serde_json::to_vec(&json!({"Id": 77, "Actions": [{"Id": 1}], "WebhookEvents": [{"Criteria": 1, "Operation": 1}]})).expect("json");
    let mut ids = Vec::new();
    for i in 0..5 {
        let (status, answer) = post(
            &t,
            &path,
            &[("content-type", "application/json")],
            body.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(answer["duplicate"], i > 0, "attempt {i}: {answer}");
        ids.push(answer["event_id"].clone());
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one event id for one webhook: {ids:?}"
    );
    // No worker runs: what the router made of the five copies waits in
    // the work queue, one command.
    t.eventually(
        "the router took all five copies and sent one command",
        Duration::from_secs(20),
        || async {
            (t.events_waiting().await == 0 && t.messages_waiting().await == 1).then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(t.messages_waiting().await, 1, "routed once");
    t.teardown().await;
}

/// A webhook reporting only Ponte's own write at a desk (every action by
/// that side's Ponte agent, with its reference) is answered `own_write:
/// true` and queues nothing: the router would drop it unread (decision
/// 108). The same body written by a person is queued.
#[tokio::test]
async fn ponte_own_write_is_answered_and_not_queued() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("own").await;
    let path = format!("/hooks/movidesk/own?token={}", pair.secret_b);
    let json_ct = [("content-type", "application/json")];
    let by = |agent: &str| {
        serde_json::to_vec(&json!({"Id": 88, "Actions": [{"Id": 1,
            "Description": "Linked to Movidesk #12 <small>ponte ref 0123456789ab</small>",
            "CreatedBy": {"Id": agent}}]}))
        .expect("json")
    };

    let (status, answer) = post(&t, &path, &json_ct, by("gen-b")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["own_write"], true, "{answer}");
    assert_eq!(answer["duplicate"], false, "{answer}");
    assert!(answer["event_id"].is_string(), "{answer}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        t.events_waiting().await,
        0,
        "Ponte's own write is not queued"
    );

    // The same note by a person (the side's agent is `gen-b`): queued.
    let (status, answer) = post(&t, &path, &json_ct, by("agent-7")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert!(answer.get("own_write").is_none(), "{answer}");
    assert_eq!(t.events_waiting().await, 1);

    let text = t.metrics_page(Svc::Ingress).await;
    for line in [
        "ponte_webhooks_total{provider=\"movidesk\",outcome=\"own_write\"} 1",
        "ponte_webhooks_total{provider=\"movidesk\",outcome=\"accepted\"} 1",
        "ponte_echoes_dropped_total{kind=\"own_write\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
    t.teardown().await;
}

#[tokio::test]
async fn ops_endpoints_answer_on_every_service() {
    let t = TestFleet::start(Options::default()).await;
    for s in [Svc::Ingress, Svc::Router, Svc::WorkerMovidesk, Svc::Admin] {
        for path in ["/healthz", "/readyz", "/metrics"] {
            let r = t
                .http
                .get(format!("{}{path}", t.url(s)))
                .send()
                .await
                .expect("answers");
            assert_eq!(r.status(), StatusCode::OK, "{s:?} {path}");
            if path == "/metrics" {
                let text = r.text().await.expect("metrics text");
                let build = format!("ponte_build_info{{service=\"{}\",", s.binary());
                assert!(text.contains(&build), "{s:?}: {text}");
                assert!(text.contains("process_start_time_seconds "), "{s:?}");
            }
        }
    }
    // Admin calls need the token.
    let r = t
        .http
        .get(format!("{}/api/v1/integrations", t.url(Svc::Admin)))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    t.teardown().await;
}

/// The whole answer (status, content type, body) as text, to compare
/// answers byte for byte.
async fn raw_answer(t: &TestFleet, req: reqwest::RequestBuilder) -> (StatusCode, String, String) {
    let r = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("ingress answers: {e:?}"));
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let _ = t;
    (status, ct, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn unknown_disabled_and_wrong_secret_look_the_same_from_outside() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Sandbox, Svc::Admin, Svc::Ingress],
        ..Options::default()
    })
    .await;
    let pair = t.movidesk_pair("hidden").await;
    let url = format!("{}/hooks/movidesk/hidden", t.url(Svc::Ingress));
    let body = serde_json::to_vec(&json!({"Id": 5})).expect("json");
    let send = |secret: &str| {
        t.http
            .post(&url)
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {secret}"))
            .body(body.clone())
    };
    let wrong_secret = raw_answer(&t, send("not-the-secret-0123456789")).await;
    let no_secret = raw_answer(
        &t,
        t.http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone()),
    )
    .await;
    t.admin
        .post("/integrations/hidden/disable", &json!({}))
        .await
        .expect("disable");
    tokio::time::sleep(CHANGE_REACHES_INGRESS).await;
    let disabled = raw_answer(&t, send(&pair.secret_a)).await;
    t.admin
        .delete("/integrations/hidden")
        .await
        .expect("delete");
    tokio::time::sleep(CHANGE_REACHES_INGRESS).await;
    let unknown = raw_answer(&t, send(&pair.secret_a)).await;

    assert_eq!(wrong_secret.0, StatusCode::UNAUTHORIZED, "{wrong_secret:?}");
    let parsed: Value = serde_json::from_str(&wrong_secret.2).expect("JSON error body");
    assert_eq!(parsed["error"]["code"], "unauthorized", "{parsed}");
    assert_eq!(disabled, wrong_secret, "disabled vs wrong secret");
    assert_eq!(unknown, wrong_secret, "unknown vs wrong secret");
    assert_eq!(no_secret, wrong_secret, "no secret vs wrong secret");
    assert!(!wrong_secret.2.contains(&pair.secret_a));
    t.teardown().await;
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_huge_headers_get_the_json_error_body() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Ingress],
        ..Options::default()
    })
    .await;
    let base = t.url(Svc::Ingress);
    let cases = [
        (
            t.http.get(format!("{base}/no/such/path")),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            t.http.get(format!("{base}/hooks/movidesk/x")),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            t.http.delete(format!("{base}/metrics")),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            t.http
                .post(format!("{base}/hooks/movidesk/x"))
                .header("x-filler", "a".repeat(32 * 1024)),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
        ),
    ];
    for (req, status, code) in cases {
        let (got, ct, text) = raw_answer(&t, req).await;
        assert_eq!(got, status, "{text}");
        assert!(ct.starts_with("application/json"), "{status}: {ct}");
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}"));
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(
            v["error"]["message"].as_str().is_some_and(|m| m.len() > 10),
            "{v}"
        );
    }
    t.teardown().await;
}

/// Parses a Prometheus text exposition the way a scraper would: every line
/// is a comment or `name{label="value",...} number`; returns the samples
/// as (name, labels).
type Sample = (String, Vec<(String, String)>);

fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {line:?}", n + 1);
        let name_end = line.find(['{', ' ']).ok_or_else(|| bad("no value"))?;
        let name = &line[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        {
            return Err(bad("bad metric name"));
        }
        let mut rest = &line[name_end..];
        let mut labels = Vec::new();
        if let Some(r) = rest.strip_prefix('{') {
            rest = r;
            loop {
                if let Some(r) = rest.strip_prefix('}') {
                    rest = r;
                    break;
                }
                let eq = rest.find('=').ok_or_else(|| bad("label without ="))?;
                let key = rest[..eq].trim_start_matches(',').to_string();
                rest = rest[eq + 1..]
                    .strip_prefix('"')
                    .ok_or_else(|| bad("label value not quoted"))?;
                let mut value = String::new();
                let mut chars = rest.char_indices();
                let end = loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, c @ ('\\' | '"'))) => value.push(c),
                            _ => return Err(bad("bad escape")),
                        },
                        Some((i, '"')) => break i,
                        Some((_, c)) => value.push(c),
                        None => return Err(bad("unterminated label value")),
                    }
                };
                labels.push((key, value));
                rest = rest[end + 1..]
                    .strip_prefix(',')
                    .unwrap_or(&rest[end + 1..]);
            }
        }
        let value = rest.trim();
        if value.parse::<f64>().is_err() && !["+Inf", "-Inf", "NaN"].contains(&value) {
            return Err(bad("value is not a number"));
        }
        samples.push((name.to_string(), labels));
    }
    Ok(samples)
}

#[tokio::test]
async fn hostile_provider_names_neither_break_metrics_nor_add_series() {
    let t = TestFleet::start(Options {
        services: vec![Svc::Ingress],
        ..Options::default()
    })
    .await;
    let base = t.url(Svc::Ingress);
    let random = format!("prov{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    for path in [
        "/hooks/mo%0Avidesk/x".to_string(),
        "/hooks/a%22b%5Cc%0A%23%20TYPE/x".to_string(),
        format!("/hooks/{random}/x"),
        "/hooks/movidesk/x%0Ay".to_string(),
    ] {
        let r = t
            .http
            .post(format!("{base}{path}"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("ingress answers");
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
    let text = t
        .http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let samples = parse_exposition(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(
        !text.contains(&random),
        "a random name made a series:\n{text}"
    );
    let known = ["movidesk", "octadesk", "okdesk", "uis", "blip", "unknown"];
    let webhooks: Vec<_> = samples
        .iter()
        .filter(|(name, _)| name == "ponte_webhooks_total")
        .collect();
    assert!(!webhooks.is_empty(), "the refusals were counted:\n{text}");
    for (_, labels) in &samples {
        for (k, v) in labels {
            if k == "provider" {
                assert!(known.contains(&v.as_str()), "provider label {v:?}:\n{text}");
            }
        }
    }
    assert!(
        webhooks
            .iter()
            .any(|(_, l)| l.iter().any(|(k, v)| k == "provider" && v == "unknown")),
        "unknown providers are counted as `unknown`:\n{text}"
    );
    t.teardown().await;
}
