//! Issue 11, item 8: what agents see of an integration inside Movidesk —
//! the counterpart's number and URL where configured, the counterpart's
//! status on the link (API and CLI), and Ponte's history lines as internal
//! actions, once each; with the options off, not one extra call.

use std::time::Duration;

use ponte_e2e::{Options, Pair, Svc, TestFleet, action_texts, id_of};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

fn services() -> Options {
    Options {
        services: vec![
            Svc::Sandbox,
            Svc::Router,
            Svc::WorkerMovidesk,
            Svc::Ingress,
            Svc::Admin,
        ],
        env: vec![],
    }
}

/// Two sandbox domains and an integration in `mode` whose endpoints carry
/// `view_a` and `view_b` (desk-view options).
async fn integrated(t: &TestFleet, id: &str, mode: &str, view_a: Value, view_b: Value) -> Pair {
    let pair = t.movidesk_domains(id, json!({})).await;
    let api = t.sandbox.movidesk_api();
    let endpoint = |token: String, secret: &str, view: &Value| {
        let mut e = json!({"provider": "movidesk", "base_url": api, "credentials": {"token": token}, "inbound_secret": secret});
        if let (Some(e), Some(v)) = (e.as_object_mut(), view.as_object()) {
            e.extend(v.clone());
        }
        e
    };
    let body = json!({
        "id": id, "name": id, "enabled": true, "mode": mode, "client_key": "email",
        "generator_agent": "gen-b", "source_agent": "ponte-a", "reconcile_every_secs": 0,
        "source": endpoint(pair.token_a(), &pair.secret_a, &view_a),
        "target": endpoint(pair.token_b(), &pair.secret_b, &view_b),
    });
    t.admin
        .put(&format!("/integrations/{id}"), &body)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    pair
}

async fn ticket(t: &TestFleet, domain: &str, id: &str) -> Value {
    t.sandbox
        .movidesk_ticket(domain, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn field(ticket: &Value, id: i64) -> Option<String> {
    ticket["customFieldValues"]
        .as_array()?
        .iter()
        .find(|c| c["customFieldId"] == json!(id))
        .and_then(|c| c["value"].as_str().map(str::to_string))
}

/// Internal actions Ponte's agent wrote on the ticket whose text has `what`.
fn ponte_notes(ticket: &Value, agent: &str, what: &str) -> usize {
    ticket["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|a| a["type"] == 1 && a["createdBy"]["id"] == agent)
        .filter(|a| action_texts(&json!({"actions": [a]}))[0].contains(what))
        .count()
}

async fn settle(t: &TestFleet) {
    t.settled(WAIT).await;
    // Echo webhooks of the last writes reach the ingress a moment later.
    tokio::time::sleep(Duration::from_millis(800)).await;
    t.settled(WAIT).await;
}

#[tokio::test]
async fn agents_see_the_counterpart_its_status_and_the_link_history_in_movidesk() {
    let t = TestFleet::start(services()).await;
    let pair = integrated(
        &t,
        "view",
        "automatic",
        json!({
            "ticket_url": "https://a.example/Ticket/Edit/{id}",
            "counterpart_field": {"id": 900, "rule": 90},
            "history_in_ticket": true,
        }),
        json!({"ticket_url": "https://b.example/Ticket/Edit/{id}", "counterpart_note": true}),
    )
    .await;
    let a = t.open_ticket(&pair, "Impressora sem toner").await;
    let b = t.counterpart_id(&pair, &a).await;

    // A shows B's number and URL in its field, beside the marker tag.
    let shown = format!("Movidesk #{b} — https://b.example/Ticket/Edit/{b}");
    let ta = t
        .eventually("B's number in A's field", WAIT, || async {
            let ta = ticket(&t, &pair.a, &a).await;
            (field(&ta, 900).as_deref() == Some(shown.as_str())).then_some(ta)
        })
        .await;
    assert!(
        ta["tags"]
            .as_array()
            .is_some_and(|tags| tags.contains(&json!(format!("ponte-view-{b}")))),
        "the marker stays: {ta}"
    );
    // B shows A's number and URL in its opening action (no call of its own).
    let tb = ticket(&t, &pair.b, &b).await;
    assert!(
        action_texts(&tb)[0].contains(&format!(
            "<a href=\"https://a.example/Ticket/Edit/{a}\">#{a}</a>"
        )),
        "{tb}"
    );
    assert!(
        field(&tb, 900).is_none(),
        "B has no counterpart field configured"
    );

    // The creation's history line is an internal action on A, once.
    t.eventually("the creation's line on A", WAIT, || async {
        let ta = ticket(&t, &pair.a, &a).await;
        (ponte_notes(&ta, "ponte-a", "integrated ticket created automatically") == 1).then_some(())
    })
    .await;
    settle(&t).await;

    // B's agent changes B's status; the answers to A's next two PATCHes
    // (the status, then its history line) are lost after they applied.
    t.sandbox
        .fault(
            &pair.a,
            &json!({"error_rate": 1.0, "error_status": 502, "methods": ["PATCH"], "count": 2, "after_effect": true}),
        )
        .await
        .expect("fault");
    t.sandbox
        .movidesk_ui_status(&pair.b, &b, "Em atendimento", "agent-b")
        .await
        .expect("status");

    // The link follows: the counterpart's status through the API...
    let link = format!("view:{a}");
    t.eventually("B's status on the link", WAIT, || async {
        let l = t.admin.get(&format!("/links/{link}")).await.ok()?;
        (l["status"]["target"]["status"] == "Em atendimento").then_some(())
    })
    .await;
    t.eventually("A's status crossed", WAIT, || async {
        (ticket(&t, &pair.a, &a).await["status"] == "Em atendimento").then_some(())
    })
    .await;
    settle(&t).await;
    // ...and the real CLI.
    let (ok, out) = t.cli(&["links", "show", &link]).await;
    assert!(ok, "{out}");
    let target_row = out
        .lines()
        .find(|l| l.starts_with("target"))
        .unwrap_or_default();
    assert!(
        target_row.contains(&format!("#{b}")) && target_row.contains("Em atendimento"),
        "{out}"
    );

    // The crossed status's line is on A once, though its PATCH was
    // answered with an error after it applied and the command ran again.
    let ta = ticket(&t, &pair.a, &a).await;
    assert_eq!(
        ponte_notes(&ta, "ponte-a", "status mirrored"),
        1,
        "{}",
        action_texts(&ta).join("\n")
    );
    assert_eq!(
        ponte_notes(&ta, "ponte-a", "integrated ticket created automatically"),
        1
    );
    // B asked for no history: nothing of Ponte's beyond its opening action.
    let tb = ticket(&t, &pair.b, &b).await;
    assert_eq!(ponte_notes(&tb, "gen-b", "Ponte ·"), 0, "{tb}");
    let (ok, dlq) = t.cli(&["dlq", "list"]).await;
    assert!(ok && dlq.contains("(none)"), "nothing parked: {dlq}");
    t.teardown().await;
}

#[tokio::test]
async fn with_the_options_off_a_link_costs_no_extra_movidesk_call() {
    let t = TestFleet::start(services()).await;
    let pair = integrated(&t, "plain", "automatic", json!({}), json!({})).await;
    settle(&t).await;
    let before_a = t.sandbox.requests(&pair.a).await.expect("log").len();
    let before_b = t.sandbox.requests(&pair.b).await.expect("log").len();

    let a = t.open_ticket(&pair, "Sem opções").await;
    let b = t.counterpart_id(&pair, &a).await;
    settle(&t).await;
    t.sandbox
        .movidesk_ui_status(&pair.b, &b, "Em atendimento", "agent-b")
        .await
        .expect("status");
    t.eventually("A's status crossed", WAIT, || async {
        (ticket(&t, &pair.a, &a).await["status"] == "Em atendimento").then_some(())
    })
    .await;
    settle(&t).await;

    let calls = |log: Vec<Value>, skip: usize| -> Vec<String> {
        log.iter()
            .skip(skip)
            .map(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap_or("?"),
                    r["path"].as_str().unwrap_or("?")
                )
            })
            .collect()
    };
    let on_a = calls(t.sandbox.requests(&pair.a).await.expect("log"), before_a);
    let on_b = calls(t.sandbox.requests(&pair.b).await.expect("log"), before_b);
    let writes = |c: &[String]| c.iter().filter(|c| !c.starts_with("GET")).count();
    // A: the marker tag and the crossed status. B: the create.
    assert_eq!(writes(&on_a), 2, "A: {on_a:?}");
    assert_eq!(writes(&on_b), 1, "B: {on_b:?}");
    let ta = ticket(&t, &pair.a, &a).await;
    assert_eq!(ponte_notes(&ta, "ponte-a", ""), 0, "no note on A: {ta}");
    assert!(field(&ta, 900).is_none());
    let tb = ticket(&t, &pair.b, &b).await;
    assert!(!action_texts(&tb)[0].contains("Integrated ticket"), "{tb}");
    // The link still knows both statuses: they cost no call.
    let l = t
        .admin
        .get(&format!("/links/plain:{a}"))
        .await
        .expect("link");
    assert_eq!(l["status"]["target"]["status"], "Em atendimento", "{l}");
    t.teardown().await;
}

/// The PATCHes and POSTs a domain served after the first `skip` requests.
async fn writes_since(t: &TestFleet, domain: &str, skip: usize) -> Vec<String> {
    t.sandbox
        .requests(domain)
        .await
        .expect("log")
        .iter()
        .skip(skip)
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap_or("?"),
                r["path"].as_str().unwrap_or("?")
            )
        })
        .filter(|c| !c.starts_with("GET"))
        .collect()
}

#[tokio::test]
async fn an_associated_pair_shows_each_other_until_the_link_is_removed() {
    let t = TestFleet::start(services()).await;
    let pair = integrated(
        &t,
        "assoc",
        "manual",
        json!({"ticket_url": "https://a.example/Ticket/Edit/{id}", "counterpart_field": {"id": 901, "rule": 91}}),
        json!({
            "ticket_url": "https://b.example/Ticket/Edit/{id}",
            "counterpart_field": {"id": 902, "rule": 92},
            "history_in_ticket": true,
        }),
    )
    .await;
    let a = t.open_ticket(&pair, "Associar").await;
    t.eventually("the ticket eligible", WAIT, || async {
        let (ok, out) = t
            .cli(&["links", "eligible", "--integration", "assoc"])
            .await;
        (ok && out.contains(&a)).then_some(())
    })
    .await;
    let existing = t
        .sandbox
        .movidesk_ui_ticket(&pair.b, &json!({
            "type": 2, "subject": "Já existe em B", "createdBy": {"id": "agent-b"}, "clients": [{"id": "ana-b"}],
            "actions": [{"type": 2, "description": "aberto em B", "createdBy": {"id": "ana-b"}}]
        }))
        .await
        .expect("ticket");
    let b = id_of(&existing["id"]);
    settle(&t).await;
    let before_a = t.sandbox.requests(&pair.a).await.expect("log").len();
    let before_b = t.sandbox.requests(&pair.b).await.expect("log").len();

    let (ok, out) = t
        .cli(&[
            "links",
            "associate",
            "--integration",
            "assoc",
            "--ticket",
            &a,
            "--with",
            &b,
        ])
        .await;
    assert!(ok && out.contains("associated"), "{out}");
    t.eventually("each ticket showing the other", WAIT, || async {
        let ta = ticket(&t, &pair.a, &a).await;
        let tb = ticket(&t, &pair.b, &b).await;
        (field(&ta, 901)? == format!("Movidesk #{b} — https://b.example/Ticket/Edit/{b}")
            && field(&tb, 902)? == format!("Movidesk #{a} — https://a.example/Ticket/Edit/{a}")
            && ponte_notes(&tb, "gen-b", "ticket associated") == 1)
            .then_some(())
    })
    .await;
    settle(&t).await;
    // The field rides on the marker's PATCH; B's history line is its own.
    let on_a = writes_since(&t, &pair.a, before_a).await;
    let on_b = writes_since(&t, &pair.b, before_b).await;
    assert_eq!(on_a.len(), 1, "A: {on_a:?}");
    assert_eq!(on_b.len(), 2, "B: {on_b:?}");
    assert_eq!(
        ponte_notes(&ticket(&t, &pair.a, &a).await, "ponte-a", ""),
        0,
        "A asked for no history"
    );
    // Both statuses are on the link from the start.
    let link = format!("assoc:{a}");
    let l = t.admin.get(&format!("/links/{link}")).await.expect("link");
    assert!(
        l["status"]["source"]["status"].is_string() && l["status"]["target"]["status"].is_string(),
        "{l}"
    );

    // Removed: the fields go with the markers; B's history says so once.
    let (ok, out) = t.cli(&["links", "remove", &link]).await;
    assert!(ok, "{out}");
    t.eventually("the fields off both tickets", WAIT, || async {
        let ta = ticket(&t, &pair.a, &a).await;
        let tb = ticket(&t, &pair.b, &b).await;
        (field(&ta, 901).is_none() && field(&tb, 902).is_none()).then_some(())
    })
    .await;
    settle(&t).await;
    let tb = ticket(&t, &pair.b, &b).await;
    assert_eq!(
        ponte_notes(&tb, "gen-b", "link removed"),
        1,
        "{}",
        action_texts(&tb).join("\n")
    );
    assert!(
        !tb["tags"]
            .as_array()
            .is_some_and(|tags| tags.contains(&json!(format!("ponte-assoc-{a}")))),
        "{tb}"
    );
    t.teardown().await;
}
